/*
 * rules.c — the admin rules surface and the after-commit evaluation of new public text
 * (api/rules.h, safety/rules.h, docs/api.md "Rules").
 *
 *   POST   /v1/admin/rules {kind, pattern, category, enabled?}
 *            compile (400 rule_invalid) ─► write job insert + audit "rule.create"
 *            ─commit─► hd_rules_add (the compiled pattern, compiled once)
 *   DELETE /v1/admin/rules/{id}  write job delete + audit "rule.delete" ─► hd_rules_remove
 *   GET    /v1/admin/rules
 *
 *   send committed (public group/channel, text, rules live)
 *     ─► eval_t (heap, detached from the call) ─► worker: hd_rules_eval
 *     ─► loop: matches? ─► hd_writer_submit(hd_rules_open_cases) ─► writer done: free
 *
 * Invariants:
 *  1. Evaluation is detached from the request: the reply never waits for it and the call
 *     may be gone when it ends; everything it needs is copied into eval_t.
 *  2. Nothing is submitted once app->writer is NULL (shutdown).
 */
#include "api/rules.h"

#include "api/handler.h"
#include "api/staff.h"
#include "chat/chats.h"
#include "common/error.h"
#include "common/log.h"
#include "common/time.h"
#include "net/server.h"
#include "safety/audit.h"
#include "safety/rules.h"
#include "store/ops.h"

#include <stdio.h>
#include <string.h>

typedef struct {
  hd_store_rule_t row;
  hd_rule_compiled_t *compiled;
  int64_t actor_id;
} create_t;

static json_t *rule_json(const hd_store_rule_t *r) {
  return json_pack("{s:I,s:s,s:s,s:s,s:b,s:I,s:I}", "id", (json_int_t)r->id, "kind",
                   hd_rule_kind_name(r->kind), "pattern", r->pattern, "category", r->category,
                   "enabled", r->enabled, "created_by", (json_int_t)r->created_by, "created_at",
                   (json_int_t)r->created_at);
}

static int run_create(hd_store_t *tx, void *arg) {
  create_t *c = arg;
  int ret = tx->ops->safety->rule_insert(tx, &c->row);
  if (ret)
    return ret;
  char subject[32], after[64];
  snprintf(subject, sizeof(subject), "rule:%lld", (long long)c->row.id);
  snprintf(after, sizeof(after), "{\"kind\":\"%s\",\"enabled\":%s}", hd_rule_kind_name(c->row.kind),
           c->row.enabled ? "true" : "false");
  return hd_audit_append(tx, c->actor_id, "rule.create", subject, "", after);
}

static void create_done(hd_call_t *call, int status, void *arg) {
  create_t *c = arg;
  if (status) {
    hd_rule_compiled_free(c->compiled);
    hd_api_error(call, status);
    return;
  }
  hd_rules_add(call->ctx->app->rules, &c->row, c->compiled); /* invariant 1 of rules.h */
  hd_api_reply1(call, 201, "rule", rule_json(&c->row));
}

void hd_api_rules_create(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0)
    return;
  if (!call->ctx->app->rules) {
    hd_api_error_msg(call, HD_ERR_STORAGE, "rules are not loaded");
    return;
  }
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  size_t len;
  const char *kind = hd_jin_str(&in, "kind", 1, &len);
  const char *pattern = hd_jin_str(&in, "pattern", 1, &len);
  const char *category = hd_jin_str(&in, "category", 1, &len);
  int enabled = hd_jin_bool(&in, "enabled", 0, 1);
  hd_rule_kind_t k = HD_RULE_KEYWORD;
  if (!in.err && hd_rule_kind_parse(kind, &k) != 0)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "kind: must be keyword or regex");
  if (hd_api_fields(call, &in) != 0)
    return;
  create_t *c = hd_mem_pool_alloc(&call->req->pool, sizeof(*c));
  memset(c, 0, sizeof(*c));
  char err[200];
  int rc = hd_rule_compile(k, pattern, category, err, sizeof(err), &c->compiled);
  if (rc) {
    hd_jin_dispose(&in);
    if (rc == HD_ERR_RULE_INVALID)
      hd_api_error_msg(call, rc, err);
    else if (rc == HD_ERR_BAD_FIELD)
      hd_api_error_msg(call, rc, "pattern: 1..1024 bytes of UTF-8");
    else
      hd_api_error(call, rc);
    return;
  }
  c->row.kind = k;
  c->row.pattern = hd_mem_pool_strndup(&call->req->pool, pattern, strlen(pattern));
  c->row.category = hd_mem_pool_strndup(&call->req->pool, category, strlen(category));
  c->row.enabled = enabled;
  c->row.created_by = c->actor_id = call->user_id;
  c->row.created_at = hd_time_now();
  hd_jin_dispose(&in);
  hd_api_write(call, run_create, c, create_done);
}

typedef struct {
  int64_t id, actor_id;
} delete_t;

static int run_delete(hd_store_t *tx, void *arg) {
  delete_t *d = arg;
  int ret = tx->ops->safety->rule_delete(tx, d->id);
  if (ret)
    return ret;
  char subject[32];
  snprintf(subject, sizeof(subject), "rule:%lld", (long long)d->id);
  return hd_audit_append(tx, d->actor_id, "rule.delete", subject, "", "");
}

static void delete_done(hd_call_t *call, int status, void *arg) {
  delete_t *d = arg;
  if (status) {
    hd_api_error(call, status);
    return;
  }
  hd_rules_remove(call->ctx->app->rules, d->id);
  hd_api_ok(call);
}

void hd_api_rules_delete(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0)
    return;
  delete_t *d = hd_mem_pool_alloc(&call->req->pool, sizeof(*d));
  d->id = hd_call_id(call, 0);
  d->actor_id = call->user_id;
  hd_api_write(call, run_delete, d, delete_done);
}

void hd_api_rules_list(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0)
    return;
  hd_store_t *rd = call->ctx->rd;
  hd_store_rule_t *v;
  size_t n;
  int rc = rd->ops->safety->rule_list(rd, &call->req->pool, &v, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, rule_json(&v[i]));
  hd_api_reply1(call, 200, "rules", a);
}

/* ---- evaluation after a committed send ------------------------------------------------- */

typedef struct {
  hd_app_t *app;
  char *text;
  size_t len;
  hd_rules_cases_op_t op;
  hd_mem_pool_t pool;
} eval_t;

static void eval_free(eval_t *e) {
  for (size_t i = 0; i < e->op.n; i++)
    hd_mem_free(e->op.cats[i]);
  hd_mem_pool_dispose(&e->pool);
  hd_mem_free(e->text);
  hd_mem_free(e);
}

static void eval_work(void *arg) {
  eval_t *e = arg;
  e->op.n = hd_rules_eval(e->app->rules, e->text, e->len, e->op.ids, e->op.cats, HD_RULE_HITS_MAX);
}

static int run_cases(hd_store_t *tx, void *arg) {
  return hd_rules_open_cases(tx, &((eval_t *)arg)->op);
}

static void cases_done(void *arg, int status) {
  eval_t *e = arg;
  if (status)
    hd_log(HD_LOG_ERROR, "rule case failed", "\"chat_id\":%lld,\"message_id\":%lld,\"err\":\"%s\"",
           (long long)e->op.chat_id, (long long)e->op.message_id, hd_err_code(status));
  eval_free(e);
}

static void eval_after(hd_loop_t *loop, void *arg, int status) {
  (void)loop;
  eval_t *e = arg;
  hd_writer_t *w = e->app->writer;
  if (status || e->op.n == 0 || w == NULL) { /* invariant 2 */
    eval_free(e);
    return;
  }
  hd_writer_submit(w, run_cases, cases_done, e);
}

void hd_api_rules_after_send(hd_call_t *call, const hd_message_t *m) {
  hd_app_t *app = call->ctx->app;
  if (!app->rules || !m->text || m->text[0] == '\0' || hd_rules_count(app->rules) == 0)
    return;
  hd_chat_t c;
  if (hd_chat_get(call->ctx->rd, call->user_id, m->chat_id, &call->req->pool, &c) != 0 ||
      c.type == HD_CHAT_PRIVATE || c.username == NULL || c.username[0] == '\0')
    return; /* private conversations are not scanned */
  eval_t *e = hd_mem_calloc(sizeof(*e));
  e->app = app;
  e->len = strlen(m->text);
  e->text = hd_strdup(m->text);
  e->op.chat_id = m->chat_id;
  e->op.message_id = m->id;
  e->op.user_id = m->sender_id;
  hd_mem_pool_init(&e->pool);
  e->op.pool = &e->pool;
  hd_loop_work(call->ctx->loop, eval_work, eval_after, e); /* invariant 1 */
}
