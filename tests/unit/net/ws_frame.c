/* Tests src/net/ws_frame.c: header parse/encode, masking, lengths, reader rules. */
#include "net/ws_frame.h"

#include <criterion/criterion.h>
#include <string.h>

static const uint8_t MASK[4] = {0x37, 0xfa, 0x21, 0x3d};

/* Build a frame as a client would: header + masked payload. Returns its length. */
static size_t client_frame(uint8_t *out, int fin, int op, const void *payload, size_t n,
                           int masked) {
  size_t hl = hd_ws_hdr_encode(out, fin, op, n, masked ? MASK : NULL);
  memcpy(out + hl, payload, n);
  if (masked)
    hd_ws_mask(out + hl, n, MASK);
  return hl + n;
}

Test(ws_frame, rfc_masked_hello) {
  /* RFC 6455 §5.7: a single-frame masked text message "Hello" */
  uint8_t f[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
  hd_ws_hdr_t h;
  const char *why;
  cr_assert_eq(hd_ws_hdr_parse(f, sizeof(f), &h, &why), 6);
  cr_assert(h.fin && h.masked);
  cr_assert_eq(h.opcode, HD_WS_OP_TEXT);
  cr_assert_eq(h.len, 5);
  hd_ws_mask(f + 6, 5, h.mask);
  cr_assert(memcmp(f + 6, "Hello", 5) == 0);
  uint8_t g[32];
  cr_assert_eq(client_frame(g, 1, HD_WS_OP_TEXT, "Hello", 5, 1), sizeof(f));
  uint8_t f2[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
  cr_assert(memcmp(g, f2, sizeof(f2)) == 0);
}

Test(ws_frame, length_encodings) {
  uint64_t lens[] = {0, 125, 126, 65535, 65536, 0x123456789ULL};
  size_t want_hl[] = {2, 2, 4, 4, 10, 10};
  for (size_t i = 0; i < HD_ARRAY_SIZE(lens); i++) {
    uint8_t b[HD_WS_MAX_HEADER];
    size_t hl = hd_ws_hdr_encode(b, 1, HD_WS_OP_BINARY, lens[i], NULL);
    cr_assert_eq(hl, want_hl[i], "len %lu", (unsigned long)lens[i]);
    hd_ws_hdr_t h;
    const char *why;
    for (size_t cut = 0; cut < hl; cut++)
      cr_assert_eq(hd_ws_hdr_parse(b, cut, &h, &why), 0, "needs more at %zu", cut);
    cr_assert_eq(hd_ws_hdr_parse(b, hl, &h, &why), (int)hl);
    cr_assert_eq(h.len, lens[i]);
    cr_assert_not(h.masked);
    hl = hd_ws_hdr_encode(b, 1, HD_WS_OP_BINARY, lens[i], MASK);
    cr_assert_eq(hl, want_hl[i] + 4);
    cr_assert_eq(hd_ws_hdr_parse(b, hl - 1, &h, &why), 0);
    cr_assert_eq(hd_ws_hdr_parse(b, hl, &h, &why), (int)hl);
    cr_assert(memcmp(h.mask, MASK, 4) == 0);
  }
}

Test(ws_frame, header_violations) {
  hd_ws_hdr_t h;
  const char *why = NULL;
  uint8_t rsv[] = {0xC1, 0x80, 0, 0, 0, 0};
  cr_assert_eq(hd_ws_hdr_parse(rsv, sizeof(rsv), &h, &why), -1);
  cr_assert_str_eq(why, "reserved bits set");
  uint8_t op3[] = {0x83, 0x80, 0, 0, 0, 0};
  cr_assert_eq(hd_ws_hdr_parse(op3, sizeof(op3), &h, &why), -1);
  uint8_t opb[] = {0x8B, 0x80, 0, 0, 0, 0};
  cr_assert_eq(hd_ws_hdr_parse(opb, sizeof(opb), &h, &why), -1);
  uint8_t fragping[] = {0x09, 0x80, 0, 0, 0, 0};
  cr_assert_eq(hd_ws_hdr_parse(fragping, sizeof(fragping), &h, &why), -1);
  uint8_t bigping[] = {0x89, 0xFE, 0x00, 0x7E, 0, 0, 0, 0};
  cr_assert_eq(hd_ws_hdr_parse(bigping, sizeof(bigping), &h, &why), -1);
  uint8_t top[] = {0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
  cr_assert_eq(hd_ws_hdr_parse(top, sizeof(top), &h, &why), -1);
}

Test(ws_frame, close_codes) {
  cr_assert(hd_ws_close_code_ok(1000));
  cr_assert(hd_ws_close_code_ok(1011));
  cr_assert(hd_ws_close_code_ok(3000));
  cr_assert(hd_ws_close_code_ok(4999));
  cr_assert_not(hd_ws_close_code_ok(999));
  cr_assert_not(hd_ws_close_code_ok(1004));
  cr_assert_not(hd_ws_close_code_ok(1005));
  cr_assert_not(hd_ws_close_code_ok(1006));
  cr_assert_not(hd_ws_close_code_ok(1015));
  cr_assert_not(hd_ws_close_code_ok(2999));
  cr_assert_not(hd_ws_close_code_ok(5000));
}

/* A recorder for reader events. */
typedef struct {
  int nmsg, nctl;
  int last_op;
  char last[256];
  size_t last_len;
  int stop_after;
} rec_t;

static int on_msg(void *ctx, int op, uint8_t *d, size_t n) {
  rec_t *r = ctx;
  r->nmsg++;
  r->last_op = op;
  r->last_len = HD_MIN(n, sizeof(r->last));
  memcpy(r->last, d, r->last_len);
  return r->stop_after && r->nmsg >= r->stop_after;
}

static int on_ctl(void *ctx, int op, uint8_t *d, size_t n) {
  rec_t *r = ctx;
  r->nctl++;
  r->last_op = op;
  r->last_len = n;
  memcpy(r->last, d, n);
  return 0;
}

static const hd_ws_reader_cb_t CB = {on_msg, on_ctl};

static int feed(hd_ws_reader_t *rd, uint8_t *p, size_t n, rec_t *rec, size_t *used) {
  size_t need;
  return hd_ws_reader_feed(rd, p, n, 100, 1, &CB, rec, used, &need);
}

Test(ws_frame, reader_fragmented_with_interleaved_ping) {
  uint8_t buf[256];
  size_t n = 0;
  n += client_frame(buf + n, 0, HD_WS_OP_TEXT, "Hel", 3, 1);
  n += client_frame(buf + n, 1, HD_WS_OP_PING, "p", 1, 1);
  n += client_frame(buf + n, 0, HD_WS_OP_CONT, "lo ", 3, 1);
  n += client_frame(buf + n, 1, HD_WS_OP_CONT, "w\xc3\xb6rld", 6, 1);
  hd_ws_reader_t rd;
  hd_ws_reader_init(&rd);
  rec_t rec = {0};
  size_t used;
  /* byte by byte: every prefix is consumed only up to whole frames */
  size_t off = 0;
  for (size_t end = 1; end <= n; end++) {
    cr_assert_eq(feed(&rd, buf + off, end - off, &rec, &used), 0);
    off += used;
  }
  cr_assert_eq(off, n);
  cr_assert_eq(rec.nctl, 1);
  cr_assert_eq(rec.nmsg, 1);
  cr_assert_eq(rec.last_op, HD_WS_OP_TEXT);
  cr_assert_eq(rec.last_len, 12);
  cr_assert(memcmp(rec.last, "Hello w\xc3\xb6rld", 12) == 0);
  cr_assert_null(rd.msg);
  hd_ws_reader_dispose(&rd);
}

Test(ws_frame, reader_rejects) {
  uint8_t buf[512];
  size_t used;
  rec_t rec = {0};
  hd_ws_reader_t rd;
  struct {
    const char *name;
    int want;
  } cases[] = {{"unmasked", 1002},
               {"cont without start", 1002},
               {"text inside fragmented", 1002},
               {"bad utf8", 1007},
               {"bad utf8 split across fragments", 1007},
               {"too big", 1009},
               {"too big reassembled", 1009},
               {"close 1 byte", 1002},
               {"close bad code", 1002},
               {"close bad utf8 reason", 1007}};
  for (size_t i = 0; i < HD_ARRAY_SIZE(cases); i++) {
    size_t n = 0;
    uint8_t big[101] = {0};
    switch (i) {
    case 0:
      n = client_frame(buf, 1, HD_WS_OP_TEXT, "x", 1, 0);
      break;
    case 1:
      n = client_frame(buf, 1, HD_WS_OP_CONT, "x", 1, 1);
      break;
    case 2:
      n = client_frame(buf, 0, HD_WS_OP_TEXT, "x", 1, 1);
      n += client_frame(buf + n, 1, HD_WS_OP_TEXT, "y", 1, 1);
      break;
    case 3:
      n = client_frame(buf, 1, HD_WS_OP_TEXT, "\xc0\xaf", 2, 1);
      break;
    case 4:
      n = client_frame(buf, 0, HD_WS_OP_TEXT, "\xe2\x82", 2, 1);
      n += client_frame(buf + n, 1, HD_WS_OP_CONT, "x", 1, 1);
      break;
    case 5:
      n = client_frame(buf, 1, HD_WS_OP_BINARY, big, 101, 1);
      break;
    case 6:
      n = client_frame(buf, 0, HD_WS_OP_BINARY, big, 60, 1);
      n += client_frame(buf + n, 1, HD_WS_OP_CONT, big, 41, 1);
      break;
    case 7:
      n = client_frame(buf, 1, HD_WS_OP_CLOSE, "\x03", 1, 1);
      break;
    case 8:
      n = client_frame(buf, 1, HD_WS_OP_CLOSE, "\x03\xed", 2, 1);
      break; /* 1005 */
    case 9:
      n = client_frame(buf, 1, HD_WS_OP_CLOSE, "\x03\xe8\xff", 3, 1);
      break;
    }
    hd_ws_reader_init(&rd);
    cr_assert_eq(feed(&rd, buf, n, &rec, &used), cases[i].want, "%s", cases[i].name);
    hd_ws_reader_dispose(&rd);
  }
  /* the size check happens on the header, before the payload arrives */
  uint8_t hdr[HD_WS_MAX_HEADER];
  size_t hl = hd_ws_hdr_encode(hdr, 1, HD_WS_OP_BINARY, 1000000, MASK), need;
  hd_ws_reader_init(&rd);
  cr_assert_eq(hd_ws_reader_feed(&rd, hdr, hl, 100, 1, &CB, &rec, &used, &need), 1009);
  /* a partial frame reports the size it needs */
  size_t n = client_frame(buf, 1, HD_WS_OP_BINARY, "abcdef", 6, 1);
  cr_assert_eq(hd_ws_reader_feed(&rd, buf, n - 2, 100, 1, &CB, &rec, &used, &need), 0);
  cr_assert_eq(used, 0);
  cr_assert_eq(need, n);
}

Test(ws_frame, reader_close_and_stop) {
  uint8_t buf[64];
  size_t n = client_frame(buf, 1, HD_WS_OP_CLOSE,
                          "\x03\xe8"
                          "bye",
                          5, 1);
  n += client_frame(buf + n, 1, HD_WS_OP_BINARY, "zz", 2, 1);
  n += client_frame(buf + n, 1, HD_WS_OP_BINARY, "yy", 2, 1);
  hd_ws_reader_t rd;
  hd_ws_reader_init(&rd);
  rec_t rec = {.stop_after = 1};
  size_t used;
  cr_assert_eq(feed(&rd, buf, n, &rec, &used), HD_WS_READ_STOP);
  cr_assert_eq(rec.nctl, 1);
  cr_assert_eq(rec.nmsg, 1);
  cr_assert_eq(used, n - 8, "stops right after the message whose callback said so");
  /* client-side parse: unmasked frames accepted when masks are not required */
  size_t need;
  rec.stop_after = 0;
  uint8_t s[16];
  size_t sl = client_frame(s, 1, HD_WS_OP_TEXT, "ok", 2, 0);
  cr_assert_eq(hd_ws_reader_feed(&rd, s, sl, 100, 0, &CB, &rec, &used, &need), 0);
  cr_assert_eq(rec.nmsg, 2);
  hd_ws_reader_dispose(&rd);
}
