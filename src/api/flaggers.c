/*
 * flaggers.c — trusted-flagger administration and the flagger surface (flaggers.h).
 *
 *   admin:   require_staff(admin) ─► write job hd_flagger_register ─► key shown once
 *   flagger: X-Flagger-Key ─► hd_flagger_auth (read handle) ─► 401 unauthorized when unknown
 *            report ─► accredited for the reason? (403 flagger_category)
 *                   ─► hd_report_file(source flagger, sla) ─► receipt + SLA
 *
 * Invariants:
 *  1. The flagger surface never accepts a user session and user routes never accept a
 *     flagger key: the two credentials are separate.
 *  2. A flagger reads only its own reports (hd_report_get with reporter 0, flagger id).
 */
#include "api/flaggers.h"

#include "api/handler.h"
#include "api/reports.h"
#include "api/staff.h"
#include "common/error.h"
#include "common/time.h"
#include "safety/flaggers.h"
#include "store/ops.h"

#include <string.h>

HD_WJOB(run_register, hd_flagger_register, hd_flagger_register_op_t)
HD_WJOB(run_report, hd_report_file, hd_report_op_t)

static json_t *flagger_json(const hd_store_flagger_t *f, int counts) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(f->id));
  json_object_set_new(o, "name", json_string(f->name));
  json_object_set_new(o, "country", json_string(f->country));
  json_t *cats = json_array();
  for (const char *p = f->categories; p && *p;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    json_array_append_new(cats, json_stringn(p, len));
    if (!e)
      break;
    p = e + 1;
  }
  json_object_set_new(o, "categories", cats);
  json_object_set_new(o, "created_at", json_integer(f->created_at));
  if (f->revoked_at) /* DELETE /v1/admin/flaggers/{id} (api/safety_admin.c) */
    json_object_set_new(o, "revoked_at", json_integer(f->revoked_at));
  if (counts) { /* flaggers.h invariant 3 */
    json_object_set_new(o, "reports", json_integer(f->reports));
    json_object_set_new(o, "decided", json_integer(f->decided));
    json_object_set_new(o, "upheld", json_integer(f->upheld));
    json_object_set_new(o, "accuracy",
                        f->decided ? json_real((double)f->upheld / (double)f->decided)
                                   : json_null());
  }
  return o;
}

void hd_api_flaggers_list(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0)
    return;
  hd_store_t *rd = call->ctx->rd;
  hd_store_flagger_t *fs;
  size_t n;
  int rc = rd->ops->safety->flagger_list(rd, &call->req->pool, &fs, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, flagger_json(&fs[i], 1));
  hd_api_reply1(call, 200, "flaggers", a);
}

static void register_done(hd_call_t *call, int status, void *arg) {
  hd_flagger_register_op_t *op = arg;
  if (status) {
    hd_api_error(call, status);
    return;
  }
  json_t *o = json_object();
  json_object_set_new(o, "flagger", flagger_json(&op->flagger, 0));
  json_object_set_new(o, "api_key", json_string(op->key));
  hd_api_reply(call, 201, o);
}

void hd_api_flagger_create(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0)
    return;
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_flagger_register_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  op->name = hd_jin_str(&in, "name", 1, NULL);
  op->country = hd_jin_str(&in, "country", 1, NULL);
  json_t *cats = json_object_get(in.root, "categories");
  hd_buf_t b;
  hd_buf_init(&b, 1024);
  size_t i;
  json_t *e;
  int bad = !json_is_array(cats) || json_array_size(cats) == 0;
  json_array_foreach(cats, i, e) {
    if (!json_is_string(e) || (i && hd_buf_append(&b, ",", 1) != 0) ||
        hd_buf_append(&b, json_string_value(e), json_string_length(e)) != 0)
      bad = 1;
  }
  op->categories = bad ? "" : hd_mem_pool_strndup(&call->req->pool, b.base ? b.base : "", b.len);
  hd_buf_dispose(&b);
  if (bad)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "categories: a non-empty array of reason codes");
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  op->actor_id = call->user_id;
  op->pool = &call->req->pool;
  hd_api_write(call, run_register, op, register_done);
}

/* Authenticate the X-Flagger-Key header (invariant 1); replies 401 on failure. */
static int flagger_auth(hd_call_t *call, hd_store_flagger_t *f) {
  hd_iovec_t key = hd_http_header(call->req, "X-Flagger-Key");
  int rc = hd_flagger_auth(call->ctx->rd, key.base, key.len, &call->req->pool, f);
  if (rc) {
    hd_api_error(call, rc);
    return -1;
  }
  return 0;
}

static json_t *sla_receipt(const hd_store_report_t *r, const hd_store_case_t *c,
                           const char *outcome) {
  json_t *o = hd__report_receipt(r, c, outcome);
  if (c->sla_due_at) {
    int64_t end = c->decided_at ? c->decided_at : hd_time_now();
    json_object_set_new(o, "sla_due_at", json_integer(c->sla_due_at));
    json_object_set_new(o, "sla",
                        json_string(end > c->sla_due_at ? "breached"
                                    : c->decided_at     ? "met"
                                                        : "running"));
  }
  return o;
}

static void report_done(hd_call_t *call, int status, void *arg) {
  hd_report_op_t *op = arg;
  if (status)
    hd_api_error(call, status);
  else
    hd_api_reply1(call, 201, "report", sla_receipt(&op->report, &op->c, NULL));
}

void hd_api_flagger_report_create(hd_call_t *call) {
  hd_store_flagger_t f;
  if (flagger_auth(call, &f) != 0)
    return;
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_report_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  hd__report_parse(&in, op, 0);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  if (op->reason && !hd_flagger_accredited(&f, op->reason)) {
    hd_api_error(call, HD_ERR_FLAGGER_CATEGORY);
    return;
  }
  const hd_config_t *cfg = &call->ctx->app->cfg;
  op->reporter_id = 0;
  op->flagger_id = f.id;
  op->source = HD_SOURCE_FLAGGER;
  op->sla_seconds = hd_flagger_sla(op->reason, cfg->sla_urgent, cfg->sla_default);
  op->pool = &call->req->pool;
  hd_api_write(call, run_report, op, report_done);
}

void hd_api_flagger_report_get(hd_call_t *call) {
  hd_store_flagger_t f;
  if (flagger_auth(call, &f) != 0)
    return;
  hd_store_report_t r;
  hd_store_case_t c;
  hd_mem_pool_t *pool = &call->req->pool;
  int rc = hd_report_get(call->ctx->rd, 0, f.id, hd_call_id(call, 0), pool, &r, &c);
  if (rc) { /* invariant 2 */
    hd_api_error(call, rc);
    return;
  }
  const char *outcome = NULL;
  hd_store_decision_t d;
  if (c.decision_id &&
      call->ctx->rd->ops->safety->decision_get(call->ctx->rd, c.decision_id, pool, &d) == 0)
    outcome = hd_action_name(d.action);
  hd_api_reply1(call, 200, "report", sla_receipt(&r, &c, outcome));
}
