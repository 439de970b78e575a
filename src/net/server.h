/*
 * server.h — event loops and listeners.
 *
 * One libuv loop per thread (default: one per core). Every loop binds its own listening
 * socket on the same address with SO_REUSEPORT, so the kernel spreads connections. Each
 * loop owns a timer wheel (net/timer_wheel.h) for idle/read timeouts and a cross-loop queue
 * (hd_loop_post) drained by one uv_async_t.
 *
 *   thread 0: uv_loop ─ listener ─ conns ─ wheel ─ async queue ◄─ hd_loop_post(from anywhere)
 *   thread 1: uv_loop ─ listener ─ conns ─ wheel ─ async queue
 *
 * SIGPIPE is ignored process-wide; SIGINT/SIGTERM stop the server gracefully.
 */
#ifndef HD_NET_SERVER_H
#define HD_NET_SERVER_H

#include "common/mem.h"

#include <stddef.h>
#include <stdint.h>

typedef struct st_hd_server_t hd_server_t;
typedef struct st_hd_loop_t hd_loop_t;
typedef struct st_hd_http_req_t hd_http_req_t;
typedef struct st_hd_http_sink_t hd_http_sink_t;

/* Network limits; built and validated by the config module, received ready. */
typedef struct {
  size_t max_header_bytes;  /* request line + headers; past it: 431 (default 16 KiB) */
  size_t max_body_bytes;    /* request body; past it: 413 (default 1 MiB) */
  uint32_t idle_timeout_ms; /* keep-alive connection with no request (default 60 s) */
  uint32_t read_timeout_ms; /* a started request must be complete within (default 30 s): 408 */
  size_t ws_max_message;    /* reassembled WebSocket message (default 64 KiB): close 1009 */
  size_t
      ws_max_queued; /* queued outbound bytes per WebSocket (default 1 MiB): slow consumer closed */
  uint32_t ws_ping_interval_ms; /* server keepalive ping period (default 30 s) */
  uint32_t
      ws_pong_timeout_ms; /* no pong/any frame within this after a ping: close (default 30 s) */
} hd_net_limits_t;

/* Fill lim with the defaults above. */
void hd_net_limits_default(hd_net_limits_t *lim);

/* One answered request, as the on_response hook sees it (access log, metrics). */
typedef struct {
  hd_http_req_t *req; /* the request; NULL when the net layer answered before one existed */
  hd_iovec_t method;  /* as far as parsed ({NULL,0} when unknown) */
  hd_iovec_t path;    /* without the query ({NULL,0} when unknown) */
  int status;         /* 101 for a WebSocket upgrade */
  size_t bytes;       /* response body bytes */
} hd_http_done_t;

/* Called for every complete HTTP request, on its loop's thread. The handler must eventually
 * call hd_http_respond() (possibly later, from the same loop) or hd_ws_upgrade(). */
typedef void (*hd_http_handler_t)(hd_http_req_t *req, void *data);

typedef struct {
  const char *host; /* e.g. "127.0.0.1" */
  int port;         /* 0: ephemeral (see hd_server_port) */
  int nloops;       /* 0: one per core */
  hd_net_limits_t limits;
  hd_http_handler_t handler;
  void *handler_data;
  /* Optional: called on each loop's thread before it accepts / after it stops. */
  void (*loop_start)(hd_loop_t *loop, void *data);
  void (*loop_stop)(hd_loop_t *loop, void *data);
  /* Optional: called on the loop's thread exactly once per answer: every request given to
   * the handler (at hd_http_respond, or 101 at hd_ws_upgrade, even if the client has gone)
   * and every error the net layer answers itself (431, 413, 408, 400: req NULL). Any new
   * way of answering a request must call it too (hd__loop_on_response in net/loop.h). */
  void (*on_response)(hd_loop_t *loop, const hd_http_done_t *ev, void *data);
  /* Optional: asked on the loop's thread when the headers of a request with a body are
   * complete (net/http.h "Streaming bodies"). Returns 1 with *sink set to stream the body
   * into the sink, 0 to buffer it as usual (max_body_bytes), or a negative hd_err_t that
   * the net layer answers itself (the connection is then finished). */
  int (*body_sink)(hd_http_req_t *req, void *data, hd_http_sink_t **sink);
} hd_server_config_t;

/* Create the loops and bind the listeners (the port is known after this returns). */
int hd_server_create(const hd_server_config_t *cfg, hd_server_t **out);
/* Run every loop on its own thread and block until hd_server_stop() or SIGINT/SIGTERM. */
int hd_server_run(hd_server_t *s);
/* Ask the server to stop (thread-safe, async-signal-safe). */
void hd_server_stop(hd_server_t *s);
void hd_server_destroy(hd_server_t *s);
/* The bound port. */
int hd_server_port(hd_server_t *s);
int hd_server_nloops(hd_server_t *s);
hd_loop_t *hd_server_loop(hd_server_t *s, int i);

/* Loop accessors. */
int hd_loop_index(hd_loop_t *loop);
hd_server_t *hd_loop_server(hd_loop_t *loop);
void *hd_loop_data(hd_loop_t *loop);
void hd_loop_set_data(hd_loop_t *loop, void *data);
/* The loop the calling thread runs, or NULL off-loop. */
hd_loop_t *hd_loop_current(void);
/* The underlying uv_loop_t* (as void* so callers need not include uv.h). */
void *hd_loop_uv(hd_loop_t *loop);

/* Run fn(loop, arg) on loop's thread soon. Thread-safe (mutex-protected queue plus one
 * uv_async_send); calls run in posting order. arg is owned by fn. If the loop has stopped,
 * fn is still called during shutdown so it can free arg. */
void hd_loop_post(hd_loop_t *loop, void (*fn)(hd_loop_t *loop, void *arg), void *arg);

/* Run work(arg) on the libuv worker pool, then after(loop, arg, status) back on loop's thread
 * (status 0, or HD_ERR_INTERNAL if the work could not be queued/was cancelled). For slow CPU
 * work such as password hashing. arg is owned by after(). */
void hd_loop_work(hd_loop_t *loop, void (*work)(void *arg),
                  void (*after)(hd_loop_t *loop, void *arg, int status), void *arg);

/* Counters for /metrics (summed over loops by the caller; read racily, that is fine). */
typedef struct {
  uint64_t http_conns_open;
  uint64_t ws_conns_open;
  uint64_t ws_queued_bytes;
  uint64_t ws_slow_consumers_closed;
  uint64_t http_requests;
} hd_loop_stats_t;
void hd_loop_stats(hd_loop_t *loop, hd_loop_stats_t *out);

#endif
