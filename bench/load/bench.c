/*
 * bench.c — shared benchmark plumbing (server + loops, one-off API calls) and the idle
 * WebSocket benchmark.
 *
 * Idle WebSockets, step by step:
 *
 *   register/login U users ─ pump 500 ms ─ RSS0 ─ open U×K sockets (hello each) ─ pump 1 s
 *   ─ RSS1 ─ bytes/conn = (RSS1 − RSS0) / open sockets ─ pump 2 s ─ count drops
 *
 * RSS comes from /proc/PID/status VmRSS of the heraldd child, so it counts everything the
 * server holds per connection: socket state in user space, buffers, subscriptions.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/time.h"

int lg_bench_begin(const lg_opts_t *o, lg_ctx_t *ctx, lg_server_t *srv) {
  memset(ctx, 0, sizeof(*ctx));
  lg_server_opts_t so = {o->server, o->data_root, (const char **)o->server_extra, o->keep_data};
  int rc = lg_server_start(&so, srv);
  if (rc < 0)
    return rc;
  ctx->addr = srv->addr;
  ctx->server_pid = srv->pid;
  ctx->verbose = o->verbose;
  ctx->nloops = o->threads;
  for (int i = 0; i < ctx->nloops; i++)
    ctx->loops[i] = lg_loop_create(i, 128);
  if (o->verbose)
    fprintf(stderr, "herald-load: heraldd pid %d on port %d, data %s\n", srv->pid, srv->port,
            srv->dir);
  return 0;
}

void lg_bench_end(lg_ctx_t *ctx, lg_server_t *srv) {
  for (int i = 0; i < ctx->nloops; i++) {
    lg_loop_destroy(ctx->loops[i]);
    ctx->loops[i] = NULL;
  }
  lg_server_stop(srv);
}

typedef struct {
  const char *method, *path, *token, *body;
  int status;
  char *resp;
} call_t;

static int call_build(lg_batch_t *b, size_t job, lg_req_t *req) {
  call_t *c = b->ud;
  req->method = c->method;
  snprintf(req->path, sizeof(req->path), "%s", c->path);
  req->token = c->token;
  if (c->body != NULL) {
    int n = snprintf(req->body, sizeof(req->body), "%s", c->body);
    req->body_len = (size_t)n;
  }
  return 0;
}

static int call_done(lg_batch_t *b, size_t job, const lg_http_resp_t *r, uint64_t lat) {
  call_t *c = b->ud;
  c->status = r->status;
  c->resp = hd_strndup(r->body.base, r->body.len);
  return 0;
}

char *lg_call(lg_ctx_t *ctx, const char *method, const char *path, const char *token,
              const char *body, int *status) {
  call_t c = {method, path, token, body, 0, NULL};
  lg_batch_t b = {.njobs = 1,
                  .conns = 1,
                  .timeout_ms = 30000,
                  .build = call_build,
                  .done = call_done,
                  .ud = &c};
  lg_batch_run(ctx, &b);
  *status = c.status;
  return c.resp;
}

int lg_bench_idle(const lg_opts_t *o) {
  lg_ctx_t ctx;
  lg_server_t srv;
  size_t nusers = (size_t)o->idle_users, n = nusers * (size_t)o->idle_per_user;
  int rc = lg_bench_begin(o, &ctx, &srv);
  if (rc < 0)
    return rc;
  lg_user_t *users = hd_mem_calloc(nusers * sizeof(*users));
  lg_wsset_t set;
  memset(&set, 0, sizeof(set));
  rc = lg_users_create(&ctx, users, nusers, "idle", o->setup_conns);
  if (rc < 0)
    goto out;
  lg_ctx_pump(&ctx, 500);
  int64_t rss0 = lg_rss_kb(srv.pid);
  uint64_t t0 = hd_time_mono_ns();
  rc = lg_wsset_open(&ctx, &set, users, nusers, n, 120000);
  double open_s = (double)(hd_time_mono_ns() - t0) / 1e9;
  size_t open = atomic_load(&set.hellos);
  if (rc < 0)
    fprintf(stderr, "herald-load: idle: only %zu of %zu sockets opened (%zu failed)\n", open, n,
            atomic_load(&set.failed));
  lg_ctx_pump(&ctx, 1000);
  int64_t rss1 = lg_rss_kb(srv.pid);
  lg_ctx_pump(&ctx, 2000);
  size_t dropped = atomic_load(&set.closed);
  printf("# idle: %zu users x %d sockets, server RSS %lld kB -> %lld kB\n", nusers,
         o->idle_per_user, (long long)rss0, (long long)rss1);
  lg_figure("idle.sockets_open", (double)open, "conns", ">=", (double)n);
  lg_figure("idle.open_rate", (double)open / open_s, "conns/s", NULL, 0);
  if (open > 0 && rss0 > 0 && rss1 > 0)
    lg_figure("idle.server_bytes_per_conn", (double)(rss1 - rss0) * 1024.0 / (double)open, "B",
              "<=", 1024);
  lg_figure("idle.dropped_after_open", (double)dropped, "conns", "<=", 0);
  rc = open == n ? 0 : HD_ERR_IO;
out:
  lg_wsset_close(&ctx, &set);
  hd_mem_free(users);
  srv.keep_log = rc < 0;
  lg_bench_end(&ctx, &srv);
  return rc;
}
