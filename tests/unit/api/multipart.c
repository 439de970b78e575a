/*
 * tests/unit/api/multipart.c — the streaming multipart parser: boundaries from Content-Type,
 * parts and bodies whatever the input split (invariant 1), look-alike delimiters in data,
 * preamble/epilogue, malformed input and callback errors.
 */
#include "api/multipart.h"
#include "common/error.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  char out[4096];
  size_t n;
  int parts, ends;
  hd_multipart_part_t last;
  int fail_data;
} sink_t;

static int on_part(void *d, const hd_multipart_part_t *p) {
  sink_t *s = d;
  s->parts++;
  s->last = *p;
  s->n += (size_t)snprintf(s->out + s->n, sizeof(s->out) - s->n, "[%s|%s|%s]", p->name, p->filename,
                           p->content_type);
  return 0;
}
static int on_data(void *d, const char *p, size_t n) {
  sink_t *s = d;
  if (s->fail_data)
    return HD_ERR_TOO_LARGE;
  cr_assert_lt(s->n + n, sizeof(s->out));
  memcpy(s->out + s->n, p, n);
  s->n += n;
  return 0;
}
static int on_end(void *d) {
  sink_t *s = d;
  s->ends++;
  s->out[s->n++] = '$';
  return 0;
}

/* Parse body split at cut (and byte by byte when cut < 0); returns finish() status. */
static int run(const char *boundary, const char *body, size_t len, long cut, sink_t *s) {
  hd_multipart_t mp;
  memset(s, 0, sizeof(*s));
  hd_multipart_cb_t cb = {on_part, on_data, on_end, s};
  cr_assert_eq(hd_multipart_init(&mp, boundary, &cb), 0);
  int r = 0;
  if (cut < 0) {
    for (size_t i = 0; i < len && r == 0; i++)
      r = hd_multipart_feed(&mp, body + i, 1);
  } else {
    r = hd_multipart_feed(&mp, body, (size_t)cut);
    if (r == 0)
      r = hd_multipart_feed(&mp, body + cut, len - (size_t)cut);
  }
  s->out[s->n] = '\0';
  return r ? r : hd_multipart_finish(&mp);
}

static const char two[] =
    "preamble\r\n--XyZ\r\n"
    "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
    "hi\r\n--XyZ\r\n"
    "content-disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".png\"\r\n"
    "Content-Type: image/png\r\n\r\n"
    "\r\n--XyQ\r\r\n-data\r\n--XyZ--\r\nepilogue";

Test(multipart, every_split_gives_the_same_parts) {
  const char *want = "[note||]hi$[file|a \"b\".png|image/png]\r\n--XyQ\r\r\n-data$";
  sink_t s;
  size_t len = sizeof(two) - 1;
  for (long cut = -1; cut <= (long)len; cut++) {
    cr_assert_eq(run("XyZ", two, len, cut, &s), 0, "cut %ld", cut);
    cr_assert_str_eq(s.out, want, "cut %ld", cut);
    cr_assert_eq(s.parts, 2);
    cr_assert_eq(s.ends, 2);
  }
  cr_assert(s.last.has_filename);
}

Test(multipart, body_starting_with_the_delimiter_and_empty_part) {
  const char b[] = "--b\r\n\r\n\r\n--b\r\nContent-Disposition: form-data; name=x\r\n\r\n"
                   "v\r\n--b--";
  sink_t s;
  cr_assert_eq(run("b", b, sizeof(b) - 1, 3, &s), 0);
  cr_assert_str_eq(s.out, "[||]$[x||]v$");
}

Test(multipart, malformed) {
  sink_t s;
  const char nofinal[] = "--b\r\n\r\ndata";
  cr_assert_eq(run("b", nofinal, sizeof(nofinal) - 1, 2, &s), HD_ERR_BAD_MULTIPART);
  const char junk[] = "--b?x\r\n\r\nd\r\n--b--";
  cr_assert_eq(run("b", junk, sizeof(junk) - 1, 1, &s), HD_ERR_BAD_MULTIPART);
  const char badhdr[] = "--b\r\nno colon here\r\n\r\nd\r\n--b--";
  cr_assert_eq(run("b", badhdr, sizeof(badhdr) - 1, 0, &s), HD_ERR_BAD_MULTIPART);
  static char big[HD_MULTIPART_HEAD_MAX + 64];
  size_t n = (size_t)snprintf(big, sizeof(big), "--b\r\nX: ");
  memset(big + n, 'a', sizeof(big) - n - 1);
  cr_assert_eq(run("b", big, sizeof(big) - 1, -1, &s), HD_ERR_BAD_MULTIPART);
}

Test(multipart, callback_error_is_sticky) {
  sink_t s;
  hd_multipart_t mp;
  memset(&s, 0, sizeof(s));
  s.fail_data = 1;
  hd_multipart_cb_t cb = {on_part, on_data, on_end, &s};
  cr_assert_eq(hd_multipart_init(&mp, "b", &cb), 0);
  cr_assert_eq(hd_multipart_feed(&mp, "--b\r\n\r\nabc", 10), HD_ERR_TOO_LARGE);
  cr_assert_eq(hd_multipart_feed(&mp, "\r\n--b--", 7), HD_ERR_TOO_LARGE);
  cr_assert_eq(hd_multipart_finish(&mp), HD_ERR_TOO_LARGE);
  cr_assert_eq(s.ends, 0);
}

Test(multipart, boundary_from_content_type) {
  char b[HD_MULTIPART_BOUNDARY_MAX + 1];
  cr_assert_eq(hd_multipart_boundary(HD_IOV_LIT("multipart/form-data; boundary=abc"), b, sizeof(b)),
               0);
  cr_assert_str_eq(b, "abc");
  cr_assert_eq(
      hd_multipart_boundary(HD_IOV_LIT("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b:c\""), b,
                            sizeof(b)),
      0);
  cr_assert_str_eq(b, "a b:c");
  cr_assert_eq(hd_multipart_boundary(HD_IOV_LIT("multipart/mixed; boundary=a"), b, sizeof(b)),
               HD_ERR_BAD_MULTIPART);
  cr_assert_eq(hd_multipart_boundary(HD_IOV_LIT("multipart/form-data"), b, sizeof(b)),
               HD_ERR_BAD_MULTIPART);
  cr_assert_eq(
      hd_multipart_boundary(HD_IOV_LIT("multipart/form-data; boundary=a\rb"), b, sizeof(b)),
      HD_ERR_BAD_MULTIPART);
  cr_assert_eq(
      hd_multipart_boundary(HD_IOV_LIT("multipart/form-data; boundary=\"\""), b, sizeof(b)),
      HD_ERR_BAD_MULTIPART);
}
