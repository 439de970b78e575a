/*
 * adhoc.c — per-call statements (see adhoc.h).
 */
#include "store/sqlite/adhoc.h"

#include <string.h>

sqlite3_stmt *hd__sq_adhoc_prepare(hd_sqlite_t *q, const char *sql) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK) {
    hd__sq_fail(q, rc, "prepare");
    sqlite3_finalize(st);
    return NULL;
  }
  return st;
}

int hd__sq_adhoc_run(hd_sqlite_t *q, sqlite3_stmt *st, int unique_err, const char *what) {
  int rc = sqlite3_step(st), ret = 0;
  if (rc != SQLITE_DONE)
    ret = (unique_err && hd__sq_is_unique(rc)) ? unique_err : hd__sq_fail(q, rc, what);
  sqlite3_finalize(st);
  return ret;
}

static int one_row(hd_sqlite_t *q, sqlite3_stmt *st, int cached, int missing, hd_sq_reader_t reader,
                   hd_mem_pool_t *pool, void *out, const char *what) {
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_ROW)
    reader(st, pool, out);
  else
    ret = rc == SQLITE_DONE ? missing : hd__sq_fail(q, rc, what);
  if (cached)
    hd__sq_reset(st);
  else
    sqlite3_finalize(st);
  return ret;
}

int hd__sq_adhoc_one(hd_sqlite_t *q, sqlite3_stmt *st, int missing, hd_sq_reader_t reader,
                     hd_mem_pool_t *pool, void *out, const char *what) {
  return one_row(q, st, 0, missing, reader, pool, out, what);
}

int hd__sq_cached_one(hd_sqlite_t *q, sqlite3_stmt *st, int missing, hd_sq_reader_t reader,
                      hd_mem_pool_t *pool, void *out, const char *what) {
  return one_row(q, st, 1, missing, reader, pool, out, what);
}

int hd__sq_adhoc_rows(hd_sqlite_t *q, sqlite3_stmt *st, int cached, size_t limit, size_t elem,
                      hd_sq_reader_t reader, hd_mem_pool_t *pool, void **out, size_t *n,
                      const char *what) {
  char *a = hd_mem_pool_alloc(pool, (limit ? limit : 1) * elem);
  size_t k = 0;
  int rc = SQLITE_DONE;
  while (k < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    memset(a + elem * k, 0, elem);
    reader(st, pool, a + elem * k++);
  }
  int ret = (k < limit && rc != SQLITE_DONE) ? hd__sq_fail(q, rc, what) : 0;
  if (cached)
    hd__sq_reset(st);
  else
    sqlite3_finalize(st);
  *out = a;
  *n = ret ? 0 : k;
  return ret;
}

int hd__sq_adhoc_scalar(hd_sqlite_t *q, sqlite3_stmt *st, int64_t *out, const char *what) {
  int rc = sqlite3_step(st), ret = 0;
  *out = 0;
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_int64(st, 0);
  else if (rc != SQLITE_DONE)
    ret = hd__sq_fail(q, rc, what);
  sqlite3_finalize(st);
  return ret;
}

void hd__sq_bind_str(sqlite3_stmt *st, int i, const char *s) {
  sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}
