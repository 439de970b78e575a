/*
 * sqlite/safety_effects.c — decision effects, statements of reasons, appeals, trusted
 * flaggers and transparency counters (store/safety_ops.h, sqlite/safety_effects.h).
 *
 *   mod_effects     (decision, kind, target, countries, label, until, original_text, active)
 *   mod_statements  (decision UNIQUE, case, affected user, puid UNIQUE, delivered)
 *   mod_appeals     (decision, appellant UNIQUE together, text, status, outcome, decider)
 *   mod_flaggers    (name UNIQUE, country, categories, key_hash UNIQUE)
 *   mod_counters    (day, category, action, country) → n
 *
 * The two checks on hot paths (account_block on every authenticated request, effect_in_chat
 * on group/channel loads and history pages) use cached statements (queries_safety.h); the
 * rest is moderation traffic and prepares per call like sqlite/safety.c.
 *
 * Invariants:
 *  1. Every statement prepared here is finalized, and every cached one reset, before the
 *     function returns.
 *  2. A message's original text lives in mod_effects.original_text while it is removed; the
 *     messages row holds the tombstone ('' / deleted = 1) exactly as a user deletion would.
 */
#include "store/sqlite/safety_effects.h"

#include "store/sqlite/adhoc.h"
#include "store/sqlite/internal.h"

#include <stdint.h>
#include <string.h>

#define STATEMENT_COLS "id, decision_id, case_id, user_id, puid, delivered, created_at"
#define APPEAL_COLS                                                                                \
  "id, decision_id, case_id, appellant_id, text, status, outcome, reason, decided_by,"             \
  " created_at, decided_at"
#define FLAGGER_COLS                                                                               \
  "f.id, f.name, f.country, f.categories, f.created_by, f.created_at, f.revoked_at"

/* ---- effects ----------------------------------------------------------------------------- */

static void effect_reader(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  hd_store_effect_t *e = out;
  e->id = sqlite3_column_int64(st, 0);
  e->decision_id = sqlite3_column_int64(st, 1);
  e->kind = sqlite3_column_int(st, 2);
  e->chat_id = sqlite3_column_int64(st, 3);
  e->message_id = sqlite3_column_int64(st, 4);
  e->user_id = sqlite3_column_int64(st, 5);
  e->countries = hd__sq_text(st, 6, pool);
  e->label = hd__sq_text(st, 7, pool);
  e->until = sqlite3_column_int64(st, 8);
  e->original_text = hd__sq_text_or_null(st, 9, pool);
  e->active = sqlite3_column_int(st, 10);
  e->created_at = sqlite3_column_int64(st, 11);
  e->lifted_at = sqlite3_column_int64(st, 12);
}

int hd__sqs_effect_insert(hd_store_t *s, hd_store_effect_t *e) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "INSERT INTO mod_effects (decision_id, kind, chat_id, message_id,"
                              " user_id, countries, label, until, original_text, active,"
                              " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10)");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, e->decision_id);
  sqlite3_bind_int(st, 2, e->kind);
  sqlite3_bind_int64(st, 3, e->chat_id);
  sqlite3_bind_int64(st, 4, e->message_id);
  sqlite3_bind_int64(st, 5, e->user_id);
  hd__sq_bind_str(st, 6, e->countries);
  hd__sq_bind_str(st, 7, e->label);
  sqlite3_bind_int64(st, 8, e->until);
  if (e->original_text)
    sqlite3_bind_text(st, 9, e->original_text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 9);
  sqlite3_bind_int64(st, 10, e->created_at);
  int ret = hd__sq_adhoc_run(q, st, 0, "effect_insert");
  if (ret == 0) {
    e->id = sqlite3_last_insert_rowid(q->db);
    e->active = 1;
  }
  return ret;
}

int hd__sqs_effect_of_decision(hd_store_t *s, int64_t decision_id, hd_mem_pool_t *pool,
                               hd_store_effect_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT " HD_SQ_EFFECT_COLS " FROM mod_effects"
                              " WHERE decision_id = ?1 AND active = 1 ORDER BY id LIMIT 16");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, decision_id);
  return hd__sq_adhoc_rows(q, st, 0, 16, sizeof(**out), effect_reader, pool, (void **)out, n,
                           "effect_of_decision");
}

int hd__sqs_effect_lift(hd_store_t *s, int64_t id, int64_t now) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "UPDATE mod_effects SET active = 0, lifted_at = ?2 WHERE id = ?1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, now);
  return hd__sq_adhoc_run(q, st, 0, "effect_lift");
}

int hd__sqs_effect_in_chat(hd_store_t *s, int64_t chat_id, int64_t lo, int64_t hi,
                           hd_mem_pool_t *pool, hd_store_effect_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_SAFETY_CHAT_EFFECTS);
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, lo);
  sqlite3_bind_int64(st, 3, hi);
  return hd__sq_adhoc_rows(q, st, 1, 200, sizeof(**out), effect_reader, pool, (void **)out, n,
                           "effect_in_chat");
}

int hd__sqs_account_block(hd_store_t *s, int64_t user_id, int64_t *until) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_SAFETY_ACCOUNT_BLOCK);
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  *until = 0;
  return hd__sq_int64(q, st, 0, until, "account_block"); /* max() of no rows is NULL → 0 */
}

int hd__sqs_message_restore(hd_store_t *s, int64_t chat_id, int64_t id, const char *text) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_adhoc_prepare(
      q, "UPDATE messages SET text = ?3, deleted = 0 WHERE chat_id = ?1 AND id = ?2");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, id);
  hd__sq_bind_str(st, 3, text);
  int ret = hd__sq_adhoc_run(q, st, 0, "message_restore");
  if (ret == 0 && sqlite3_changes(q->db) == 0)
    ret = HD_ERR_MESSAGE_NOT_FOUND;
  return ret;
}

/* ---- statements of reasons --------------------------------------------------------------- */

static void statement_reader(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  hd_store_statement_t *r = out;
  r->id = sqlite3_column_int64(st, 0);
  r->decision_id = sqlite3_column_int64(st, 1);
  r->case_id = sqlite3_column_int64(st, 2);
  r->user_id = sqlite3_column_int64(st, 3);
  r->puid = hd__sq_text(st, 4, pool);
  r->delivered = sqlite3_column_int(st, 5);
  r->created_at = sqlite3_column_int64(st, 6);
}

int hd__sqs_statement_insert(hd_store_t *s, hd_store_statement_t *r) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "INSERT INTO mod_statements (decision_id, case_id, user_id, puid,"
                              " delivered, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, r->decision_id);
  sqlite3_bind_int64(st, 2, r->case_id);
  sqlite3_bind_int64(st, 3, r->user_id);
  hd__sq_bind_str(st, 4, r->puid);
  sqlite3_bind_int(st, 5, r->delivered);
  sqlite3_bind_int64(st, 6, r->created_at);
  int ret = hd__sq_adhoc_run(q, st, HD_ERR_CONFLICT, "statement_insert");
  if (ret == 0)
    r->id = sqlite3_last_insert_rowid(q->db);
  return ret;
}

int hd__sqs_statement_get(hd_store_t *s, int64_t id, int64_t decision_id, hd_mem_pool_t *pool,
                          hd_store_statement_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, id ? "SELECT " STATEMENT_COLS " FROM mod_statements WHERE id = ?1"
                                 : "SELECT " STATEMENT_COLS " FROM mod_statements"
                                   " WHERE decision_id = ?1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, id ? id : decision_id);
  return hd__sq_adhoc_one(q, st, HD_ERR_NOT_FOUND, statement_reader, pool, out, "statement_get");
}

int hd__sqs_statement_list(hd_store_t *s, int64_t user_id, int64_t after_id, size_t limit,
                           hd_mem_pool_t *pool, hd_store_statement_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_adhoc_prepare(
      q, user_id ? "SELECT " STATEMENT_COLS " FROM mod_statements WHERE user_id = ?1"
                   " AND delivered = 1 ORDER BY id DESC LIMIT ?3"
                 : "SELECT " STATEMENT_COLS " FROM mod_statements WHERE ?1 = 0"
                   " AND id > ?2 ORDER BY id LIMIT ?3");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  sqlite3_bind_int64(st, 2, after_id);
  sqlite3_bind_int64(st, 3, (int64_t)limit);
  return hd__sq_adhoc_rows(q, st, 0, limit, sizeof(**out), statement_reader, pool, (void **)out, n,
                           "statement_list");
}

/* ---- appeals ----------------------------------------------------------------------------- */

static void appeal_reader(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  hd_store_appeal_t *a = out;
  a->id = sqlite3_column_int64(st, 0);
  a->decision_id = sqlite3_column_int64(st, 1);
  a->case_id = sqlite3_column_int64(st, 2);
  a->appellant_id = sqlite3_column_int64(st, 3);
  a->text = hd__sq_text(st, 4, pool);
  a->status = sqlite3_column_int(st, 5);
  a->outcome = sqlite3_column_int(st, 6);
  a->reason = hd__sq_text(st, 7, pool);
  a->decided_by = sqlite3_column_int64(st, 8);
  a->created_at = sqlite3_column_int64(st, 9);
  a->decided_at = sqlite3_column_int64(st, 10);
}

int hd__sqs_appeal_insert(hd_store_t *s, hd_store_appeal_t *a) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "INSERT INTO mod_appeals (decision_id, case_id, appellant_id, text,"
                              " created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, a->decision_id);
  sqlite3_bind_int64(st, 2, a->case_id);
  sqlite3_bind_int64(st, 3, a->appellant_id);
  hd__sq_bind_str(st, 4, a->text);
  sqlite3_bind_int64(st, 5, a->created_at);
  int ret = hd__sq_adhoc_run(q, st, HD_ERR_CONFLICT, "appeal_insert");
  if (ret == 0)
    a->id = sqlite3_last_insert_rowid(q->db);
  return ret;
}

int hd__sqs_appeal_get(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_store_appeal_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT " APPEAL_COLS " FROM mod_appeals WHERE id = ?1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, id);
  return hd__sq_adhoc_one(q, st, HD_ERR_NOT_FOUND, appeal_reader, pool, out, "appeal_get");
}

int hd__sqs_appeal_update(hd_store_t *s, const hd_store_appeal_t *a) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "UPDATE mod_appeals SET status = ?2, outcome = ?3, reason = ?4,"
                              " decided_by = ?5, decided_at = ?6 WHERE id = ?1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, a->id);
  sqlite3_bind_int(st, 2, a->status);
  sqlite3_bind_int(st, 3, a->outcome);
  hd__sq_bind_str(st, 4, a->reason);
  sqlite3_bind_int64(st, 5, a->decided_by);
  sqlite3_bind_int64(st, 6, a->decided_at);
  return hd__sq_adhoc_run(q, st, 0, "appeal_update");
}

int hd__sqs_appeal_queue(hd_store_t *s, size_t limit, hd_mem_pool_t *pool, hd_store_appeal_t **out,
                         size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT " APPEAL_COLS " FROM mod_appeals WHERE status = 0"
                              " ORDER BY created_at, id LIMIT ?1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, (int64_t)limit);
  return hd__sq_adhoc_rows(q, st, 0, limit, sizeof(**out), appeal_reader, pool, (void **)out, n,
                           "appeal_queue");
}

/* ---- trusted flaggers -------------------------------------------------------------------- */

static void flagger_reader(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  hd_store_flagger_t *f = out;
  f->id = sqlite3_column_int64(st, 0);
  f->name = hd__sq_text(st, 1, pool);
  f->country = hd__sq_text(st, 2, pool);
  f->categories = hd__sq_text(st, 3, pool);
  f->created_by = sqlite3_column_int64(st, 4);
  f->created_at = sqlite3_column_int64(st, 5);
  f->revoked_at = sqlite3_column_int64(st, 6);
  if (sqlite3_column_count(st) > 9) {
    f->reports = sqlite3_column_int64(st, 7);
    f->decided = sqlite3_column_int64(st, 8);
    f->upheld = sqlite3_column_int64(st, 9);
  }
}

int hd__sqs_flagger_insert(hd_store_t *s, hd_store_flagger_t *f, const uint8_t key_hash[32]) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "INSERT INTO mod_flaggers (name, country, categories, key_hash,"
                              " created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!st)
    return HD_ERR_STORAGE;
  hd__sq_bind_str(st, 1, f->name);
  hd__sq_bind_str(st, 2, f->country);
  hd__sq_bind_str(st, 3, f->categories);
  sqlite3_bind_blob(st, 4, key_hash, 32, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, f->created_by);
  sqlite3_bind_int64(st, 6, f->created_at);
  int ret = hd__sq_adhoc_run(q, st, HD_ERR_CONFLICT, "flagger_insert");
  if (ret == 0)
    f->id = sqlite3_last_insert_rowid(q->db);
  return ret;
}

int hd__sqs_flagger_by_key(hd_store_t *s, const uint8_t key_hash[32], hd_mem_pool_t *pool,
                           hd_store_flagger_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT " FLAGGER_COLS " FROM mod_flaggers f WHERE key_hash = ?1"
                              " AND f.revoked_at = 0");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_blob(st, 1, key_hash, 32, SQLITE_STATIC);
  memset(out, 0, sizeof(*out));
  return hd__sq_adhoc_one(q, st, HD_ERR_UNAUTHORIZED, flagger_reader, pool, out, "flagger_by_key");
}

int hd__sqs_flagger_list(hd_store_t *s, hd_mem_pool_t *pool, hd_store_flagger_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  /* upheld: the report's case has a decision with an action (> 0) and was not reversed
   * (case status 5); a decided "none" counts as decided, not upheld. */
  sqlite3_stmt *st = hd__sq_adhoc_prepare(
      q, "SELECT " FLAGGER_COLS ","
         " (SELECT count(*) FROM mod_reports r WHERE r.flagger_id = f.id),"
         " (SELECT count(*) FROM mod_reports r JOIN mod_cases c ON c.id = r.case_id"
         "   WHERE r.flagger_id = f.id AND c.decision_id > 0),"
         " (SELECT count(*) FROM mod_reports r JOIN mod_cases c ON c.id = r.case_id"
         "   JOIN mod_decisions d ON d.id = c.decision_id"
         "   WHERE r.flagger_id = f.id AND d.action > 0 AND c.status <> 5)"
         " FROM mod_flaggers f ORDER BY f.id LIMIT 1000");
  if (!st)
    return HD_ERR_STORAGE;
  return hd__sq_adhoc_rows(q, st, 0, 1000, sizeof(**out), flagger_reader, pool, (void **)out, n,
                           "flagger_list");
}

/* ---- counters ---------------------------------------------------------------------------- */

int hd__sqs_counter_add(hd_store_t *s, const char *day, const char *category, const char *action,
                        const char *country, int64_t delta) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "INSERT INTO mod_counters (day, category, action, country, n)"
                              " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (day, category, action,"
                              " country) DO UPDATE SET n = n + excluded.n");
  if (!st)
    return HD_ERR_STORAGE;
  hd__sq_bind_str(st, 1, day);
  hd__sq_bind_str(st, 2, category);
  hd__sq_bind_str(st, 3, action);
  hd__sq_bind_str(st, 4, country);
  sqlite3_bind_int64(st, 5, delta);
  return hd__sq_adhoc_run(q, st, 0, "counter_add");
}
