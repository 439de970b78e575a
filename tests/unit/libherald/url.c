/* Tests src/libherald/url.c (server URL parsing, escaping). */
#include "common/error.h"
#include "libherald/url.h"

#include <criterion/criterion.h>
#include <string.h>

static int parse(const char *s, herald_url_t *u) {
  char err[128];
  return herald__url_parse(s, u, err, sizeof(err));
}

Test(url, host_port_prefix) {
  herald_url_t u;
  cr_assert_eq(parse("http://127.0.0.1:8080", &u), 0);
  cr_assert_str_eq(u.host, "127.0.0.1");
  cr_assert_eq(u.port, 8080);
  cr_assert_str_eq(u.prefix, "");
  cr_assert_eq(parse("HTTP://example.org/", &u), 0);
  cr_assert_eq(u.port, 80);
  cr_assert_str_eq(u.prefix, "");
  cr_assert_eq(parse("http://h:1/api/v//", &u), 0);
  cr_assert_str_eq(u.prefix, "/api/v");
  cr_assert_eq(parse("http://[::1]:9000/x", &u), 0);
  cr_assert_str_eq(u.host, "::1");
  cr_assert(u.ipv6);
  cr_assert_eq(u.port, 9000);
}

Test(url, rejects_what_it_cannot_use) {
  herald_url_t u;
  const char *bad[] = {"https://h",     "ftp://h",       "h:80",           "http://",
                       "http://:80",    "http://h:0",    "http://h:65536", "http://h:8a",
                       "http://u@h",    "http://h/?q=1", "http://h#f",     "http://[::1",
                       "http://[::1]x", "http://h h"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    cr_assert_eq(parse(bad[i], &u), HD_ERR_BAD_REQUEST, "%s", bad[i]);
}

Test(url, escape_and_hostport) {
  hd_buf_t b;
  hd_buf_init(&b, 0);
  cr_assert_eq(herald__url_escape(&b, "a b/c?d=é~_.-"), 0);
  cr_assert_eq(hd_buf_append(&b, "", 1), 0);
  cr_assert_str_eq(b.base, "a%20b%2Fc%3Fd%3D%C3%A9~_.-");
  b.len = 0;
  herald_url_t u;
  cr_assert_eq(parse("http://[::1]:9000", &u), 0);
  cr_assert_eq(herald__url_hostport(&b, &u), 0);
  cr_assert_eq(hd_buf_append(&b, "", 1), 0);
  cr_assert_str_eq(b.base, "[::1]:9000");
  hd_buf_dispose(&b);
}
