/*
 * net.h — herald-load's event engine: one epoll loop per thread, many non-blocking client
 * connections per loop, each speaking keep-alive HTTP/1.1 or (after an upgrade) WebSocket.
 *
 *   lg_run(loops) ─ thread i ─ lg_loop_t ─ epoll ─ lg_conn_t ─ lg_conn_cb_t callbacks
 *                                        └ pending FIFO (connects beyond max_connecting wait)
 *
 * Connection states and the function that moves each:
 *
 *   PENDING ──lg_loop start──► CONNECTING ──writable, SO_ERROR 0──► READY (HTTP)
 *                                         └─(ws path set)─► UPGRADING ──101──► WS
 *   any ──lg_conn_close() / peer close / protocol error──► CLOSED (freed after the dispatch)
 *
 * A phase of a benchmark is lg_run(): every loop runs on its own thread until done() says so
 * or the timeout passes; between phases no thread runs and the main thread may touch any loop.
 *
 * Invariants:
 *  1. A loop and its connections are touched by one thread at a time: its runner thread
 *     during lg_run(), the main thread otherwise.
 *  2. Callbacks are never called after on_close(); the lg_conn_t is freed only after the
 *     dispatch that closed it returns, so a callback may close its own connection.
 *  3. At most max_connecting connections of a loop are CONNECTING or UPGRADING at once
 *     (bounded SYN/accept bursts); the rest wait in PENDING, in order.
 */
#ifndef HD_BENCH_LOAD_NET_H
#define HD_BENCH_LOAD_NET_H

#include <netinet/in.h>
#include <stdint.h>

#include "proto.h"

typedef struct st_lg_loop_t lg_loop_t;
typedef struct st_lg_conn_t lg_conn_t;

/* What a connection's owner is told. Every member may be NULL. A negative return closes the
 * connection with that error. */
typedef struct {
  int (*on_ready)(lg_conn_t *c); /* HTTP connection established */
  int (*on_response)(lg_conn_t *c, const lg_http_resp_t *resp, uint64_t latency_ns);
  int (*on_ws_open)(lg_conn_t *c);                                /* 101 received */
  int (*on_ws_message)(lg_conn_t *c, int opcode, hd_iovec_t msg); /* text/binary message */
  void (*on_close)(lg_conn_t *c, int err);                        /* 0: closed by us */
} lg_conn_cb_t;

typedef enum {
  LG_PENDING,    /* waiting for a connect slot */
  LG_CONNECTING, /* non-blocking connect in progress */
  LG_READY,      /* HTTP keep-alive */
  LG_UPGRADING,  /* upgrade request sent */
  LG_WS,         /* WebSocket open */
  LG_CLOSED      /* closed; freed after the current dispatch */
} lg_conn_state_t;

/* Public fields a benchmark reads or sets; the rest is private to net.c. */
struct st_lg_conn_t {
  lg_loop_t *loop;
  int state;       /* lg_conn_state_t */
  void *ud;        /* owner data */
  int64_t tag;     /* owner data: e.g. a user or job index */
  uint64_t t_sent; /* monotonic ns when the in-flight request was queued */
  int in_flight;   /* an HTTP request awaits its response */
};

/* Create a loop; max_connecting bounds simultaneous handshakes (invariant 3). */
lg_loop_t *lg_loop_create(int index, int max_connecting);
/* Close every connection (without callbacks) and free the loop. */
void lg_loop_destroy(lg_loop_t *loop);
int lg_loop_index(lg_loop_t *loop);
/* Number of connections not yet CLOSED. */
int lg_loop_live(lg_loop_t *loop);

/* Open a connection to addr on loop. ws_path NULL: plain HTTP, on_ready when connected;
 * otherwise upgrade to WebSocket at ws_path (e.g. "/v1/updates/ws?token=..."). The connection
 * is owned by the loop. If the socket cannot even be created, on_close runs before this
 * returns; the returned pointer stays valid until the next dispatch either way (never NULL). */
lg_conn_t *lg_conn_open(lg_loop_t *loop, const struct sockaddr_in *addr, const char *ws_path,
                        const lg_conn_cb_t *cb, void *ud, int64_t tag);
/* Queue one HTTP request (READY connections with no request in flight) and start writing it.
 * Sets t_sent. Returns 0 or a negative error (the connection is then closed). */
int lg_conn_request(lg_conn_t *c, const char *method, const char *path, const char *token,
                    const char *body, size_t body_len);
/* Send one WebSocket message (WS connections). */
int lg_conn_ws_send(lg_conn_t *c, int opcode, const void *payload, size_t len);
/* Close c now; on_close(c, 0) is called. Safe to call from c's own callbacks. */
void lg_conn_close(lg_conn_t *c);

/* Close every connection of loop whose ud is ud (on_close runs for each). */
void lg_loop_close_owned(lg_loop_t *loop, void *ud);

/* Run one dispatch round on loop: wait up to timeout_ms for events and handle them. */
int lg_loop_run_once(lg_loop_t *loop, int timeout_ms);

/* Run every loop on its own thread (the caller's for loop 0) until done(arg) returns nonzero
 * (polled by every thread at least every 5 ms) or timeout_ms passes. Returns 0 when done()
 * held, HD_ERR_TIMEOUT otherwise. */
int lg_run(lg_loop_t **loops, int nloops, int (*done)(void *arg), void *arg, uint64_t timeout_ms);

#endif
