/*
 * sqlite/safety_misuse.c — repeat-misuse rows (store/safety_ops.h, safety/misuse.h).
 *
 *   misuse_strikes        (user, kind, decision, case, active, created_at, lifted_at)
 *                         UNIQUE (decision, kind, user); INDEX (user, kind, created_at)
 *   misuse_notices        (user, kind, strikes, decision, delivered, created_at)
 *   misuse_deprioritised  (case, reporter) → created_at: reports that carried no weight
 *
 * Moderation traffic, not a hot path: statements are prepared per call like sqlite/safety.c.
 * The one lookup on the report path (strike_count) is an index range scan on
 * (user_id, kind, created_at).
 *
 * Invariants:
 *  1. Every statement prepared here is finalized before the function returns.
 *  2. Rows are never deleted; a lifted strike keeps its row (active = 0, lifted_at).
 */
#include "store/sqlite/safety_misuse.h"

#include "store/sqlite/adhoc.h"
#include "store/sqlite/internal.h"

#include <string.h>

#define STRIKE_COLS "id, user_id, kind, decision_id, case_id, active, created_at, lifted_at"
#define NOTICE_COLS "id, user_id, kind, strikes, decision_id, delivered, created_at"

static void strike_reader(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  hd_store_strike_t *r = out;
  r->id = sqlite3_column_int64(st, 0);
  r->user_id = sqlite3_column_int64(st, 1);
  r->kind = sqlite3_column_int(st, 2);
  r->decision_id = sqlite3_column_int64(st, 3);
  r->case_id = sqlite3_column_int64(st, 4);
  r->active = sqlite3_column_int(st, 5);
  r->created_at = sqlite3_column_int64(st, 6);
  r->lifted_at = sqlite3_column_int64(st, 7);
}

static void notice_reader(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  hd_store_misuse_notice_t *m = out;
  m->id = sqlite3_column_int64(st, 0);
  m->user_id = sqlite3_column_int64(st, 1);
  m->kind = sqlite3_column_int(st, 2);
  m->strikes = sqlite3_column_int64(st, 3);
  m->decision_id = sqlite3_column_int64(st, 4);
  m->delivered = sqlite3_column_int(st, 5);
  m->created_at = sqlite3_column_int64(st, 6);
}

/* ---- strikes ----------------------------------------------------------------------------- */

int hd__sqs_strike_insert(hd_store_t *s, hd_store_strike_t *r) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "INSERT INTO misuse_strikes (user_id, kind, decision_id, case_id,"
                              " created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, r->user_id);
  sqlite3_bind_int(st, 2, r->kind);
  sqlite3_bind_int64(st, 3, r->decision_id);
  sqlite3_bind_int64(st, 4, r->case_id);
  sqlite3_bind_int64(st, 5, r->created_at);
  int ret = hd__sq_adhoc_run(q, st, HD_ERR_CONFLICT, "strike_insert"); /* invariant 1 of misuse.h */
  if (ret == 0) {
    r->id = sqlite3_last_insert_rowid(q->db);
    r->active = 1;
    r->lifted_at = 0;
  }
  return ret;
}

int hd__sqs_strike_lift(hd_store_t *s, int64_t decision_id, int64_t now, int64_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_adhoc_prepare(q, "UPDATE misuse_strikes SET active = 0, lifted_at = ?2"
                                             " WHERE decision_id = ?1 AND active = 1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, decision_id);
  sqlite3_bind_int64(st, 2, now);
  int ret = hd__sq_adhoc_run(q, st, 0, "strike_lift");
  *n = ret == 0 ? sqlite3_changes(q->db) : 0;
  return ret;
}

int hd__sqs_strike_count(hd_store_t *s, int64_t user_id, int kind, int64_t since, int64_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT count(*) FROM misuse_strikes WHERE user_id = ?1"
                              " AND kind = ?2 AND created_at >= ?3 AND active = 1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  sqlite3_bind_int(st, 2, kind);
  sqlite3_bind_int64(st, 3, since);
  return hd__sq_adhoc_scalar(q, st, n, "strike_count");
}

int hd__sqs_strike_list(hd_store_t *s, int64_t user_id, size_t limit, hd_mem_pool_t *pool,
                        hd_store_strike_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT " STRIKE_COLS " FROM misuse_strikes WHERE user_id = ?1"
                              " ORDER BY id DESC LIMIT ?2");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  sqlite3_bind_int64(st, 2, (int64_t)limit);
  return hd__sq_adhoc_rows(q, st, 0, limit, sizeof(**out), strike_reader, pool, (void **)out, n,
                           "strike_list");
}

/* ---- notices ----------------------------------------------------------------------------- */

int hd__sqs_misuse_notice_insert(hd_store_t *s, hd_store_misuse_notice_t *m) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "INSERT INTO misuse_notices (user_id, kind, strikes, decision_id,"
                              " delivered, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, m->user_id);
  sqlite3_bind_int(st, 2, m->kind);
  sqlite3_bind_int64(st, 3, m->strikes);
  sqlite3_bind_int64(st, 4, m->decision_id);
  sqlite3_bind_int(st, 5, m->delivered);
  sqlite3_bind_int64(st, 6, m->created_at);
  int ret = hd__sq_adhoc_run(q, st, 0, "misuse_notice_insert");
  if (ret == 0)
    m->id = sqlite3_last_insert_rowid(q->db);
  return ret;
}

int hd__sqs_misuse_notice_count(hd_store_t *s, int64_t user_id, int kind, int64_t since,
                                int64_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT count(*) FROM misuse_notices WHERE user_id = ?1"
                              " AND kind = ?2 AND created_at >= ?3");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  sqlite3_bind_int(st, 2, kind);
  sqlite3_bind_int64(st, 3, since);
  return hd__sq_adhoc_scalar(q, st, n, "misuse_notice_count");
}

int hd__sqs_misuse_notice_list(hd_store_t *s, int64_t user_id, size_t limit, hd_mem_pool_t *pool,
                               hd_store_misuse_notice_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT " NOTICE_COLS " FROM misuse_notices WHERE user_id = ?1"
                              " ORDER BY id DESC LIMIT ?2");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  sqlite3_bind_int64(st, 2, (int64_t)limit);
  return hd__sq_adhoc_rows(q, st, 0, limit, sizeof(**out), notice_reader, pool, (void **)out, n,
                           "misuse_notice_list");
}

/* ---- deprioritised reports --------------------------------------------------------------- */

int hd__sqs_deprio_insert(hd_store_t *s, int64_t case_id, int64_t reporter_id, int64_t now) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "INSERT OR IGNORE INTO misuse_deprioritised (case_id, reporter_id,"
                              " created_at) VALUES (?1, ?2, ?3)");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, case_id);
  sqlite3_bind_int64(st, 2, reporter_id);
  sqlite3_bind_int64(st, 3, now);
  return hd__sq_adhoc_run(q, st, 0, "deprio_insert");
}

int hd__sqs_deprio_count(hd_store_t *s, int64_t case_id, int64_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT count(*) FROM misuse_deprioritised WHERE case_id = ?1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, case_id);
  return hd__sq_adhoc_scalar(q, st, n, "deprio_count");
}
