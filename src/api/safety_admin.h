/*
 * safety_admin.h — trust & safety loose ends on the admin surface: revoking a trusted
 * flagger's key and reading the transparency counters (docs/api.md "Trust & safety").
 */
#ifndef HD_API_SAFETY_ADMIN_H
#define HD_API_SAFETY_ADMIN_H

#include "api/app.h"

void hd_api_flagger_revoke(hd_call_t *call); /* DELETE /v1/admin/flaggers/{id} */
void hd_api_counters(hd_call_t *call);       /* GET    /v1/admin/counters */

#endif
