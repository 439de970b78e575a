/*
 * digest.h — SHA-1 and base64, only for the WebSocket opening handshake (RFC 6455 §4.2.2:
 * Sec-WebSocket-Accept = base64(SHA-1(key + GUID))). SHA-1 is not used for anything that
 * needs collision resistance.
 *
 * Invariants:
 *  1. herald__sha1() follows FIPS 180-4 (tested against its published vectors).
 *  2. herald__base64() always NUL-terminates and never writes past cap.
 */
#ifndef HERALD_DIGEST_H
#define HERALD_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define HERALD_WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* Write the 20-byte SHA-1 of p[0..n) to out. */
void herald__sha1(const void *p, size_t n, uint8_t out[20]);
/* Write base64 (standard alphabet, padded) of p[0..n) to out (cap bytes). Returns the length
 * written, or 0 when cap is too small (out is then ""). */
size_t herald__base64(const void *p, size_t n, char *out, size_t cap);
/* Write the Sec-WebSocket-Accept value for key into out (at least 29 bytes). */
void herald__ws_accept(const char *key, char out[29]);

#endif
