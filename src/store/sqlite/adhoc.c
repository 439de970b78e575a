/*
 * adhoc.c — per-call statements (see adhoc.h).
 */
#include "store/sqlite/adhoc.h"

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
