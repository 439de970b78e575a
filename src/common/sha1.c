/*
 * sha1.c — SHA-1 and base64 for the WebSocket handshake (see sha1.h).
 *
 * SHA-1 processes 64-byte blocks with 80 rounds over five 32-bit words; the message is
 * padded with 0x80, zeros, and the 64-bit big-endian bit length:
 *
 *   message | 0x80 | 0x00… | bitlen (8 bytes, BE)   — total a multiple of 64
 *
 * Invariants: see sha1.h.
 */
#include "common/sha1.h"

#include <string.h>

static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void compress(uint32_t h[5], const uint8_t *p) {
  uint32_t w[80];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           (uint32_t)p[4 * i + 3];
  for (int i = 16; i < 80; i++)
    w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6;
    }
    uint32_t t = rol(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rol(b, 30);
    b = a;
    a = t;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

void hd_sha1_init(hd_sha1_t *ctx) {
  ctx->h[0] = 0x67452301;
  ctx->h[1] = 0xEFCDAB89;
  ctx->h[2] = 0x98BADCFE;
  ctx->h[3] = 0x10325476;
  ctx->h[4] = 0xC3D2E1F0;
  ctx->len = 0;
}

void hd_sha1_update(hd_sha1_t *ctx, const void *data, size_t n) {
  const uint8_t *p = data;
  size_t have = (size_t)(ctx->len % 64);
  ctx->len += n;
  if (have) {
    size_t take = 64 - have < n ? 64 - have : n;
    memcpy(ctx->buf + have, p, take);
    p += take;
    n -= take;
    if (have + take < 64)
      return;
    compress(ctx->h, ctx->buf);
  }
  for (; n >= 64; p += 64, n -= 64)
    compress(ctx->h, p);
  if (n)
    memcpy(ctx->buf, p, n);
}

void hd_sha1_final(hd_sha1_t *ctx, uint8_t out[HD_SHA1_LEN]) {
  uint64_t bits = ctx->len * 8;
  size_t have = (size_t)(ctx->len % 64);
  ctx->buf[have++] = 0x80;
  if (have > 56) {
    memset(ctx->buf + have, 0, 64 - have);
    compress(ctx->h, ctx->buf);
    have = 0;
  }
  memset(ctx->buf + have, 0, 56 - have);
  for (int i = 0; i < 8; i++)
    ctx->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
  compress(ctx->h, ctx->buf);
  for (int i = 0; i < 5; i++) {
    out[4 * i] = (uint8_t)(ctx->h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(ctx->h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(ctx->h[i] >> 8);
    out[4 * i + 3] = (uint8_t)ctx->h[i];
  }
}

void hd_sha1(const void *data, size_t n, uint8_t out[HD_SHA1_LEN]) {
  hd_sha1_t ctx;
  hd_sha1_init(&ctx);
  hd_sha1_update(&ctx, data, n);
  hd_sha1_final(&ctx, out);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t hd_base64_encode(const void *in, size_t n, char *out) {
  const uint8_t *p = in;
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    out[o++] = b64[(v >> 18) & 63];
    out[o++] = b64[(v >> 12) & 63];
    out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? b64[v & 63] : '=';
  }
  out[o] = '\0';
  return o;
}

static int b64val(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

long hd_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap) {
  if (n % 4 != 0)
    return -1;
  size_t o = 0;
  for (size_t i = 0; i < n; i += 4) {
    int pad = 0;
    uint32_t v = 0;
    for (int j = 0; j < 4; j++) {
      char c = in[i + j];
      int d;
      if (c == '=' && i + 4 == n && j >= 2 && (j == 3 || in[i + 3] == '=')) {
        pad++;
        d = 0;
      } else if (pad || (d = b64val(c)) < 0) {
        return -1;
      }
      v = v << 6 | (uint32_t)d;
    }
    size_t take = 3 - (size_t)pad;
    if (o + take > cap)
      return -1;
    out[o++] = (uint8_t)(v >> 16);
    if (take > 1)
      out[o++] = (uint8_t)(v >> 8);
    if (take > 2)
      out[o++] = (uint8_t)v;
  }
  return (long)o;
}

void hd_ws_accept_key(const char *key, size_t key_len, char out[HD_WS_ACCEPT_LEN + 1]) {
  static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  uint8_t d[HD_SHA1_LEN];
  hd_sha1_t ctx;
  hd_sha1_init(&ctx);
  hd_sha1_update(&ctx, key, key_len);
  hd_sha1_update(&ctx, guid, sizeof(guid) - 1);
  hd_sha1_final(&ctx, d);
  hd_base64_encode(d, sizeof(d), out);
}
