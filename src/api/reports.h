/*
 * reports.h — the reporting surface (docs/api.md "Reports"): the reason tree, user reports,
 * the public notice form (no account), and a reporter's view of a report.
 */
#ifndef HD_API_REPORTS_H
#define HD_API_REPORTS_H

#include "api/app.h"
#include "api/json.h"
#include "safety/reports.h"

void hd_api_report_reasons(hd_call_t *call); /* GET  /v1/reports/reasons   (public) */
void hd_api_report_create(hd_call_t *call);  /* POST /v1/reports           (auth) */
void hd_api_report_get(hd_call_t *call);     /* GET  /v1/reports/{id}      (auth) */
void hd_api_notice_create(hd_call_t *call);  /* POST /v1/notices           (public, per IP) */

/* Shared with api/flaggers.c: parse a report body into op (errors recorded in in), and the
 * receipt a reporter (or flagger) sees; outcome is the decision's action name or NULL. */
void hd__report_parse(hd_jin_t *in, hd_report_op_t *op, int notice);
json_t *hd__report_receipt(const hd_store_report_t *r, const hd_store_case_t *c,
                           const char *outcome);

#endif
