/*
 * proto.h — the wire formats herald-load speaks, as pure functions over byte slices: an
 * HTTP/1.1 response parser (Content-Length or chunked bodies), request serialisation, and
 * WebSocket (RFC 6455) client framing. No I/O here, so bench/load/test_load.c can drive every
 * parser with partial and malformed input.
 *
 *   bytes from the socket ──► lg_http_parse() ──► lg_http_resp_t {status, body slice}
 *                         └─► lg_ws_parse()   ──► lg_ws_frame_t  {fin, opcode, payload}
 *   lg_http_put_request() / lg_ws_put_frame() ──► bytes to the socket
 *
 * Every parser returns the number of bytes one complete unit used (> 0), 0 when more bytes
 * are needed, or a negative hd_err_t when the input can never become valid.
 *
 * Invariants:
 *  1. A parser never reads past len and never writes to its input, except that a chunked
 *     body is decoded into the caller's scratch buffer (resp.body then points into it).
 *  2. Slices in a result point into the input (or scratch) and live as long as it does.
 *  3. Client frames are always masked (RFC 6455 §5.3); server frames are accepted either way.
 */
#ifndef HD_BENCH_LOAD_PROTO_H
#define HD_BENCH_LOAD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/mem.h"

/* A parsed HTTP response; body points into the input buffer or into the scratch buffer. */
typedef struct {
  int status;      /* e.g. 200, 101 */
  hd_iovec_t body; /* the (decoded) body */
  int close;       /* the server said Connection: close */
  int upgrade_ws;  /* Upgrade: websocket was present (101 responses) */
  int retry_after; /* Retry-After seconds, or -1 */
} lg_http_resp_t;

/* Largest response header block accepted before failing with HD_ERR_HEADERS_TOO_LARGE. */
#define LG_HTTP_MAX_HEADER (64 * 1024)

/* Parse one response from buf. A 101 response has no body. For chunked bodies the decoded
 * bytes are appended to scratch (cleared first). Returns bytes used, 0 or a negative error. */
int64_t lg_http_parse(const char *buf, size_t len, hd_buf_t *scratch, lg_http_resp_t *out);

/* Append a complete request. token may be NULL (no Authorization); body may be NULL (no body
 * and no Content-Type). Returns 0 or a buffer error. */
int lg_http_put_request(hd_buf_t *out, const char *method, const char *path, const char *token,
                        const char *body, size_t body_len);

/* Append a WebSocket upgrade request for path carrying key (24 base64 characters). */
int lg_http_put_upgrade(hd_buf_t *out, const char *path, const char *key);

/* WebSocket opcodes (RFC 6455 §5.2). */
typedef enum {
  LG_WS_CONT = 0x0,  /* continuation */
  LG_WS_TEXT = 0x1,  /* UTF-8 text */
  LG_WS_BIN = 0x2,   /* binary */
  LG_WS_CLOSE = 0x8, /* close */
  LG_WS_PING = 0x9,  /* ping */
  LG_WS_PONG = 0xA   /* pong */
} lg_ws_opcode_t;

typedef struct {
  int fin;
  int opcode;
  hd_iovec_t payload; /* unmasked in place when the frame was masked (see lg_ws_parse) */
} lg_ws_frame_t;

/* Largest single frame accepted (HD_ERR_TOO_LARGE past it). */
#define LG_WS_MAX_FRAME (16u * 1024 * 1024)

/* Parse one frame. A masked frame is unmasked in place, so buf must be writable. Returns bytes
 * used, 0 or a negative error (reserved bits, bad opcode, oversized or fragmented control). */
int64_t lg_ws_parse(char *buf, size_t len, lg_ws_frame_t *out);

/* Append one final, masked client frame with the given 4-byte mask key. */
int lg_ws_put_frame(hd_buf_t *out, int opcode, const void *payload, size_t len, uint32_t mask);

/* Write the standard base64 of n bytes into out (cap >= 4*ceil(n/3)+1), NUL-terminated. */
void lg_base64(const uint8_t *in, size_t n, char *out, size_t cap);

/* Find the first "key": in a JSON text and parse the integer after it; 0 or HD_ERR_BAD_JSON.
 * A cheap scan for hot paths, not a JSON parser: the first match wins, nesting is ignored. */
int lg_json_scan_int(hd_iovec_t json, const char *key, int64_t *out);

#endif
