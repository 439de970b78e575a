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
 * Streaming bodies (http.h): with a body_sink hook, on_head builds the request at headers
 * complete (h->sreq); a sink then receives the body (reads paused while it is BUSY) and
 * on_end the request, or on_abort from hd__http_on_close. hd_http_respond_file sends a file
 * body piece by piece (h->sending: the connection is busy until the last piece is written).
 *
 * Invariants:
 *  1. At most one request per connection is outstanding (h->req), and the parser is
 *     COMPLETE exactly while it is.
 *  2. A response is written only by hd_http_respond() / send_error(), in request order.
 *  3. loop->outstanding counts requests given to the handler and not yet answered.
 *  4. A response goes out with uv_try_write first; only the bytes the socket did not take
 *     are queued with uv_write (libuv refuses a try_write while anything is queued, so the
 *     byte order on the wire is the order of the calls).
 */
#include "net/http_parse.h"

#include "common/error.h"
#include "net/conn.h"

#include <string.h>

#define HD_HTTP_MAX_PIPELINED (64 * 1024) /* buffered input while a handler works */

struct st_hd__http_conn_t {
  hd__http_parser_t parser;
  hd__http_req_t *req;  /* outstanding request, or NULL */
  hd__http_req_t *sreq; /* request built at headers complete (body_sink asked), or NULL */
  uint8_t sending;      /* hd_http_respond_file is writing the body */
  uint8_t peer_known;   /* peer[] holds the address (resolved once per connection) */
  char peer[48];        /* textual peer address, same size as hd_http_req_t.remote_ip */
};

/* Copy the peer address into a request: getpeername once per connection, not per request. */
static void req_peer(hd_conn_t *c, hd__http_req_t *req) {
  hd__http_conn_t *h = c->u.http;
  if (!h->peer_known) {
    hd__conn_peer(c, h->peer, sizeof(h->peer));
    h->peer_known = 1;
  }
  _Static_assert(sizeof(h->peer) == sizeof(req->pub.remote_ip), "peer buffer size");
  memcpy(req->pub.remote_ip, h->peer, sizeof(h->peer));
}

/* A handler works or a file body is being sent: input waits in the tail. */
static int http_busy(const hd__http_conn_t *h) { return h->req != NULL || h->sending; }

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
  /* assembled piece by piece: this runs once per response, printf's parsing is measurable */
  char num[24], *e = num + sizeof(num), *d = e;
  size_t v = body.len;
  do
    *--d = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  const char *reason = hd_http_reason(status), *ct = ctype ? ctype : "application/json";
  char st[4] = {(char)('0' + status / 100 % 10), (char)('0' + status / 10 % 10),
                (char)('0' + status % 10), ' '};
  HD_ASSERT(status >= 100 && status <= 999);
  int err = hd_buf_try_reserve(&hw->buf, 96 + strlen(reason) + strlen(ct) +
                                             (extra ? extra->len : 0) + body.len);
  if (err == 0)
    err = hd_buf_append(&hw->buf, "HTTP/1.1 ", 9);
  if (err == 0)
    err = hd_buf_append(&hw->buf, st, sizeof(st));
  if (err == 0)
    err = hd_buf_append(&hw->buf, reason, strlen(reason));
  if (err == 0)
    err = hd_buf_append(&hw->buf, "\r\nContent-Type: ", 16);
  if (err == 0)
    err = hd_buf_append(&hw->buf, ct, strlen(ct));
  if (err == 0)
    err = hd_buf_append(&hw->buf, "\r\nContent-Length: ", 18);
  if (err == 0)
    err = hd_buf_append(&hw->buf, d, (size_t)(e - d));
  if (err == 0)
    err = hd_buf_append(&hw->buf, "\r\n", 2);
  if (err == 0 && close)
    err = hd_buf_append(&hw->buf, "Connection: close\r\n", 19);
  if (err == 0 && extra && extra->len)
    err = hd_buf_append(&hw->buf, extra->base, extra->len);
  if (err == 0)
    err = hd_buf_append(&hw->buf, "\r\n", 2);
  if (err == 0 && body.len)
    err = hd_buf_append(&hw->buf, body.base, body.len);
  HD_ASSERT(err == 0); /* unbounded bookkeeping buffer */
  /* Nothing queued ahead (uv_try_write refuses otherwise): write now, and queue only what
   * the socket did not take. Order is kept because libuv's queue was empty. */
  uv_buf_t b = uv_buf_init(hw->buf.base, (unsigned)hw->buf.len);
  int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
  if (n == (int)hw->buf.len) {
    hd_buf_dispose(&hw->buf);
    hd_mem_free(hw);
    return;
  }
  if (n > 0)
    b = uv_buf_init(hw->buf.base + n, (unsigned)(hw->buf.len - (size_t)n));
  else if (n != UV_EAGAIN && n != UV_ENOSYS) {
    hd_buf_dispose(&hw->buf);
    hd_mem_free(hw);
    hd__conn_close(c);
    return;
  }
  if (uv_write(&hw->w, (uv_stream_t *)&c->tcp, &b, 1, on_write) != 0) {
    hd_buf_dispose(&hw->buf);
    hd_mem_free(hw);
    hd__conn_close(c);
  }
}

/* Report a net-level answer to the on_response hook, with the method and path when the
 * request line got that far (the URL is the start of the parser's head buffer). */
static void report_error(hd_conn_t *c, int status, size_t bytes) {
  hd__http_parser_t *p = &c->u.http->parser;
  hd_http_done_t ev = {.status = status, .bytes = bytes};
  if (p->url_len && p->head.len >= p->url_len) {
    const char *m = llhttp_method_name((llhttp_method_t)p->llp.method);
    const char *q = memchr(p->head.base, '?', p->url_len);
    ev.method = hd_iov(m, strlen(m));
    ev.path = hd_iov(p->head.base, q ? (size_t)(q - p->head.base) : p->url_len);
  }
  hd__loop_on_response(c->loop, &ev);
}

/* Answer a request the net layer refuses (err: hd_err_t) and finish the connection. */
static void send_error(hd_conn_t *c, int err) {
  char body[256];
  int n = snprintf(body, sizeof(body), "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
                   hd_err_code(err), hd_strerror(err));
  if (n < 0 || (size_t)n >= sizeof(body))
    n = 0;
  report_error(c, hd_err_status(err), (size_t)n);
  write_response(c, hd_err_status(err), "application/json", NULL, hd_iov(body, (size_t)n), 1);
  hd__conn_finish(c);
}

/* Headers complete (parser callback): for a request with a body, build the request now and
 * ask the body_sink hook whether to stream it. */
static int on_head(void *data) {
  hd_conn_t *c = data;
  hd__http_conn_t *h = c->u.http;
  llhttp_t *llp = &h->parser.llp;
  if (!(llp->flags & F_CHUNKED) && !((llp->flags & F_CONTENT_LENGTH) && llp->content_length > 0))
    return 0;
  HD_ASSERT(h->sreq == NULL);
  hd__http_req_t *req = hd__http_req_create_head(&h->parser, c->loop);
  req->conn = c;
  req_peer(c, req);
  h->sreq = req;
  hd_http_sink_t *sink = NULL;
  int r = hd__loop_body_sink(c->loop, &req->pub, &sink);
  if (r < 0)
    return r;
  if (r == 1 && sink) {
    sink->conn_ = c;
    h->parser.sink = sink;
  }
  return 0;
}

/* Free the request built at headers complete, telling its sink (if any) the body is lost. */
static void drop_sreq(hd__http_conn_t *h) {
  hd_http_sink_t *sink = h->parser.sink;
  h->parser.sink = NULL;
  h->parser.sink_busy = 0;
  if (sink)
    sink->on_abort(sink);
  if (h->sreq)
    hd__http_req_free(h->sreq);
  h->sreq = NULL;
}

void hd__http_conn_init(hd_conn_t *c) {
  hd__http_conn_t *h = hd_mem_alloc(sizeof(*h));
  hd__http_parser_init(&h->parser, c->loop->lim);
  h->req = NULL;
  h->sreq = NULL;
  h->sending = 0;
  h->peer_known = 0;
  if (hd__loop_has_body_sink(c->loop)) {
    h->parser.on_head = on_head;
    h->parser.head_data = c;
  }
  c->u.http = h;
  hd__conn_arm(c, c->loop->lim->idle_timeout_ms);
}

/* Parse and dispatch requests from data[0..len) until one is outstanding or input ends;
 * keep the remainder in the tail. */
static void http_run(hd_conn_t *c, char *data, size_t len) {
  hd__http_conn_t *h = c->u.http;
  size_t off = 0;
  c->flags |= HD_CF_IN_PROCESS;
  while (c->kind == HD_CONN_HTTP && c->state == HD_CS_OPEN && !http_busy(h) && off < len) {
    size_t used;
    int was_started = hd__http_parser_started(&h->parser);
    int r = hd__http_parser_feed(&h->parser, data + off, len - off, &used);
    off += used;
    if (r == HD_HTTP_MORE) {
      if ((!was_started && hd__http_parser_started(&h->parser)) || h->parser.sink)
        hd__conn_arm(c, c->loop->lim->read_timeout_ms); /* streams: per piece */
      break;
    }
    if (r < 0) {
      send_error(c, r);
      break;
    }
    hd__http_req_t *req = h->sreq;
    hd_http_sink_t *sink = h->parser.sink;
    h->sreq = NULL;
    h->parser.sink = NULL;
    h->parser.sink_busy = 0;
    if (req) {
      hd__http_req_take_body(req, &h->parser);
    } else {
      req = hd__http_req_create(&h->parser, c->loop);
      req->conn = c;
      req_peer(c, req);
    }
    h->req = req;
    c->loop->outstanding++;
    HD_STAT_ADD(c->loop, http_requests, 1);
    hd_wheel_cancel(&c->loop->wheel, &c->timer); /* no timeout while the handler works */
    if (sink)
      sink->on_end(sink, &req->pub);
    else
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
  if (http_busy(h)) {
    if (c->tail_len > HD_HTTP_MAX_PIPELINED && !(c->flags & HD_CF_READ_STOPPED)) {
      c->flags |= HD_CF_READ_STOPPED;
      uv_read_stop((uv_stream_t *)&c->tcp);
    }
  } else if (h->parser.sink && h->parser.sink_busy) { /* the sink is writing: pause */
    hd_wheel_cancel(&c->loop->wheel, &c->timer);
    if (!(c->flags & HD_CF_READ_STOPPED)) {
      c->flags |= HD_CF_READ_STOPPED;
      uv_read_stop((uv_stream_t *)&c->tcp);
    }
  } else if (!hd__http_parser_started(&h->parser)) {
    hd__conn_arm(c, c->loop->lim->idle_timeout_ms);
  }
}

void hd__http_on_data(hd_conn_t *c, char *data, size_t len) {
  if (http_busy(c->u.http)) { /* a handler is working: keep the bytes for later */
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
  if (http_busy(h))
    return;
  if (hd__http_parser_started(&h->parser))
    send_error(c, HD_ERR_TIMEOUT);
  else
    hd__conn_close(c); /* idle keep-alive connection */
}

void hd__http_on_eof(hd_conn_t *c) {
  if (http_busy(c->u.http)) { /* answer first: the client may have only half-closed */
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
  drop_sreq(h); /* a streamed body that never completed: on_abort */
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
  drop_sreq(h);
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
  hd_http_done_t ev = {req, req->method, req->path, status, body.len};
  hd__loop_on_response(c->loop, &ev);
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

void hd_http_sink_resume(hd_http_sink_t *s) {
  hd_conn_t *c = s->conn_;
  if (!c || c->state != HD_CS_OPEN || c->kind != HD_CONN_HTTP)
    return;
  hd__http_conn_t *h = c->u.http;
  if (!h || h->parser.sink != s || !h->parser.sink_busy)
    return; /* the body is complete (on_end ran) or another request is being read */
  h->parser.sink_busy = 0;
  if (http_busy(h))
    return;
  hd__conn_read_resume(c);
  hd__conn_arm(c, c->loop->lim->read_timeout_ms);
}

/* ---- file bodies (hd_http_respond_file) ------------------------------------------------ */

#define HD_HTTP_FILE_CHUNK (64 * 1024)

/* One file being sent; HD_CF_DEFER keeps the conn's memory alive while it exists. */
typedef struct {
  uv_fs_t fs;
  uv_write_t w;
  hd_conn_t *c;
  uv_file fd;
  uint64_t off, left;
  size_t inflight;
  uint8_t close; /* finish the connection after the body */
  char buf[HD_HTTP_FILE_CHUNK];
} file_out_t;

static void file_read(file_out_t *fo);

/* The body is sent (ok) or cannot be: release fd and fo, then carry on with the conn. */
static void file_done(file_out_t *fo, int ok) {
  hd_conn_t *c = fo->c;
  uv_fs_t cl;
  uv_fs_close(NULL, &cl, fo->fd, NULL);
  uv_fs_req_cleanup(&cl);
  int close = fo->close;
  hd_mem_free(fo);
  c->flags &= (uint8_t)~HD_CF_DEFER;
  if (c->state == HD_CS_CLOSED) { /* closed while a read was in flight: free it now */
    hd__conn_free(c);
    return;
  }
  if (c->state != HD_CS_OPEN)
    return; /* closing: close_cb frees it */
  hd__http_conn_t *h = c->u.http;
  h->sending = 0;
  if (!ok) { /* Content-Length was promised: the client must see a truncated answer */
    hd__conn_close(c);
    return;
  }
  if (close) {
    hd__conn_finish(c);
    return;
  }
  if (c->flags & HD_CF_IN_PROCESS)
    return; /* an empty body answered synchronously: http_run carries on */
  hd__conn_read_resume(c);
  if (c->tail_len)
    http_run(c, c->tail, c->tail_len);
  else if (c->state == HD_CS_OPEN && !http_busy(h))
    hd__conn_arm(c, c->loop->lim->idle_timeout_ms);
}

static void on_file_write(uv_write_t *w, int status) {
  file_out_t *fo = w->data;
  if (status < 0) {
    file_done(fo, 0);
    return;
  }
  fo->off += fo->inflight;
  fo->left -= fo->inflight;
  if (fo->left == 0)
    file_done(fo, 1);
  else
    file_read(fo);
}

static void on_file_read(uv_fs_t *fs) {
  file_out_t *fo = fs->data;
  ssize_t n = fs->result;
  uv_fs_req_cleanup(fs);
  hd_conn_t *c = fo->c;
  if (n <= 0 || c->state != HD_CS_OPEN) {
    file_done(fo, 0);
    return;
  }
  fo->inflight = (size_t)n;
  uv_buf_t b = uv_buf_init(fo->buf, (unsigned)n);
  fo->w.data = fo;
  if (uv_write(&fo->w, (uv_stream_t *)&c->tcp, &b, 1, on_file_write) != 0)
    file_done(fo, 0);
}

static void file_read(file_out_t *fo) {
  size_t want = fo->left < HD_HTTP_FILE_CHUNK ? (size_t)fo->left : HD_HTTP_FILE_CHUNK;
  uv_buf_t b = uv_buf_init(fo->buf, (unsigned)want);
  fo->fs.data = fo;
  if (uv_fs_read(&fo->c->loop->uv, &fo->fs, fo->fd, &b, 1, (int64_t)fo->off, on_file_read) != 0)
    file_done(fo, 0);
}

void hd_http_respond_file(hd_http_req_t *req, int status, const char *content_type, int fd,
                          uint64_t off, uint64_t len) {
  hd__http_req_t *r = (hd__http_req_t *)req;
  hd_conn_t *c = r->conn;
  hd__http_conn_t *h = c->u.http;
  HD_ASSERT(h && h->req == r);
  if (c->state != HD_CS_OPEN) { /* gone or going: answer nothing, release as respond does */
    uv_fs_t cl;
    uv_fs_close(NULL, &cl, fd, NULL);
    uv_fs_req_cleanup(&cl);
    hd_http_respond(req, status, content_type, hd_iov(NULL, 0));
    return;
  }
  hd_http_done_t ev = {req, req->method, req->path, status, (size_t)len};
  hd__loop_on_response(c->loop, &ev);
  int close = !r->keep_alive || r->upgrade || (c->flags & HD_CF_EOF);
  http_write_t *hw = hd_mem_alloc(sizeof(*hw));
  hd_buf_init(&hw->buf, 0);
  int err = hd_buf_appendf(
      &hw->buf, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %llu\r\n%s", status,
      hd_http_reason(status), content_type ? content_type : "application/octet-stream",
      (unsigned long long)len, close ? "Connection: close\r\n" : "");
  if (err == 0 && r->resp_hdrs.len)
    err = hd_buf_append(&hw->buf, r->resp_hdrs.base, r->resp_hdrs.len);
  if (err == 0)
    err = hd_buf_append(&hw->buf, "\r\n", 2);
  HD_ASSERT(err == 0);
  req_done(c, r);
  hd__http_parser_next(&h->parser);
  uv_buf_t b = uv_buf_init(hw->buf.base, (unsigned)hw->buf.len);
  if (uv_write(&hw->w, (uv_stream_t *)&c->tcp, &b, 1, on_write) != 0) {
    hd_buf_dispose(&hw->buf);
    hd_mem_free(hw);
    uv_fs_t cl;
    uv_fs_close(NULL, &cl, fd, NULL);
    uv_fs_req_cleanup(&cl);
    hd__conn_close(c);
    return;
  }
  file_out_t *fo = hd_mem_alloc(sizeof(*fo));
  fo->c = c;
  fo->fd = fd;
  fo->off = off;
  fo->left = len;
  fo->inflight = 0;
  fo->close = (uint8_t)close;
  h->sending = 1;
  c->flags |= HD_CF_DEFER;
  if (len == 0) {
    file_done(fo, 1);
    return;
  }
  file_read(fo);
}
