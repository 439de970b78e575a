/* Tests src/libherald/json.c (dotted lookups, one-line output) and src/libherald/digest.c. */
#include "libherald/digest.h"
#include "libherald/json.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

Test(json, dotted_paths_and_defaults) {
  json_t *v = json_loads("{\"chat\":{\"id\":7,\"title\":\"x\",\"pub\":true},\"n\":\"s\"}", 0, NULL);
  cr_assert_not_null(v);
  cr_assert_eq(herald_json_int(v, "chat.id", -1), 7);
  cr_assert_str_eq(herald_json_str(v, "chat.title", NULL), "x");
  cr_assert_eq(herald_json_bool(v, "chat.pub", 0), 1);
  cr_assert_eq(herald_json_int(v, "chat.title", -1), -1); /* wrong type: default */
  cr_assert_eq(herald_json_int(v, "chat.id.deeper", -2), -2);
  cr_assert_eq(herald_json_int(v, "missing.key", -3), -3);
  cr_assert_null(herald_json_str(v, "n.x", NULL));
  cr_assert_null(herald_json_at(v, "chat..id"));
  cr_assert_null(herald_json_at(NULL, "a"));
  json_decref(v);
}

Test(json, line_output_is_one_line) {
  json_t *v = json_pack("{s:s}", "text", "two\nlines");
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cr_assert_eq(herald_json_line(f, v), 0);
  fclose(f);
  cr_assert_str_eq(buf, "{\"text\":\"two\\nlines\"}\n");
  free(buf);
  json_decref(v);
}

static void hex(const uint8_t *d, size_t n, char *out) {
  for (size_t i = 0; i < n; i++)
    snprintf(out + 2 * i, 3, "%02x", d[i]);
}

Test(digest, sha1_vectors) {
  uint8_t d[20];
  char h[41];
  herald__sha1("abc", 3, d);
  hex(d, 20, h);
  cr_assert_str_eq(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
  herald__sha1("", 0, d);
  hex(d, 20, h);
  cr_assert_str_eq(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes */
  herald__sha1(two, strlen(two), d);
  hex(d, 20, h);
  cr_assert_str_eq(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  char *million = malloc(1000000);
  memset(million, 'a', 1000000);
  herald__sha1(million, 1000000, d);
  free(million);
  hex(d, 20, h);
  cr_assert_str_eq(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

Test(digest, base64_and_ws_accept) {
  char out[32];
  cr_assert_eq(herald__base64("f", 1, out, sizeof(out)), 4);
  cr_assert_str_eq(out, "Zg==");
  herald__base64("fo", 2, out, sizeof(out));
  cr_assert_str_eq(out, "Zm8=");
  herald__base64("foobar", 6, out, sizeof(out));
  cr_assert_str_eq(out, "Zm9vYmFy");
  cr_assert_eq(herald__base64("foobar", 6, out, 8), 0); /* needs 9 with the NUL */
  cr_assert_str_eq(out, "");
  char acc[29];
  herald__ws_accept("dGhlIHNhbXBsZSBub25jZQ==", acc); /* RFC 6455 section 1.3 */
  cr_assert_str_eq(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
