/*
 * pdq_md5.c — MD5 as specified in RFC 1321: 64-byte blocks, four rounds of 16 steps,
 * little-endian words, length in bits appended after 0x80 padding.
 *
 *   state (a,b,c,d) ──► per block: 64 steps  a = b + rotl(a + f(b,c,d) + x[g] + T[i], s[i])
 *
 * Invariants:
 *  1. (pdq_md5.h 1)
 */
#include "safety/pdq_md5.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

static const uint8_t shifts[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                   5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                   4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                   6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

static uint32_t rotl(uint32_t x, int s) { return (x << s) | (x >> (32 - s)); }

static uint32_t T[64];
static pthread_once_t t_once = PTHREAD_ONCE_INIT;

/* T[i] = floor(2^32 · |sin(i + 1)|) (RFC 1321 §3.4); exact in double precision. */
static void t_init(void) {
  for (int i = 0; i < 64; i++)
    T[i] = (uint32_t)(fabs(sin((double)(i + 1))) * 4294967296.0);
}

static void block(uint32_t st[4], const uint8_t *p) {
  uint32_t x[16];
  for (int i = 0; i < 16; i++)
    x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
           (uint32_t)p[4 * i + 3] << 24;
  uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
  for (int i = 0; i < 64; i++) {
    uint32_t f;
    int g;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (b & d) | (c & ~d);
      g = (5 * i + 1) & 15;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) & 15;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) & 15;
    }
    uint32_t tmp = d;
    d = c;
    c = b;
    b = b + rotl(a + f + x[g] + T[i], shifts[i]);
    a = tmp;
  }
  st[0] += a;
  st[1] += b;
  st[2] += c;
  st[3] += d;
}

void hd_md5(const void *data, size_t len, uint8_t out[16]) {
  uint32_t st[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
  const uint8_t *p = data;
  size_t i = 0;
  pthread_once(&t_once, t_init);
  for (; i + 64 <= len; i += 64)
    block(st, p + i);
  uint8_t tail[128];
  size_t rest = len - i, tl = rest < 56 ? 64 : 128;
  memset(tail, 0, sizeof(tail));
  if (rest)
    memcpy(tail, p + i, rest);
  tail[rest] = 0x80;
  uint64_t bits = (uint64_t)len * 8;
  for (int k = 0; k < 8; k++)
    tail[tl - 8 + k] = (uint8_t)(bits >> (8 * k));
  block(st, tail);
  if (tl == 128)
    block(st, tail + 64);
  for (int k = 0; k < 16; k++)
    out[k] = (uint8_t)(st[k / 4] >> (8 * (k % 4)));
}
