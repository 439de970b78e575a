/*
 * sqlite/safety_signals.c — quarantined media and rules (store/safety_ops.h,
 * sqlite/safety_signals.h).
 *
 *   media_quarantine (media_id PRIMARY KEY, case_id, created_at)   safety/signals.c
 *   mod_rules        (id, kind, pattern, category, enabled, created_by, created_at)
 *                                                                   safety/rules.c
 *   mod_flaggers.revoked_at (revocation), mod_counters read-out      api/safety_admin.c
 *
 * Traffic is low (a match, an admin edit, a history page with media), so statements are
 * prepared per call like sqlite/safety.c.
 *
 * Invariants:
 *  1. Every statement prepared here is finalized before the function returns.
 *  2. A media row is quarantined at most once: INSERT OR IGNORE keeps the first case.
 */
#include "store/sqlite/safety_signals.h"

#include "store/sqlite/adhoc.h"
#include "store/sqlite/internal.h"

#include <string.h>

#define RULE_MAX 1000 /* rule_list bound */

int hd__sqs_media_quarantine(hd_store_t *s, int64_t media_id, int64_t case_id, int64_t now) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "INSERT OR IGNORE INTO media_quarantine (media_id, case_id,"
                              " created_at) VALUES (?1, ?2, ?3)");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, media_id);
  sqlite3_bind_int64(st, 2, case_id);
  sqlite3_bind_int64(st, 3, now);
  return hd__sq_adhoc_run(q, st, 0, "media_quarantine");
}

int hd__sqs_media_quarantined(hd_store_t *s, int64_t media_id, int64_t *case_id) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT case_id FROM media_quarantine WHERE media_id = ?1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, media_id);
  return hd__sq_adhoc_scalar(q, st, case_id, "media_quarantined");
}

int hd__sqs_rule_insert(hd_store_t *s, hd_store_rule_t *r) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "INSERT INTO mod_rules (kind, pattern, category, enabled,"
                              " created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int(st, 1, r->kind);
  sqlite3_bind_text(st, 2, r->pattern, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, r->category, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 4, r->enabled ? 1 : 0);
  sqlite3_bind_int64(st, 5, r->created_by);
  sqlite3_bind_int64(st, 6, r->created_at);
  int ret = hd__sq_adhoc_run(q, st, 0, "rule_insert");
  if (ret == 0)
    r->id = sqlite3_last_insert_rowid(q->db);
  return ret;
}

int hd__sqs_rule_delete(hd_store_t *s, int64_t id) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_adhoc_prepare(q, "DELETE FROM mod_rules WHERE id = ?1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, id);
  int ret = hd__sq_adhoc_run(q, st, 0, "rule_delete");
  if (ret == 0 && sqlite3_changes(q->db) == 0)
    ret = HD_ERR_RULE_NOT_FOUND;
  return ret;
}

static void rule_reader(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  hd_store_rule_t *r = out;
  r->id = sqlite3_column_int64(st, 0);
  r->kind = sqlite3_column_int(st, 1);
  r->pattern = hd__sq_text(st, 2, pool);
  r->category = hd__sq_text(st, 3, pool);
  r->enabled = sqlite3_column_int(st, 4);
  r->created_by = sqlite3_column_int64(st, 5);
  r->created_at = sqlite3_column_int64(st, 6);
}

int hd__sqs_rule_list(hd_store_t *s, hd_mem_pool_t *pool, hd_store_rule_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT id, kind, pattern, category, enabled, created_by,"
                              " created_at FROM mod_rules ORDER BY id LIMIT ?1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int(st, 1, RULE_MAX);
  return hd__sq_adhoc_rows(q, st, 0, RULE_MAX, sizeof(**out), rule_reader, pool, (void **)out, n,
                           "rule_list");
}

int hd__sqs_flagger_revoke(hd_store_t *s, int64_t id, int64_t now) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_adhoc_prepare(
      q, "UPDATE mod_flaggers SET revoked_at = ?2 WHERE id = ?1 AND revoked_at = 0");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, now);
  int ret = hd__sq_adhoc_run(q, st, 0, "flagger_revoke");
  if (ret == 0 && sqlite3_changes(q->db) == 0)
    ret = HD_ERR_NOT_FOUND;
  return ret;
}

static void counter_reader(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  hd_store_counter_t *c = out;
  c->day = hd__sq_text(st, 0, pool);
  c->category = hd__sq_text(st, 1, pool);
  c->action = hd__sq_text(st, 2, pool);
  c->country = hd__sq_text(st, 3, pool);
  c->n = sqlite3_column_int64(st, 4);
}

int hd__sqs_counter_list(hd_store_t *s, const char *from, const char *to, size_t limit,
                         hd_mem_pool_t *pool, hd_store_counter_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT day, category, action, country, n FROM mod_counters"
                              " WHERE day >= ?1 AND day <= ?2"
                              " ORDER BY day, category, action, country LIMIT ?3");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
  return hd__sq_adhoc_rows(q, st, 0, limit, sizeof(**out), counter_reader, pool, (void **)out, n,
                           "counter_list");
}
