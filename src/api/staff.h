/*
 * staff.h — authorization of staff-only endpoints (moderator, flagger-admin, bank admin).
 */
#ifndef HD_API_STAFF_H
#define HD_API_STAFF_H

#include "api/app.h"
#include "safety/staff.h"

/* Return 0 when the caller holds at least role min; otherwise reply 403 forbidden (or 401 if
 * not logged in) and return the error — the handler must then return without replying. */
int hd_api_require_staff(hd_call_t *call, hd_staff_role_t min);

/* Admin surface (admin only, docs/api.md "Admin"):
 *   GET /v1/admin/staff              → {"staff":[{user_id, username, role, granted_by,
 * granted_at}]} PUT /v1/admin/staff/{username}   {"role":
 * "moderator"|"senior_moderator"|"admin"|"none"} → {"user_id","username","role","before"} GET
 * /v1/admin/audit?kind=&subject=&after=&limit=  → {"records":[…]} */
void hd_api_staff_list(hd_call_t *call);
void hd_api_staff_put(hd_call_t *call);
void hd_api_audit_list(hd_call_t *call);

#endif
