/*
 * msgs.c — the durable 1:1 message benchmark and the channel fan-out benchmark.
 *
 * Every message text carries the client's monotonic send time, "lg <ns> <seq>", so the
 * receiving WebSocket computes send→delivery without any clock agreement with the server
 * (sender and receiver are the same process):
 *
 *   sender conn ─POST /v1/chats/C/messages {"text":"lg 1234567 42"}─► heraldd ─200─► ack sample
 *                                                                     └─ws update─► recipient
 *                                                        delivery sample = now − 1234567
 *
 * 1:1 messages: S pairs (sender i → recipient S+i, private chat), S keep-alive sender
 * connections in a closed loop (next send on ack) for T seconds; recipients online.
 * Fan-out: one channel, N subscribers online; the owner posts P times, one at a time; a post
 * is done when all N sockets have it (or 10 s pass); its figure is the slowest arrival.
 *
 * Invariants:
 *  1. Throughput counts only sends acknowledged with 200 inside the measured batch.
 *  2. A delivery is counted once per recipient socket per message it parses "lg " from.
 */
#include "bench.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/time.h"

/* Parse "lg <ns> <seq>" out of an update; 0 or HD_ERR_BAD_JSON. */
static int parse_marker(hd_iovec_t msg, uint64_t *ns, uint64_t *seq) {
  const char *p = memmem(msg.base, msg.len, "\"text\":\"lg ", 11);
  if (p == NULL)
    return HD_ERR_BAD_JSON;
  p += 11;
  const char *end = msg.base + msg.len;
  uint64_t v[2] = {0, 0};
  for (int k = 0; k < 2; k++) {
    int digits = 0;
    while (p < end && *p >= '0' && *p <= '9' && digits < 20) {
      v[k] = v[k] * 10 + (uint64_t)(*p++ - '0');
      digits++;
    }
    if (digits == 0)
      return HD_ERR_BAD_JSON;
    if (k == 0) {
      if (p >= end || *p != ' ')
        return HD_ERR_BAD_JSON;
      p++;
    }
  }
  *ns = v[0];
  *seq = v[1];
  return 0;
}

typedef struct {
  lg_user_t *users;
  size_t pairs;
  int64_t *chats;
  uint64_t end_ns;
  uint64_t salt;
  lg_samples_t deliv[LG_MAX_LOOPS];
  int nloops;
  atomic_size_t delivered;
} msgs_t;

static int chat_build(lg_batch_t *b, size_t job, lg_req_t *req) {
  msgs_t *m = b->ud;
  req->method = "POST";
  req->token = m->users[job].token;
  snprintf(req->path, sizeof(req->path), "/v1/chats/private");
  req->body_len = (size_t)snprintf(req->body, sizeof(req->body), "{\"user_id\":%" PRId64 "}",
                                   m->users[m->pairs + job].id);
  return 0;
}

static int chat_done(lg_batch_t *b, size_t job, const lg_http_resp_t *r, uint64_t lat) {
  msgs_t *m = b->ud;
  if (r->status != 200 && r->status != 201)
    return HD_ERR_INTERNAL;
  return lg_json_get_int(r->body, "chat.id", &m->chats[job]);
}

static int send_build(lg_batch_t *b, size_t job, lg_req_t *req) {
  msgs_t *m = b->ud;
  uint64_t now = hd_time_mono_ns();
  if (now >= m->end_ns)
    return 1;
  size_t pair = job % m->pairs;
  req->method = "POST";
  req->token = m->users[pair].token;
  snprintf(req->path, sizeof(req->path), "/v1/chats/%" PRId64 "/messages", m->chats[pair]);
  req->body_len = (size_t)snprintf(req->body, sizeof(req->body),
                                   "{\"text\":\"lg %" PRIu64 " %zu\",\"random_id\":%" PRIu64 "}",
                                   now, job, m->salt + job);
  return 0;
}

static int send_done(lg_batch_t *b, size_t job, const lg_http_resp_t *r, uint64_t lat) {
  return r->status == 200 ? 0 : HD_ERR_INTERNAL;
}

static void msgs_on_msg(lg_wsset_t *set, size_t slot, hd_iovec_t msg) {
  msgs_t *m = set->ud;
  uint64_t ns, seq;
  if (parse_marker(msg, &ns, &seq) < 0)
    return;
  uint64_t now = hd_time_mono_ns();
  lg_samples_add(&m->deliv[slot % (size_t)m->nloops], now > ns ? now - ns : 0);
  atomic_fetch_add(&m->delivered, 1);
}

typedef struct {
  msgs_t *m;
  size_t want;
} drain_t;

static int all_delivered(void *arg) {
  drain_t *d = arg;
  return atomic_load(&d->m->delivered) >= d->want;
}

int lg_bench_msgs(const lg_opts_t *o) {
  lg_ctx_t ctx;
  lg_server_t srv;
  size_t pairs = (size_t)o->msg_senders;
  int rc = lg_bench_begin(o, &ctx, &srv);
  if (rc < 0)
    return rc;
  msgs_t m;
  memset(&m, 0, sizeof(m));
  m.pairs = pairs;
  m.nloops = ctx.nloops;
  m.users = hd_mem_calloc(2 * pairs * sizeof(*m.users));
  m.chats = hd_mem_calloc(pairs * sizeof(*m.chats));
  m.salt = (hd_time_mono_ns() & 0xffffffffull) << 24 | 1;
  for (int i = 0; i < m.nloops; i++)
    lg_samples_init(&m.deliv[i]);
  lg_samples_t ack, deliv;
  lg_samples_init(&ack);
  lg_samples_init(&deliv);
  lg_wsset_t set;
  memset(&set, 0, sizeof(set));
  rc = lg_users_create(&ctx, m.users, 2 * pairs, "pair", o->setup_conns);
  if (rc < 0)
    goto out;
  lg_batch_t cb = {.njobs = pairs,
                   .conns = o->setup_conns,
                   .timeout_ms = 60000,
                   .build = chat_build,
                   .done = chat_done,
                   .ud = &m};
  if ((rc = lg_batch_run(&ctx, &cb)) < 0)
    goto out;
  set.on_msg = msgs_on_msg;
  set.ud = &m;
  if ((rc = lg_wsset_open(&ctx, &set, m.users + pairs, pairs, pairs, 60000)) < 0)
    goto out;

  m.end_ns = hd_time_mono_ns() + (uint64_t)(o->msg_seconds * 1e9);
  lg_batch_t sb = {.njobs = SIZE_MAX,
                   .conns = (int)pairs,
                   .timeout_ms = (uint64_t)(o->msg_seconds * 1000) + 30000,
                   .build = send_build,
                   .done = send_done,
                   .ud = &m,
                   .lat = &ack};
  lg_batch_run(&ctx, &sb);
  size_t acked = atomic_load(&sb.ok), failed = atomic_load(&sb.failed);
  drain_t d = {&m, acked};
  lg_run(ctx.loops, ctx.nloops, all_delivered, &d, 5000);
  for (int i = 0; i < m.nloops; i++)
    lg_samples_merge(&deliv, &m.deliv[i]);
  size_t delivered = atomic_load(&m.delivered);

  printf("# msgs: %zu sender/recipient pairs, %.1f s, %zu acked, %zu failed, %zu delivered, "
         "%zu ws dropped\n",
         pairs, sb.seconds, acked, failed, delivered, atomic_load(&set.closed));
  lg_figure("msgs.throughput", (double)acked / sb.seconds, "msg/s", ">=", 20000);
  lg_figure("msgs.ack_p50", lg_samples_pct(&ack, 50) / 1000.0, "ms", NULL, 0);
  lg_figure("msgs.ack_p99", lg_samples_pct(&ack, 99) / 1000.0, "ms", NULL, 0);
  lg_figure("msgs.delivery_p50", lg_samples_pct(&deliv, 50) / 1000.0, "ms", NULL, 0);
  lg_figure("msgs.delivery_p99", lg_samples_pct(&deliv, 99) / 1000.0, "ms", NULL, 0);
  lg_figure("msgs.undelivered", (double)(acked > delivered ? acked - delivered : 0), "msgs",
            "<=", 0);
  lg_figure("msgs.failed_sends", (double)failed, "msgs", "<=", 0);
  rc = 0;
out:
  lg_wsset_close(&ctx, &set);
  for (int i = 0; i < m.nloops; i++)
    lg_samples_dispose(&m.deliv[i]);
  lg_samples_dispose(&ack);
  lg_samples_dispose(&deliv);
  hd_mem_free(m.users);
  hd_mem_free(m.chats);
  srv.keep_log = rc < 0;
  lg_bench_end(&ctx, &srv);
  return rc;
}

typedef struct {
  lg_user_t *subs;
  const char *owner_token;
  uint64_t post;             /* the post being measured */
  atomic_size_t got;         /* subscribers that have it */
  atomic_uint_fast64_t last; /* slowest arrival, ns after the send */
} fan_t;

static int join_build(lg_batch_t *b, size_t job, lg_req_t *req) {
  fan_t *f = b->ud;
  req->method = "POST";
  req->token = f->subs[job].token;
  snprintf(req->path, sizeof(req->path), "/v1/chats/join");
  req->body_len = (size_t)snprintf(req->body, sizeof(req->body), "{\"username\":\"benchchan\"}");
  return 0;
}

static int join_done(lg_batch_t *b, size_t job, const lg_http_resp_t *r, uint64_t lat) {
  return r->status == 200 ? 0 : HD_ERR_INTERNAL;
}

static void fan_on_msg(lg_wsset_t *set, size_t slot, hd_iovec_t msg) {
  fan_t *f = set->ud;
  uint64_t ns, seq;
  if (parse_marker(msg, &ns, &seq) < 0 || seq != f->post)
    return;
  uint64_t now = hd_time_mono_ns(), lat = now > ns ? now - ns : 0;
  uint_fast64_t cur = atomic_load(&f->last);
  while (lat > cur && !atomic_compare_exchange_weak(&f->last, &cur, lat))
    ;
  atomic_fetch_add(&f->got, 1);
}

typedef struct {
  fan_t *f;
  size_t want;
} fan_wait_t;

static int fan_all(void *arg) {
  fan_wait_t *w = arg;
  return atomic_load(&w->f->got) >= w->want;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int lg_bench_fanout(const lg_opts_t *o) {
  lg_ctx_t ctx;
  lg_server_t srv;
  size_t nsubs = (size_t)o->fan_subscribers;
  int rc = lg_bench_begin(o, &ctx, &srv);
  if (rc < 0)
    return rc;
  fan_t f;
  memset(&f, 0, sizeof(f));
  lg_user_t owner;
  memset(&owner, 0, sizeof(owner));
  f.subs = hd_mem_calloc(nsubs * sizeof(*f.subs));
  double *lat = hd_mem_calloc((size_t)o->fan_posts * sizeof(double));
  lg_samples_t ack;
  lg_samples_init(&ack);
  lg_wsset_t set;
  memset(&set, 0, sizeof(set));
  char *resp = NULL;
  int status = 0, posts = 0;
  size_t incomplete = 0;
  if ((rc = lg_users_create(&ctx, &owner, 1, "owner", 1)) < 0)
    goto out;
  f.owner_token = owner.token;
  resp = lg_call(&ctx, "POST", "/v1/chats", owner.token,
                 "{\"type\":\"channel\",\"title\":\"Bench channel\",\"username\":\"benchchan\"}",
                 &status);
  int64_t chat_id = 0;
  if (resp == NULL || status != 201 ||
      lg_json_get_int(hd_iov(resp, strlen(resp)), "chat.id", &chat_id) < 0) {
    fprintf(stderr, "herald-load: fanout: channel creation failed (%d): %s\n", status,
            resp ? resp : "");
    rc = HD_ERR_INTERNAL;
    goto out;
  }
  if ((rc = lg_users_create(&ctx, f.subs, nsubs, "subscriber", o->setup_conns)) < 0)
    goto out;
  lg_batch_t jb = {.njobs = nsubs,
                   .conns = o->setup_conns,
                   .timeout_ms = 120000,
                   .build = join_build,
                   .done = join_done,
                   .ud = &f};
  if ((rc = lg_batch_run(&ctx, &jb)) < 0)
    goto out;
  set.on_msg = fan_on_msg;
  set.ud = &f;
  if ((rc = lg_wsset_open(&ctx, &set, f.subs, nsubs, nsubs, 120000)) < 0)
    goto out;
  lg_ctx_pump(&ctx, 500);

  char path[64], body[128];
  snprintf(path, sizeof(path), "/v1/chats/%" PRId64 "/messages", chat_id);
  for (int p = 0; p < o->fan_posts; p++) {
    f.post = (uint64_t)p + 1;
    atomic_store(&f.got, 0);
    atomic_store(&f.last, 0);
    uint64_t t0 = hd_time_mono_ns();
    snprintf(body, sizeof(body), "{\"text\":\"lg %" PRIu64 " %d\",\"random_id\":%d}", t0, p + 1,
             p + 1);
    hd_mem_free(resp);
    resp = lg_call(&ctx, "POST", path, owner.token, body, &status);
    uint64_t acked = hd_time_mono_ns() - t0;
    if (status != 200) {
      fprintf(stderr, "herald-load: fanout: post %d failed (%d): %s\n", p, status,
              resp ? resp : "");
      rc = HD_ERR_INTERNAL;
      goto out;
    }
    lg_samples_add(&ack, acked);
    fan_wait_t w = {&f, nsubs - atomic_load(&set.closed)};
    lg_run(ctx.loops, ctx.nloops, fan_all, &w, 10000);
    if (atomic_load(&f.got) < w.want)
      incomplete += w.want - atomic_load(&f.got);
    lat[posts++] = (double)atomic_load(&f.last) / 1e6;
    lg_ctx_pump(&ctx, 100);
  }
  qsort(lat, (size_t)posts, sizeof(double), cmp_double);
  printf("# fanout: %zu online subscribers, %d posts, slowest arrival per post min %.1f ms "
         "max %.1f ms, ws dropped %zu\n",
         nsubs, posts, lat[0], lat[posts - 1], atomic_load(&set.closed));
  double median = posts % 2 ? lat[posts / 2] : (lat[posts / 2 - 1] + lat[posts / 2]) / 2;
  lg_figure("fanout.last_subscriber_median", median, "ms", "<=", 150);
  lg_figure("fanout.post_ack_median", lg_samples_pct(&ack, 50) / 1000.0, "ms", NULL, 0);
  lg_figure("fanout.missed_deliveries", (double)incomplete, "msgs", "<=", 0);
  rc = 0;
out:
  lg_wsset_close(&ctx, &set);
  hd_mem_free(resp);
  hd_mem_free(lat);
  hd_mem_free(f.subs);
  lg_samples_dispose(&ack);
  srv.keep_log = rc < 0;
  lg_bench_end(&ctx, &srv);
  return rc;
}
