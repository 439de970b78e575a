/*
 * adhoc.h — helpers for statements prepared per call (moderation and admin paths, which run
 * rarely and do not earn a slot in the per-handle statement cache of queries.h).
 *
 *   st = hd__sq_adhoc_prepare(q, sql);  bind…;  return hd__sq_adhoc_run(q, st, 0, "what");
 *
 * Invariant: hd__sq_adhoc_run() always finalizes st; on failure hd__sq_adhoc_prepare() has
 * already recorded the error with hd__sq_fail() and returns NULL.
 */
#ifndef HD_STORE_SQLITE_ADHOC_H
#define HD_STORE_SQLITE_ADHOC_H

#include "store/sqlite/internal.h"

/* Prepare sql on q's connection; NULL (error logged) on failure. Caller finalizes. */
sqlite3_stmt *hd__sq_adhoc_prepare(hd_sqlite_t *q, const char *sql);
/* Step st expecting no rows, then finalize it. Returns 0, unique_err (if non-zero) on a
 * UNIQUE violation, or the mapped storage error. */
int hd__sq_adhoc_run(hd_sqlite_t *q, sqlite3_stmt *st, int unique_err, const char *what);

#endif
