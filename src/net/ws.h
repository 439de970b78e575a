/*
 * ws.h — WebSocket connections (RFC 6455) over an upgraded HTTP connection.
 *
 * The framer (net/ws_frame.h) is pure and separately tested/fuzzed; this is the connection.
 * An idle connection keeps no buffers: reads go to a per-loop scratch buffer and only an
 * incomplete frame is copied aside. Outbound data is a queue of references to frames; a
 * frame shared by many connections (hd_ws_frame_t, refcounted) is encoded once.
 *
 * Closing rules: client frames must be masked (else close 1002); text must be valid UTF-8
 * (else 1007); messages over ws_max_message close with 1009; queued output over
 * ws_max_queued closes the connection at once (slow consumer). The server pings every
 * ws_ping_interval_ms and closes a connection silent for ws_pong_timeout_ms after a ping.
 */
#ifndef HD_NET_WS_H
#define HD_NET_WS_H

#include "common/mem.h"
#include "net/http.h"

typedef struct st_hd_ws_t hd_ws_t;
typedef struct st_hd_ws_frame_t hd_ws_frame_t;

typedef struct {
  /* A complete (reassembled) message arrived; data valid only during the call. */
  void (*on_message)(hd_ws_t *ws, int is_text, hd_iovec_t data);
  /* The connection is gone (code: close code, 1006 if abnormal). Called exactly once; ws is
   * freed after it returns. */
  void (*on_close)(hd_ws_t *ws, int code);
} hd_ws_callbacks_t;

/* Validate the handshake in req and switch the connection to WebSocket (101 sent). On
 * success returns 0, sets *out and consumes req. On failure returns HD_ERR_BAD_REQUEST and
 * req is untouched (the caller responds with the error). cb must have static lifetime. */
int hd_ws_upgrade(hd_http_req_t *req, const hd_ws_callbacks_t *cb, void *data, hd_ws_t **out);
void *hd_ws_data(hd_ws_t *ws);
hd_loop_t *hd_ws_loop(hd_ws_t *ws);
/* Queue a text message (copied into a new frame). HD_ERR_TOO_LARGE when the slow-consumer
 * cap is hit: the connection is then being closed. */
int hd_ws_send_text(hd_ws_t *ws, hd_iovec_t data);
/* Queue a shared pre-encoded frame (retained until written). Same errors. */
int hd_ws_send_frame(hd_ws_t *ws, hd_ws_frame_t *f);
/* Start the close handshake with code and reason (<= 123 bytes). */
void hd_ws_close(hd_ws_t *ws, int code, const char *reason);

/* Encode payload once as a text frame, refcount 1. Thread-safe refcount. */
hd_ws_frame_t *hd_ws_frame_text(hd_iovec_t payload);
void hd_ws_frame_retain(hd_ws_frame_t *f);
void hd_ws_frame_release(hd_ws_frame_t *f);

#endif
