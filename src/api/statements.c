/*
 * statements.c — statements of reasons, their DSA export, and filing appeals (statements.h).
 *
 *   user:  GET /v1/me/statements, GET /v1/statements/{id}  ─► read handle ─► statement_json
 *          POST …/appeal ─► write job hd_appeal_file ─► 201 {"appeal"}
 *   admin: GET /v1/mod/dsa/statements ─► statement_list(after) ─► hd_sor_load ─► sor_json
 *
 * Invariants:
 *  1. A user sees only statements delivered to him (same 404 for others' and unknown ids).
 *  2. The export contains only the spec's fields (hd_api_sor_json); optional fields are
 *     omitted rather than sent empty.
 */
#include "api/statements.h"

#include "api/handler.h"
#include "api/staff.h"
#include "common/error.h"
#include "safety/appeals.h"
#include "safety/cases.h"
#include "store/ops.h"

#include <string.h>

HD_WJOB(run_appeal, hd_appeal_file, hd_appeal_file_op_t)

static json_t *strings(const char *const *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_string(v[i]));
  return a;
}

json_t *hd_api_sor_json(const hd_sor_t *s) {
  json_t *o = json_object();
  json_object_set_new(o, "puid", json_string(s->puid));
  if (s->n_visibility) {
    json_t *a = json_array();
    for (size_t i = 0; i < s->n_visibility; i++)
      json_array_append_new(a, json_string(hd_dsa_vis_key((hd_dsa_vis_t)s->visibility[i])));
    json_object_set_new(o, "decision_visibility", a);
  }
  if (s->provision >= 0)
    json_object_set_new(o, "decision_provision",
                        json_string(hd_dsa_prov_key((hd_dsa_prov_t)s->provision)));
  if (s->account >= 0)
    json_object_set_new(o, "decision_account",
                        json_string(hd_dsa_acc_key((hd_dsa_acc_t)s->account)));
  json_object_set_new(o, "decision_ground", json_string(hd_dsa_ground_key(s->ground)));
  int illegal = s->ground == HD_DSA_GROUND_ILLEGAL_CONTENT;
  json_object_set_new(o, illegal ? "illegal_content_legal_ground" : "incompatible_content_ground",
                      json_string(s->legal_ground));
  json_object_set_new(o,
                      illegal ? "illegal_content_explanation" : "incompatible_content_explanation",
                      json_string(s->explanation));
  json_t *ct = json_array();
  json_array_append_new(ct, json_string(hd_dsa_ct_key(s->content_type)));
  json_object_set_new(o, "content_type", ct);
  if (s->content_type == HD_DSA_CT_OTHER)
    json_object_set_new(o, "content_type_other", json_string(s->content_type_other));
  json_object_set_new(o, "category", json_string(s->category));
  if (s->n_spec)
    json_object_set_new(o, "category_specification", strings(s->spec, s->n_spec));
  json_object_set_new(o, "territorial_scope", strings(s->scope, s->n_scope));
  json_object_set_new(o, "content_date", json_string(s->content_date));
  json_object_set_new(o, "application_date", json_string(s->application_date));
  if (s->end_date_account[0])
    json_object_set_new(o, "end_date_account_restriction", json_string(s->end_date_account));
  json_object_set_new(o, "decision_facts", json_string(s->facts));
  json_object_set_new(o, "source_type", json_string(hd_dsa_src_key(s->source_type)));
  json_object_set_new(o, "automated_detection", json_string(s->automated_detection ? "Yes" : "No"));
  json_object_set_new(o, "automated_decision", json_string(hd_dsa_auto_key(s->automated_decision)));
  return o;
}

/* The statement as the affected user reads it (his own data: facts and ground in full). */
static json_t *statement_json(hd_store_t *rd, const hd_store_statement_t *st, hd_mem_pool_t *pool) {
  hd_store_decision_t d;
  hd_store_case_t c;
  if (rd->ops->safety->decision_get(rd, st->decision_id, pool, &d) != 0 ||
      rd->ops->safety->case_get(rd, st->case_id, pool, &c) != 0)
    return NULL;
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(st->id));
  json_object_set_new(o, "puid", json_string(st->puid));
  json_object_set_new(o, "action", json_string(hd_action_name(d.action)));
  json_t *t = json_object();
  json_object_set_new(t, "type", json_string(hd_target_type_name(c.target_type)));
  if (c.chat_id)
    json_object_set_new(t, "chat_id", json_integer(c.chat_id));
  if (c.message_id)
    json_object_set_new(t, "message_id", json_integer(c.message_id));
  json_object_set_new(o, "target", t);
  json_object_set_new(o, "reason", json_string(c.reason));
  json_object_set_new(o, "ground", json_string(hd_ground_name(d.ground)));
  json_object_set_new(o, d.ground == HD_GROUND_ILLEGAL ? "legal_ground" : "tos_clause",
                      json_string(d.ground_text));
  json_object_set_new(o, "category", json_string(d.category));
  json_object_set_new(o, "facts", json_string(d.facts));
  json_object_set_new(o, "automated_detection", json_boolean(d.automated_detection));
  json_object_set_new(o, "automated_decision",
                      json_string(hd_dsa_auto_key((hd_dsa_auto_t)d.automated_decision)));
  if (d.countries[0])
    json_object_set_new(o, "countries", json_string(d.countries));
  if (d.suspend_until)
    json_object_set_new(o, "suspend_until", json_integer(d.suspend_until));
  json_object_set_new(o, "created_at", json_integer(st->created_at));
  json_object_set_new(o, "appeal_until", json_integer(d.created_at + HD_APPEAL_WINDOW));
  json_object_set_new(o, "status", json_string(hd_case_status_name(c.status)));
  return o;
}

void hd_api_my_statements(hd_call_t *call) {
  int64_t limit;
  if (hd_api_query_int(call, "limit", 1, 100, 50, &limit) != 0)
    return;
  hd_store_t *rd = call->ctx->rd;
  hd_store_statement_t *sts;
  size_t n;
  int rc = rd->ops->safety->statement_list(rd, call->user_id, 0, (size_t)limit, &call->req->pool,
                                           &sts, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *o = statement_json(rd, &sts[i], &call->req->pool);
    if (o)
      json_array_append_new(a, o);
  }
  hd_api_reply1(call, 200, "statements", a);
}

void hd_api_statement_get(hd_call_t *call) {
  hd_store_t *rd = call->ctx->rd;
  hd_store_statement_t st;
  int rc = rd->ops->safety->statement_get(rd, hd_call_id(call, 0), 0, &call->req->pool, &st);
  if (rc == HD_ERR_NOT_FOUND || (rc == 0 && (st.user_id != call->user_id || !st.delivered)))
    rc = HD_ERR_STATEMENT_NOT_FOUND; /* invariant 1 */
  json_t *o = rc ? NULL : statement_json(rd, &st, &call->req->pool);
  if (rc || !o) {
    hd_api_error(call, rc ? rc : HD_ERR_STORAGE);
    return;
  }
  hd_api_reply1(call, 200, "statement", o);
}

static json_t *appeal_json(const hd_store_appeal_t *a) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(a->id));
  json_object_set_new(o, "decision_id", json_integer(a->decision_id));
  json_object_set_new(o, "case_id", json_integer(a->case_id));
  json_object_set_new(o, "status", json_string(a->status ? "decided" : "open"));
  json_object_set_new(o, "outcome", json_string(hd_appeal_outcome_name(a->outcome)));
  json_object_set_new(o, "created_at", json_integer(a->created_at));
  if (a->decided_at) {
    json_object_set_new(o, "decided_at", json_integer(a->decided_at));
    json_object_set_new(o, "reason", json_string(a->reason));
  }
  return o;
}

json_t *hd__appeal_json(const hd_store_appeal_t *a);
json_t *hd__appeal_json(const hd_store_appeal_t *a) { return appeal_json(a); }

static void appeal_done(hd_call_t *call, int status, void *arg) {
  hd_appeal_file_op_t *op = arg;
  if (status)
    hd_api_error(call, status);
  else
    hd_api_reply1(call, 201, "appeal", appeal_json(&op->appeal));
}

static void file_appeal(hd_call_t *call, int by_report) {
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_appeal_file_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  size_t len = 0;
  op->text = hd_jin_str(&in, "text", 1, &len);
  if (!in.err && (len == 0 || len > HD_APPEAL_TEXT_MAX))
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "text: 1 to %d bytes", HD_APPEAL_TEXT_MAX);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  op->user_id = call->user_id;
  if (by_report)
    op->report_id = hd_call_id(call, 0);
  else
    op->statement_id = hd_call_id(call, 0);
  op->pool = &call->req->pool;
  hd_api_write(call, run_appeal, op, appeal_done);
}

void hd_api_statement_appeal(hd_call_t *call) { file_appeal(call, 0); }

void hd_api_report_appeal(hd_call_t *call) { file_appeal(call, 1); }

void hd_api_dsa_statements(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0)
    return;
  int64_t since, limit;
  if (hd_api_query_int(call, "since", 0, INT64_MAX, 0, &since) != 0 ||
      hd_api_query_int(call, "limit", 1, 100, 100, &limit) != 0)
    return;
  hd_store_t *rd = call->ctx->rd;
  hd_mem_pool_t *pool = &call->req->pool;
  hd_store_statement_t *sts;
  size_t n;
  int rc = rd->ops->safety->statement_list(rd, 0, since, (size_t)limit, pool, &sts, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *a = json_array();
  int64_t next = since;
  for (size_t i = 0; i < n; i++) {
    hd_store_decision_t d;
    hd_store_case_t c;
    hd_sor_t s;
    if ((rc = hd_sor_load(rd, &sts[i], pool, &d, &c, &s)) != 0) {
      json_decref(a);
      hd_api_error(call, rc);
      return;
    }
    json_array_append_new(a, hd_api_sor_json(&s));
    next = sts[i].id;
  }
  json_t *o = json_object();
  json_object_set_new(o, "statements", a);
  json_object_set_new(o, "next_since", json_integer(next));
  hd_api_reply(call, 200, o);
}
