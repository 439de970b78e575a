/*
 * metrics.h — GET /metrics: counters kept per event loop, summed at scrape time and written
 * in the Prometheus text exposition format 0.0.4 (docs/operations.md lists every series).
 *
 *   loop thread k                                scrape (any loop)
 *   ─────────────                                ─────────────────
 *   on_response ─► hd_metrics_count(m, k, …)     hd_metrics_collect(app) ─► snapshot
 *      slots[k].req[route][status] += 1            Σ slots[0..n).req, .dur   (relaxed loads)
 *      slots[k].dur[bucket] += 1                   + hd_loop_stats of every loop
 *      (relaxed load + store: one writer,          + hd_writer_stats (copied under its mutex)
 *       no lock prefix, no shared line)            + /proc/self (RSS, fds, CPU)
 *                                                 hd_metrics_render(snapshot) ─► text
 *
 * Request table: one row per route of the route table (row = hd_call_t.route_id), plus row 0
 * "unmatched" (answered by the API before a route matched: 404, 405, bad id, per-IP 429) and
 * the last row "net" (answered by the net layer itself: 431, 413, 408, 400). Columns are the
 * exact statuses in hd_metrics_statuses[] and, for any other code, its class ("4xx").
 *
 * Invariants:
 *  1. A slot is written only by its loop's thread, so an increment is a relaxed load and
 *     store; readers may see a counter one behind, never a torn or decreasing value.
 *  2. Slots live in separate allocations padded to 64 bytes: no two loops share a cache line.
 *  3. Every rendered histogram is cumulative: bucket counts never decrease with le, and the
 *     le="+Inf" bucket equals _count (tests/unit/api/metrics.c checks the renderer,
 *     tests/pytest/test_metrics.py the live server).
 */
#ifndef HD_API_METRICS_H
#define HD_API_METRICS_H

#include "api/app.h"
#include "api/router.h"
#include "net/server.h"
#include "store/writer.h"

#include <stddef.h>
#include <stdint.h>

#define HD_METRICS_NSTATUS 30 /* 24 exact statuses + 6 class columns (1xx..5xx, other) */
#define HD_METRICS_NDUR    14 /* request duration buckets (finite bounds) */

/* Everything one scrape shows; filled by hd_metrics_collect (or by tests), rendered by
 * hd_metrics_render. req has (nroutes + 2) * HD_METRICS_NSTATUS entries, row-major. */
typedef struct {
  const hd_route_t *routes;
  size_t nroutes;
  const uint64_t *req;
  uint64_t dur[HD_METRICS_NDUR + 1]; /* per bucket (not cumulative); last: above all bounds */
  uint64_t dur_sum_us;
  hd_loop_stats_t net; /* summed over loops */
  int has_writer;
  hd_writer_stats_t writer;
  uint64_t messages_sent;
  uint64_t ratelimit_buckets;
  int nloops;
  double uptime_s;
  double start_time_s; /* Unix time the process started */
  double cpu_s;        /* user + system, -1 if unknown */
  int64_t rss_bytes;   /* -1 if unknown */
  int64_t open_fds;    /* -1 if unknown */
  int64_t max_fds;     /* -1 if unknown */
} hd_metrics_snap_t;

/* Create counters for nloops loops and a route table of nroutes routes; abort on OOM. */
hd_metrics_t *hd_metrics_create(int nloops, size_t nroutes);
void hd_metrics_destroy(hd_metrics_t *m);

/* Count one answer on loop index `loop` (call only on that loop's thread). row: 0
 * unmatched, 1..nroutes the route, nroutes + 1 the net layer. dur_us < 0: not timed. */
void hd_metrics_count(hd_metrics_t *m, int loop, size_t row, int status, int64_t dur_us);
/* The column of a status code in the request table. */
size_t hd_metrics_status_slot(int status);
/* The label of a column: "200", "4xx", "other". */
const char *hd_metrics_status_label(size_t slot);

/* Fill s from the app's counters, loops, writer and /proc. s->req points into pool. */
void hd_metrics_collect(hd_app_t *app, hd_mem_pool_t *pool, hd_metrics_snap_t *s);
/* Append the exposition text for s to out. Returns 0 or the hd_buf_t error. */
int hd_metrics_render(const hd_metrics_snap_t *s, hd_buf_t *out);

/* GET /metrics (404 when --metrics off). */
void hd_api_metrics(hd_call_t *call);

#endif
