/*
 * conn.h — one accepted TCP connection, first HTTP, possibly upgraded to WebSocket.
 *
 * The struct is what an idle WebSocket costs (see docs/internals/net.md for sizeof):
 *
 *   hd_conn_t ┬ uv_tcp_t tcp            libuv handle (tcp.data = the conn)
 *             ├ hd_wheel_node_t timer   intrusive node in the loop's wheel
 *             ├ loop, tail/tail_len     unparsed bytes kept aside (NULL when drained)
 *             ├ kind, state, flags
 *             └ union ┬ http: pointer to parser + current request (freed at upgrade)
 *                     └ ws:   callbacks, data, queued bytes, frame reader (no buffers)
 *
 * States (state), with the function that moves between them:
 *
 *   OPEN ─hd__conn_finish (response with close, error, WS close)─► FINISHING ─EOF/timer─┐
 *    │  └─(WS) hd_ws_close ─► CLOSE_SENT ─client close / timer─► FINISHING              │
 *    └──────────── hd__conn_close (error, idle, slow consumer, stop) ──────────────────►├► CLOSING
 *   CLOSING ─close_cb─► freed, or CLOSED if an HTTP request is still outstanding
 *   CLOSED ─hd_http_respond─► freed
 *
 * Invariants:
 *  1. tail != NULL iff tail_len > 0; reads land in the loop's scratch buffer and only an
 *     unconsumed remainder is copied to tail.
 *  2. kind == HTTP ⇒ u.http != NULL until the conn is freed; kind == WS ⇒ no HTTP state.
 *  3. The conn is freed exactly once: in close_cb unless a request is outstanding
 *     (u.http->req) or a deferred call is pending (HD_CF_DEFER); then by whoever finishes
 *     last (hd_http_respond / the deferred call).
 *  4. The timer node is armed only in OPEN, CLOSE_SENT and FINISHING.
 */
#ifndef HD_NET_CONN_H
#define HD_NET_CONN_H

#include "net/loop.h"
#include "net/ws.h"
#include "net/ws_frame.h"

typedef struct st_hd_conn_t hd_conn_t;
typedef struct st_hd__http_conn_t hd__http_conn_t;

enum {
  HD_CONN_HTTP, /* speaking HTTP/1.1 */
  HD_CONN_WS    /* upgraded */
};

enum {
  HD_CS_OPEN,       /* normal operation */
  HD_CS_CLOSE_SENT, /* WS: our close frame sent, waiting for the client's */
  HD_CS_FINISHING,  /* FIN sent (uv_shutdown); input discarded until EOF or timer */
  HD_CS_CLOSING,    /* uv_close called */
  HD_CS_CLOSED      /* handle closed; memory kept for an outstanding request */
};

enum {
  HD_CF_IN_PROCESS = 1 << 0,  /* input processing is on the stack (no re-entry) */
  HD_CF_DEFER = 1 << 1,       /* a posted call still references the conn */
  HD_CF_EOF = 1 << 2,         /* the peer closed its side or the read failed */
  HD_CF_PING_SENT = 1 << 3,   /* WS: keepalive ping sent, waiting for any frame */
  HD_CF_READ_STOPPED = 1 << 4 /* uv_read_stop'ed for back-pressure */
};

struct st_hd_conn_t {
  uv_tcp_t tcp;
  hd_wheel_node_t timer;
  hd_loop_t *loop;
  char *tail;
  uint32_t tail_len;
  uint8_t kind;
  uint8_t state;
  uint8_t flags;
  uint16_t ws_code; /* WS: close code reported to on_close */
  union {
    hd__http_conn_t *http;
    struct {
      const hd_ws_callbacks_t *cb;
      void *data;
      size_t queued; /* bytes handed to uv_write, not yet completed */
      hd_ws_reader_t rd;
    } ws;
  } u;
};

/* Accept a connection from the loop's listener and start reading HTTP. */
void hd__conn_accept(hd_loop_t *loop);
/* Close at once (pending writes are cancelled). Idempotent. */
void hd__conn_close(hd_conn_t *c);
/* Send FIN after the queued writes and discard input until EOF or a short timer. */
void hd__conn_finish(hd_conn_t *c);
/* Keep p[0..n) as the unconsumed input (p may point into the tail itself). */
void hd__conn_keep_tail(hd_conn_t *c, const char *p, size_t n);
/* Arm the conn's timer delay_ms from now. */
void hd__conn_arm(hd_conn_t *c, uint64_t delay_ms);
/* Wheel callback for every conn timer of a loop. */
void hd__conn_on_timer(hd_wheel_t *w, hd_wheel_node_t *node);
/* Free the conn's memory (after close_cb, see invariant 3). */
void hd__conn_free(hd_conn_t *c);
/* Start reading again after back-pressure. */
void hd__conn_read_resume(hd_conn_t *c);
/* Fill out with the textual peer address ("" if unknown). */
void hd__conn_peer(hd_conn_t *c, char *out, size_t cap);

/* Per-kind behaviour, in http.c and ws.c. */
void hd__http_conn_init(hd_conn_t *c);
void hd__http_on_data(hd_conn_t *c, char *data, size_t len);
void hd__http_on_timer(hd_conn_t *c);
void hd__http_on_eof(hd_conn_t *c);
/* Release HTTP state at close; returns 1 if the conn must outlive close_cb. */
int hd__http_on_close(hd_conn_t *c);
/* Free the HTTP state (and the outstanding request) at upgrade. */
void hd__http_conn_release(hd_conn_t *c);
void hd__ws_on_data(hd_conn_t *c, char *data, size_t len);
void hd__ws_on_timer(hd_conn_t *c);
void hd__ws_on_close(hd_conn_t *c);

#endif
