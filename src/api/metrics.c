/*
 * metrics.c — per-loop request counters, the scrape-time collection and the Prometheus text
 * renderer behind GET /metrics (see metrics.h for the data layout and invariants).
 *
 * Exposition (format 0.0.4): every family is "# HELP", "# TYPE", then its samples; counters
 * end in _total; histograms are _bucket{le=...} (cumulative, ending with le="+Inf"), _sum
 * and _count. Request series are written only for (route, status) pairs seen at least once.
 *
 * The writer's fixed buckets (store/writer.h) are exclusive ranges with upper bounds
 * (batch size <= 1, <= 3, …; commit latency < 100 µs, …), so their running sum is the
 * cumulative count for le = that bound. For the latency the bound is strict ("< 100 µs")
 * where Prometheus reads "<= 100 µs": the two differ only for a commit of exactly 100000 ns.
 */
#include "api/metrics.h"

#include "api/handler.h"
#include "api/ratelimit.h"
#include "common/error.h"
#include "common/time.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

typedef struct {
  _Atomic uint64_t dur[HD_METRICS_NDUR + 1];
  _Atomic uint64_t dur_sum_us;
  _Atomic uint64_t req[]; /* nrows * HD_METRICS_NSTATUS */
} slot_t;

struct st_hd_metrics_t {
  int nloops;
  size_t nroutes;
  size_t nrows; /* unmatched + routes + net */
  slot_t **slots;
  int64_t start_ms;       /* wall clock at create */
  uint64_t start_mono_ns; /* monotonic clock at create */
};

// clang-format off
#define STATUSES(XX)                                                                   \
  XX(101) XX(200) XX(201) XX(202) XX(204) XX(206) XX(304) XX(400) XX(401) XX(402)   \
  XX(403) XX(404) XX(405) XX(408) XX(409) XX(410) XX(413) XX(415) XX(422) XX(429)   \
  XX(431) XX(500) XX(502) XX(503)
// clang-format on
#define AS_INT(x) x,
#define AS_STR(x) #x,
static const int statuses[] = {STATUSES(AS_INT)};
static const char *const status_labels[] = {STATUSES(AS_STR)};
static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
_Static_assert(HD_ARRAY_SIZE(statuses) + HD_ARRAY_SIZE(classes) == HD_METRICS_NSTATUS,
               "status columns");

/* Request duration bounds, seconds. */
static const double dur_bounds[HD_METRICS_NDUR] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1,    0.25,  0.5,    1,     2.5,  5,     10};
/* The writer's buckets (store/writer.h): batch sizes <= bound, commit latency < bound. */
static const double batch_bounds[] = {1, 3, 7, 15, 63, 255, 1023};
static const double commit_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05};
_Static_assert(HD_ARRAY_SIZE(((hd_writer_stats_t *)0)->batch_hist) ==
                   HD_ARRAY_SIZE(batch_bounds) + 1,
               "writer batch buckets changed: update batch_bounds");
_Static_assert(HD_ARRAY_SIZE(((hd_writer_stats_t *)0)->commit_us_hist) ==
                   HD_ARRAY_SIZE(commit_bounds) + 1,
               "writer latency buckets changed: update commit_bounds");

size_t hd_metrics_status_slot(int status) {
  for (size_t i = 0; i < HD_ARRAY_SIZE(statuses); i++)
    if (statuses[i] == status)
      return i;
  size_t cls = status >= 100 && status <= 599 ? (size_t)(status / 100 - 1) : 5;
  return HD_ARRAY_SIZE(statuses) + cls;
}

const char *hd_metrics_status_label(size_t slot) {
  HD_ASSERT(slot < HD_METRICS_NSTATUS);
  if (slot >= HD_ARRAY_SIZE(statuses))
    return classes[slot - HD_ARRAY_SIZE(statuses)];
  return status_labels[slot];
}

hd_metrics_t *hd_metrics_create(int nloops, size_t nroutes) {
  HD_ASSERT(nloops > 0);
  hd_metrics_t *m = hd_mem_calloc(sizeof(*m));
  m->nloops = nloops;
  m->nroutes = nroutes;
  m->nrows = nroutes + 2;
  m->slots = hd_mem_calloc(sizeof(slot_t *) * (size_t)nloops);
  size_t bytes = sizeof(slot_t) + sizeof(_Atomic uint64_t) * m->nrows * HD_METRICS_NSTATUS;
  bytes = (bytes + 63) / 64 * 64 + 64; /* invariant 2: pad so slots never share a line */
  for (int i = 0; i < nloops; i++)
    m->slots[i] = hd_mem_calloc(bytes);
  m->start_ms = hd_time_now_ms();
  m->start_mono_ns = hd_time_mono_ns();
  return m;
}

void hd_metrics_destroy(hd_metrics_t *m) {
  if (!m)
    return;
  for (int i = 0; i < m->nloops; i++)
    hd_mem_free(m->slots[i]);
  hd_mem_free(m->slots);
  hd_mem_free(m);
}

/* Invariant 1: only this loop's thread writes the counter. */
static inline void bump(_Atomic uint64_t *c, uint64_t n) {
  atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

void hd_metrics_count(hd_metrics_t *m, int loop, size_t row, int status, int64_t dur_us) {
  HD_ASSERT(loop >= 0 && loop < m->nloops && row < m->nrows);
  slot_t *s = m->slots[loop];
  bump(&s->req[row * HD_METRICS_NSTATUS + hd_metrics_status_slot(status)], 1);
  if (dur_us < 0)
    return;
  double sec = (double)dur_us / 1e6;
  size_t b = 0;
  while (b < HD_METRICS_NDUR && sec > dur_bounds[b])
    b++;
  bump(&s->dur[b], 1);
  bump(&s->dur_sum_us, (uint64_t)dur_us);
}

/* ---- collection ------------------------------------------------------------------------ */

static uint64_t load(_Atomic uint64_t *c) { return atomic_load_explicit(c, memory_order_relaxed); }

static void collect_process(hd_metrics_snap_t *s) {
  s->rss_bytes = s->open_fds = s->max_fds = -1;
  s->cpu_s = -1;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    unsigned long long size, resident;
    long page = sysconf(_SC_PAGESIZE);
    if (fscanf(f, "%llu %llu", &size, &resident) == 2 && page > 0)
      s->rss_bytes = (int64_t)(resident * (unsigned long long)page);
    fclose(f);
  }
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    int64_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
      if (e->d_name[0] != '.')
        n++;
    closedir(d);
    s->open_fds = n > 0 ? n - 1 : 0; /* the directory's own descriptor */
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    s->max_fds = (int64_t)rl.rlim_cur;
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0)
    s->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

void hd_metrics_collect(hd_app_t *app, hd_mem_pool_t *pool, hd_metrics_snap_t *s) {
  memset(s, 0, sizeof(*s));
  s->routes = hd_api_routes(&s->nroutes);
  hd_metrics_t *m = app->metrics;
  size_t ncells = (s->nroutes + 2) * HD_METRICS_NSTATUS;
  uint64_t *req = hd_mem_pool_alloc(pool, sizeof(uint64_t) * ncells);
  memset(req, 0, sizeof(uint64_t) * ncells);
  if (m && m->nroutes == s->nroutes) {
    for (int l = 0; l < m->nloops; l++) {
      slot_t *sl = m->slots[l];
      for (size_t i = 0; i < ncells; i++)
        req[i] += load(&sl->req[i]);
      for (size_t b = 0; b <= HD_METRICS_NDUR; b++)
        s->dur[b] += load(&sl->dur[b]);
      s->dur_sum_us += load(&sl->dur_sum_us);
    }
    s->start_time_s = (double)m->start_ms / 1000.0;
    s->uptime_s = (double)(hd_time_mono_ns() - m->start_mono_ns) / 1e9;
  }
  s->req = req;
  if (app->server) {
    s->nloops = hd_server_nloops(app->server);
    for (int i = 0; i < s->nloops; i++) {
      hd_loop_stats_t st;
      hd_loop_stats(hd_server_loop(app->server, i), &st);
      s->net.http_conns_open += st.http_conns_open;
      s->net.ws_conns_open += st.ws_conns_open;
      s->net.ws_queued_bytes += st.ws_queued_bytes;
      s->net.ws_slow_consumers_closed += st.ws_slow_consumers_closed;
      s->net.http_requests += st.http_requests;
    }
  }
  hd_writer_t *w = app->writer;
  if (w) {
    hd_writer_stats(w, &s->writer);
    s->has_writer = 1;
  }
  s->messages_sent = atomic_load_explicit(&app->messages_sent, memory_order_relaxed);
  s->ratelimit_buckets = app->limits ? hd_ratelimit_size(app->limits) : 0;
  collect_process(s);
}

/* ---- rendering --------------------------------------------------------------------------- */

static int family(hd_buf_t *b, const char *name, const char *type, const char *help) {
  return hd_buf_appendf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int sample_u(hd_buf_t *b, const char *name, const char *type, const char *help, uint64_t v) {
  int err = family(b, name, type, help);
  return err ? err : hd_buf_appendf(b, "%s %llu\n", name, (unsigned long long)v);
}

static int sample_d(hd_buf_t *b, const char *name, const char *type, const char *help, double v) {
  int err = family(b, name, type, help);
  return err ? err : hd_buf_appendf(b, "%s %.6f\n", name, v);
}

/* Append s as a label value: backslash, double quote and newline escaped. */
static int label_value(hd_buf_t *b, const char *s) {
  int err = 0;
  for (; *s && !err; s++) {
    if (*s == '\\' || *s == '"')
      err = hd_buf_appendf(b, "\\%c", *s);
    else if (*s == '\n')
      err = hd_buf_append(b, "\\n", 2);
    else
      err = hd_buf_append(b, s, 1);
  }
  return err;
}

/* A histogram from per-bucket counts (nb finite bounds, counts has nb + 1 entries). The
 * running sum makes the buckets cumulative; _count is the +Inf bucket (invariant 3). */
static int histogram(hd_buf_t *b, const char *name, const char *help, const double *bounds,
                     size_t nb, const uint64_t *counts, double sum) {
  int err = family(b, name, "histogram", help);
  uint64_t acc = 0;
  for (size_t i = 0; i < nb && !err; i++) {
    acc += counts[i];
    err =
        hd_buf_appendf(b, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], (unsigned long long)acc);
  }
  acc += counts[nb];
  if (!err)
    err = hd_buf_appendf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
                         (unsigned long long)acc, name, sum, name, (unsigned long long)acc);
  return err;
}

static int render_requests(const hd_metrics_snap_t *s, hd_buf_t *b) {
  int err = family(b, "herald_http_requests_total", "counter",
                   "Answered HTTP requests by route pattern and status (route \"unmatched\": "
                   "no route matched; \"net\": refused by the network layer).");
  size_t nrows = s->nroutes + 2;
  for (size_t r = 0; r < nrows && !err; r++) {
    const char *method = "other", *route = r == 0 ? "unmatched" : "net";
    if (r > 0 && r <= s->nroutes) {
      method = s->routes[r - 1].method;
      route = s->routes[r - 1].pattern;
    }
    for (size_t c = 0; c < HD_METRICS_NSTATUS && !err; c++) {
      uint64_t v = s->req[r * HD_METRICS_NSTATUS + c];
      if (!v)
        continue;
      err = hd_buf_appendf(b, "herald_http_requests_total{method=\"%s\",route=\"", method);
      if (!err)
        err = label_value(b, route);
      if (!err)
        err = hd_buf_appendf(b, "\",status=\"%s\"} %llu\n", hd_metrics_status_label(c),
                             (unsigned long long)v);
    }
  }
  if (!err)
    err = histogram(b, "herald_http_request_duration_seconds",
                    "Time from a complete request to its answer (all routes).", dur_bounds,
                    HD_METRICS_NDUR, s->dur, (double)s->dur_sum_us / 1e6);
  return err;
}

static int render_writer(const hd_metrics_snap_t *s, hd_buf_t *b) {
  if (!s->has_writer)
    return 0;
  const hd_writer_stats_t *w = &s->writer;
  int err = histogram(b, "herald_writer_batch_size", "Jobs per group commit.", batch_bounds,
                      HD_ARRAY_SIZE(batch_bounds), w->batch_hist, (double)w->jobs);
  if (!err)
    err =
        histogram(b, "herald_writer_commit_seconds", "Latency of one group COMMIT.", commit_bounds,
                  HD_ARRAY_SIZE(commit_bounds), w->commit_us_hist, (double)w->commit_us_sum / 1e6);
  if (!err)
    err = sample_u(b, "herald_writer_jobs_total", "counter", "Write jobs completed.", w->jobs);
  return err;
}

static int render_process(const hd_metrics_snap_t *s, hd_buf_t *b) {
  int err = 0;
  if (s->rss_bytes >= 0)
    err = sample_u(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                   (uint64_t)s->rss_bytes);
  if (!err && s->open_fds >= 0)
    err = sample_u(b, "process_open_fds", "gauge", "Number of open file descriptors.",
                   (uint64_t)s->open_fds);
  if (!err && s->max_fds >= 0)
    err = sample_u(b, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
                   (uint64_t)s->max_fds);
  if (!err && s->cpu_s >= 0)
    err = sample_d(b, "process_cpu_seconds_total", "counter",
                   "Total user and system CPU time spent in seconds.", s->cpu_s);
  if (!err)
    err = sample_d(b, "process_start_time_seconds", "gauge",
                   "Start time of the process since unix epoch in seconds.", s->start_time_s);
  if (!err)
    err = sample_d(b, "herald_uptime_seconds", "gauge", "Seconds since the server started.",
                   s->uptime_s);
  return err;
}

int hd_metrics_render(const hd_metrics_snap_t *s, hd_buf_t *b) {
  int err = sample_u(b, "herald_http_connections_open", "gauge",
                     "Open HTTP connections (not upgraded).", s->net.http_conns_open);
  if (!err)
    err = sample_u(b, "herald_websocket_connections_open", "gauge", "Open WebSocket connections.",
                   s->net.ws_conns_open);
  if (!err)
    err =
        sample_u(b, "herald_websocket_queued_bytes", "gauge",
                 "Bytes queued to WebSocket clients and not yet written.", s->net.ws_queued_bytes);
  if (!err)
    err = sample_u(b, "herald_websocket_slow_consumers_closed_total", "counter",
                   "WebSocket connections closed for exceeding --ws-max-queued.",
                   s->net.ws_slow_consumers_closed);
  if (!err)
    err = sample_u(b, "herald_http_requests_parsed_total", "counter",
                   "Complete HTTP requests handed to the API by the network layer.",
                   s->net.http_requests);
  if (!err)
    err = render_requests(s, b);
  if (!err)
    err =
        sample_u(b, "herald_messages_sent_total", "counter",
                 "Messages committed (sends and forwards, retries not counted).", s->messages_sent);
  if (!err)
    err = render_writer(s, b);
  if (!err)
    err = sample_u(b, "herald_ratelimit_buckets", "gauge", "Live rate-limit token buckets.",
                   s->ratelimit_buckets);
  if (!err)
    err = sample_u(b, "herald_event_loops", "gauge", "Event loop threads.", (uint64_t)s->nloops);
  if (!err)
    err = render_process(s, b);
  return err;
}

/* ---- GET /metrics -------------------------------------------------------------------------- */

void hd_api_metrics(hd_call_t *call) {
  if (!call->ctx->app->cfg.metrics) {
    hd_api_error_msg(call, HD_ERR_NOT_FOUND, "metrics are disabled (--metrics off)");
    return;
  }
  hd_metrics_snap_t s;
  hd_metrics_collect(call->ctx->app, &call->req->pool, &s);
  hd_buf_t b;
  hd_buf_init(&b, 0);
  if (hd_metrics_render(&s, &b) != 0) {
    hd_buf_dispose(&b);
    hd_api_error(call, HD_ERR_INTERNAL);
    return;
  }
  hd_http_respond(call->req, 200, "text/plain; version=0.0.4; charset=utf-8",
                  hd_iov(b.base, b.len));
  hd_buf_dispose(&b);
}
