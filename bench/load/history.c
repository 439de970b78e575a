/*
 * history.c — the history benchmark: fill one group with M messages through the API, then
 * page through all of it, 100 per page, newest to oldest, and time every page.
 *
 *   fill:  C keep-alive connections × closed-loop POST /v1/chats/G/messages (the owner)
 *   page:  GET …/messages?limit=100 ─► ids N…N-99 ─► GET …?before=N-99&limit=100 ─► … ─► []
 *
 * Every page is checked, not just timed: ids must continue exactly one below the previous
 * page (message ids are per chat and gap-free, DESIGN.md), and the pages together must
 * return every acknowledged message once.
 *
 * Invariants:
 *  1. One page request is in flight at a time (latency is per request, not under load).
 *  2. cursor is the smallest id seen so far; 0 before the first page.
 */
#include "bench.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/time.h"

typedef struct {
  const char *token;
  int64_t chat;
  uint64_t salt;
  int64_t cursor; /* invariant 2 */
  int64_t seen;   /* messages returned so far */
  int64_t bad;    /* pages that broke the id sequence */
  long max_pages;
  int end; /* an empty page came back */
} hist_t;

static int fill_build(lg_batch_t *b, size_t job, lg_req_t *req) {
  hist_t *h = b->ud;
  req->method = "POST";
  req->token = h->token;
  snprintf(req->path, sizeof(req->path), "/v1/chats/%" PRId64 "/messages", h->chat);
  req->body_len = (size_t)snprintf(req->body, sizeof(req->body),
                                   "{\"text\":\"history message %zu\",\"random_id\":%" PRIu64 "}",
                                   job, h->salt + job);
  return 0;
}

static int fill_done(lg_batch_t *b, size_t job, const lg_http_resp_t *r, uint64_t lat) {
  return r->status == 200 ? 0 : HD_ERR_INTERNAL;
}

static int page_build(lg_batch_t *b, size_t job, lg_req_t *req) {
  hist_t *h = b->ud;
  if (h->end || (h->max_pages > 0 && (long)job >= h->max_pages))
    return 1;
  req->method = "GET";
  req->token = h->token;
  if (h->cursor == 0)
    snprintf(req->path, sizeof(req->path), "/v1/chats/%" PRId64 "/messages?limit=100", h->chat);
  else
    snprintf(req->path, sizeof(req->path),
             "/v1/chats/%" PRId64 "/messages?before=%" PRId64 "&limit=100", h->chat, h->cursor);
  return 0;
}

static int page_done(lg_batch_t *b, size_t job, const lg_http_resp_t *r, uint64_t lat) {
  hist_t *h = b->ud;
  if (r->status != 200)
    return HD_ERR_INTERNAL;
  json_t *root = json_loadb(r->body.base, r->body.len, 0, NULL);
  json_t *msgs = json_object_get(root, "messages");
  int rc = 0;
  if (!json_is_array(msgs)) {
    rc = HD_ERR_BAD_JSON;
    goto out;
  }
  size_t n = json_array_size(msgs);
  if (n == 0) {
    h->end = 1;
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    int64_t id = json_integer_value(json_object_get(json_array_get(msgs, i), "id"));
    if (h->cursor != 0 && id != h->cursor - 1)
      h->bad++; /* a gap, a repeat or the wrong order */
    h->cursor = id;
    h->seen++;
  }
out:
  json_decref(root);
  return rc;
}

int lg_bench_history(const lg_opts_t *o) {
  lg_ctx_t ctx;
  lg_server_t srv;
  int rc = lg_bench_begin(o, &ctx, &srv);
  if (rc < 0)
    return rc;
  lg_user_t owner;
  memset(&owner, 0, sizeof(owner));
  lg_samples_t fill_lat, page_lat;
  lg_samples_init(&fill_lat);
  lg_samples_init(&page_lat);
  hist_t h;
  memset(&h, 0, sizeof(h));
  char *resp = NULL;
  int status = 0;
  if ((rc = lg_users_create(&ctx, &owner, 1, "historian", 1)) < 0)
    goto out;
  resp = lg_call(&ctx, "POST", "/v1/chats", owner.token,
                 "{\"type\":\"group\",\"title\":\"History\"}", &status);
  if (resp == NULL || status != 201 ||
      lg_json_get_int(hd_iov(resp, strlen(resp)), "chat.id", &h.chat) < 0) {
    fprintf(stderr, "herald-load: history: group creation failed (%d): %s\n", status,
            resp ? resp : "");
    rc = HD_ERR_INTERNAL;
    goto out;
  }
  h.token = owner.token;
  h.salt = (hd_time_mono_ns() & 0xffffffffull) << 24 | 1;
  lg_batch_t fb = {.njobs = (size_t)o->hist_messages,
                   .conns = o->hist_conns,
                   .timeout_ms = 3600 * 1000,
                   .build = fill_build,
                   .done = fill_done,
                   .ud = &h,
                   .lat = &fill_lat};
  lg_batch_run(&ctx, &fb);
  size_t stored = atomic_load(&fb.ok);
  printf("# history: filled %zu messages (%zu failed) with %d connections in %.1f s\n", stored,
         atomic_load(&fb.failed), o->hist_conns, fb.seconds);
  lg_figure("history.fill_rate", (double)stored / fb.seconds, "msg/s", NULL, 0);
  lg_figure("history.fill_ack_p99", lg_samples_pct(&fill_lat, 99) / 1000.0, "ms", NULL, 0);

  h.max_pages = o->hist_pages;
  lg_batch_t pb = {.njobs = SIZE_MAX,
                   .conns = 1,
                   .timeout_ms = 3600 * 1000,
                   .build = page_build,
                   .done = page_done,
                   .ud = &h,
                   .lat = &page_lat};
  lg_batch_run(&ctx, &pb);
  printf("# history: %zu pages in %.1f s, %" PRId64 " messages seen, oldest id %" PRId64
         ", %zu failed pages\n",
         atomic_load(&pb.ok), pb.seconds, h.seen, h.cursor, atomic_load(&pb.failed));
  lg_figure("history.page_p50", lg_samples_pct(&page_lat, 50) / 1000.0, "ms", NULL, 0);
  lg_figure("history.page_p99", lg_samples_pct(&page_lat, 99) / 1000.0, "ms", NULL, 0);
  lg_figure("history.sequence_errors", (double)h.bad, "ids", "<=", 0);
  if (o->hist_pages == 0)
    lg_figure("history.missing", (double)((int64_t)stored - h.seen), "msgs", "<=", 0);
  rc = 0;
out:
  hd_mem_free(resp);
  lg_samples_dispose(&fill_lat);
  lg_samples_dispose(&page_lat);
  srv.keep_log = rc < 0;
  lg_bench_end(&ctx, &srv);
  return rc;
}
