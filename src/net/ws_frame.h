/*
 * ws_frame.h — the RFC 6455 framer: pure parse/encode of frames and a message reader that
 * enforces the protocol rules. No libuv, no sockets: unit-tested and fuzzed directly.
 *
 * Frame layout (RFC 6455 §5.2):
 *
 *    0               1               2               3
 *   |F|R|R|R| opcode|M| len (7)     | ext len (16 or 64, BE)  | mask key (4, if M) | payload
 *   |I|S|S|S|  (4)  |A|  126 → 16   |                         |                    |
 *   |N|V|V|V|       |S|  127 → 64   |                         |                    |
 *
 * The reader consumes complete frames from a writable buffer, unmasks them in place and
 * reassembles fragmented messages:
 *
 *   state IDLE ──data frame FIN=0 (feed)──► FRAGMENTED ──CONT FIN=1 (feed)──► IDLE
 *        │                                   │  control frames may interleave (on_control)
 *        └─data frame FIN=1: on_message ─────┘  CONT while IDLE, or new data frame while
 *                                               FRAGMENTED: protocol error 1002
 *
 * Invariants:
 *  1. r->msg != NULL exactly when r->frag_op != 0 (a fragmented message is in progress).
 *  2. The reassembled size never exceeds max_message (checked on each frame header, before
 *     its payload is buffered), so a connection never buffers more than max_message + 14.
 *  3. Control frames are <= 125 bytes and FIN=1, else 1002.
 */
#ifndef HD_NET_WS_FRAME_H
#define HD_NET_WS_FRAME_H

#include "common/mem.h"
#include "common/utf8.h"

#include <stddef.h>
#include <stdint.h>

enum {
  HD_WS_OP_CONT = 0x0,   /* continuation */
  HD_WS_OP_TEXT = 0x1,   /* UTF-8 text */
  HD_WS_OP_BINARY = 0x2, /* binary */
  HD_WS_OP_CLOSE = 0x8,  /* close, optional 2-byte code + reason */
  HD_WS_OP_PING = 0x9,   /* ping */
  HD_WS_OP_PONG = 0xA    /* pong */
};

/* Close codes the net layer itself produces. */
enum {
  HD_WS_CLOSE_NORMAL = 1000,     /* normal closure */
  HD_WS_CLOSE_GOING_AWAY = 1001, /* server shutting down / timeout */
  HD_WS_CLOSE_PROTOCOL = 1002,   /* protocol error */
  HD_WS_CLOSE_NO_STATUS = 1005,  /* close frame had no code (never sent) */
  HD_WS_CLOSE_ABNORMAL = 1006,   /* connection dropped (never sent) */
  HD_WS_CLOSE_BAD_DATA = 1007,   /* invalid UTF-8 in text */
  HD_WS_CLOSE_TOO_BIG = 1009     /* message over the limit */
};

#define HD_WS_MAX_HEADER 14 /* 2 + 8 + 4 */

typedef struct {
  uint8_t fin;     /* 1 if final fragment */
  uint8_t opcode;  /* HD_WS_OP_* */
  uint8_t masked;  /* 1 if a mask key follows */
  uint8_t mask[4]; /* mask key if masked */
  uint64_t len;    /* payload length */
} hd_ws_hdr_t;

/* Parse a frame header from p[0..n). Returns the header length (> 0), 0 if more bytes are
 * needed, or -1 on a protocol violation (reserved bits, unknown opcode, bad control frame,
 * 64-bit length with the top bit set); *why then names it (static string). */
int hd_ws_hdr_parse(const uint8_t *p, size_t n, hd_ws_hdr_t *h, const char **why);
/* Encode a header into out; mask may be NULL (server frames). Returns its length. */
size_t hd_ws_hdr_encode(uint8_t out[HD_WS_MAX_HEADER], int fin, int opcode, uint64_t len,
                        const uint8_t *mask);
/* XOR p[0..n) with mask in place (masking and unmasking are the same operation). */
void hd_ws_mask(uint8_t *p, size_t n, const uint8_t mask[4]);
/* Return 1 if code may appear in a close frame on the wire (RFC 6455 §7.4). */
int hd_ws_close_code_ok(int code);

typedef struct {
  hd_buf_t *msg;        /* reassembly buffer of a fragmented message (heap), or NULL */
  hd_utf8_state_t utf8; /* incremental validator for fragmented text */
  uint8_t frag_op;      /* opcode of the fragmented message in progress, 0 if none */
} hd_ws_reader_t;

typedef struct {
  /* A complete data message (opcode TEXT or BINARY); data is writable and valid only
   * during the call. Return 0 to go on, nonzero to stop the reader. */
  int (*on_message)(void *ctx, int opcode, uint8_t *data, size_t len);
  /* A validated control frame (CLOSE, PING, PONG). Same return convention. */
  int (*on_control)(void *ctx, int opcode, uint8_t *data, size_t len);
} hd_ws_reader_cb_t;

#define HD_WS_READ_STOP 1 /* a callback returned nonzero */

void hd_ws_reader_init(hd_ws_reader_t *r);
/* Free the reassembly buffer (if any) and return to IDLE. */
void hd_ws_reader_dispose(hd_ws_reader_t *r);
/* Process every complete frame in p[0..n) (unmasking in place). *consumed is set to the
 * bytes used; the rest is an incomplete frame to feed again with more bytes. *need is set
 * to the total size of that incomplete frame when its header is known (else 0).
 * Returns 0, HD_WS_READ_STOP, or a close code (1002, 1007, 1009) on a violation. */
int hd_ws_reader_feed(hd_ws_reader_t *r, uint8_t *p, size_t n, size_t max_message, int require_mask,
                      const hd_ws_reader_cb_t *cb, void *ctx, size_t *consumed, size_t *need);

#endif
