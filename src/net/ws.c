/*
 * ws.c — WebSocket connections: handshake, frame dispatch, keepalive, close handshake and
 * the outbound queue with its slow-consumer cap. Framing rules live in net/ws_frame.c.
 *
 * Outbound queue: a send first tries uv_try_write (only possible while nothing is queued,
 * so order is kept); whatever the socket does not take is one uv_write of a reference to
 * the rest of the encoded frame; libuv keeps the unsent bytes
 * (uv_stream_get_write_queue_size) and the frame is released in the write callback. A
 * frame shared by many sockets is encoded once:
 *
 *   hd_ws_frame_t {refs=3, len, [hdr|payload]} ◄── ws_write_t ◄── conn A's libuv queue
 *                                               ◄── ws_write_t ◄── conn B's libuv queue
 *                                               ◄── caller (releases after sending)
 *
 * Connection states (conn.h): OPEN ─hd_ws_close─► CLOSE_SENT ─client close or timer─►
 * FINISHING/CLOSING; OPEN ─client close (echoed) / protocol error (close sent)─► FINISHING;
 * OPEN ─slow consumer, pong timeout, drop─► CLOSING. on_close runs once, in close_cb.
 *
 * Keepalive: every read re-arms the timer at ws_ping_interval_ms; when it fires a ping is
 * sent (HD_CF_PING_SENT) and the timer is re-armed at ws_pong_timeout_ms; if it fires again
 * with nothing received, the connection is dropped (1006).
 *
 * Invariants:
 *  1. u.ws.queued is the byte total of queued (uv_write) bytes in flight; loop stats
 *     mirror it.
 *  2. No data frame is sent after our close frame; control replies only while OPEN.
 *  3. After queueing, libuv's unsent bytes never stay above ws_max_queued: the connection
 *     is closed at once instead (ws_slow_consumers_closed).
 */
#include "net/conn.h"

#include "common/error.h"
#include "net/http_parse.h"
#include "common/sha1.h"

#include <string.h>

#define HD_WS_CLOSE_WAIT_MS 5000 /* after our close frame, wait this long for the reply */

struct st_hd_ws_frame_t {
  _Atomic uint32_t refs;
  uint32_t len;
  uint8_t data[];
};

typedef struct {
  uv_write_t w;
  hd_ws_frame_t *f;
  uint32_t len; /* bytes of f queued by this write (the rest went out by uv_try_write) */
} ws_write_t;

static hd_conn_t *C(hd_ws_t *ws) { return (hd_conn_t *)ws; }
static hd_ws_t *W(hd_conn_t *c) { return (hd_ws_t *)c; }

static hd_ws_frame_t *frame_new(int opcode, const void *payload, size_t n) {
  HD_ASSERT(n <= UINT32_MAX - HD_WS_MAX_HEADER);
  hd_ws_frame_t *f = hd_mem_alloc(sizeof(*f) + HD_WS_MAX_HEADER + n);
  atomic_init(&f->refs, 1);
  size_t hl = hd_ws_hdr_encode(f->data, 1, opcode, n, NULL);
  if (n)
    memcpy(f->data + hl, payload, n);
  f->len = (uint32_t)(hl + n);
  return f;
}

hd_ws_frame_t *hd_ws_frame_text(hd_iovec_t payload) {
  return frame_new(HD_WS_OP_TEXT, payload.base, payload.len);
}

void hd_ws_frame_retain(hd_ws_frame_t *f) {
  atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
}

void hd_ws_frame_release(hd_ws_frame_t *f) {
  if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) == 1)
    hd_mem_free(f);
}

static void on_write(uv_write_t *w, int status) {
  ws_write_t *ww = (ws_write_t *)w;
  hd_conn_t *c = w->handle->data;
  c->u.ws.queued -= ww->len;
  HD_STAT_SUB(c->loop, ws_queued_bytes, ww->len);
  hd_ws_frame_release(ww->f);
  hd_mem_free(ww);
  if (status < 0 && status != UV_ECANCELED)
    hd__conn_close(c);
}

/* Queue a reference to f; enforce the slow-consumer cap. */
static int write_frame(hd_conn_t *c, hd_ws_frame_t *f) {
  if (c->state >= HD_CS_FINISHING)
    return HD_ERR_IO;
  /* Nothing queued ahead (uv_try_write refuses otherwise): most frames leave right here,
   * with no request, no reference and no callback; only an unsent remainder is queued. */
  uv_buf_t b = uv_buf_init((char *)f->data, f->len);
  int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
  if (n == (int)f->len)
    return 0;
  if (n > 0) {
    b = uv_buf_init((char *)f->data + n, f->len - (uint32_t)n);
  } else if (n != UV_EAGAIN && n != UV_ENOSYS) {
    hd__conn_close(c);
    return HD_ERR_IO;
  }
  ws_write_t *ww = hd_mem_alloc(sizeof(*ww));
  hd_ws_frame_retain(f);
  ww->f = f;
  ww->len = (uint32_t)b.len;
  if (uv_write(&ww->w, (uv_stream_t *)&c->tcp, &b, 1, on_write) != 0) {
    hd_ws_frame_release(f);
    hd_mem_free(ww);
    hd__conn_close(c);
    return HD_ERR_IO;
  }
  c->u.ws.queued += ww->len;
  HD_STAT_ADD(c->loop, ws_queued_bytes, ww->len);
  if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > c->loop->lim->ws_max_queued) {
    HD_STAT_ADD(c->loop, ws_slow_consumers_closed, 1);
    hd__conn_close(c);
    return HD_ERR_TOO_LARGE;
  }
  return 0;
}

static int send_control(hd_conn_t *c, int opcode, const void *payload, size_t n) {
  hd_ws_frame_t *f = frame_new(opcode, payload, n);
  int r = write_frame(c, f);
  hd_ws_frame_release(f);
  return r;
}

static void send_close(hd_conn_t *c, int code, const char *reason, size_t rlen) {
  uint8_t p[125];
  p[0] = (uint8_t)(code >> 8);
  p[1] = (uint8_t)code;
  rlen = HD_MIN(rlen, sizeof(p) - 2);
  if (rlen)
    memcpy(p + 2, reason, rlen);
  send_control(c, HD_WS_OP_CLOSE, p, 2 + rlen);
}

int hd_ws_send_frame(hd_ws_t *ws, hd_ws_frame_t *f) {
  hd_conn_t *c = C(ws);
  if (c->state != HD_CS_OPEN)
    return HD_ERR_IO;
  return write_frame(c, f);
}

int hd_ws_send_text(hd_ws_t *ws, hd_iovec_t data) {
  hd_conn_t *c = C(ws);
  if (c->state != HD_CS_OPEN)
    return HD_ERR_IO;
  hd_ws_frame_t *f = hd_ws_frame_text(data);
  int r = write_frame(c, f);
  hd_ws_frame_release(f);
  return r;
}

void hd_ws_close(hd_ws_t *ws, int code, const char *reason) {
  hd_conn_t *c = C(ws);
  if (c->state != HD_CS_OPEN)
    return;
  send_close(c, code, reason, reason ? strlen(reason) : 0);
  c->ws_code = (uint16_t)code;
  if (c->state != HD_CS_OPEN)
    return; /* the write failed and closed the connection */
  c->state = HD_CS_CLOSE_SENT;
  c->flags &= (uint8_t)~HD_CF_PING_SENT;
  hd__conn_arm(c, HD_MIN(HD_WS_CLOSE_WAIT_MS, c->loop->lim->ws_pong_timeout_ms));
}

void *hd_ws_data(hd_ws_t *ws) { return C(ws)->u.ws.data; }
hd_loop_t *hd_ws_loop(hd_ws_t *ws) { return C(ws)->loop; }

static int rd_message(void *ctx, int opcode, uint8_t *data, size_t len) {
  hd_conn_t *c = ctx;
  if (c->state != HD_CS_OPEN)
    return 0; /* after our close frame, data is ignored */
  c->u.ws.cb->on_message(W(c), opcode == HD_WS_OP_TEXT, hd_iov(data, len));
  return c->state >= HD_CS_FINISHING;
}

static int rd_control(void *ctx, int opcode, uint8_t *data, size_t len) {
  hd_conn_t *c = ctx;
  if (opcode == HD_WS_OP_PING) {
    if (c->state == HD_CS_OPEN)
      send_control(c, HD_WS_OP_PONG, data, len);
    return c->state >= HD_CS_FINISHING;
  }
  if (opcode == HD_WS_OP_PONG)
    return 0; /* any frame counts as liveness; see hd__ws_on_data */
  /* CLOSE */
  if (c->state == HD_CS_OPEN) { /* client-initiated: echo the code */
    c->ws_code = len >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : HD_WS_CLOSE_NO_STATUS;
    send_control(c, HD_WS_OP_CLOSE, data, len >= 2 ? 2 : 0);
  }
  hd__conn_finish(c); /* the server closes the TCP connection first (RFC 6455 §7.1.1) */
  return 1;
}

static const hd_ws_reader_cb_t reader_cb = {rd_message, rd_control};

void hd__ws_on_data(hd_conn_t *c, char *data, size_t len) {
  c->flags &= (uint8_t)~HD_CF_PING_SENT;
  if (c->state == HD_CS_OPEN)
    hd__conn_arm(c, c->loop->lim->ws_ping_interval_ms);
  size_t used = 0, need = 0;
  int rc = hd_ws_reader_feed(&c->u.ws.rd, (uint8_t *)data, len, c->loop->lim->ws_max_message, 1,
                             &reader_cb, c, &used, &need);
  if (rc >= 1000 && c->state <= HD_CS_CLOSE_SENT) {
    if (c->state == HD_CS_OPEN)
      send_close(c, rc, NULL, 0);
    c->ws_code = (uint16_t)rc;
    hd__conn_finish(c);
  }
  hd__conn_keep_tail(c, data + used, len - used);
}

void hd__ws_on_timer(hd_conn_t *c) {
  if (c->state == HD_CS_CLOSE_SENT) {
    hd__conn_close(c);
  } else if (c->flags & HD_CF_PING_SENT) {
    hd__conn_close(c); /* silent since our ping: dead peer, 1006 */
  } else {
    c->flags |= HD_CF_PING_SENT;
    send_control(c, HD_WS_OP_PING, NULL, 0);
    if (c->state == HD_CS_OPEN)
      hd__conn_arm(c, c->loop->lim->ws_pong_timeout_ms);
  }
}

void hd__ws_on_close(hd_conn_t *c) {
  hd_ws_reader_dispose(&c->u.ws.rd);
  int code = c->ws_code ? c->ws_code : HD_WS_CLOSE_ABNORMAL;
  c->u.ws.cb->on_close(W(c), code);
}

/* Return 1 if the comma-separated header value v contains token tok (case-insensitive). */
static int has_token(hd_iovec_t v, const char *tok) {
  size_t i = 0;
  while (v.base && i < v.len) {
    while (i < v.len && (v.base[i] == ' ' || v.base[i] == '\t' || v.base[i] == ','))
      i++;
    size_t s = i;
    while (i < v.len && v.base[i] != ',')
      i++;
    size_t e = i;
    while (e > s && (v.base[e - 1] == ' ' || v.base[e - 1] == '\t'))
      e--;
    if (e > s && hd_iov_caseeq(hd_iov(v.base + s, e - s), tok))
      return 1;
  }
  return 0;
}

/* Process frames that arrived right behind the upgrade request (posted, so that the
 * handler has its hd_ws_t before the first on_message). */
static void deferred_input(hd_loop_t *loop, void *arg) {
  hd_conn_t *c = arg;
  c->flags &= (uint8_t)~HD_CF_DEFER;
  if (c->state == HD_CS_CLOSED) {
    hd__conn_free(c);
    return;
  }
  if (c->tail_len && c->state <= HD_CS_CLOSE_SENT)
    hd__ws_on_data(c, c->tail, c->tail_len);
}

int hd_ws_upgrade(hd_http_req_t *req, const hd_ws_callbacks_t *cb, void *data, hd_ws_t **out) {
  hd__http_req_t *r = (hd__http_req_t *)req;
  hd_conn_t *c = r->conn;
  hd_iovec_t key = hd_http_header(req, "Sec-WebSocket-Key");
  uint8_t raw[18];
  if (!hd_iov_eq(req->method, "GET") || !has_token(hd_http_header(req, "Upgrade"), "websocket") ||
      !has_token(hd_http_header(req, "Connection"), "upgrade") ||
      !hd_iov_eq(hd_http_header(req, "Sec-WebSocket-Version"), "13") || key.len != 24 ||
      hd_base64_decode(key.base, key.len, raw, sizeof(raw)) != 16)
    return HD_ERR_BAD_REQUEST;
  if (c->state != HD_CS_OPEN || (c->flags & HD_CF_EOF))
    return HD_ERR_BAD_REQUEST; /* nobody to talk to; the caller's response frees req */
  char accept[HD_WS_ACCEPT_LEN + 1];
  hd_ws_accept_key(key.base, key.len, accept);
  hd_buf_t b;
  hd_buf_init(&b, 0);
  int err = hd_buf_appendf(&b,
                           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n",
                           accept);
  if (err == 0 && r->resp_hdrs.len)
    err = hd_buf_append(&b, r->resp_hdrs.base, r->resp_hdrs.len);
  if (err == 0)
    err = hd_buf_append(&b, "\r\n", 2);
  HD_ASSERT(err == 0);
  hd_http_done_t ev = {req, req->method, req->path, 101, 0};
  hd__loop_on_response(c->loop, &ev);
  hd__http_conn_release(c); /* frees req and the parser: an idle socket keeps no HTTP state */
  HD_STAT_SUB(c->loop, http_conns_open, 1);
  HD_STAT_ADD(c->loop, ws_conns_open, 1);
  c->kind = HD_CONN_WS;
  c->u.ws.cb = cb;
  c->u.ws.data = data;
  c->u.ws.queued = 0;
  hd_ws_reader_init(&c->u.ws.rd);
  hd_ws_frame_t *f = hd_mem_alloc(sizeof(*f) + b.len);
  atomic_init(&f->refs, 1);
  f->len = (uint32_t)b.len;
  memcpy(f->data, b.base, b.len);
  hd_buf_dispose(&b);
  write_frame(c, f);
  hd_ws_frame_release(f);
  *out = W(c);
  hd__conn_read_resume(c);
  if (c->state == HD_CS_OPEN) {
    hd__conn_arm(c, c->loop->lim->ws_ping_interval_ms);
    if (c->tail_len && !(c->flags & HD_CF_IN_PROCESS)) {
      c->flags |= HD_CF_DEFER;
      hd_loop_post(c->loop, deferred_input, c);
    }
  }
  return 0;
}
