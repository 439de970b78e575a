/*
 * adhoc.h — helpers for statements prepared per call (moderation and admin paths, which run
 * rarely and do not earn a slot in the per-handle statement cache of queries.h), and the
 * row readers shared with cached statements (hd__sq_cached_one, hd__sq_adhoc_rows cached=1).
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

/* Reads the current row of st into out (a struct), with strings copied into pool. */
typedef void (*hd_sq_reader_t)(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out);

/* Step a one-row SELECT: reader fills out, or `missing` when there is no row. Finalizes st. */
int hd__sq_adhoc_one(hd_sqlite_t *q, sqlite3_stmt *st, int missing, hd_sq_reader_t reader,
                     hd_mem_pool_t *pool, void *out, const char *what);
/* hd__sq_adhoc_one for a statement of the cache (queries.h): reset, not finalized. */
int hd__sq_cached_one(hd_sqlite_t *q, sqlite3_stmt *st, int missing, hd_sq_reader_t reader,
                      hd_mem_pool_t *pool, void *out, const char *what);
/* Read at most limit rows of elem bytes (zeroed, then filled by reader) into a pool array.
 * cached: st belongs to the statement cache and is reset instead of finalized. */
int hd__sq_adhoc_rows(hd_sqlite_t *q, sqlite3_stmt *st, int cached, size_t limit, size_t elem,
                      hd_sq_reader_t reader, hd_mem_pool_t *pool, void **out, size_t *n,
                      const char *what);
/* Step a SELECT of one integer (0 when no row) and finalize st. */
int hd__sq_adhoc_scalar(hd_sqlite_t *q, sqlite3_stmt *st, int64_t *out, const char *what);
/* Bind s, or "" for NULL, as static text. */
void hd__sq_bind_str(sqlite3_stmt *st, int i, const char *s);

#endif
