/*
 * ws_frame.c — RFC 6455 frame parsing, encoding and message reassembly (see ws_frame.h for
 * the layout, the reader state diagram and the invariants).
 */
#include "net/ws_frame.h"

#include "common/error.h"

#include <string.h>

int hd_ws_hdr_parse(const uint8_t *p, size_t n, hd_ws_hdr_t *h, const char **why) {
  if (n < 2)
    return 0;
  h->fin = p[0] >> 7;
  h->opcode = p[0] & 0x0F;
  h->masked = p[1] >> 7;
  if (p[0] & 0x70) {
    *why = "reserved bits set";
    return -1;
  }
  switch (h->opcode) {
  case HD_WS_OP_CONT:
  case HD_WS_OP_TEXT:
  case HD_WS_OP_BINARY:
  case HD_WS_OP_CLOSE:
  case HD_WS_OP_PING:
  case HD_WS_OP_PONG:
    break;
  default:
    *why = "unknown opcode";
    return -1;
  }
  size_t hl = 2;
  uint64_t len = p[1] & 0x7F;
  if (len == 126) {
    if (n < 4)
      return 0;
    len = (uint64_t)p[2] << 8 | p[3];
    hl = 4;
  } else if (len == 127) {
    if (n < 10)
      return 0;
    len = 0;
    for (int i = 0; i < 8; i++)
      len = len << 8 | p[2 + i];
    if (len >> 63) {
      *why = "64-bit length with the top bit set";
      return -1;
    }
    hl = 10;
  }
  if (h->opcode >= HD_WS_OP_CLOSE) {
    if (!h->fin) {
      *why = "fragmented control frame";
      return -1;
    }
    if (len > 125) {
      *why = "control frame over 125 bytes";
      return -1;
    }
  }
  if (h->masked) {
    if (n < hl + 4)
      return 0;
    memcpy(h->mask, p + hl, 4);
    hl += 4;
  }
  h->len = len;
  return (int)hl;
}

size_t hd_ws_hdr_encode(uint8_t out[HD_WS_MAX_HEADER], int fin, int opcode, uint64_t len,
                        const uint8_t *mask) {
  size_t o = 0;
  out[o++] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0F));
  uint8_t m = mask ? 0x80 : 0;
  if (len < 126) {
    out[o++] = (uint8_t)(m | len);
  } else if (len <= 0xFFFF) {
    out[o++] = m | 126;
    out[o++] = (uint8_t)(len >> 8);
    out[o++] = (uint8_t)len;
  } else {
    out[o++] = m | 127;
    for (int i = 7; i >= 0; i--)
      out[o++] = (uint8_t)(len >> (8 * i));
  }
  if (mask) {
    memcpy(out + o, mask, 4);
    o += 4;
  }
  return o;
}

void hd_ws_mask(uint8_t *p, size_t n, const uint8_t mask[4]) {
  for (size_t i = 0; i < n; i++)
    p[i] ^= mask[i & 3];
}

int hd_ws_close_code_ok(int code) {
  if (code >= 3000 && code <= 4999)
    return 1;
  switch (code) {
  case 1000:
  case 1001:
  case 1002:
  case 1003:
  case 1007:
  case 1008:
  case 1009:
  case 1010:
  case 1011:
  case 1012:
  case 1013:
  case 1014:
    return 1;
  default:
    return 0;
  }
}

void hd_ws_reader_init(hd_ws_reader_t *r) {
  r->msg = NULL;
  r->frag_op = 0;
  hd_utf8_state_init(&r->utf8);
}

void hd_ws_reader_dispose(hd_ws_reader_t *r) {
  if (r->msg) {
    hd_buf_dispose(r->msg);
    hd_mem_free(r->msg);
  }
  hd_ws_reader_init(r);
}

/* Validate a close payload: no code, or a valid code plus a UTF-8 reason. */
static int check_close(const uint8_t *d, size_t len) {
  if (len == 0)
    return 0;
  if (len == 1)
    return HD_WS_CLOSE_PROTOCOL;
  int code = d[0] << 8 | d[1];
  if (!hd_ws_close_code_ok(code))
    return HD_WS_CLOSE_PROTOCOL;
  if (!hd_utf8_valid((const char *)d + 2, len - 2))
    return HD_WS_CLOSE_BAD_DATA;
  return 0;
}

/* Handle one complete data frame (payload already unmasked). */
static int data_frame(hd_ws_reader_t *r, const hd_ws_hdr_t *h, uint8_t *d, size_t len,
                      size_t max_message, const hd_ws_reader_cb_t *cb, void *ctx) {
  if (h->opcode == HD_WS_OP_CONT) {
    if (!r->frag_op)
      return HD_WS_CLOSE_PROTOCOL; /* continuation without a start */
  } else if (r->frag_op) {
    return HD_WS_CLOSE_PROTOCOL; /* new message inside a fragmented one */
  }
  if (h->opcode != HD_WS_OP_CONT && h->fin) { /* the common case: one frame, no copy */
    if (h->opcode == HD_WS_OP_TEXT && !hd_utf8_valid((const char *)d, len))
      return HD_WS_CLOSE_BAD_DATA;
    return cb->on_message(ctx, h->opcode, d, len) ? HD_WS_READ_STOP : 0;
  }
  if (h->opcode != HD_WS_OP_CONT) { /* first fragment */
    r->frag_op = h->opcode;
    r->msg = hd_mem_alloc(sizeof(*r->msg));
    hd_buf_init(r->msg, max_message);
    hd_utf8_state_init(&r->utf8);
  }
  if (r->frag_op == HD_WS_OP_TEXT && !hd_utf8_feed(&r->utf8, (const char *)d, len))
    return HD_WS_CLOSE_BAD_DATA;
  int err = hd_buf_append(r->msg, d, len);
  if (err == HD_ERR_TOO_LARGE)
    return HD_WS_CLOSE_TOO_BIG;
  if (err != 0)
    return HD_WS_CLOSE_TOO_BIG; /* out of memory for a client-sized buffer: refuse it */
  if (!h->fin)
    return 0;
  if (r->frag_op == HD_WS_OP_TEXT && !hd_utf8_complete(&r->utf8))
    return HD_WS_CLOSE_BAD_DATA;
  int op = r->frag_op;
  hd_buf_t *msg = r->msg;
  r->msg = NULL;
  r->frag_op = 0;
  int stop = cb->on_message(ctx, op, (uint8_t *)msg->base, msg->len);
  hd_buf_dispose(msg);
  hd_mem_free(msg);
  return stop ? HD_WS_READ_STOP : 0;
}

int hd_ws_reader_feed(hd_ws_reader_t *r, uint8_t *p, size_t n, size_t max_message, int require_mask,
                      const hd_ws_reader_cb_t *cb, void *ctx, size_t *consumed, size_t *need) {
  size_t off = 0;
  int rc = 0;
  *need = 0;
  while (off < n) {
    hd_ws_hdr_t h;
    const char *why = NULL;
    int hl = hd_ws_hdr_parse(p + off, n - off, &h, &why);
    if (hl < 0) {
      rc = HD_WS_CLOSE_PROTOCOL;
      break;
    }
    if (hl == 0)
      break;
    if (require_mask && !h.masked) {
      rc = HD_WS_CLOSE_PROTOCOL;
      break;
    }
    size_t have = r->msg ? r->msg->len : 0;
    if (h.opcode < HD_WS_OP_CLOSE && (h.len > max_message || have + h.len > max_message)) {
      rc = HD_WS_CLOSE_TOO_BIG;
      break;
    }
    size_t flen = (size_t)hl + (size_t)h.len;
    if (n - off < flen) {
      *need = flen;
      break;
    }
    uint8_t *d = p + off + hl;
    size_t len = (size_t)h.len;
    if (h.masked)
      hd_ws_mask(d, len, h.mask);
    off += flen;
    if (h.opcode >= HD_WS_OP_CLOSE) {
      if (h.opcode == HD_WS_OP_CLOSE && (rc = check_close(d, len)) != 0)
        break;
      if (cb->on_control(ctx, h.opcode, d, len)) {
        rc = HD_WS_READ_STOP;
        break;
      }
      continue;
    }
    if ((rc = data_frame(r, &h, d, len, max_message, cb, ctx)) != 0)
      break;
  }
  *consumed = off;
  return rc;
}
