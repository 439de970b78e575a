/*
 * ws.h — WebSocket client framing (RFC 6455), internal to libherald and its tests.
 *
 *     0               1               2               3
 *    |F|R R R| opcode|M| len (7)     | ext len (16 or 64, if len = 126/127) ...
 *    | masking key (4, client→server only)  | payload ...
 *
 * Client frames are always masked; server frames must not be (a masked server frame is a
 * protocol error, close 1002). Control frames (close, ping, pong) carry at most 125 bytes and
 * are never fragmented. Text messages are reassembled from fragments and must be UTF-8.
 *
 *    herald_ws_connect() ──► OPEN ──herald_ws_next(): close frame──► CLOSING(echo sent) ─► CLOSED
 *                             └──herald_ws_close(): send 1000, await echo ──────────────► freed
 *
 * Invariants:
 *  1. Every frame this client sends is masked with a fresh random key.
 *  2. At most one close frame is sent per connection.
 *  3. A reassembled message never exceeds HERALD_WS_MAX_MESSAGE (else close 1009).
 */
#ifndef HERALD_WS_H
#define HERALD_WS_H

#include "common/mem.h"
#include "libherald/herald.h"

#include <stdint.h>

enum {
  HERALD_WS_CONT = 0x0,  /* continuation frame */
  HERALD_WS_TEXT = 0x1,  /* text frame (UTF-8) */
  HERALD_WS_BIN = 0x2,   /* binary frame */
  HERALD_WS_CLOSE = 0x8, /* close control frame */
  HERALD_WS_PING = 0x9,  /* ping control frame */
  HERALD_WS_PONG = 0xA   /* pong control frame */
};

typedef struct {
  int fin;         /* final fragment */
  int opcode;      /* HERALD_WS_* */
  int masked;      /* mask bit set */
  uint8_t mask[4]; /* masking key when masked */
  uint64_t len;    /* payload length */
  size_t head_len; /* bytes of frame header */
} herald_ws_frame_t;

/* Append one frame to out: payload p[0..n) masked with mask (NULL: unmasked, as a server
 * would send; tests use this). Returns 0 or a hd_buf_append() error. */
int herald__ws_encode(hd_buf_t *out, int opcode, int fin, const void *p, size_t n,
                      const uint8_t *mask);
/* Parse a frame header from p[0..n). Returns the header length (> 0), 0 when more bytes are
 * needed, or HD_ERR_PROTOCOL (reserved bits, unknown opcode, bad control frame, 64-bit
 * length with the top bit set). Does not check the masking direction. */
int herald__ws_parse_header(const uint8_t *p, size_t n, herald_ws_frame_t *f);
/* Wrap an already connected socket in a WebSocket (no handshake; tests use socketpair()).
 * The WebSocket owns fd from now on. */
herald_ws_t *herald__ws_from_fd(int fd);

#endif
