/*
 * reports.c — reporting surface (see api/reports.h, docs/api.md "Reports", docs/safety.md).
 *
 *   POST /v1/reports  ─► parse {target, reason, comment?, illegal?} ─► write job
 *                        hd_report_file ─► {"report": receipt}
 *   POST /v1/notices  ─► bucket "notice:<ip>" ─► same, reporter 0, illegal fields required,
 *                        public targets only (the domain checks)
 *
 * Invariants:
 *  1. A receipt never names other reporters, the case's moderator or its priority.
 *  2. Nested objects are read with the same sticky-error getters (json.h) as top-level ones.
 */
#include "api/reports.h"

#include "api/handler.h"
#include "chat/messages.h"
#include "common/error.h"
#include "common/utf8.h"
#include "safety/reasons.h"
#include "safety/reports.h"
#include "store/ops.h"

#include <string.h>

HD_WJOB(run_report, hd_report_file, hd_report_op_t)

static json_t *receipt_json(const hd_store_report_t *r, const hd_store_case_t *c,
                            const char *outcome);
static void parse_report(hd_jin_t *in, hd_report_op_t *op, int notice);

#define NOTICES_PER_MINUTE 5.0

json_t *hd__json_reason(const hd_reason_t *r);
json_t *hd__json_reason(const hd_reason_t *r) {
  return json_pack("{s:s,s:s,s:s,s:s,s:i,s:b}", "code", r->code, "label", r->label, "category",
                   hd_dsa_cat_key(r->category), "category_specification", hd_dsa_kw_key(r->keyword),
                   "severity", r->severity, "urgent", r->urgent);
}

void hd_api_report_reasons(hd_call_t *call) {
  size_t n;
  const hd_reason_t *rs = hd_reasons(&n);
  json_t *top = json_array();
  for (size_t i = 0; i < n; i++) {
    if (rs[i].parent)
      continue;
    json_t *o = hd__json_reason(&rs[i]);
    json_t *kids = json_array();
    for (size_t k = 0; k < n; k++)
      if (rs[k].parent && strcmp(rs[k].parent, rs[i].code) == 0)
        json_array_append_new(kids, hd__json_reason(&rs[k]));
    json_object_set_new(o, "children", kids);
    json_array_append_new(top, o);
  }
  hd_api_reply1(call, 200, "reasons", top);
}

/* The status a reporter sees: received until decided, then the decision's outcome. */
json_t *hd__report_receipt(const hd_store_report_t *r, const hd_store_case_t *c,
                           const char *outcome) {
  json_t *o = receipt_json(r, c, outcome);
  if (c->status == HD_CASE_APPEALED || c->status == HD_CASE_UPHELD || c->status == HD_CASE_REVERSED)
    json_object_set_new(o, "appeal", json_string(hd_case_status_name(c->status)));
  return o;
}

static json_t *receipt_json(const hd_store_report_t *r, const hd_store_case_t *c,
                            const char *outcome) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(r->id));
  json_object_set_new(o, "status",
                      json_string(c->status >= HD_CASE_DECIDED ? "decided" : "received"));
  json_object_set_new(o, "reason", json_string(r->reason));
  json_t *t = json_object();
  json_object_set_new(t, "type", json_string(hd_target_type_name(c->target_type)));
  if (c->chat_id)
    json_object_set_new(t, "chat_id", json_integer(c->chat_id));
  if (c->message_id)
    json_object_set_new(t, "message_id", json_integer(c->message_id));
  if (c->target_type == HD_TARGET_USER)
    json_object_set_new(t, "user_id", json_integer(c->user_id));
  json_object_set_new(o, "target", t);
  json_object_set_new(o, "created_at", json_integer(r->created_at));
  if (outcome)
    json_object_set_new(o, "outcome", json_string(outcome));
  return o;
}

/* Read a nested object's fields with in's sticky error (invariant 2). */
static hd_jin_t sub_in(hd_jin_t *in, const char *name, int required) {
  hd_jin_t s = *in;
  json_t *v = json_object_get(in->root, name);
  s.root = NULL;
  if (v && json_is_object(v))
    s.root = v;
  else if ((v && !json_is_null(v)) || required)
    hd_jin_fail(in, HD_ERR_BAD_FIELD, "%s: an object is required", name);
  return s;
}

static void sub_done(hd_jin_t *in, hd_jin_t *s) {
  if (!in->err && s->err) {
    in->err = s->err;
    memcpy(in->msg, s->msg, sizeof(in->msg));
  }
}

/* Parse the report body into op (errors recorded in in). */
void hd__report_parse(hd_jin_t *in, hd_report_op_t *op, int notice) {
  parse_report(in, op, notice);
}

static void parse_report(hd_jin_t *in, hd_report_op_t *op, int notice) {
  hd_jin_t t = sub_in(in, "target", 1);
  if (t.root) {
    const char *type = hd_jin_str(&t, "type", 1, NULL);
    if (type && hd_target_type_parse(type, &op->target_type) != 0)
      hd_jin_fail(&t, HD_ERR_BAD_FIELD, "target.type must be message, chat or user");
    int needs_chat = op->target_type == HD_TARGET_MESSAGE || op->target_type == HD_TARGET_CHAT;
    op->chat_id = hd_jin_int(&t, "chat_id", needs_chat, 1, INT64_MAX, 0);
    op->message_id =
        hd_jin_int(&t, "message_id", op->target_type == HD_TARGET_MESSAGE, 1, INT64_MAX, 0);
    op->user_id = hd_jin_int(&t, "user_id", op->target_type == HD_TARGET_USER, 1, INT64_MAX, 0);
    if (notice && op->target_type == HD_TARGET_USER)
      hd_jin_fail(&t, HD_ERR_BAD_FIELD, "target.type: notices concern public content");
    sub_done(in, &t);
  }
  op->reason = hd_jin_str(in, "reason", 1, NULL);
  size_t clen = 0;
  op->comment = hd_jin_str(in, "comment", 0, &clen);
  if (op->comment && !in->err && hd_utf8_count(op->comment, clen) > HD_REPORT_COMMENT_MAX)
    hd_jin_fail(in, HD_ERR_BAD_FIELD, "comment: at most %d characters", HD_REPORT_COMMENT_MAX);
  hd_jin_t il = sub_in(in, "illegal", notice);
  if (il.root) {
    size_t l1 = 0, l2 = 0, l3 = 0;
    op->legal_ground = hd_jin_str(&il, "legal_ground", 1, &l1);
    op->notifier_name = hd_jin_str(&il, "notifier_name", 1, &l2);
    op->notifier_email = hd_jin_str(&il, "notifier_email", 1, &l3);
    if (!il.err && (l1 == 0 || l1 > 500 || l2 == 0 || l2 > 200 || l3 < 3 || l3 > 254 ||
                    !strchr(op->notifier_email, '@')))
      hd_jin_fail(&il, HD_ERR_BAD_FIELD,
                  "illegal: legal_ground (1-500), notifier_name (1-200) and a valid "
                  "notifier_email are required");
    sub_done(in, &il);
  }
}

static void report_done(hd_call_t *call, int status, void *arg) {
  hd_report_op_t *op = arg;
  if (status) {
    hd_api_error(call, status);
    return;
  }
  hd_api_reply1(call, 201, "report", receipt_json(&op->report, &op->c, NULL));
}

static void file_report(hd_call_t *call, int notice) {
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_report_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  parse_report(&in, op, notice);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  op->reporter_id = notice ? 0 : call->user_id;
  op->source = notice ? HD_SOURCE_NOTICE : HD_SOURCE_USER;
  op->misuse = &call->ctx->app->cfg.misuse;
  op->pool = &call->req->pool;
  hd_api_write(call, run_report, op, report_done);
}

void hd_api_report_create(hd_call_t *call) { file_report(call, 0); }

void hd_api_notice_create(hd_call_t *call) {
  if (hd_api_rate(call, "notice", call->req->remote_ip, NOTICES_PER_MINUTE / 60.0,
                  NOTICES_PER_MINUTE) != 0)
    return;
  file_report(call, 1);
}

void hd_api_report_get(hd_call_t *call) {
  hd_store_report_t r;
  hd_store_case_t c;
  hd_mem_pool_t *pool = &call->req->pool;
  int rc = hd_report_get(call->ctx->rd, call->user_id, 0, hd_call_id(call, 0), pool, &r, &c);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  const char *outcome = NULL;
  hd_store_decision_t d;
  if (c.decision_id &&
      call->ctx->rd->ops->safety->decision_get(call->ctx->rd, c.decision_id, pool, &d) == 0)
    outcome = hd_action_name(d.action);
  hd_api_reply1(call, 200, "report", hd__report_receipt(&r, &c, outcome));
}
