/*
 * health.h — GET /healthz: 200 {"ok":true} when the process is up and the store answers a
 * trivial indexed read on this loop's handle; 503 storage_unavailable otherwise.
 */
#ifndef HD_API_HEALTH_H
#define HD_API_HEALTH_H

#include "api/app.h"

void hd_api_healthz(hd_call_t *call);

#endif
