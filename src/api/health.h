/*
 * health.h — GET /healthz: 200 {"ok":true} when the process is up, the store answers a
 * trivial indexed read on this loop's handle, and a write probe (one row upserted through
 * the group-commit writer) committed; 503 storage_unavailable otherwise (docs/operations.md).
 */
#ifndef HD_API_HEALTH_H
#define HD_API_HEALTH_H

#include "api/app.h"

void hd_api_healthz(hd_call_t *call);

#endif
