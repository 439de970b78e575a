/* Tests src/libherald/ws.c: frame encoding and parsing, and a WebSocket client over a
 * socketpair whose other end plays the server (fragments, ping/pong, close, violations). */
#include "common/error.h"
#include "libherald/ws.h"

#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

Test(ws_frame, encode_parse_roundtrip_all_lengths) {
  size_t lens[] = {0, 1, 125, 126, 65535, 65536, 70000};
  uint8_t mask[4] = {1, 2, 3, 4};
  for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
    size_t n = lens[i];
    char *p = hd_mem_alloc(n + 1);
    for (size_t k = 0; k < n; k++)
      p[k] = (char)('a' + k % 26);
    hd_buf_t b;
    hd_buf_init(&b, 0);
    cr_assert_eq(herald__ws_encode(&b, HERALD_WS_BIN, 1, p, n, mask), 0);
    herald_ws_frame_t f;
    int hl = herald__ws_parse_header((uint8_t *)b.base, b.len, &f);
    cr_assert_gt(hl, 0);
    cr_assert_eq(f.len, n);
    cr_assert(f.masked);
    cr_assert(f.fin);
    cr_assert_eq(f.opcode, HERALD_WS_BIN);
    cr_assert_eq(b.len, (size_t)hl + n);
    size_t expect_hl = n < 126 ? 6 : n <= 65535 ? 8 : 14;
    cr_assert_eq((size_t)hl, expect_hl);
    for (size_t k = 0; k < n; k++)
      cr_assert_eq((uint8_t)b.base[hl + k] ^ f.mask[k & 3], (uint8_t)p[k]);
    /* every shorter prefix of the header asks for more bytes */
    for (int k = 0; k < hl; k++)
      cr_assert_eq(herald__ws_parse_header((uint8_t *)b.base, (size_t)k, &f), 0);
    hd_buf_dispose(&b);
    hd_mem_free(p);
  }
}

Test(ws_frame, rejects_protocol_violations) {
  herald_ws_frame_t f;
  uint8_t rsv[] = {0xC1, 0x00};            /* RSV1 set */
  uint8_t opcode[] = {0x83, 0x00};         /* reserved opcode 3 */
  uint8_t bigping[] = {0x89, 126, 0, 200}; /* control frame > 125 */
  uint8_t fragping[] = {0x09, 0x00};       /* fragmented control frame */
  uint8_t huge[] = {0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0};
  cr_assert_eq(herald__ws_parse_header(rsv, 2, &f), HD_ERR_PROTOCOL);
  cr_assert_eq(herald__ws_parse_header(opcode, 2, &f), HD_ERR_PROTOCOL);
  cr_assert_eq(herald__ws_parse_header(bigping, 4, &f), HD_ERR_PROTOCOL);
  cr_assert_eq(herald__ws_parse_header(fragping, 2, &f), HD_ERR_PROTOCOL);
  cr_assert_eq(herald__ws_parse_header(huge, 10, &f), HD_ERR_PROTOCOL);
}

typedef struct {
  int server;
  herald_ws_t *ws;
} pair_t;

static pair_t pair_open(void) {
  int sv[2];
  cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  pair_t p = {sv[1], herald__ws_from_fd(sv[0])};
  return p;
}

static void server_send(pair_t *p, int opcode, int fin, const char *s, size_t n) {
  hd_buf_t b;
  hd_buf_init(&b, 0);
  cr_assert_eq(herald__ws_encode(&b, opcode, fin, s, n, NULL), 0);
  cr_assert_eq(write(p->server, b.base, b.len), (ssize_t)b.len);
  hd_buf_dispose(&b);
}

/* Read one client frame at the server end; check it is masked and unmask it into out. */
static int server_recv(pair_t *p, char *out, size_t cap, size_t *len) {
  uint8_t buf[512];
  size_t have = 0;
  herald_ws_frame_t f;
  int hl;
  for (;;) {
    hl = herald__ws_parse_header(buf, have, &f);
    if (hl > 0 && have >= (size_t)hl + f.len)
      break;
    ssize_t n = read(p->server, buf + have, sizeof(buf) - have);
    cr_assert_gt(n, 0);
    have += (size_t)n;
  }
  cr_assert(f.masked, "client frames must be masked");
  cr_assert_leq(f.len, cap);
  for (size_t k = 0; k < f.len; k++)
    out[k] = (char)(buf[hl + k] ^ f.mask[k & 3]);
  *len = f.len;
  return f.opcode;
}

Test(ws_client, fragmented_text_and_ping_pong) {
  pair_t p = pair_open();
  server_send(&p, HERALD_WS_TEXT, 0, "{\"type\":", 8);
  server_send(&p, HERALD_WS_PING, 1, "abc", 3); /* control frames may interleave */
  server_send(&p, HERALD_WS_CONT, 0, "\"new_", 5);
  server_send(&p, HERALD_WS_CONT, 1, "message\",\"pts\":5}", 17);
  json_t *m = NULL;
  cr_assert_eq(herald_ws_next(p.ws, 2000, &m), 0);
  cr_assert_str_eq(json_string_value(json_object_get(m, "type")), "new_message");
  cr_assert_eq(json_integer_value(json_object_get(m, "pts")), 5);
  json_decref(m);
  char got[200];
  size_t len;
  cr_assert_eq(server_recv(&p, got, sizeof(got), &len), HERALD_WS_PONG);
  cr_assert_eq(len, 3);
  cr_assert_eq(memcmp(got, "abc", 3), 0);
  cr_assert_eq(herald_ws_send_text(p.ws, "{\"type\":\"ping\"}", 15), 0);
  cr_assert_eq(server_recv(&p, got, sizeof(got), &len), HERALD_WS_TEXT);
  cr_assert_eq(memcmp(got, "{\"type\":\"ping\"}", 15), 0);
  cr_assert_eq(herald_ws_next(p.ws, 50, &m), HD_ERR_TIMEOUT);
  herald_ws_close(p.ws);
  cr_assert_eq(server_recv(&p, got, sizeof(got), &len), HERALD_WS_CLOSE);
  cr_assert_eq(len, 2);
  cr_assert_eq(((uint8_t)got[0] << 8) | (uint8_t)got[1], 1000);
  close(p.server);
}

Test(ws_client, server_close_is_echoed) {
  pair_t p = pair_open();
  server_send(&p, HERALD_WS_CLOSE, 1, "\x03\xf1", 2); /* 1009 */
  json_t *m = NULL;
  cr_assert_eq(herald_ws_next(p.ws, 2000, &m), HD_ERR_PEER_CLOSED);
  cr_assert_eq(herald_ws_close_code(p.ws), 1009);
  char got[200];
  size_t len;
  cr_assert_eq(server_recv(&p, got, sizeof(got), &len), HERALD_WS_CLOSE);
  cr_assert_eq(herald_ws_next(p.ws, 10, &m), HD_ERR_PEER_CLOSED);
  herald_ws_close(p.ws); /* no second close frame (invariant 2) */
  char b;
  cr_assert_eq(read(p.server, &b, 1), 0);
  close(p.server);
}

Test(ws_client, eof_without_close_frame) {
  pair_t p = pair_open();
  close(p.server);
  json_t *m = NULL;
  cr_assert_eq(herald_ws_next(p.ws, 2000, &m), HD_ERR_PEER_CLOSED);
  cr_assert_eq(herald_ws_close_code(p.ws), 1006);
  herald_ws_close(p.ws);
}

static void expect_failure(const char *frames, size_t n, int err, int close_code) {
  pair_t p = pair_open();
  cr_assert_eq(write(p.server, frames, n), (ssize_t)n);
  json_t *m = NULL;
  cr_assert_eq(herald_ws_next(p.ws, 2000, &m), err);
  char got[200];
  size_t len;
  cr_assert_eq(server_recv(&p, got, sizeof(got), &len), HERALD_WS_CLOSE);
  cr_assert_eq(((uint8_t)got[0] << 8) | (uint8_t)got[1], close_code);
  herald_ws_close(p.ws);
  close(p.server);
}

Test(ws_client, violations_fail_the_connection) {
  expect_failure("\x81\x82\x01\x02\x03\x04"
                 "ab",
                 8, HD_ERR_PROTOCOL, 1002);                       /* masked by server */
  expect_failure("\x80\x01x", 3, HD_ERR_PROTOCOL, 1002);          /* continuation without a start */
  expect_failure("\x01\x01x\x81\x01y", 6, HD_ERR_PROTOCOL, 1002); /* new message mid-message */
  expect_failure("\x81\x02\xc3\x28", 4, HD_ERR_BAD_UTF8, 1007);   /* invalid UTF-8 text */
  expect_failure("\x82\x7f\x00\x00\x00\x00\x7f\x00\x00\x00", 10, HD_ERR_TOO_LARGE, 1009);
}

Test(ws_client, non_json_text_is_reported_and_skipped) {
  pair_t p = pair_open();
  server_send(&p, HERALD_WS_TEXT, 1, "not json", 8);
  server_send(&p, HERALD_WS_BIN, 1, "\x00\x01", 2); /* binary: ignored */
  server_send(&p, HERALD_WS_TEXT, 1, "{\"a\":1}", 7);
  json_t *m = NULL;
  cr_assert_eq(herald_ws_next(p.ws, 2000, &m), HD_ERR_BAD_JSON);
  cr_assert_eq(herald_ws_next(p.ws, 2000, &m), 0);
  cr_assert_eq(json_integer_value(json_object_get(m, "a")), 1);
  json_decref(m);
  close(p.server);
  herald_ws_close(p.ws);
}
