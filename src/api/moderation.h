/*
 * moderation.h — the moderator surface (docs/api.md "Moderation"): queue, claim, case view,
 * decision, the appeal queue and appeal decisions. Every handler requires staff role
 * moderator or above (api/staff.h); appeals of urgent categories need senior_moderator.
 * Also the viewer-side marks (withheld / label) the message handlers apply.
 */
#ifndef HD_API_MODERATION_H
#define HD_API_MODERATION_H

#include "api/app.h"
#include "chat/types.h"

#include <jansson.h>

void hd_api_mod_queue(hd_call_t *call);         /* GET  /v1/mod/queue */
void hd_api_mod_claim(hd_call_t *call);         /* POST /v1/mod/cases/{id}/claim */
void hd_api_mod_case(hd_call_t *call);          /* GET  /v1/mod/cases/{id} */
void hd_api_mod_decide(hd_call_t *call);        /* POST /v1/mod/cases/{id}/decide */
void hd_api_mod_appeals(hd_call_t *call);       /* GET  /v1/mod/appeals */
void hd_api_mod_appeal_decide(hd_call_t *call); /* POST /v1/mod/appeals/{id}/decide */

/* Replace the content of withheld messages in arr (JSON of m[0..n), same order) by
 * {"withheld":{"reason","countries"}} and add {"label":…} to labelled ones, as the caller
 * sees them (chat/moderation.h). On failure replies with the error and returns -1. */
int hd_api_mod_mark(hd_call_t *call, int64_t chat_id, const hd_message_t *m, size_t n, json_t *arr);

#endif
