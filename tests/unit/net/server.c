/* End-to-end tests of src/net/: a real hd_server on 127.0.0.1, port 0, two loops, spoken to
 * over real sockets: HTTP keep-alive, pipelining, chunked bodies, limits (413, 431, 408,
 * 400), idle close, posted and worker-pool responses, and WebSocket behaviour. */
#include "net/conn.h"
#include "net/http.h"
#include "common/sha1.h"
#include "net/ws.h"
#include "net/ws_frame.h"

#include "common/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static hd_server_t *srv;
static pthread_t srv_thread;
static int port;
static _Atomic int ws_close_code;
static _Atomic int ws_closes;
static _Atomic int delayed_saw_closed;
static _Atomic int delayed_done;

/* ---- handler ---------------------------------------------------------------------- */

static void respond_str(hd_http_req_t *req, int status, const char *s) {
  hd_http_respond(req, status, "text/plain", hd_iov(s, strlen(s)));
}

static void delayed_respond(hd_loop_t *loop, void *arg) {
  hd_http_req_t *req = arg;
  cr_assert_eq(hd_loop_current(), loop);
  atomic_store(&delayed_saw_closed, hd_http_closed(req));
  respond_str(req, 200, "delayed");
  atomic_fetch_add(&delayed_done, 1);
}

static void *delay_thread(void *arg) {
  hd_http_req_t *req = arg;
  struct timespec ts = {0, 150 * 1000 * 1000};
  nanosleep(&ts, NULL);
  hd_loop_post(req->loop, delayed_respond, req); /* from a foreign thread */
  return NULL;
}

static void work_fn(void *arg) {
  char *s = arg;
  memcpy(s, "worked", 7);
}

static void work_after(hd_loop_t *loop, void *arg, int status) {
  hd_http_req_t *req = *(hd_http_req_t **)((char *)arg + 8);
  cr_assert_eq(status, 0);
  respond_str(req, 200, arg);
}

static void ws_on_message(hd_ws_t *ws, int is_text, hd_iovec_t data) {
  if (is_text && hd_iov_eq(data, "flood")) {
    char chunk[16384];
    memset(chunk, 'f', sizeof(chunk));
    for (int i = 0; i < 4096; i++) /* 64 MiB max: the cap must trip long before */
      if (hd_ws_send_text(ws, hd_iov(chunk, sizeof(chunk))) != 0)
        return;
    return;
  }
  if (is_text && hd_iov_eq(data, "bye")) {
    hd_ws_close(ws, 4000, "server says bye");
    return;
  }
  hd_ws_frame_t *f = hd_ws_frame_text(data); /* shared-frame path */
  hd_ws_send_frame(ws, f);
  hd_ws_frame_release(f);
}

static void ws_on_close(hd_ws_t *ws, int code) {
  atomic_store(&ws_close_code, code);
  atomic_fetch_add(&ws_closes, 1);
}

static const hd_ws_callbacks_t ws_cb = {ws_on_message, ws_on_close};

static void handler(hd_http_req_t *req, void *data) {
  if (hd_iov_eq(req->path, "/echo")) {
    hd_http_add_header(req, "X-Method", req->method.base ? "set" : "unset");
    hd_http_respond(req, 200, "text/plain", req->body);
  } else if (hd_iov_eq(req->path, "/delay")) {
    pthread_t t;
    pthread_create(&t, NULL, delay_thread, req);
    pthread_detach(t);
  } else if (hd_iov_eq(req->path, "/query")) {
    hd_iovec_t v;
    if (hd_http_query(req, "q", &v))
      hd_http_respond(req, 200, "text/plain", v);
    else
      respond_str(req, 404, "none");
  } else if (hd_iov_eq(req->path, "/work")) {
    char *buf = hd_mem_pool_alloc(&req->pool, 16);
    *(hd_http_req_t **)(buf + 8) = req;
    hd_loop_work(req->loop, work_fn, work_after, buf);
  } else if (hd_iov_eq(req->path, "/ws")) {
    hd_ws_t *ws;
    if (hd_ws_upgrade(req, &ws_cb, NULL, &ws) != 0)
      respond_str(req, 400, "not a websocket handshake");
  } else {
    respond_str(req, 404, "no");
  }
}

static void *run_thread(void *arg) {
  hd_server_run(srv);
  return NULL;
}

static uint32_t ping_ms = 30000;

static void start(void) {
  hd_server_config_t cfg = {0};
  cfg.host = "127.0.0.1";
  cfg.port = 0;
  cfg.nloops = 2;
  hd_net_limits_default(&cfg.limits);
  cfg.limits.max_header_bytes = 1024;
  cfg.limits.max_body_bytes = 1024;
  cfg.limits.read_timeout_ms = 300;
  cfg.limits.idle_timeout_ms = 800;
  cfg.limits.ws_max_message = 4096;
  cfg.limits.ws_max_queued = 64 * 1024;
  cfg.limits.ws_ping_interval_ms = ping_ms;
  cfg.limits.ws_pong_timeout_ms = ping_ms;
  cfg.handler = handler;
  cr_assert_eq(hd_server_create(&cfg, &srv), 0);
  port = hd_server_port(srv);
  cr_assert_gt(port, 0);
  atomic_store(&ws_closes, 0);
  atomic_store(&ws_close_code, 0);
  pthread_create(&srv_thread, NULL, run_thread, NULL);
}

static int joined;

static void stop(void) {
  hd_server_stop(srv);
  if (!joined)
    pthread_join(srv_thread, NULL);
  hd_server_destroy(srv);
}

static void start_fast_ping(void) {
  ping_ms = 200;
  start();
}

TestSuite(net, .init = start, .fini = stop, .timeout = 20);
TestSuite(net_ping, .init = start_fast_ping, .fini = stop, .timeout = 20);

/* ---- client helpers --------------------------------------------------------------- */

typedef struct {
  int fd;
  char buf[1 << 16];
  size_t len;
} cli_t;

static cli_t *cli_open(int rcvbuf) {
  cli_t *c = calloc(1, sizeof(*c));
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf)
    setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  struct timeval tv = {3, 0};
  setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  cr_assert_eq(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  return c;
}

static void cli_close(cli_t *c) {
  close(c->fd);
  free(c);
}

static void cli_send(cli_t *c, const void *p, size_t n) {
  cr_assert_eq(send(c->fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}
#define SEND(c, s) cli_send((c), (s), strlen(s))

/* Read more bytes into the buffer; returns bytes read (0 on EOF, -1 on timeout/error). */
static ssize_t cli_fill(cli_t *c) {
  ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
  if (n > 0)
    c->len += (size_t)n;
  return n;
}

static void cli_take(cli_t *c, size_t n) {
  memmove(c->buf, c->buf + n, c->len - n);
  c->len -= n;
}

typedef struct {
  int status;
  char headers[2048];
  char body[8192];
  size_t body_len;
} resp_t;

/* Read one response (Content-Length framed); returns 0 or -1. */
static int read_resp(cli_t *c, resp_t *r) {
  char *end;
  while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4)) == NULL)
    if (cli_fill(c) <= 0)
      return -1;
  size_t hl = (size_t)(end - c->buf) + 4;
  cr_assert_lt(hl, sizeof(r->headers));
  memcpy(r->headers, c->buf, hl);
  r->headers[hl] = '\0';
  r->status = (int)strtol(r->headers + 9, NULL, 10);
  char *cl = strcasestr(r->headers, "\r\nContent-Length: ");
  size_t blen = cl ? (size_t)strtoul(cl + 18, NULL, 10) : 0;
  while (c->len < hl + blen)
    if (cli_fill(c) <= 0)
      return -1;
  memcpy(r->body, c->buf + hl, blen);
  r->body[blen] = '\0';
  r->body_len = blen;
  cli_take(c, hl + blen);
  return 0;
}

/* 1 if the server closes the connection (EOF or reset) within the receive timeout. */
static int sees_eof(cli_t *c) {
  for (;;) {
    ssize_t n = cli_fill(c);
    if (n == 0)
      return 1;
    if (n < 0)
      return errno == ECONNRESET;
    c->len = 0;
  }
}

static const uint8_t MASK[4] = {1, 2, 3, 4};

static void ws_send(cli_t *c, int fin, int op, const void *p, size_t n, int masked) {
  uint8_t f[8192 + HD_WS_MAX_HEADER];
  size_t hl = hd_ws_hdr_encode(f, fin, op, n, masked ? MASK : NULL);
  memcpy(f + hl, p, n);
  if (masked)
    hd_ws_mask(f + hl, n, MASK);
  cli_send(c, f, hl + n);
}

/* Read one server frame; returns its opcode (-1 on EOF/timeout); payload into out. */
static int ws_recv(cli_t *c, char *out, size_t *len) {
  for (;;) {
    hd_ws_hdr_t h;
    const char *why;
    int hl = hd_ws_hdr_parse((uint8_t *)c->buf, c->len, &h, &why);
    cr_assert_geq(hl, 0, "server sent a bad frame: %s", why);
    cr_assert(hl == 0 || !h.masked, "server frames are unmasked");
    if (hl > 0 && c->len >= (size_t)hl + h.len) {
      memcpy(out, c->buf + hl, (size_t)h.len);
      *len = (size_t)h.len;
      cli_take(c, (size_t)hl + (size_t)h.len);
      return h.opcode;
    }
    if (cli_fill(c) <= 0)
      return -1;
  }
}

static cli_t *ws_open(void) {
  cli_t *c = cli_open(0);
  SEND(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  resp_t r;
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_eq(r.status, 101, "%s", r.headers);
  cr_assert(strstr(r.headers, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
  return c;
}

static uint64_t sum_stat(size_t off) {
  uint64_t t = 0;
  for (int i = 0; i < hd_server_nloops(srv); i++) {
    hd_loop_stats_t st;
    hd_loop_stats(hd_server_loop(srv, i), &st);
    t += *(uint64_t *)((char *)&st + off);
  }
  return t;
}

static void wait_for(_Atomic int *v, int want) {
  for (int i = 0; i < 300 && atomic_load(v) < want; i++)
    usleep(10000);
}

/* ---- HTTP ------------------------------------------------------------------------- */

Test(net, keep_alive_and_query) {
  cli_t *c = cli_open(0);
  resp_t r;
  SEND(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_eq(r.status, 200);
  cr_assert_str_eq(r.body, "hello");
  cr_assert(strstr(r.headers, "X-Method: set\r\n"));
  cr_assert(strstr(r.headers, "Content-Type: text/plain\r\n"));
  cr_assert_null(strstr(r.headers, "Connection: close"));
  SEND(c, "GET /query?x=1&q=caf%C3%A9%20au%20lait HTTP/1.1\r\nHost: x\r\n\r\n");
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_str_eq(r.body, "caf\xc3\xa9 au lait");
  SEND(c, "GET /nothing HTTP/1.1\r\nConnection: close\r\n\r\n");
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_eq(r.status, 404);
  cr_assert(strstr(r.headers, "Connection: close\r\n"));
  cr_assert(sees_eof(c));
  cli_close(c);
  cr_assert_geq(sum_stat(offsetof(hd_loop_stats_t, http_requests)), 3);
}

Test(net, pipelining_in_order_with_posted_response) {
  cli_t *c = cli_open(0);
  SEND(c, "GET /delay HTTP/1.1\r\nHost: x\r\n\r\n"
          "POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\ntwo"
          "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nthree");
  resp_t r;
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_str_eq(r.body, "delayed");
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_str_eq(r.body, "two");
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_str_eq(r.body, "three");
  cli_close(c);
}

Test(net, chunked_body) {
  cli_t *c = cli_open(0);
  SEND(c, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n");
  usleep(20000);
  SEND(c, "5\r\npedia\r\n0\r\n\r\n");
  resp_t r;
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_eq(r.status, 200);
  cr_assert_str_eq(r.body, "Wikipedia");
  cli_close(c);
}

static void expect_error(const char *req, int status, const char *code) {
  cli_t *c = cli_open(0);
  SEND(c, req);
  resp_t r;
  cr_assert_eq(read_resp(c, &r), 0, "no response to %s", req);
  cr_assert_eq(r.status, status, "%s", r.headers);
  char want[128];
  snprintf(want, sizeof(want), "{\"error\":{\"code\":\"%s\",", code);
  cr_assert(strstr(r.body, want), "%s", r.body);
  cr_assert(strstr(r.headers, "Connection: close\r\n"));
  cr_assert(strstr(r.headers, "Content-Type: application/json\r\n"));
  cr_assert(sees_eof(c));
  cli_close(c);
}

Test(net, body_too_large_413) {
  expect_error("POST /echo HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", 413, "too_large");
  expect_error("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n401\r\n", 413,
               "too_large");
}

Test(net, headers_too_large_431) {
  char req[3000];
  memset(req, 'a', sizeof(req));
  memcpy(req, "GET / HTTP/1.1\r\nX-Big: ", 23);
  memcpy(req + sizeof(req) - 5, "\r\n\r\n", 5);
  expect_error(req, 431, "headers_too_large");
}

Test(net, malformed_400) {
  expect_error("HELLO WORLD\r\n\r\n", 400, "bad_request");
  expect_error("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400, "bad_request");
}

Test(net, read_timeout_408_and_idle_close) {
  cli_t *c = cli_open(0);
  SEND(c, "GET /echo HTTP/1.1\r\nHost:");
  resp_t r;
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_eq(r.status, 408);
  cr_assert(strstr(r.body, "\"request_timeout\""));
  cr_assert(sees_eof(c));
  cli_close(c);
  c = cli_open(0); /* idle keep-alive connection: closed silently after idle_timeout */
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  cr_assert(sees_eof(c));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  cr_assert(dt > 0.7 && dt < 2.0, "idle close after %.2fs", dt);
  cr_assert_eq(c->len, 0, "no bytes on idle close");
  cli_close(c);
}

Test(net, worker_pool_response) {
  cli_t *c = cli_open(0);
  SEND(c, "GET /work HTTP/1.1\r\n\r\n");
  resp_t r;
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_str_eq(r.body, "worked");
  cli_close(c);
}

Test(net, client_leaves_while_request_outstanding) {
  atomic_store(&delayed_done, 0);
  cli_t *c = cli_open(0);
  SEND(c, "GET /delay HTTP/1.1\r\n\r\n");
  usleep(30000);
  cli_close(c); /* the delayed response must only free the request */
  wait_for(&delayed_done, 1);
  cr_assert_eq(atomic_load(&delayed_done), 1);
  cr_assert_eq(atomic_load(&delayed_saw_closed), 1);
}

/* ---- WebSocket -------------------------------------------------------------------- */

Test(net, ws_echo_fragments_ping_close) {
  cli_t *c = ws_open();
  char buf[8192];
  size_t n;
  ws_send(c, 1, HD_WS_OP_TEXT, "hello", 5, 1);
  cr_assert_eq(ws_recv(c, buf, &n), HD_WS_OP_TEXT);
  cr_assert_eq(n, 5);
  cr_assert(memcmp(buf, "hello", 5) == 0);
  /* fragmented, with a ping in the middle */
  ws_send(c, 0, HD_WS_OP_TEXT, "frag", 4, 1);
  ws_send(c, 1, HD_WS_OP_PING, "png", 3, 1);
  ws_send(c, 0, HD_WS_OP_CONT, "men", 3, 1);
  ws_send(c, 1, HD_WS_OP_CONT, "ted", 3, 1);
  cr_assert_eq(ws_recv(c, buf, &n), HD_WS_OP_PONG);
  cr_assert(n == 3 && memcmp(buf, "png", 3) == 0);
  cr_assert_eq(ws_recv(c, buf, &n), HD_WS_OP_TEXT);
  cr_assert(n == 10 && memcmp(buf, "fragmented", 10) == 0);
  /* a 16-bit length message */
  char mid[3000];
  memset(mid, 'm', sizeof(mid));
  ws_send(c, 1, HD_WS_OP_TEXT, mid, sizeof(mid), 1);
  cr_assert_eq(ws_recv(c, buf, &n), HD_WS_OP_TEXT);
  cr_assert_eq(n, sizeof(mid));
  cr_assert_eq(sum_stat(offsetof(hd_loop_stats_t, ws_conns_open)), 1);
  /* close handshake: code echoed, then the server closes TCP */
  ws_send(c, 1, HD_WS_OP_CLOSE,
          "\x03\xe8"
          "done",
          6, 1);
  cr_assert_eq(ws_recv(c, buf, &n), HD_WS_OP_CLOSE);
  cr_assert(n == 2 && (uint8_t)buf[0] == 0x03 && (uint8_t)buf[1] == 0xe8);
  cr_assert(sees_eof(c));
  cli_close(c);
  wait_for(&ws_closes, 1);
  cr_assert_eq(atomic_load(&ws_close_code), 1000);
}

Test(net, ws_server_initiated_close) {
  cli_t *c = ws_open();
  char buf[256];
  size_t n;
  ws_send(c, 1, HD_WS_OP_TEXT, "bye", 3, 1);
  cr_assert_eq(ws_recv(c, buf, &n), HD_WS_OP_CLOSE);
  cr_assert(n == 2 + strlen("server says bye"));
  cr_assert_eq(((uint8_t)buf[0] << 8 | (uint8_t)buf[1]), 4000);
  ws_send(c, 1, HD_WS_OP_CLOSE, buf, 2, 1);
  cr_assert(sees_eof(c));
  cli_close(c);
  wait_for(&ws_closes, 1);
  cr_assert_eq(atomic_load(&ws_close_code), 4000);
}

static void expect_ws_error(const void *payload, size_t len, int op, int masked, int code) {
  cli_t *c = ws_open();
  ws_send(c, 1, op, payload, len, masked);
  char buf[256];
  size_t n;
  cr_assert_eq(ws_recv(c, buf, &n), HD_WS_OP_CLOSE);
  cr_assert_eq(n, 2);
  cr_assert_eq(((uint8_t)buf[0] << 8 | (uint8_t)buf[1]), code);
  cr_assert(sees_eof(c));
  cli_close(c);
}

Test(net, ws_protocol_errors) {
  expect_ws_error("x", 1, HD_WS_OP_TEXT, 0, 1002);        /* unmasked */
  expect_ws_error("\xc3\x28", 2, HD_WS_OP_TEXT, 1, 1007); /* invalid UTF-8 */
  char big[5000] = {0};
  expect_ws_error(big, sizeof(big), HD_WS_OP_BINARY, 1, 1009); /* over ws_max_message */
  expect_ws_error("\x03\xed", 2, HD_WS_OP_CLOSE, 1, 1002);     /* close code 1005 on wire */
  wait_for(&ws_closes, 4);
  cr_assert_eq(atomic_load(&ws_closes), 4);
}

Test(net, ws_bad_handshake_refused) {
  cli_t *c = cli_open(0);
  SEND(c, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Version: 13\r\n\r\n");
  resp_t r;
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_eq(r.status, 400);
  cr_assert(sees_eof(c)); /* an upgrade request not upgraded ends the connection */
  cli_close(c);
}

Test(net, ws_frames_right_behind_handshake) {
  cli_t *c = cli_open(0);
  char req[512];
  int n =
      snprintf(req, sizeof(req),
               "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  uint8_t f[32];
  size_t hl = hd_ws_hdr_encode(f, 1, HD_WS_OP_TEXT, 2, MASK);
  memcpy(f + hl, "hi", 2);
  hd_ws_mask(f + hl, 2, MASK);
  memcpy(req + n, f, hl + 2);
  cli_send(c, req, (size_t)n + hl + 2);
  resp_t r;
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_eq(r.status, 101);
  char buf[16];
  size_t len;
  cr_assert_eq(ws_recv(c, buf, &len), HD_WS_OP_TEXT);
  cr_assert(len == 2 && memcmp(buf, "hi", 2) == 0);
  cli_close(c);
}

Test(net, ws_slow_consumer_closed) {
  cli_t *c = cli_open(4096);
  SEND(c, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  resp_t r;
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_eq(r.status, 101);
  ws_send(c, 1, HD_WS_OP_TEXT, "flood", 5, 1); /* and stop reading */
  wait_for(&ws_closes, 1);
  cr_assert_eq(atomic_load(&ws_closes), 1);
  cr_assert_eq(atomic_load(&ws_close_code), 1006);
  cr_assert_eq(sum_stat(offsetof(hd_loop_stats_t, ws_slow_consumers_closed)), 1);
  cr_assert_eq(sum_stat(offsetof(hd_loop_stats_t, ws_queued_bytes)), 0);
  cr_assert_eq(sum_stat(offsetof(hd_loop_stats_t, ws_conns_open)), 0);
  cli_close(c);
}

Test(net_ping, keepalive_ping_and_dead_peer) {
  cli_t *c = ws_open();
  char buf[256];
  size_t n;
  /* a live client answers pings and stays connected across several intervals */
  for (int i = 0; i < 4; i++) {
    cr_assert_eq(ws_recv(c, buf, &n), HD_WS_OP_PING);
    ws_send(c, 1, HD_WS_OP_PONG, buf, n, 1);
  }
  cr_assert_eq(atomic_load(&ws_closes), 0);
  /* a silent client is dropped pong_timeout after the next ping */
  cr_assert_eq(ws_recv(c, buf, &n), HD_WS_OP_PING);
  cr_assert(sees_eof(c));
  cli_close(c);
  wait_for(&ws_closes, 1);
  cr_assert_eq(atomic_load(&ws_close_code), 1006);
}

Test(net, idle_websocket_footprint) {
  /* docs/internals/net.md: an idle WebSocket is one hd_conn_t and nothing else */
  cr_assert_leq(sizeof(hd_conn_t), 512, "sizeof(hd_conn_t) = %zu", sizeof(hd_conn_t));
  cli_t *c = ws_open();
  char buf[64];
  size_t n;
  ws_send(c, 1, HD_WS_OP_TEXT, "x", 1, 1);
  cr_assert_eq(ws_recv(c, buf, &n), HD_WS_OP_TEXT);
  cr_assert_eq(sum_stat(offsetof(hd_loop_stats_t, http_conns_open)), 0, "HTTP state released");
  cr_assert_eq(sum_stat(offsetof(hd_loop_stats_t, ws_conns_open)), 1);
  cli_close(c);
}

Test(net, sigterm_stops_the_server) {
  cli_t *c = cli_open(0); /* an open connection does not keep the server alive */
  usleep(50000);
  kill(getpid(), SIGTERM);
  pthread_join(srv_thread, NULL); /* hd_server_run returned */
  joined = 1;
  cr_assert(sees_eof(c));
  cli_close(c);
}

Test(net, half_closed_client_gets_its_response) {
  cli_t *c = cli_open(0);
  SEND(c, "GET /delay HTTP/1.1\r\n\r\n");
  shutdown(c->fd, SHUT_WR); /* like `printf ... | nc` */
  resp_t r;
  cr_assert_eq(read_resp(c, &r), 0);
  cr_assert_str_eq(r.body, "delayed");
  cr_assert(strstr(r.headers, "Connection: close\r\n"));
  cr_assert(sees_eof(c));
  cli_close(c);
}
