/*
 * sha1.h — SHA-1 (FIPS 180-4 / RFC 3174) and base64, for the WebSocket handshake only (server in
 * net/ws.c, client in libherald/ws.c).
 *
 * libsodium has no SHA-1 and RFC 6455 requires it: Sec-WebSocket-Accept is
 * base64(SHA-1(key ++ "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")). SHA-1 is not used for
 * anything security-relevant here.
 *
 *   hd_sha1_init ──► hd_sha1_update* ──► hd_sha1_final (context is then spent)
 *
 * Invariants:
 *  1. ctx->buf holds ctx->len % 64 pending bytes; a full block is always compressed at once.
 */
#ifndef HD_COMMON_SHA1_H
#define HD_COMMON_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define HD_SHA1_LEN      20
/* Length of the accept key: base64 of 20 bytes, without the NUL. */
#define HD_WS_ACCEPT_LEN 28

typedef struct {
  uint32_t h[5];
  uint64_t len; /* total bytes fed */
  uint8_t buf[64];
} hd_sha1_t;

void hd_sha1_init(hd_sha1_t *ctx);
void hd_sha1_update(hd_sha1_t *ctx, const void *data, size_t n);
/* Write the 20-byte digest to out; ctx must be re-initialised before reuse. */
void hd_sha1_final(hd_sha1_t *ctx, uint8_t out[HD_SHA1_LEN]);
/* One-shot digest. */
void hd_sha1(const void *data, size_t n, uint8_t out[HD_SHA1_LEN]);

/* Base64-encode (standard alphabet, padded) n bytes into out (capacity >= 4*((n+2)/3)+1);
 * NUL-terminates and returns the encoded length. */
size_t hd_base64_encode(const void *in, size_t n, char *out);
/* Decode standard padded base64; returns the decoded length, or -1 if malformed or if the
 * result would exceed cap. */
long hd_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

/* Compute Sec-WebSocket-Accept for key into out (HD_WS_ACCEPT_LEN + 1 bytes, NUL-terminated). */
void hd_ws_accept_key(const char *key, size_t key_len, char out[HD_WS_ACCEPT_LEN + 1]);

#endif
