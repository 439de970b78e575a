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

#endif
