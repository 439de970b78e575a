/*
 * digest.c — SHA-1 (FIPS 180-4) and base64 (RFC 4648) for the WebSocket handshake.
 *
 * SHA-1 processes 64-byte blocks through 80 rounds over five 32-bit words; the message is
 * padded with 0x80, zeros, and its bit length as a 64-bit big-endian number.
 */
#include "libherald/digest.h"

#include <string.h>

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

static void sha1_block(uint32_t h[5], const uint8_t *b) {
  uint32_t w[80];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 | (uint32_t)b[4 * i + 2] << 8 |
           (uint32_t)b[4 * i + 3];
  for (int i = 16; i < 80; i++)
    w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) {
      f = (bb & c) | (~bb & d);
      k = 0x5A827999;
    } else if (i < 40) {
      f = bb ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (i < 60) {
      f = (bb & c) | (bb & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = bb ^ c ^ d;
      k = 0xCA62C1D6;
    }
    uint32_t t = ROL(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = ROL(bb, 30);
    bb = a;
    a = t;
  }
  h[0] += a;
  h[1] += bb;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

void herald__sha1(const void *p, size_t n, uint8_t out[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  const uint8_t *s = p;
  uint64_t bits = (uint64_t)n * 8;
  while (n >= 64) {
    sha1_block(h, s);
    s += 64;
    n -= 64;
  }
  uint8_t tail[128] = {0};
  memcpy(tail, s, n);
  tail[n] = 0x80;
  size_t tlen = n + 1 + 8 <= 64 ? 64 : 128;
  for (int i = 0; i < 8; i++)
    tail[tlen - 1 - i] = (uint8_t)(bits >> (8 * i));
  sha1_block(h, tail);
  if (tlen == 128)
    sha1_block(h, tail + 64);
  for (int i = 0; i < 5; i++) {
    out[4 * i] = (uint8_t)(h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(h[i] >> 8);
    out[4 * i + 3] = (uint8_t)h[i];
  }
}

size_t herald__base64(const void *p, size_t n, char *out, size_t cap) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const uint8_t *s = p;
  size_t need = (n + 2) / 3 * 4;
  if (cap == 0)
    return 0;
  if (need + 1 > cap) {
    out[0] = '\0';
    return 0;
  }
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)s[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)s[i + 1] << 8;
    if (i + 2 < n)
      v |= s[i + 2];
    out[o++] = tab[(v >> 18) & 63];
    out[o++] = tab[(v >> 12) & 63];
    out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? tab[v & 63] : '=';
  }
  out[o] = '\0';
  return o;
}

void herald__ws_accept(const char *key, char out[29]) {
  char buf[128];
  size_t klen = strnlen(key, 64);
  memcpy(buf, key, klen);
  memcpy(buf + klen, HERALD_WS_GUID, sizeof(HERALD_WS_GUID) - 1);
  uint8_t digest[20];
  herald__sha1(buf, klen + sizeof(HERALD_WS_GUID) - 1, digest);
  herald__base64(digest, sizeof(digest), out, 29);
}
