/*
 * rules.h — the admin rules surface (docs/api.md "Rules over public text") and the
 * after-commit evaluation of new messages in public chats (safety/rules.h).
 */
#ifndef HD_API_RULES_H
#define HD_API_RULES_H

#include "api/app.h"

void hd_api_rules_list(hd_call_t *call);   /* GET    /v1/admin/rules */
void hd_api_rules_create(hd_call_t *call); /* POST   /v1/admin/rules */
void hd_api_rules_delete(hd_call_t *call); /* DELETE /v1/admin/rules/{id} */

/* After a committed, non-duplicate send of m by the caller: when m's chat is a public group
 * or channel and rules are live, evaluate m's text on the worker pool and open cases for
 * matches in a later write job. Never answers the call. */
void hd_api_rules_after_send(hd_call_t *call, const hd_message_t *m);

#endif
