/*
 * http.c — HTTP/1.1 connections: parse (net/http_parse.c), dispatch one request at a time,
 * answer, keep alive or finish; the net layer's own error answers; timeouts.
 *
 * A connection alternates between two phases (the conn states are in conn.h):
 *
 *   READING ─request complete (http_run)─► HANDLER ─hd_http_respond─► READING (keep-alive:
 *     │ timer: idle → close,                 │ no timer; input kept        parse the tail)
 *     │ started request → 408               │ in the tail (≤ 64 KiB,      or FINISHING
 *     └─ limit/syntax error → 4xx, FINISHING └ then back-pressure)        (Connection: close)
 *
 * Pipelining: the parser pauses at each complete request, the rest of the input stays in
 * the connection's tail, and hd_http_respond() resumes parsing it. http_run() is not
 * re-entered when a handler answers synchronously (HD_CF_IN_PROCESS): the outer call simply
 * carries on with the next request.
 *
 * Invariants:
 *  1. At most one request per connection is outstanding (h->req), and the parser is
 *     COMPLETE exactly while it is.
 *  2. A response is written only by hd_http_respond() / send_error(), in request order.
 *  3. loop->outstanding counts requests given to the handler and not yet answered.
 */
#include "net/http_parse.h"

#include "common/error.h"
#include "net/conn.h"

#include <string.h>

#define HD_HTTP_MAX_PIPELINED (64 * 1024) /* buffered input while a handler works */

struct st_hd__http_conn_t {
  hd__http_parser_t parser;
  hd__http_req_t *req; /* outstanding request, or NULL */
};

typedef struct {
  uv_write_t w;
  hd_buf_t buf;
} http_write_t;

static void on_write(uv_write_t *w, int status) {
  http_write_t *hw = (http_write_t *)w;
  hd_conn_t *c = w->handle->data;
  hd_buf_dispose(&hw->buf);
  hd_mem_free(hw);
  if (status < 0 && status != UV_ECANCELED)
    hd__conn_close(c);
}

/* Queue status line, headers and body; close adds "Connection: close". */
static void write_response(hd_conn_t *c, int status, const char *ctype, const hd_buf_t *extra,
                           hd_iovec_t body, int close) {
  http_write_t *hw = hd_mem_alloc(sizeof(*hw));
  hd_buf_init(&hw->buf, 0);
  int err =
      hd_buf_appendf(&hw->buf, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s",
                     status, hd_http_reason(status), ctype ? ctype : "application/json", body.len,
                     close ? "Connection: close\r\n" : "");
  if (err == 0 && extra && extra->len)
    err = hd_buf_append(&hw->buf, extra->base, extra->len);
  if (err == 0)
    err = hd_buf_append(&hw->buf, "\r\n", 2);
  if (err == 0 && body.len)
    err = hd_buf_append(&hw->buf, body.base, body.len);
  HD_ASSERT(err == 0); /* unbounded bookkeeping buffer */
  uv_buf_t b = uv_buf_init(hw->buf.base, (unsigned)hw->buf.len);
  if (uv_write(&hw->w, (uv_stream_t *)&c->tcp, &b, 1, on_write) != 0) {
    hd_buf_dispose(&hw->buf);
    hd_mem_free(hw);
    hd__conn_close(c);
  }
}

/* Answer a request the net layer refuses (err: hd_err_t) and finish the connection. */
static void send_error(hd_conn_t *c, int err) {
  char body[256];
  int n = snprintf(body, sizeof(body), "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
                   hd_err_code(err), hd_strerror(err));
  if (n < 0 || (size_t)n >= sizeof(body))
    n = 0;
  write_response(c, hd_err_status(err), "application/json", NULL, hd_iov(body, (size_t)n), 1);
  hd__conn_finish(c);
}

void hd__http_conn_init(hd_conn_t *c) {
  hd__http_conn_t *h = hd_mem_alloc(sizeof(*h));
  hd__http_parser_init(&h->parser, c->loop->lim);
  h->req = NULL;
  c->u.http = h;
  hd__conn_arm(c, c->loop->lim->idle_timeout_ms);
}

/* Parse and dispatch requests from data[0..len) until one is outstanding or input ends;
 * keep the remainder in the tail. */
static void http_run(hd_conn_t *c, char *data, size_t len) {
  hd__http_conn_t *h = c->u.http;
  size_t off = 0;
  c->flags |= HD_CF_IN_PROCESS;
  while (c->kind == HD_CONN_HTTP && c->state == HD_CS_OPEN && h->req == NULL && off < len) {
    size_t used;
    int was_started = hd__http_parser_started(&h->parser);
    int r = hd__http_parser_feed(&h->parser, data + off, len - off, &used);
    off += used;
    if (r == HD_HTTP_MORE) {
      if (!was_started && hd__http_parser_started(&h->parser))
        hd__conn_arm(c, c->loop->lim->read_timeout_ms);
      break;
    }
    if (r < 0) {
      send_error(c, r);
      break;
    }
    hd__http_req_t *req = hd__http_req_create(&h->parser, c->loop);
    req->conn = c;
    hd__conn_peer(c, req->pub.remote_ip, sizeof(req->pub.remote_ip));
    h->req = req;
    c->loop->outstanding++;
    HD_STAT_ADD(c->loop, http_requests, 1);
    hd_wheel_cancel(&c->loop->wheel, &c->timer); /* no timeout while the handler works */
    hd__loop_dispatch(c->loop, &req->pub);
  }
  c->flags &= (uint8_t)~HD_CF_IN_PROCESS;
  hd__conn_keep_tail(c, data + off, len - off);
  if (c->state != HD_CS_OPEN)
    return;
  if (c->kind == HD_CONN_WS) { /* upgraded by a synchronous handler: frames may follow */
    if (c->tail_len)
      hd__ws_on_data(c, c->tail, c->tail_len);
    return;
  }
  if (h->req) {
    if (c->tail_len > HD_HTTP_MAX_PIPELINED && !(c->flags & HD_CF_READ_STOPPED)) {
      c->flags |= HD_CF_READ_STOPPED;
      uv_read_stop((uv_stream_t *)&c->tcp);
    }
  } else if (!hd__http_parser_started(&h->parser)) {
    hd__conn_arm(c, c->loop->lim->idle_timeout_ms);
  }
}

void hd__http_on_data(hd_conn_t *c, char *data, size_t len) {
  if (c->u.http->req) { /* a handler is working: keep the bytes for later */
    hd__conn_keep_tail(c, data, len);
    if (c->tail_len > HD_HTTP_MAX_PIPELINED && !(c->flags & HD_CF_READ_STOPPED)) {
      c->flags |= HD_CF_READ_STOPPED;
      uv_read_stop((uv_stream_t *)&c->tcp);
    }
    return;
  }
  http_run(c, data, len);
}

void hd__http_on_timer(hd_conn_t *c) {
  hd__http_conn_t *h = c->u.http;
  if (h->req)
    return;
  if (hd__http_parser_started(&h->parser))
    send_error(c, HD_ERR_TIMEOUT);
  else
    hd__conn_close(c); /* idle keep-alive connection */
}

void hd__http_on_eof(hd_conn_t *c) {
  if (c->u.http->req) { /* answer first: the client may have only half-closed */
    if (!(c->flags & HD_CF_READ_STOPPED)) {
      c->flags |= HD_CF_READ_STOPPED;
      uv_read_stop((uv_stream_t *)&c->tcp);
    }
    return;
  }
  hd__conn_close(c);
}

int hd__http_on_close(hd_conn_t *c) {
  hd__http_conn_t *h = c->u.http;
  if (h->req)
    return 1; /* hd_http_respond() frees everything */
  hd__http_parser_dispose(&h->parser);
  hd_mem_free(h);
  c->u.http = NULL;
  return 0;
}

/* Drop the outstanding request of c (after its answer, or at upgrade). */
static void req_done(hd_conn_t *c, hd__http_req_t *r) {
  c->u.http->req = NULL;
  hd__http_req_free(r);
  hd__loop_request_done(c->loop);
}

void hd__http_conn_release(hd_conn_t *c) {
  hd__http_conn_t *h = c->u.http;
  if (h->req)
    req_done(c, h->req);
  hd__http_parser_dispose(&h->parser);
  hd_mem_free(h);
  c->u.http = NULL;
}

void hd_http_respond(hd_http_req_t *req, int status, const char *content_type, hd_iovec_t body) {
  hd__http_req_t *r = (hd__http_req_t *)req;
  hd_conn_t *c = r->conn;
  hd__http_conn_t *h = c->u.http;
  HD_ASSERT(h && h->req == r);
  if (c->state == HD_CS_CLOSED) { /* the client left while the handler worked */
    req_done(c, r);
    hd__http_parser_dispose(&h->parser);
    hd_mem_free(h);
    c->u.http = NULL;
    if (!(c->flags & HD_CF_DEFER))
      hd__conn_free(c);
    return;
  }
  if (c->state != HD_CS_OPEN) {
    req_done(c, r);
    return;
  }
  int close = !r->keep_alive || r->upgrade || (c->flags & HD_CF_EOF);
  write_response(c, status, content_type, &r->resp_hdrs, body, close);
  req_done(c, r);
  hd__http_parser_next(&h->parser);
  if (close) {
    hd__conn_finish(c);
    return;
  }
  if (c->flags & HD_CF_IN_PROCESS)
    return; /* http_run is on the stack and continues with the next request */
  hd__conn_read_resume(c);
  if (c->tail_len)
    http_run(c, c->tail, c->tail_len);
  else if (c->state == HD_CS_OPEN)
    hd__conn_arm(c, c->loop->lim->idle_timeout_ms);
}

int hd_http_closed(hd_http_req_t *req) {
  hd_conn_t *c = ((hd__http_req_t *)req)->conn;
  return c->state != HD_CS_OPEN || (c->flags & HD_CF_EOF) != 0;
}
