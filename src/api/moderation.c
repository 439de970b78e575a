/*
 * moderation.c — moderator surface (see api/moderation.h, docs/safety.md).
 *
 *   every handler: hd_api_require_staff(moderator) ─► 401/403 or continue
 *   queue  ─► hd_case_queue (read handle)                      ─► {"cases":[…]}
 *   claim  ─► write job hd_case_claim                           ─► {"case":…}
 *   case   ─► case + reports + the reported content (staff read) ─► {"case","reports","content"}
 *   decide ─► role lookup ─► write job hd_case_decide           ─► {"case","decision"}
 *
 * Staff see reported content through the case only: the content is loaded by the case's
 * target ids, not by the moderator's chat membership (invariant 1).
 *
 * Invariants:
 *  1. Content is shown only for a case that exists; there is no staff path to arbitrary chats.
 *  2. The SLA fields are present only for cases with an SLA clock (flagger reports).
 */
#include "api/moderation.h"

#include "api/handler.h"
#include "api/realtime_marks.h"
#include "api/staff.h"
#include "chat/moderation.h"
#include "common/error.h"
#include "common/time.h"
#include "safety/appeals.h"
#include "safety/decisions.h"
#include "safety/dsa_enums.h"
#include "store/ops.h"

#include <stdio.h>
#include <string.h>

HD_WJOB(run_claim, hd_case_claim, hd_case_claim_op_t)
HD_WJOB(run_decide, hd_case_decide, hd_decide_op_t)
HD_WJOB(run_appeal_decide, hd_appeal_decide, hd_appeal_decide_op_t)

json_t *hd__appeal_json(const hd_store_appeal_t *a); /* api/statements.c */

static json_t *case_json(const hd_store_case_t *c, int64_t now) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(c->id));
  json_object_set_new(o, "status", json_string(hd_case_status_name(c->status)));
  json_t *t = json_object();
  json_object_set_new(t, "type", json_string(hd_target_type_name(c->target_type)));
  if (c->chat_id)
    json_object_set_new(t, "chat_id", json_integer(c->chat_id));
  if (c->message_id)
    json_object_set_new(t, "message_id", json_integer(c->message_id));
  if (c->user_id)
    json_object_set_new(t, "user_id", json_integer(c->user_id));
  json_object_set_new(o, "target", t);
  json_object_set_new(o, "reason", json_string(c->reason));
  json_object_set_new(o, "severity", json_integer(c->severity));
  json_object_set_new(o, "urgent", json_boolean(c->urgent));
  json_object_set_new(o, "source", json_string(hd_case_source_name(c->source)));
  json_object_set_new(o, "priority", json_integer(c->priority));
  json_object_set_new(o, "reporters", json_integer(c->reporters));
  json_object_set_new(o, "flagger_reports", json_integer(c->flagger_reports));
  json_object_set_new(o, "created_at", json_integer(c->created_at));
  if (c->status == HD_CASE_CLAIMED && now < c->claimed_until) {
    json_object_set_new(o, "claimed_by", json_integer(c->claimed_by));
    json_object_set_new(o, "claimed_until", json_integer(c->claimed_until));
  }
  if (c->sla_due_at) { /* invariant 2 */
    int64_t end = c->decided_at ? c->decided_at : now;
    json_object_set_new(o, "sla_due_at", json_integer(c->sla_due_at));
    json_object_set_new(o, "sla",
                        json_string(end > c->sla_due_at ? "breached"
                                    : c->decided_at     ? "met"
                                                        : "running"));
  }
  if (c->decided_at)
    json_object_set_new(o, "decided_at", json_integer(c->decided_at));
  return o;
}

void hd_api_mod_queue(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_MODERATOR) != 0)
    return;
  int64_t limit;
  if (hd_api_query_int(call, "limit", 1, 100, 50, &limit) != 0)
    return;
  hd_store_case_t *cs;
  size_t n;
  int rc = hd_case_queue(call->ctx->rd, (size_t)limit, &call->req->pool, &cs, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  int64_t now = hd_time_now();
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, case_json(&cs[i], now));
  hd_api_reply1(call, 200, "cases", a);
}

static void claim_done(hd_call_t *call, int status, void *arg) {
  hd_case_claim_op_t *op = arg;
  if (status)
    hd_api_error(call, status);
  else
    hd_api_reply1(call, 200, "case", case_json(&op->c, hd_time_now()));
}

void hd_api_mod_claim(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_MODERATOR) != 0)
    return;
  hd_case_claim_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  op->case_id = hd_call_id(call, 0);
  op->moderator_id = call->user_id;
  op->now = hd_time_now();
  op->claim_seconds = HD_CLAIM_SECONDS_DEFAULT;
  op->pool = &call->req->pool;
  hd_api_write(call, run_claim, op, claim_done);
}

/* The reported content as staff see it through the case (invariant 1). */
static json_t *content_json(hd_store_t *rd, const hd_store_case_t *c, hd_mem_pool_t *pool) {
  json_t *o = json_object();
  if (c->target_type == HD_TARGET_MESSAGE) {
    hd_message_t m;
    int deleted = 0;
    if (rd->ops->message_get(rd, c->chat_id, c->message_id, pool, &m, &deleted) == 0) {
      json_object_set_new(o, "sender_id", json_integer(m.sender_id));
      json_object_set_new(o, "date", json_integer(m.date));
      json_object_set_new(o, "text", json_string(deleted ? "" : m.text));
      json_object_set_new(o, "deleted", json_boolean(deleted));
    }
  }
  if (c->chat_id) {
    hd_chat_t ch;
    if (rd->ops->chat_get(rd, c->chat_id, pool, &ch) == 0) {
      json_t *co = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)ch.id, "type",
                             hd_chat_type_name(ch.type), "title", ch.title ? ch.title : "");
      if (co && ch.username)
        json_object_set_new(co, "username", json_string(ch.username));
      if (co)
        json_object_set_new(o, "chat", co);
    }
  }
  if (c->user_id) {
    hd_user_t u;
    if (rd->ops->user_get(rd, c->user_id, pool, &u) == 0) {
      json_t *uo = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)u.id, "username", u.username,
                             "display_name", u.display_name);
      if (uo)
        json_object_set_new(o, "user", uo);
    }
  }
  return o;
}

void hd_api_mod_case(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_MODERATOR) != 0)
    return;
  hd_store_t *rd = call->ctx->rd;
  hd_mem_pool_t *pool = &call->req->pool;
  hd_store_case_t c;
  int rc = rd->ops->safety->case_get(rd, hd_call_id(call, 0), pool, &c);
  hd_store_report_t *rs = NULL;
  size_t n = 0;
  if (rc == 0)
    rc = rd->ops->safety->report_list(rd, c.id, 100, pool, &rs, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *reports = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *r = json_pack("{s:I,s:s,s:s,s:I}", "id", (json_int_t)rs[i].id, "source",
                          hd_case_source_name(rs[i].source), "reason", rs[i].reason, "created_at",
                          (json_int_t)rs[i].created_at);
    if (!r)
      continue;
    if (rs[i].comment[0])
      json_object_set_new(r, "comment", json_string(rs[i].comment));
    if (rs[i].legal_ground[0])
      json_object_set_new(r, "legal_ground", json_string(rs[i].legal_ground));
    json_array_append_new(reports, r);
  }
  json_t *o = json_object();
  json_object_set_new(o, "case", case_json(&c, hd_time_now()));
  json_object_set_new(o, "reports", reports);
  json_object_set_new(o, "content", content_json(rd, &c, pool));
  hd_api_reply(call, 200, o);
}

static json_t *decision_json(const hd_store_decision_t *d) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(d->id));
  json_object_set_new(o, "action", json_string(hd_action_name(d->action)));
  json_object_set_new(o, "ground", json_string(hd_ground_name(d->ground)));
  json_object_set_new(o, "category", json_string(d->category));
  json_object_set_new(o, "created_at", json_integer(d->created_at));
  if (d->suspend_until)
    json_object_set_new(o, "suspend_until", json_integer(d->suspend_until));
  return o;
}

static void decide_done(hd_call_t *call, int status, void *arg) {
  hd_decide_op_t *op = arg;
  if (status) {
    hd_api_error(call, status);
    return;
  }
  hd_api_publish(call, &op->events);        /* the effect (chat/moderation.h) */
  hd_api_publish(call, &op->notice_events); /* the statement's service message */
  hd_api_publish(call, &op->misuse_events); /* repeat-misuse warnings/suspension */
  json_t *o = json_object();
  json_object_set_new(o, "case", case_json(&op->c, hd_time_now()));
  json_t *d = decision_json(&op->d);
  if (op->statement.id)
    json_object_set_new(d, "statement_id", json_integer(op->statement.id));
  json_object_set_new(o, "decision", d);
  if (op->misuse_suspension_id)
    json_object_set_new(o, "misuse_suspension_id", json_integer(op->misuse_suspension_id));
  hd_api_reply(call, 200, o);
}

/* A JSON array of strings joined with ',' into the pool ("" when absent). */
static const char *csv_field(hd_jin_t *in, const char *name, int required) {
  json_t *v = json_object_get(in->root, name);
  if (!v || json_is_null(v)) {
    if (required)
      hd_jin_fail(in, HD_ERR_BAD_FIELD, "%s: an array of strings is required", name);
    return "";
  }
  hd_buf_t b;
  hd_buf_init(&b, 4096);
  size_t i;
  json_t *e;
  int bad = !json_is_array(v);
  json_array_foreach(v, i, e) {
    if (!json_is_string(e) || (i && hd_buf_append(&b, ",", 1) != 0) ||
        hd_buf_append(&b, json_string_value(e), json_string_length(e)) != 0)
      bad = 1;
  }
  const char *s = bad ? "" : hd_mem_pool_strndup(in->pool, b.base ? b.base : "", b.len);
  hd_buf_dispose(&b);
  if (bad)
    hd_jin_fail(in, HD_ERR_BAD_FIELD, "%s: an array of strings is required", name);
  return s;
}

void hd_api_mod_decide(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_MODERATOR) != 0)
    return;
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_decide_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  hd_store_decision_t *d = &op->d;
  const char *action = hd_jin_str(&in, "action", 1, NULL);
  const char *ground = hd_jin_str(&in, "ground", 1, NULL);
  hd_action_t a = HD_ACTION_NONE;
  hd_ground_t g = HD_GROUND_TOS;
  if (action && hd_action_parse(action, &a) != 0)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD,
                "action: none, label, restrict, withhold, remove, "
                "ban_chat, suspend or terminate");
  if (ground && hd_ground_parse(ground, &g) != 0)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "ground: illegal or tos");
  d->action = a;
  d->ground = g;
  d->ground_text = hd_jin_str(&in, g == HD_GROUND_ILLEGAL ? "legal_ground" : "tos_clause", 1, NULL);
  d->category = hd_jin_str(&in, "category", 1, NULL);
  d->keywords = csv_field(&in, "keywords", 0);
  d->territorial_scope = csv_field(&in, "territorial_scope", 0);
  d->countries = csv_field(&in, "countries", a == HD_ACTION_WITHHOLD);
  op->suspend_days = hd_jin_int(&in, "suspend_days", a == HD_ACTION_SUSPEND, 1, 3650, 0);
  d->facts = hd_jin_str(&in, "facts", 1, NULL);
  d->automated_detection = hd_jin_bool(&in, "automated_detection", 0, 0);
  d->automated_decision = hd_jin_bool(&in, "automated_decision", 0, 0) ? HD_DSA_AUTO_PARTIALLY
                                                                       : HD_DSA_AUTO_NOT_AUTOMATED;
  d->no_statement = hd_jin_bool(&in, "no_statement", 0, 0);
  size_t label_len = 0;
  op->label = hd_jin_str(&in, "label", 0, &label_len);
  if (!in.err && op->label && (label_len == 0 || label_len > HD_MODERATION_LABEL_MAX))
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "label: 1 to %d bytes", HD_MODERATION_LABEL_MAX);
  if (!in.err && d->category && hd_decision_check_keys("category", d->category, 0) != 0)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "category: a DSA STATEMENT_CATEGORY_* key");
  if (!in.err && hd_decision_check_keys("category_specification", d->keywords, 1) != 0)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "keywords: DSA KEYWORD_* keys");
  if (!in.err && hd_decision_check_keys("territorial_scope", d->territorial_scope, 1) != 0)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "territorial_scope: EU/EEA ISO 3166-1 codes");
  if (!in.err && d->ground_text && strlen(d->ground_text) > HD_GROUND_TEXT_MAX)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "legal_ground/tos_clause: at most 500 bytes");
  if (!in.err && d->facts && strlen(d->facts) > HD_CASE_FACTS_MAX)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "facts: at most 5000 bytes");
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  hd_staff_role_t role = HD_STAFF_NONE;
  int rc = hd_staff_role_get(call->ctx->rd, call->user_id, &role);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  op->case_id = hd_call_id(call, 0);
  op->moderator_id = call->user_id;
  op->role = role;
  op->misuse = &call->ctx->app->cfg.misuse;
  op->pool = &call->req->pool;
  hd_api_write(call, run_decide, op, decide_done);
}

/* ---- viewer marks, appeals ------------------------------------------------------------- */

int hd_api_mod_mark(hd_call_t *call, int64_t chat_id, const hd_message_t *m, size_t n,
                    json_t *arr) {
  hd_moderation_mark_t *k = NULL;
  int rc = hd_moderation_marks(call->ctx->rd, call->user_id, chat_id, m, n, &call->req->pool, &k);
  if (rc) {
    json_decref(arr);
    hd_api_error(call, rc);
    return -1;
  }
  for (size_t i = 0; k && i < n; i++) {
    json_t *o = json_array_get(arr, i);
    if (!o)
      continue;
    if (k[i].withheld) /* Telegram's restriction_reason: the content is not sent */
      hd_api_mark_withheld(o, k[i].reason, k[i].countries);
    if (k[i].label)
      json_object_set_new(o, "label", json_string(k[i].label));
  }
  hd_store_t *rd = call->ctx->rd;
  for (size_t i = 0; i < n; i++) { /* hash-bank holds (safety/signals.h), forwards included */
    json_t *mj = json_object_get(json_array_get(arr, i), "media");
    int64_t held = 0;
    if (!mj || m[i].media.id == 0)
      continue;
    if ((rc = rd->ops->safety->media_quarantined(rd, m[i].media.id, &held)) != 0) {
      json_decref(arr);
      hd_api_error(call, rc);
      return -1;
    }
    if (held)
      json_object_set_new(mj, "quarantined", json_true());
  }
  return 0;
}

static json_t *mod_appeal_json(hd_store_t *rd, const hd_store_appeal_t *a, hd_mem_pool_t *pool) {
  json_t *o = hd__appeal_json(a);
  json_object_set_new(o, "text", json_string(a->text));
  json_object_set_new(o, "appellant_id", json_integer(a->appellant_id));
  hd_store_decision_t d;
  hd_store_case_t c;
  if (rd->ops->safety->decision_get(rd, a->decision_id, pool, &d) == 0) {
    json_t *dj = decision_json(&d);
    json_object_set_new(dj, "moderator_id", json_integer(d.moderator_id));
    json_object_set_new(o, "decision", dj);
  }
  if (rd->ops->safety->case_get(rd, a->case_id, pool, &c) == 0)
    json_object_set_new(o, "case", case_json(&c, hd_time_now()));
  return o;
}

void hd_api_mod_appeals(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_MODERATOR) != 0)
    return;
  int64_t limit;
  if (hd_api_query_int(call, "limit", 1, 100, 50, &limit) != 0)
    return;
  hd_store_t *rd = call->ctx->rd;
  hd_store_appeal_t *as;
  size_t n;
  int rc = rd->ops->safety->appeal_queue(rd, (size_t)limit, &call->req->pool, &as, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, mod_appeal_json(rd, &as[i], &call->req->pool));
  hd_api_reply1(call, 200, "appeals", a);
}

static void appeal_decide_done(hd_call_t *call, int status, void *arg) {
  hd_appeal_decide_op_t *op = arg;
  if (status) {
    hd_api_error(call, status);
    return;
  }
  hd_api_publish(call, &op->events); /* restored content */
  json_t *o = json_object();
  json_object_set_new(o, "appeal", hd__appeal_json(&op->appeal));
  json_object_set_new(o, "case", case_json(&op->c, hd_time_now()));
  hd_api_reply(call, 200, o);
}

void hd_api_mod_appeal_decide(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_MODERATOR) != 0)
    return;
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_appeal_decide_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  const char *outcome = hd_jin_str(&in, "outcome", 1, NULL);
  size_t rlen = 0;
  op->reason = hd_jin_str(&in, "reason", 1, &rlen);
  if (outcome && hd_appeal_outcome_parse(outcome, &op->outcome) != 0)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "outcome: upheld, reversed or partly_reversed");
  if (!in.err && (rlen == 0 || rlen > HD_APPEAL_TEXT_MAX))
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "reason: 1 to %d bytes", HD_APPEAL_TEXT_MAX);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  hd_staff_role_t role = HD_STAFF_NONE;
  int rc = hd_staff_role_get(call->ctx->rd, call->user_id, &role);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  op->appeal_id = hd_call_id(call, 0);
  op->moderator_id = call->user_id;
  op->role = role;
  op->pool = &call->req->pool;
  hd_api_write(call, run_appeal_decide, op, appeal_decide_done);
}
