/*
 * flaggers.h — trusted flaggers (DSA Art. 22), docs/api.md "Trust & safety":
 *
 *   admin (staff role admin):
 *     POST /v1/admin/flaggers {name, country, categories:[reason codes]}
 *                                   → 201 {"flagger":…, "api_key": "<64 hex>"} (shown once)
 *     GET  /v1/admin/flaggers       → {"flaggers":[{…, reports, decided, upheld, accuracy}]}
 *   flagger surface (header X-Flagger-Key, no user session):
 *     POST /v1/flagger/reports      report body as POST /v1/reports → 201 {"report":…}
 *                                   urgent queue, SLA --sla-urgent / --sla-default
 *     GET  /v1/flagger/reports/{id} → {"report": status, outcome, sla_due_at, sla}
 */
#ifndef HD_API_FLAGGERS_H
#define HD_API_FLAGGERS_H

#include "api/app.h"

void hd_api_flaggers_list(hd_call_t *call);
void hd_api_flagger_create(hd_call_t *call);
void hd_api_flagger_report_create(hd_call_t *call);
void hd_api_flagger_report_get(hd_call_t *call);

#endif
