/*
 * statements.h — statements of reasons (DSA Art. 17) and appeals (Art. 20), docs/api.md
 * "Trust & safety":
 *
 *   GET  /v1/me/statements             the caller's delivered statements, newest first
 *   GET  /v1/statements/{id}           one of them (404 statement_not_found otherwise)
 *   POST /v1/statements/{id}/appeal    {text}: the affected user appeals (within 6 months)
 *   POST /v1/reports/{id}/appeal       {text}: a reporter appeals a "none" decision
 *   GET  /v1/mod/dsa/statements        admin: ?since=ID&limit≤100, the DSA Transparency
 *                                      Database objects (safety/sor.h), oldest first
 */
#ifndef HD_API_STATEMENTS_H
#define HD_API_STATEMENTS_H

#include "api/app.h"
#include "safety/sor.h"

#include <jansson.h>

void hd_api_my_statements(hd_call_t *call);
void hd_api_statement_get(hd_call_t *call);
void hd_api_statement_appeal(hd_call_t *call);
void hd_api_report_appeal(hd_call_t *call);
void hd_api_dsa_statements(hd_call_t *call);

/* The DSA Transparency Database JSON object of s (field names and keys of the spec). */
json_t *hd_api_sor_json(const hd_sor_t *s);

#endif
