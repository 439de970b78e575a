/*
 * loop.h — internals of an event loop shared by the net modules (not for other layers:
 * they use server.h). One hd_loop_t per thread:
 *
 *   hd_loop_t ── uv_loop_t ── listener (SO_REUSEPORT socket, shared port)
 *             ├─ tick: one uv_timer driving the wheel every wheel.tick_ms
 *             ├─ async: one uv_async_t draining the posted-call queue (and seeing stop)
 *             ├─ scratch: 64 KiB read buffer lent to every read on this loop
 *             └─ stats: counters, written by this thread, read by anyone
 *
 * Shutdown (loop_begin_stop in loop.c): close the listener and every connection; keep tick
 * and async alive while requests are outstanding (a handler may still answer from a writer
 * completion) for at most HD_LOOP_STOP_GRACE_MS; then close them so uv_run returns.
 *
 * Invariants:
 *  1. Only the loop's thread touches uv handles and connections; other threads enter only
 *     through hd_loop_post() (mutex + uv_async_send) and hd_server_stop().
 *  2. The scratch buffer is lent for one read callback at a time (reads never nest).
 *  3. Once async_closed is set (under qlock) nobody calls uv_async_send on it again.
 */
#ifndef HD_NET_LOOP_H
#define HD_NET_LOOP_H

#include "net/server.h"
#include "net/timer_wheel.h"

#include <stdatomic.h>
#include <uv.h>

#define HD_LOOP_SCRATCH       (64 * 1024)
#define HD_LOOP_STOP_GRACE_MS 5000
/* Each loop buffers its log lines (access log) in this many bytes, written once per iteration. */
#define HD_LOOP_LOG_BUFFER    (64 * 1024)

typedef struct st_hd_post_t hd_post_t;

typedef struct {
  _Atomic uint64_t http_conns_open;
  _Atomic uint64_t ws_conns_open;
  _Atomic uint64_t ws_queued_bytes;
  _Atomic uint64_t ws_slow_consumers_closed;
  _Atomic uint64_t http_requests;
} hd__loop_stats_t;

struct st_hd_loop_t {
  uv_loop_t uv;
  hd_server_t *server;
  const hd_net_limits_t *lim;
  int index;
  uv_thread_t thread;
  uv_tcp_t listener;
  uv_timer_t tick;
  uv_async_t async;
  uv_prepare_t flush; /* writes the loop's buffered log lines before each poll */
  uv_signal_t sig[2]; /* SIGINT, SIGTERM (loop 0 only) */
  uint8_t has_signals;
  uint8_t stopping;     /* loop_begin_stop ran */
  uint8_t async_closed; /* under qlock */
  uint64_t stop_at_ms;  /* grace deadline */
  hd_wheel_t wheel;
  char *scratch;
  uv_mutex_t qlock;
  hd_post_t *qhead, *qtail;
  uint64_t outstanding; /* requests handed to the handler and not yet answered */
  hd__loop_stats_t stats;
  void *data;
};

/* Bump a stats counter (relaxed; readers are racy by design). */
#define HD_STAT_ADD(loop, field, n)                                                                \
  atomic_fetch_add_explicit(&(loop)->stats.field, (uint64_t)(n), memory_order_relaxed)
#define HD_STAT_SUB(loop, field, n)                                                                \
  atomic_fetch_sub_explicit(&(loop)->stats.field, (uint64_t)(n), memory_order_relaxed)

/* The handler and its data (server configuration). */
void hd__loop_dispatch(hd_loop_t *loop, hd_http_req_t *req);
/* Milliseconds on the loop's clock (uv_now). */
static inline uint64_t hd__loop_now(hd_loop_t *loop) { return uv_now(&loop->uv); }
/* Report an answer to the server's on_response hook (if any); see server.h. */
void hd__loop_on_response(hd_loop_t *loop, const hd_http_done_t *ev);
/* Ask the server's body_sink hook about req (0 when there is none); see server.h. */
int hd__loop_body_sink(hd_loop_t *loop, hd_http_req_t *req, hd_http_sink_t **sink);
int hd__loop_has_body_sink(hd_loop_t *loop);
/* Called when an outstanding request is answered; lets a stopping loop finish. */
void hd__loop_request_done(hd_loop_t *loop);

#endif
