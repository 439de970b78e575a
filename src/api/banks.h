/*
 * banks.h — the hash-bank admin surface (docs/api.md "Admin: hash banks"):
 *
 *   GET  /v1/admin/banks                 moderator+  → {"banks":[…]}
 *   POST /v1/admin/banks                 admin       {name, category, source?} → 201 {"bank"}
 *   POST /v1/admin/banks/{name}/import   admin       text/plain|text/csv list → counts, errors
 *   POST /v1/admin/pdq/match             moderator+  {"hashes":[…], "bank"?, "max_distance"?}
 *                                                    or an image/jpeg|png body → {"matches"}
 */
#ifndef HD_API_BANKS_H
#define HD_API_BANKS_H

#include "api/app.h"

/* Start-up: open a read handle on sc, load every bank into app->banks. Returns 0 or an error
 * (the caller refuses to start: matching against half the banks would be silently wrong). */
int hd_api_banks_start(hd_app_t *app, const hd_store_config_t *sc);
/* Shutdown, after the server (no worker can still match): free app->banks. */
void hd_api_banks_stop(hd_app_t *app);

void hd_api_banks_list(hd_call_t *call);
void hd_api_bank_create(hd_call_t *call);
void hd_api_bank_import(hd_call_t *call);
void hd_api_pdq_match(hd_call_t *call);

#endif
