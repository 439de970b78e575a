/*
 * client.c — batch runner, user creation and WebSocket sets (see client.h for invariants).
 *
 * Batch connection lifecycle (tag holds the job in flight, -1 when none):
 *
 *   open ─on_ready─► start_job ─request─► on_response ─done()─► start_job ─ … ─► no job left
 *   ─► tag = -1, lg_conn_close ─► on_close: finished_conns++ (a tag ≥ 0 there is a lost job)
 */
#include "client.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/time.h"

static void start_job(lg_conn_t *c);

static void batch_fail(lg_batch_t *b, size_t job, int status, const char *why, hd_iovec_t body) {
  atomic_fetch_add(&b->failed, 1);
  int expected = 0;
  if (atomic_compare_exchange_strong(&b->first_status, &expected, status == 0 ? -1 : status))
    fprintf(stderr, "herald-load: job %zu failed (%s, status %d): %.*s\n", job, why, status,
            (int)HD_MIN(body.len, 300), body.base != NULL ? body.base : "");
}

static int batch_on_ready(lg_conn_t *c) {
  start_job(c);
  return 0;
}

static int batch_on_response(lg_conn_t *c, const lg_http_resp_t *resp, uint64_t lat) {
  lg_batch_t *b = c->ud;
  size_t job = (size_t)c->tag;
  c->tag = -1;
  int rc = b->done(b, job, resp, lat);
  if (rc == 0) {
    atomic_fetch_add(&b->ok, 1);
    lg_samples_add(&b->per_loop[lg_loop_index(c->loop)], lat);
  } else {
    batch_fail(b, job, resp->status, "unexpected response", resp->body);
  }
  if (c->state != LG_CLOSED && !resp->close)
    start_job(c);
  return 0;
}

static void batch_on_close(lg_conn_t *c, int err) {
  lg_batch_t *b = c->ud;
  if (c->tag >= 0)
    batch_fail(b, (size_t)c->tag, 0, hd_strerror(err), hd_iov(NULL, 0));
  atomic_fetch_add(&b->finished_conns, 1);
}

static const lg_conn_cb_t batch_cb = {
    .on_ready = batch_on_ready,
    .on_response = batch_on_response,
    .on_close = batch_on_close,
};

static void start_job(lg_conn_t *c) {
  lg_batch_t *b = c->ud;
  size_t job = atomic_fetch_add(&b->next, 1);
  lg_req_t req;
  if (job >= b->njobs)
    goto finish;
  memset(&req, 0, sizeof(req));
  if (b->build(b, job, &req) != 0)
    goto finish;
  c->tag = (int64_t)job;
  lg_conn_request(c, req.method, req.path, req.token, req.body_len > 0 ? req.body : NULL,
                  req.body_len);
  return;
finish:
  c->tag = -1;
  lg_conn_close(c);
}

static int batch_done(void *arg) {
  lg_batch_t *b = arg;
  return atomic_load(&b->finished_conns) >= b->conns;
}

int lg_batch_run(lg_ctx_t *ctx, lg_batch_t *b) {
  atomic_store(&b->ok, 0);
  atomic_store(&b->failed, 0);
  atomic_store(&b->next, 0);
  atomic_store(&b->finished_conns, 0);
  atomic_store(&b->first_status, 0);
  for (int i = 0; i < ctx->nloops; i++)
    lg_samples_init(&b->per_loop[i]);
  uint64_t t0 = hd_time_mono_ns();
  for (int i = 0; i < b->conns; i++)
    lg_conn_open(ctx->loops[i % ctx->nloops], &ctx->addr, NULL, &batch_cb, b, -1);
  int rc = lg_run(ctx->loops, ctx->nloops, batch_done, b, b->timeout_ms);
  b->seconds = (double)(hd_time_mono_ns() - t0) / 1e9;
  for (int i = 0; i < ctx->nloops; i++)
    lg_loop_close_owned(ctx->loops[i], b);
  if (b->njobs != SIZE_MAX) /* every job not answered well is a failure (invariant 2) */
    atomic_store(&b->failed, b->njobs - atomic_load(&b->ok));
  for (int i = 0; i < ctx->nloops; i++) {
    if (b->lat != NULL)
      lg_samples_merge(b->lat, &b->per_loop[i]);
    lg_samples_dispose(&b->per_loop[i]);
  }
  if (rc < 0)
    fprintf(stderr, "herald-load: batch timed out after %.1f s (%zu ok, %zu failed)\n", b->seconds,
            atomic_load(&b->ok), atomic_load(&b->failed));
  return rc < 0 ? rc : atomic_load(&b->failed) > 0 ? HD_ERR_INTERNAL : 0;
}

static json_t *json_at(json_t *root, const char *path) {
  char key[64];
  json_t *cur = root;
  while (cur != NULL && *path != '\0') {
    const char *dot = strchr(path, '.');
    size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);
    if (n >= sizeof(key))
      return NULL;
    memcpy(key, path, n);
    key[n] = '\0';
    cur = json_object_get(cur, key);
    path += n + (dot != NULL);
  }
  return cur;
}

int lg_json_get_int(hd_iovec_t body, const char *path, int64_t *out) {
  json_t *root = json_loadb(body.base, body.len, 0, NULL);
  if (root == NULL)
    return HD_ERR_BAD_JSON;
  json_t *v = json_at(root, path);
  int rc = json_is_integer(v) ? 0 : HD_ERR_BAD_FIELD;
  if (rc == 0)
    *out = json_integer_value(v);
  json_decref(root);
  return rc;
}

int lg_json_get_str(hd_iovec_t body, const char *path, char *out, size_t cap) {
  json_t *root = json_loadb(body.base, body.len, 0, NULL);
  if (root == NULL)
    return HD_ERR_BAD_JSON;
  json_t *v = json_at(root, path);
  int rc = json_is_string(v) && json_string_length(v) < cap ? 0 : HD_ERR_BAD_FIELD;
  if (rc == 0)
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
  json_decref(root);
  return rc;
}

typedef struct {
  lg_user_t *users;
  const char *prefix;
} users_job_t;

static int reg_build(lg_batch_t *b, size_t job, lg_req_t *req) {
  users_job_t *u = b->ud;
  snprintf(u->users[job].name, sizeof(u->users[job].name), "%s%zu", u->prefix, job);
  req->method = "POST";
  snprintf(req->path, sizeof(req->path), "/v1/auth/register");
  int n = snprintf(req->body, sizeof(req->body),
                   "{\"username\":\"%s\",\"password\":\"benchpass1\","
                   "\"display_name\":\"Bench %zu\",\"country\":\"DE\"}",
                   u->users[job].name, job);
  req->body_len = (size_t)n;
  return 0;
}

static int reg_done(lg_batch_t *b, size_t job, const lg_http_resp_t *r, uint64_t lat) {
  users_job_t *u = b->ud;
  if (r->status != 201)
    return HD_ERR_INTERNAL;
  return lg_json_get_int(r->body, "user.id", &u->users[job].id);
}

static int login_build(lg_batch_t *b, size_t job, lg_req_t *req) {
  users_job_t *u = b->ud;
  req->method = "POST";
  snprintf(req->path, sizeof(req->path), "/v1/auth/login");
  int n = snprintf(req->body, sizeof(req->body),
                   "{\"username\":\"%s\",\"password\":\"benchpass1\",\"device\":\"load\"}",
                   u->users[job].name);
  req->body_len = (size_t)n;
  return 0;
}

static int login_done(lg_batch_t *b, size_t job, const lg_http_resp_t *r, uint64_t lat) {
  users_job_t *u = b->ud;
  if (r->status != 200)
    return HD_ERR_INTERNAL;
  return lg_json_get_str(r->body, "token", u->users[job].token, sizeof(u->users[job].token));
}

int lg_users_create(lg_ctx_t *ctx, lg_user_t *users, size_t n, const char *prefix, int conns) {
  users_job_t u = {users, prefix};
  lg_batch_t b = {.njobs = n,
                  .conns = conns,
                  .timeout_ms = 120000,
                  .build = reg_build,
                  .done = reg_done,
                  .ud = &u};
  int rc = lg_batch_run(ctx, &b);
  if (rc < 0)
    return rc;
  if (ctx->verbose)
    fprintf(stderr, "herald-load: registered %zu users in %.2f s\n", n, b.seconds);
  lg_batch_t l = {.njobs = n,
                  .conns = conns,
                  .timeout_ms = 120000,
                  .build = login_build,
                  .done = login_done,
                  .ud = &u};
  rc = lg_batch_run(ctx, &l);
  if (rc == 0 && ctx->verbose)
    fprintf(stderr, "herald-load: logged in %zu users in %.2f s\n", n, l.seconds);
  return rc;
}

static int ws_on_message(lg_conn_t *c, int opcode, hd_iovec_t msg) {
  lg_wsset_t *set = c->ud;
  size_t slot = (size_t)c->tag;
  if (!set->hello[slot]) {
    if (memmem(msg.base, msg.len, "\"hello\"", 7) == NULL)
      return HD_ERR_BAD_REQUEST; /* the contract: hello comes first */
    set->hello[slot] = 1;
    atomic_fetch_add(&set->hellos, 1);
    return 0;
  }
  if (set->on_msg != NULL)
    set->on_msg(set, slot, msg);
  return 0;
}

static void ws_on_close(lg_conn_t *c, int err) {
  lg_wsset_t *set = c->ud;
  size_t slot = (size_t)c->tag;
  atomic_fetch_add(&set->closed, 1);
  if (!set->hello[slot])
    atomic_fetch_add(&set->failed, 1);
  set->conns[slot] = NULL;
}

static const lg_conn_cb_t ws_cb = {.on_ws_message = ws_on_message, .on_close = ws_on_close};

static int wsset_ready(void *arg) {
  lg_wsset_t *set = arg;
  return atomic_load(&set->hellos) + atomic_load(&set->failed) >= set->n;
}

int lg_wsset_open(lg_ctx_t *ctx, lg_wsset_t *set, const lg_user_t *users, size_t nusers, size_t n,
                  uint64_t timeout_ms) {
  set->n = n;
  set->conns = hd_mem_calloc(n * sizeof(*set->conns));
  set->hello = hd_mem_calloc(n);
  atomic_store(&set->hellos, 0);
  atomic_store(&set->closed, 0);
  atomic_store(&set->failed, 0);
  char path[200];
  for (size_t i = 0; i < n; i++) {
    snprintf(path, sizeof(path), "/v1/updates/ws?token=%s", users[i % nusers].token);
    set->conns[i] = lg_conn_open(ctx->loops[i % (size_t)ctx->nloops], &ctx->addr, path, &ws_cb, set,
                                 (int64_t)i);
  }
  int rc = lg_run(ctx->loops, ctx->nloops, wsset_ready, set, timeout_ms);
  if (rc == 0 && atomic_load(&set->failed) > 0)
    rc = HD_ERR_IO;
  return rc;
}

void lg_wsset_close(lg_ctx_t *ctx, lg_wsset_t *set) {
  for (int i = 0; i < ctx->nloops; i++)
    lg_loop_close_owned(ctx->loops[i], set);
  hd_mem_free(set->conns);
  hd_mem_free(set->hello);
  set->conns = NULL;
  set->hello = NULL;
}

static int never(void *arg) { return 0; }

void lg_ctx_pump(lg_ctx_t *ctx, uint64_t ms) { lg_run(ctx->loops, ctx->nloops, never, NULL, ms); }
