/*
 * sqlite/safety.c — trust & safety tables (store/safety_ops.h): reports, cases, decisions.
 *
 *   mod_cases    (id, target, status, priority, claim, sla, decision)   one open per target
 *   mod_reports  (id, case_id, reporter/flagger, reason, notice fields)  by case
 *   mod_decisions(id, case_id, moderator, action, ground, DSA fields)    by case
 *
 * These paths are moderation traffic, not the message hot path, so statements are prepared
 * per call (sqlite3_prepare_v2 … finalize) rather than taking slots in the shared cache.
 *
 * Invariants:
 *  1. Every statement prepared here is finalized before the function returns (no read
 *     transaction is left open on a read handle).
 *  2. The partial UNIQUE index mod_cases_open enforces safety_ops.h invariant 1.
 */
#include "store/safety_ops.h"
#include "store/sqlite/safety_signals.h"
#include "store/sqlite/adhoc.h"
#include "store/sqlite/internal.h"
#include "store/sqlite/safety_effects.h"
#include "store/sqlite/safety_misuse.h"

#include <string.h>

#define CASE_COLS                                                                                  \
  "id, target_type, chat_id, message_id, user_id, reason, severity, urgent, source, status,"       \
  " priority, reporters, flagger_reports, claimed_by, claimed_until, created_at, sla_due_at,"      \
  " decided_at, decision_id"
#define REPORT_COLS                                                                                \
  "id, case_id, reporter_id, flagger_id, source, reason, comment, legal_ground, notifier_name,"    \
  " notifier_email, created_at"
#define DECISION_COLS                                                                              \
  "id, case_id, moderator_id, action, ground, ground_text, category, keywords,"                    \
  " territorial_scope, countries, suspend_until, facts, automated_detection,"                      \
  " automated_decision, no_statement, created_at"

static void read_case(sqlite3_stmt *st, hd_mem_pool_t *pool, hd_store_case_t *c) {
  c->id = sqlite3_column_int64(st, 0);
  c->target_type = sqlite3_column_int(st, 1);
  c->chat_id = sqlite3_column_int64(st, 2);
  c->message_id = sqlite3_column_int64(st, 3);
  c->user_id = sqlite3_column_int64(st, 4);
  c->reason = hd__sq_text(st, 5, pool);
  c->severity = sqlite3_column_int(st, 6);
  c->urgent = sqlite3_column_int(st, 7);
  c->source = sqlite3_column_int(st, 8);
  c->status = sqlite3_column_int(st, 9);
  c->priority = sqlite3_column_int64(st, 10);
  c->reporters = sqlite3_column_int64(st, 11);
  c->flagger_reports = sqlite3_column_int64(st, 12);
  c->claimed_by = sqlite3_column_int64(st, 13);
  c->claimed_until = sqlite3_column_int64(st, 14);
  c->created_at = sqlite3_column_int64(st, 15);
  c->sla_due_at = sqlite3_column_int64(st, 16);
  c->decided_at = sqlite3_column_int64(st, 17);
  c->decision_id = sqlite3_column_int64(st, 18);
}

static void read_report(sqlite3_stmt *st, hd_mem_pool_t *pool, hd_store_report_t *r) {
  r->id = sqlite3_column_int64(st, 0);
  r->case_id = sqlite3_column_int64(st, 1);
  r->reporter_id = sqlite3_column_int64(st, 2);
  r->flagger_id = sqlite3_column_int64(st, 3);
  r->source = sqlite3_column_int(st, 4);
  r->reason = hd__sq_text(st, 5, pool);
  r->comment = hd__sq_text(st, 6, pool);
  r->legal_ground = hd__sq_text(st, 7, pool);
  r->notifier_name = hd__sq_text(st, 8, pool);
  r->notifier_email = hd__sq_text(st, 9, pool);
  r->created_at = sqlite3_column_int64(st, 10);
}

static void case_reader(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  read_case(st, pool, out);
}
static void report_reader(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  read_report(st, pool, out);
}

static int sq_case_find_open(hd_store_t *s, int target_type, int64_t chat_id, int64_t message_id,
                             int64_t user_id, hd_mem_pool_t *pool, hd_store_case_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT " CASE_COLS " FROM mod_cases WHERE target_type = ?1 AND"
                              " chat_id = ?2 AND message_id = ?3 AND user_id = ?4 AND status < 2");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int(st, 1, target_type);
  sqlite3_bind_int64(st, 2, chat_id);
  sqlite3_bind_int64(st, 3, message_id);
  sqlite3_bind_int64(st, 4, user_id);
  return hd__sq_adhoc_one(q, st, HD_ERR_CASE_NOT_FOUND, case_reader, pool, out, "case_find_open");
}

static void bind_case_mutable(sqlite3_stmt *st, const hd_store_case_t *c) {
  sqlite3_bind_text(st, 1, c->reason ? c->reason : "", -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, c->severity);
  sqlite3_bind_int(st, 3, c->urgent);
  sqlite3_bind_int(st, 4, c->status);
  sqlite3_bind_int64(st, 5, c->priority);
  sqlite3_bind_int64(st, 6, c->reporters);
  sqlite3_bind_int64(st, 7, c->flagger_reports);
  sqlite3_bind_int64(st, 8, c->claimed_by);
  sqlite3_bind_int64(st, 9, c->claimed_until);
  sqlite3_bind_int64(st, 10, c->sla_due_at);
  sqlite3_bind_int64(st, 11, c->decided_at);
  sqlite3_bind_int64(st, 12, c->decision_id);
}

static int sq_case_insert(hd_store_t *s, hd_store_case_t *c) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "INSERT INTO mod_cases (reason, severity, urgent, status, priority,"
                              " reporters, flagger_reports, claimed_by, claimed_until, sla_due_at,"
                              " decided_at, decision_id, target_type, chat_id, message_id,"
                              " user_id, source, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                              " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
  if (!st)
    return HD_ERR_STORAGE;
  bind_case_mutable(st, c);
  sqlite3_bind_int(st, 13, c->target_type);
  sqlite3_bind_int64(st, 14, c->chat_id);
  sqlite3_bind_int64(st, 15, c->message_id);
  sqlite3_bind_int64(st, 16, c->user_id);
  sqlite3_bind_int(st, 17, c->source);
  sqlite3_bind_int64(st, 18, c->created_at);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_DONE)
    c->id = sqlite3_last_insert_rowid(q->db);
  else if (hd__sq_is_unique(rc))
    ret = HD_ERR_CONFLICT;
  else
    ret = hd__sq_fail(q, rc, "case_insert");
  sqlite3_finalize(st);
  return ret;
}

static int sq_case_get(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_store_case_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_adhoc_prepare(q, "SELECT " CASE_COLS " FROM mod_cases WHERE id = ?1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, id);
  return hd__sq_adhoc_one(q, st, HD_ERR_CASE_NOT_FOUND, case_reader, pool, out, "case_get");
}

static int sq_case_update(hd_store_t *s, const hd_store_case_t *c) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "UPDATE mod_cases SET reason = ?1, severity = ?2, urgent = ?3,"
                              " status = ?4, priority = ?5, reporters = ?6, flagger_reports = ?7,"
                              " claimed_by = ?8, claimed_until = ?9, sla_due_at = ?10,"
                              " decided_at = ?11, decision_id = ?12 WHERE id = ?13");
  if (!st)
    return HD_ERR_STORAGE;
  bind_case_mutable(st, c);
  sqlite3_bind_int64(st, 13, c->id);
  int rc = sqlite3_step(st), ret = 0;
  if (rc != SQLITE_DONE)
    ret = hd__sq_is_unique(rc) ? HD_ERR_CONFLICT : hd__sq_fail(q, rc, "case_update");
  else if (sqlite3_changes(q->db) == 0)
    ret = HD_ERR_CASE_NOT_FOUND;
  sqlite3_finalize(st);
  return ret;
}

static int sq_case_queue(hd_store_t *s, size_t limit, hd_mem_pool_t *pool, hd_store_case_t **out,
                         size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT " CASE_COLS " FROM mod_cases WHERE status < 2"
                              " ORDER BY urgent DESC, priority DESC, created_at, id LIMIT ?1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, (int64_t)limit);
  return hd__sq_adhoc_rows(q, st, 0, limit, sizeof(**out), case_reader, pool, (void **)out, n,
                           "case_queue");
}

static int sq_report_insert(hd_store_t *s, hd_store_report_t *r) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "INSERT INTO mod_reports (case_id, reporter_id, flagger_id, source,"
                              " reason, comment, legal_ground, notifier_name, notifier_email,"
                              " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, r->case_id);
  sqlite3_bind_int64(st, 2, r->reporter_id);
  sqlite3_bind_int64(st, 3, r->flagger_id);
  sqlite3_bind_int(st, 4, r->source);
  sqlite3_bind_text(st, 5, r->reason ? r->reason : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, r->comment ? r->comment : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, r->legal_ground ? r->legal_ground : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 8, r->notifier_name ? r->notifier_name : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 9, r->notifier_email ? r->notifier_email : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 10, r->created_at);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_DONE)
    r->id = sqlite3_last_insert_rowid(q->db);
  else
    ret = hd__sq_fail(q, rc, "report_insert");
  sqlite3_finalize(st);
  return ret;
}

static int sq_report_get(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_store_report_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT " REPORT_COLS " FROM mod_reports WHERE id = ?1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, id);
  return hd__sq_adhoc_one(q, st, HD_ERR_REPORT_NOT_FOUND, report_reader, pool, out, "report_get");
}

static int sq_report_list(hd_store_t *s, int64_t case_id, size_t limit, hd_mem_pool_t *pool,
                          hd_store_report_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_adhoc_prepare(
      q, "SELECT " REPORT_COLS " FROM mod_reports WHERE case_id = ?1 ORDER BY id LIMIT ?2");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, case_id);
  sqlite3_bind_int64(st, 2, (int64_t)limit);
  return hd__sq_adhoc_rows(q, st, 0, limit, sizeof(**out), report_reader, pool, (void **)out, n,
                           "report_list");
}

static int sq_report_count_by(hd_store_t *s, int64_t case_id, int64_t reporter_id, int64_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_adhoc_prepare(
      q, "SELECT count(*) FROM mod_reports WHERE case_id = ?1 AND reporter_id = ?2");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, case_id);
  sqlite3_bind_int64(st, 2, reporter_id);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_ROW)
    *n = sqlite3_column_int64(st, 0);
  else
    ret = hd__sq_fail(q, rc, "report_count_by");
  sqlite3_finalize(st);
  return ret;
}

static int sq_decision_insert(hd_store_t *s, hd_store_decision_t *d) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "INSERT INTO mod_decisions (case_id, moderator_id, action, ground,"
                              " ground_text, category, keywords, territorial_scope, countries,"
                              " suspend_until, facts, automated_detection, automated_decision,"
                              " no_statement, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                              " ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, d->case_id);
  sqlite3_bind_int64(st, 2, d->moderator_id);
  sqlite3_bind_int(st, 3, d->action);
  sqlite3_bind_int(st, 4, d->ground);
  sqlite3_bind_text(st, 5, d->ground_text ? d->ground_text : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, d->category ? d->category : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, d->keywords ? d->keywords : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 8, d->territorial_scope ? d->territorial_scope : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 9, d->countries ? d->countries : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 10, d->suspend_until);
  sqlite3_bind_text(st, 11, d->facts ? d->facts : "", -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 12, d->automated_detection);
  sqlite3_bind_int(st, 13, d->automated_decision);
  sqlite3_bind_int(st, 14, d->no_statement);
  sqlite3_bind_int64(st, 15, d->created_at);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_DONE)
    d->id = sqlite3_last_insert_rowid(q->db);
  else
    ret = hd__sq_fail(q, rc, "decision_insert");
  sqlite3_finalize(st);
  return ret;
}

static void decision_reader(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  hd_store_decision_t *d = out;
  d->id = sqlite3_column_int64(st, 0);
  d->case_id = sqlite3_column_int64(st, 1);
  d->moderator_id = sqlite3_column_int64(st, 2);
  d->action = sqlite3_column_int(st, 3);
  d->ground = sqlite3_column_int(st, 4);
  d->ground_text = hd__sq_text(st, 5, pool);
  d->category = hd__sq_text(st, 6, pool);
  d->keywords = hd__sq_text(st, 7, pool);
  d->territorial_scope = hd__sq_text(st, 8, pool);
  d->countries = hd__sq_text(st, 9, pool);
  d->suspend_until = sqlite3_column_int64(st, 10);
  d->facts = hd__sq_text(st, 11, pool);
  d->automated_detection = sqlite3_column_int(st, 12);
  d->automated_decision = sqlite3_column_int(st, 13);
  d->no_statement = sqlite3_column_int(st, 14);
  d->created_at = sqlite3_column_int64(st, 15);
}

static int sq_decision_get(hd_store_t *s, int64_t id, hd_mem_pool_t *pool,
                           hd_store_decision_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st =
      hd__sq_adhoc_prepare(q, "SELECT " DECISION_COLS " FROM mod_decisions WHERE id = ?1");
  if (!st)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, id);
  return hd__sq_adhoc_one(q, st, HD_ERR_NOT_FOUND, decision_reader, pool, out, "decision_get");
}

const hd_store_safety_ops_t hd__sq_safety_ops = {
    .case_find_open = sq_case_find_open,
    .case_insert = sq_case_insert,
    .case_get = sq_case_get,
    .case_update = sq_case_update,
    .case_queue = sq_case_queue,
    .report_insert = sq_report_insert,
    .report_get = sq_report_get,
    .report_list = sq_report_list,
    .report_count_by = sq_report_count_by,
    .decision_insert = sq_decision_insert,
    .decision_get = sq_decision_get,
    /* sqlite/safety_effects.c */
    .effect_insert = hd__sqs_effect_insert,
    .effect_of_decision = hd__sqs_effect_of_decision,
    .effect_lift = hd__sqs_effect_lift,
    .effect_in_chat = hd__sqs_effect_in_chat,
    .account_block = hd__sqs_account_block,
    .message_restore = hd__sqs_message_restore,
    .statement_insert = hd__sqs_statement_insert,
    .statement_get = hd__sqs_statement_get,
    .statement_list = hd__sqs_statement_list,
    .appeal_insert = hd__sqs_appeal_insert,
    .appeal_get = hd__sqs_appeal_get,
    .appeal_update = hd__sqs_appeal_update,
    .appeal_queue = hd__sqs_appeal_queue,
    .flagger_insert = hd__sqs_flagger_insert,
    .flagger_by_key = hd__sqs_flagger_by_key,
    .flagger_list = hd__sqs_flagger_list,
    .counter_add = hd__sqs_counter_add,
    /* sqlite/safety_signals.c */
    .media_quarantine = hd__sqs_media_quarantine,
    .media_quarantined = hd__sqs_media_quarantined,
    .rule_insert = hd__sqs_rule_insert,
    .rule_delete = hd__sqs_rule_delete,
    .rule_list = hd__sqs_rule_list,
    .flagger_revoke = hd__sqs_flagger_revoke,
    .counter_list = hd__sqs_counter_list,
    /* sqlite/safety_misuse.c */
    .strike_insert = hd__sqs_strike_insert,
    .strike_lift = hd__sqs_strike_lift,
    .strike_count = hd__sqs_strike_count,
    .strike_list = hd__sqs_strike_list,
    .misuse_notice_insert = hd__sqs_misuse_notice_insert,
    .misuse_notice_count = hd__sqs_misuse_notice_count,
    .misuse_notice_list = hd__sqs_misuse_notice_list,
    .deprio_insert = hd__sqs_deprio_insert,
    .deprio_count = hd__sqs_deprio_count,
};
