/*
 * main.c — heraldd: parse the configuration, open the store's writer, start the event
 * loops with the API router, run until SIGINT/SIGTERM, shut down in order.
 *
 *   config ─► log level ─► writer (creates/migrates the db) ─► rate-limit table
 *     ─► server (binds; every loop's start hook opens a read handle + realtime registry)
 *     ─► --port-file, "listening" ─► run … stop
 *     ─► writer destroy (every queued job finishes; completions are posted to the loops)
 *     ─► server destroy (loops drain posted completions, stop hooks run) ─► free contexts
 *
 * Exit codes: 0 clean shutdown, 2 bad configuration, 1 start-up failure.
 *
 * Invariants:
 *  1. The writer is created before any loop opens a read handle (it creates the schema) and
 *     outlives every loop that can submit jobs to it.
 *  2. A loop context (its read handle) is freed only after the server is destroyed, so a
 *     completion delivered during shutdown still finds it; ctx->rt is NULL once the loop's
 *     registry is gone and nothing is published after that.
 */
#include "api/admin_cli.h"
#include "api/app.h"
#include "api/banks.h"
#include "api/signals.h"
#include "api/config.h"
#include "api/handler.h"
#include "api/media.h"
#include "api/metrics.h"
#include "api/ratelimit.h"
#include "api/realtime.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAX_LOOPS HD_APP_MAX_LOOPS

static hd_app_t app;
static hd_loop_ctx_t *ctxs[MAX_LOOPS];

static hd_store_config_t store_config(const hd_config_t *cfg) {
  hd_store_config_t sc = {.data_dir = cfg->data_dir,
                          .sync_full = cfg->sync_full,
                          .busy_timeout_ms = 5000,
                          .no_pipeline = !cfg->pipeline,
                          .sync_delay_ms = cfg->test_sync_delay_ms};
  return sc;
}

static void loop_start(hd_loop_t *loop, void *data) {
  hd_app_t *a = data;
  int i = hd_loop_index(loop);
  HD_ASSERT(i >= 0 && i < MAX_LOOPS);
  hd_loop_ctx_t *ctx = hd_mem_calloc(sizeof(*ctx));
  ctx->app = a;
  ctx->loop = loop;
  hd_store_config_t sc = store_config(&a->cfg);
  int rc = hd_store_open(&sc, 1, &ctx->rd);
  if (rc) { /* the loop still answers: every request gets 503 storage_unavailable */
    hd_log(HD_LOG_ERROR, "cannot open read handle", "\"loop\":%d,\"error\":\"%s\"", i,
           hd_strerror(rc));
    ctx->rd = NULL;
  }
  ctx->rt = hd_rt_loop_create(ctx);
  ctxs[i] = ctx;
  atomic_store(&a->loops[i], ctx);
  hd_loop_set_data(loop, ctx);
}

static void loop_stop(hd_loop_t *loop, void *data) {
  hd_loop_ctx_t *ctx = hd_loop_data(loop);
  if (!ctx)
    return;
  hd_api_loop_stop(ctx);
  hd_rt_loop_t *rt = ctx->rt;
  ctx->rt = NULL;
  if (rt)
    hd_rt_loop_destroy(rt);
}

static int write_port_file(const char *path, int port) {
  char tmp[600];
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f)
    return -1;
  int ok = fprintf(f, "%d\n", port) > 0;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    remove(tmp);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "admin") == 0) /* set-up commands: api/admin_cli.c */
    return hd_admin_cli_main(argc, argv);
  char err[512];
  hd_config_default(&app.cfg);
  int rc = hd_config_parse(&app.cfg, argc, argv, err, sizeof(err));
  if (rc == 1) {
    hd_config_usage(argv[0]);
    return 0;
  }
  if (rc) {
    fprintf(stderr, "heraldd: %s\n", err);
    return 2;
  }
  hd_log_set_level(app.cfg.log_level);

  size_t nroutes;
  const hd_route_t *routes = hd_api_routes(&nroutes);
  HD_ASSERT(hd_router_check(routes, nroutes) == 0);

  int status = 1;
  hd_store_config_t sc = store_config(&app.cfg);
  if ((rc = hd_writer_create(&sc, app.cfg.max_batch, &app.writer)) != 0) {
    fprintf(stderr, "heraldd: cannot open the store in %s: %s\n", app.cfg.data_dir,
            hd_strerror(rc));
    goto fail_writer;
  }
  hd_writer_on_durable(app.writer, hd_api_on_durable, &app); /* parked replies (api/app.h) */
  if ((rc = hd_api_banks_start(&app, &sc)) != 0) {           /* api/banks.c: live hash banks */
    fprintf(stderr, "heraldd: cannot load the hash banks: %s\n", hd_strerror(rc));
    goto fail_banks;
  }
  if ((rc = hd_api_signals_start(&app, &sc)) != 0) { /* api/signals.c: hash matching, rules */
    fprintf(stderr, "heraldd: cannot load the rules: %s\n", hd_strerror(rc));
    goto fail_signals;
  }
  app.limits = hd_ratelimit_create(0);

  hd_server_config_t srv = {
      .host = app.cfg.host,
      .port = app.cfg.port,
      .nloops = app.cfg.loops,
      .limits = app.cfg.net,
      .handler = hd_api_handle,
      .handler_data = &app,
      .loop_start = loop_start,
      .loop_stop = loop_stop,
      .on_response = hd_api_on_response,
      .body_sink = hd_api_body_sink, /* streamed uploads (api/media.c) */
  };
  if ((rc = hd_server_create(&srv, &app.server)) != 0) {
    fprintf(stderr, "heraldd: cannot listen on %s:%d: %s\n", app.cfg.host, app.cfg.port,
            hd_strerror(rc));
    goto fail_server;
  }
  app.metrics = hd_metrics_create(hd_server_nloops(app.server), nroutes);
  int port = hd_server_port(app.server);
  if (app.cfg.port_file[0] && write_port_file(app.cfg.port_file, port) != 0) {
    fprintf(stderr, "heraldd: cannot write %s: %s\n", app.cfg.port_file, strerror(errno));
    goto fail_run;
  }
  char host[140];
  hd_log_escape(host, sizeof(host), app.cfg.host, strlen(app.cfg.host));
  hd_log(HD_LOG_INFO, "listening", "\"addr\":\"%s%s%s:%d\",\"loops\":%d,\"data\":\"%s\"",
         strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port,
         hd_server_nloops(app.server), app.cfg.data_dir);

  if ((rc = hd_server_run(app.server)) != 0) {
    fprintf(stderr, "heraldd: server failed: %s\n", hd_strerror(rc));
    goto fail_run;
  }
  status = 0;
  hd_log(HD_LOG_INFO, "stopping", "\"messages_sent\":%llu",
         (unsigned long long)atomic_load(&app.messages_sent));

fail_run:
  hd_writer_on_durable(app.writer, NULL, NULL); /* the loops are gone */
  hd_writer_destroy(app.writer);                /* finish every acknowledged-to-be job first */
  app.writer = NULL;
  hd_server_destroy(app.server);
  hd_metrics_destroy(app.metrics); /* after the loops: they count until they stop */
  app.metrics = NULL;
  for (int i = 0; i < MAX_LOOPS; i++) {
    if (!ctxs[i])
      continue;
    if (ctxs[i]->rd)
      hd_store_close(ctxs[i]->rd);
    hd_mem_free(ctxs[i]);
    ctxs[i] = NULL;
  }
fail_server:
  hd_ratelimit_destroy(app.limits);
  hd_api_signals_stop(&app);
fail_signals:
  hd_api_banks_stop(&app);
fail_banks:
  if (app.writer)
    hd_writer_destroy(app.writer);
fail_writer:
  return status;
}
