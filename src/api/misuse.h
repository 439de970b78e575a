/*
 * misuse.h — the staff view of repeat misuse (DSA Art. 23, safety/misuse.h):
 * GET /v1/admin/misuse/{user_id} (docs/api.md "Trust & safety").
 */
#ifndef HD_API_MISUSE_H
#define HD_API_MISUSE_H

#include "api/app.h"

void hd_api_misuse_get(hd_call_t *call); /* GET /v1/admin/misuse/{user_id} */

#endif
