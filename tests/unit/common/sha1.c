/* Tests src/net/sha1.c: RFC 3174 vectors, base64, the RFC 6455 accept key. */
#include "common/sha1.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static void hex(const uint8_t *d, char *out) {
  for (int i = 0; i < HD_SHA1_LEN; i++)
    snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void check(const char *msg, size_t repeat, const char *want) {
  hd_sha1_t ctx;
  uint8_t d[HD_SHA1_LEN];
  char h[41];
  hd_sha1_init(&ctx);
  for (size_t i = 0; i < repeat; i++)
    hd_sha1_update(&ctx, msg, strlen(msg));
  hd_sha1_final(&ctx, d);
  hex(d, h);
  cr_assert_str_eq(h, want, "sha1(%s x%zu)", msg, repeat);
}

Test(sha1, rfc3174_vectors) {
  check("abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d");
  check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  check("a", 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  check("0123456701234567012345670123456701234567012345670123456701234567", 10,
        "dea356a2cddd90c7a7ecedc5ebb563934f460452");
  check("", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

Test(sha1, split_updates_match_one_shot) {
  const char *m = "The quick brown fox jumps over the lazy dog, many times over and over again";
  uint8_t a[HD_SHA1_LEN], b[HD_SHA1_LEN];
  hd_sha1(m, strlen(m), a);
  for (size_t cut = 0; cut <= strlen(m); cut++) {
    hd_sha1_t ctx;
    hd_sha1_init(&ctx);
    hd_sha1_update(&ctx, m, cut);
    hd_sha1_update(&ctx, m + cut, strlen(m) - cut);
    hd_sha1_final(&ctx, b);
    cr_assert(memcmp(a, b, sizeof(a)) == 0, "cut %zu", cut);
  }
}

Test(sha1, base64_roundtrip_and_rejects) {
  char out[16];
  cr_assert_eq(hd_base64_encode("f", 1, out), 4);
  cr_assert_str_eq(out, "Zg==");
  hd_base64_encode("fo", 2, out);
  cr_assert_str_eq(out, "Zm8=");
  hd_base64_encode("foobar", 6, out);
  cr_assert_str_eq(out, "Zm9vYmFy");
  uint8_t d[16];
  cr_assert_eq(hd_base64_decode("Zm9vYmE=", 8, d, sizeof(d)), 5);
  cr_assert(memcmp(d, "fooba", 5) == 0);
  cr_assert_eq(hd_base64_decode("Zm9vYg==", 8, d, sizeof(d)), 4);
  cr_assert_eq(hd_base64_decode("Zm9", 3, d, sizeof(d)), -1);      /* not a multiple of 4 */
  cr_assert_eq(hd_base64_decode("Zm=v", 4, d, sizeof(d)), -1);     /* pad in the middle */
  cr_assert_eq(hd_base64_decode("Zm9v!mFy", 8, d, sizeof(d)), -1); /* bad char */
  cr_assert_eq(hd_base64_decode("Zm9vYmFy", 8, d, 3), -1);         /* over cap */
}

Test(sha1, rfc6455_accept_key) {
  char out[HD_WS_ACCEPT_LEN + 1];
  const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
  hd_ws_accept_key(key, strlen(key), out);
  /* RFC 6455 §1.3 (the value "s3pPLMBiTxaQ9kYGzHZOo+xOo0M=" sometimes quoted is wrong) */
  cr_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
