/*
 * test_load.c — unit tests of herald-load: HTTP response and WebSocket frame parsers (whole,
 * split at every byte, malformed), base64, the JSON integer scan, exact percentiles, and the
 * epoll engine end to end against a tiny in-test server thread on 127.0.0.1.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "common/error.h"
#include "proto.h"
#include "stats.h"

Test(http, content_length_and_every_prefix) {
  const char *r = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
                  "\r\n{\"ok\":true}";
  size_t len = strlen(r);
  hd_buf_t scratch;
  hd_buf_init(&scratch, 0);
  lg_http_resp_t resp;
  for (size_t i = 0; i < len; i++)
    cr_assert_eq(lg_http_parse(r, i, &scratch, &resp), 0, "prefix %zu", i);
  cr_assert_eq(lg_http_parse(r, len, &scratch, &resp), (int64_t)len);
  cr_assert_eq(resp.status, 200);
  cr_assert_eq(resp.body.len, 11);
  cr_assert(memcmp(resp.body.base, "{\"ok\":true}", 11) == 0);
  cr_assert_eq(resp.close, 0);
  hd_buf_dispose(&scratch);
}

Test(http, pipelined_chunked_and_close) {
  const char *r = "HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n"
                  "4\r\nabcd\r\nA;ext=1\r\n0123456789\r\n0\r\n\r\n"
                  "HTTP/1.1 429 Too Many\r\nRetry-After: 3\r\nConnection: close\r\n"
                  "Content-Length: 0\r\n\r\n";
  hd_buf_t scratch;
  hd_buf_init(&scratch, 0);
  lg_http_resp_t resp;
  int64_t n = lg_http_parse(r, strlen(r), &scratch, &resp);
  cr_assert_gt(n, 0);
  cr_assert_eq(resp.status, 201);
  cr_assert_eq(resp.body.len, 14);
  cr_assert(memcmp(resp.body.base, "abcd0123456789", 14) == 0);
  int64_t m = lg_http_parse(r + n, strlen(r) - (size_t)n, &scratch, &resp);
  cr_assert_eq((size_t)(n + m), strlen(r));
  cr_assert_eq(resp.status, 429);
  cr_assert_eq(resp.retry_after, 3);
  cr_assert_eq(resp.close, 1);
  /* every prefix of the chunked response is incomplete, never an error */
  for (size_t i = 0; i < (size_t)n; i++)
    cr_assert_eq(lg_http_parse(r, i, &scratch, &resp), 0, "prefix %zu", i);
  hd_buf_dispose(&scratch);
}

Test(http, upgrade_and_malformed) {
  const char *up = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\n\r\n\x81\x02hi";
  hd_buf_t scratch;
  hd_buf_init(&scratch, 0);
  lg_http_resp_t resp;
  int64_t n = lg_http_parse(up, strlen(up), &scratch, &resp);
  cr_assert_eq((size_t)n, strlen(up) - 4, "the frame after the 101 is not part of it");
  cr_assert_eq(resp.status, 101);
  cr_assert_eq(resp.upgrade_ws, 1);
  const char *bad[] = {"HTTX/1.1 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
                       "HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n",
                       "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
                       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"};
  for (size_t i = 0; i < HD_ARRAY_SIZE(bad); i++)
    cr_assert_lt(lg_http_parse(bad[i], strlen(bad[i]), &scratch, &resp), 0, "bad[%zu]", i);
  char big[LG_HTTP_MAX_HEADER + 10];
  memset(big, 'a', sizeof(big));
  cr_assert_eq(lg_http_parse(big, sizeof(big), &scratch, &resp), HD_ERR_HEADERS_TOO_LARGE);
  hd_buf_dispose(&scratch);
}

Test(http, request_serialisation) {
  hd_buf_t b;
  hd_buf_init(&b, 0);
  cr_assert_eq(lg_http_put_request(&b, "POST", "/v1/x", "tok", "{}", 2), 0);
  const char *want = "POST /v1/x HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer tok\r\n"
                     "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
  cr_assert_eq(b.len, strlen(want));
  cr_assert(memcmp(b.base, want, b.len) == 0);
  hd_buf_dispose(&b);
}

static void roundtrip(size_t len) {
  hd_buf_t b;
  hd_buf_init(&b, 0);
  char *payload = hd_mem_alloc(len + 1);
  for (size_t i = 0; i < len; i++)
    payload[i] = (char)('a' + i % 26);
  cr_assert_eq(lg_ws_put_frame(&b, LG_WS_TEXT, payload, len, 0xdeadbeef), 0);
  lg_ws_frame_t f;
  for (size_t i = 0; i < b.len && i < 20; i++)
    cr_assert_eq(lg_ws_parse(b.base, i, &f), 0, "len %zu prefix %zu", len, i);
  cr_assert_eq(lg_ws_parse(b.base, b.len, &f), (int64_t)b.len);
  cr_assert_eq(f.fin, 1);
  cr_assert_eq(f.opcode, LG_WS_TEXT);
  cr_assert_eq(f.payload.len, len);
  cr_assert(memcmp(f.payload.base, payload, len) == 0, "unmasked payload, len %zu", len);
  hd_mem_free(payload);
  hd_buf_dispose(&b);
}

Test(ws, masked_roundtrip_all_length_forms) {
  roundtrip(0);
  roundtrip(5);
  roundtrip(125);
  roundtrip(126);
  roundtrip(65535);
  roundtrip(65536);
}

Test(ws, server_frames_and_errors) {
  char f1[] = "\x81\x05hello\x89\x00";
  lg_ws_frame_t f;
  int64_t n = lg_ws_parse(f1, sizeof(f1) - 1, &f);
  cr_assert_eq(n, 7);
  cr_assert_eq(f.payload.len, 5);
  cr_assert(memcmp(f.payload.base, "hello", 5) == 0);
  cr_assert_eq(lg_ws_parse(f1 + 7, 2, &f), 2);
  cr_assert_eq(f.opcode, LG_WS_PING);
  char rsv[] = "\xc1\x00";
  cr_assert_lt(lg_ws_parse(rsv, 2, &f), 0);
  char badop[] = "\x83\x00";
  cr_assert_lt(lg_ws_parse(badop, 2, &f), 0);
  char bigping[] = "\x89\x7e\x00\x80";
  cr_assert_lt(lg_ws_parse(bigping, 4, &f), 0);
  char fragping[] = "\x09\x00";
  cr_assert_lt(lg_ws_parse(fragping, 2, &f), 0);
  char huge[] = "\x82\x7f\x00\x00\x00\x00\xff\x00\x00\x00";
  cr_assert_eq(lg_ws_parse(huge, 10, &f), HD_ERR_TOO_LARGE);
}

Test(misc, base64_rfc4648_vectors) {
  const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  char buf[32];
  for (size_t i = 0; i < HD_ARRAY_SIZE(in); i++) {
    lg_base64((const uint8_t *)in[i], strlen(in[i]), buf, sizeof(buf));
    cr_assert_str_eq(buf, out[i]);
  }
}

Test(misc, json_scan_int) {
  const char *j = "{\"type\":\"hello\",\"user_id\": 42,\"pts\":-7,\"x\":\"y\"}";
  int64_t v = 0;
  cr_assert_eq(lg_json_scan_int(hd_iov(j, strlen(j)), "user_id", &v), 0);
  cr_assert_eq(v, 42);
  cr_assert_eq(lg_json_scan_int(hd_iov(j, strlen(j)), "pts", &v), 0);
  cr_assert_eq(v, -7);
  cr_assert_lt(lg_json_scan_int(hd_iov(j, strlen(j)), "x", &v), 0);
  cr_assert_lt(lg_json_scan_int(hd_iov(j, strlen(j)), "missing", &v), 0);
}

Test(stats, nearest_rank_percentiles) {
  lg_samples_t s, t;
  lg_samples_init(&s);
  lg_samples_init(&t);
  cr_assert_eq(lg_samples_pct(&s, 50), 0);
  for (int i = 100; i >= 1; i--)
    lg_samples_add(i % 2 ? &s : &t, (uint64_t)i * 1000); /* 1..100 µs, split in two */
  lg_samples_merge(&s, &t);
  cr_assert_eq(s.len, 100);
  cr_assert_eq(lg_samples_pct(&s, 50), 50);
  cr_assert_eq(lg_samples_pct(&s, 99), 99);
  cr_assert_eq(lg_samples_pct(&s, 100), 100);
  cr_assert_eq(lg_samples_pct(&s, 0.5), 1);
  lg_samples_dispose(&s);
  lg_samples_dispose(&t);
}

/* A tiny blocking server: answers every request on a connection with a fixed JSON body,
 * and an upgrade with 101, a hello, a ping (whose pong it checks) and one update. */
typedef struct {
  int lfd;
  int nconns;
  int pongs;
} srv_t;

static void *serve(void *arg) {
  srv_t *s = arg;
  for (int k = 0; k < s->nconns; k++) {
    int fd = accept(s->lfd, NULL, NULL);
    if (fd < 0)
      return NULL;
    char buf[8192];
    size_t have = 0;
    for (;;) {
      ssize_t n = recv(fd, buf + have, sizeof(buf) - have, 0);
      if (n <= 0)
        break;
      have += (size_t)n;
      char *end = memmem(buf, have, "\r\n\r\n", 4);
      if (end == NULL)
        continue;
      size_t used = (size_t)(end + 4 - buf);
      if (memmem(buf, used, "Upgrade: websocket", 18) != NULL) {
        const char up[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\n\r\n"
                          "\x81\x18{\"type\":\"hello\",\"pts\":0}\x89\x02pp"
                          "\x81\x0c{\"text\":\"u\"}";
        send(fd, up, sizeof(up) - 1, MSG_NOSIGNAL);
        n = recv(fd, buf, sizeof(buf), 0); /* the masked pong */
        if (n >= 8 && ((uint8_t)buf[0] & 0x0f) == LG_WS_PONG && ((uint8_t)buf[1] & 0x80))
          s->pongs++;
        break;
      }
      const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 25\r\n\r\n"
                        "{\"user\":{\"id\":7},\"t\":\"x\"}";
      send(fd, ok, sizeof(ok) - 1, MSG_NOSIGNAL);
      memmove(buf, buf + used, have - used);
      have -= used;
    }
    close(fd);
  }
  return NULL;
}

typedef struct {
  lg_user_t u;
} one_t;

static int b_build(lg_batch_t *b, size_t job, lg_req_t *req) {
  req->method = "GET";
  snprintf(req->path, sizeof(req->path), "/job/%zu", job);
  return 0;
}

static int b_done(lg_batch_t *b, size_t job, const lg_http_resp_t *r, uint64_t lat) {
  int64_t id = 0;
  return r->status == 200 && lg_json_get_int(r->body, "user.id", &id) == 0 && id == 7 ? 0 : -1;
}

static size_t ws_msgs;
static void ws_msg(lg_wsset_t *set, size_t slot, hd_iovec_t msg) { ws_msgs++; }

Test(engine, batch_and_websocket_against_local_server) {
  srv_t s = {.nconns = 3};
  s.lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(bind(s.lfd, (struct sockaddr *)&a, sizeof(a)), 0);
  socklen_t al = sizeof(a);
  getsockname(s.lfd, (struct sockaddr *)&a, &al);
  listen(s.lfd, 16);
  pthread_t th;
  pthread_create(&th, NULL, serve, &s);

  lg_ctx_t ctx = {.nloops = 1, .addr = a};
  ctx.loops[0] = lg_loop_create(0, 4);
  lg_samples_t lat;
  lg_samples_init(&lat);
  lg_batch_t b = {
      .njobs = 50, .conns = 2, .timeout_ms = 5000, .build = b_build, .done = b_done, .lat = &lat};
  cr_assert_eq(lg_batch_run(&ctx, &b), 0);
  cr_assert_eq(atomic_load(&b.ok), 50);
  cr_assert_eq(lat.len, 50);

  lg_user_t u = {.id = 1, .token = "t"};
  lg_wsset_t set;
  memset(&set, 0, sizeof(set));
  set.on_msg = ws_msg;
  cr_assert_eq(lg_wsset_open(&ctx, &set, &u, 1, 1, 5000), 0);
  lg_ctx_pump(&ctx, 200);
  cr_assert_eq(atomic_load(&set.hellos), 1);
  cr_assert_eq(ws_msgs, 1, "the update after the hello reaches on_msg");
  lg_wsset_close(&ctx, &set);
  pthread_join(th, NULL);
  cr_assert_eq(s.pongs, 1, "the ping was answered with a masked pong");
  lg_samples_dispose(&lat);
  lg_loop_destroy(ctx.loops[0]);
  close(s.lfd);
}
