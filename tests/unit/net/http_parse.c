/* Tests src/net/http_parse.c: parsing, limits, pipelining, percent decoding, query. */
#include "net/http_parse.h"

#include "common/error.h"

#include <criterion/criterion.h>
#include <string.h>

static hd_net_limits_t lim;

static void setup(void) {
  hd_net_limits_default(&lim);
  lim.max_header_bytes = 256;
  lim.max_body_bytes = 32;
}

TestSuite(http_parse, .init = setup);

static int feed_all(hd__http_parser_t *p, const char *s, size_t *used) {
  return hd__http_parser_feed(p, s, strlen(s), used);
}

Test(http_parse, simple_request_headers_query) {
  hd__http_parser_t p;
  hd__http_parser_init(&p, &lim);
  const char *s = "POST /v1/x?a=1&name=caf%C3%A9&e= HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n"
                  "Content-Length: 5\r\n\r\nhelloGET /";
  size_t used;
  cr_assert_eq(feed_all(&p, s, &used), HD_HTTP_COMPLETE);
  cr_assert_eq(used, strlen(s) - 5, "stops right after the first request");
  hd__http_req_t *r = hd__http_req_create(&p, NULL);
  cr_assert(hd_iov_eq(r->pub.method, "POST"));
  cr_assert(hd_iov_eq(r->pub.path, "/v1/x"));
  cr_assert(hd_iov_eq(r->pub.query, "a=1&name=caf%C3%A9&e="));
  cr_assert(hd_iov_eq(r->pub.body, "hello"));
  cr_assert(hd_iov_eq(hd_http_header(&r->pub, "host"), "h"));
  cr_assert(hd_iov_eq(hd_http_header(&r->pub, "content-length"), "5"));
  cr_assert_eq(hd_http_header(&r->pub, "x-empty").len, 0);
  cr_assert_null(hd_http_header(&r->pub, "missing").base);
  hd_iovec_t v;
  cr_assert(hd_http_query(&r->pub, "name", &v));
  cr_assert(hd_iov_eq(v, "caf\xc3\xa9"));
  cr_assert(hd_http_query(&r->pub, "a", &v));
  cr_assert(hd_iov_eq(v, "1"));
  cr_assert(hd_http_query(&r->pub, "e", &v));
  cr_assert_eq(v.len, 0);
  cr_assert_not(hd_http_query(&r->pub, "nam", &v));
  cr_assert(r->keep_alive);
  hd__http_req_free(r);
  hd__http_parser_next(&p);
  cr_assert_eq(hd__http_parser_feed(&p, "GET /", 5, &used), HD_HTTP_MORE);
  cr_assert(hd__http_parser_started(&p));
  hd__http_parser_dispose(&p);
}

Test(http_parse, chunked_body_reassembled) {
  hd__http_parser_t p;
  hd__http_parser_init(&p, &lim);
  const char *s = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n";
  size_t used, off = 0;
  int r = HD_HTTP_MORE;
  for (size_t i = 0; i < strlen(s) && r == HD_HTTP_MORE; i++) { /* one byte at a time */
    r = hd__http_parser_feed(&p, s + off, 1, &used);
    off += used;
  }
  cr_assert_eq(r, HD_HTTP_COMPLETE);
  hd__http_req_t *q = hd__http_req_create(&p, NULL);
  cr_assert(hd_iov_eq(q->pub.body, "Wikipedia"));
  hd__http_req_free(q);
  hd__http_parser_dispose(&p);
}

Test(http_parse, limits) {
  hd__http_parser_t p;
  size_t used;
  char big[600];
  /* Content-Length over the limit: refused before the body */
  hd__http_parser_init(&p, &lim);
  cr_assert_eq(feed_all(&p, "POST / HTTP/1.1\r\nContent-Length: 33\r\n\r\n", &used),
               HD_ERR_TOO_LARGE);
  hd__http_parser_dispose(&p);
  /* chunked total over the limit */
  hd__http_parser_init(&p, &lim);
  cr_assert_eq(feed_all(&p,
                        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "10\r\n0123456789abcdef\r\n11\r\n",
                        &used),
               HD_ERR_TOO_LARGE);
  hd__http_parser_dispose(&p);
  /* headers too large, in one piece and dribbled */
  memset(big, 'a', sizeof(big));
  memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
  hd__http_parser_init(&p, &lim);
  cr_assert_eq(hd__http_parser_feed(&p, big, sizeof(big), &used), HD_ERR_HEADERS_TOO_LARGE);
  hd__http_parser_dispose(&p);
  hd__http_parser_init(&p, &lim);
  int r = 0;
  for (size_t i = 0; i < sizeof(big) && r == 0; i += 10)
    r = hd__http_parser_feed(&p, big + i, 10, &used);
  cr_assert_eq(r, HD_ERR_HEADERS_TOO_LARGE);
  hd__http_parser_dispose(&p);
  /* malformed */
  hd__http_parser_init(&p, &lim);
  cr_assert_eq(feed_all(&p, "GET / HTTP/1.1\r\nBad Header\r\n\r\n", &used), HD_ERR_BAD_REQUEST);
  cr_assert_eq(feed_all(&p, "more", &used), HD_ERR_BAD_REQUEST, "FAILED is terminal");
  hd__http_parser_dispose(&p);
}

Test(http_parse, keep_alive_and_upgrade_flags) {
  hd__http_parser_t p;
  size_t used;
  hd__http_parser_init(&p, &lim);
  cr_assert_eq(feed_all(&p, "GET / HTTP/1.0\r\n\r\n", &used), HD_HTTP_COMPLETE);
  hd__http_req_t *r = hd__http_req_create(&p, NULL);
  cr_assert_not(r->keep_alive);
  hd__http_req_free(r);
  hd__http_parser_next(&p);
  hd__http_parser_dispose(&p); /* the server finishes the connection after such a request */
  hd__http_parser_init(&p, &lim);
  cr_assert_eq(
      feed_all(&p, "GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", &used),
      HD_HTTP_COMPLETE);
  r = hd__http_req_create(&p, NULL);
  cr_assert(r->upgrade);
  hd__http_req_free(r);
  hd__http_parser_dispose(&p);
}

Test(http_parse, pct_decode) {
  char out[64];
  cr_assert_eq(hd_http_pct_decode(HD_IOV_LIT("a%20b+c"), out), 5);
  cr_assert(memcmp(out, "a b+c", 5) == 0);
  cr_assert_eq(hd_http_pct_decode(HD_IOV_LIT("%e2%82%AC"), out), 3);
  cr_assert(memcmp(out, "\xe2\x82\xac", 3) == 0);
  cr_assert_eq(hd_http_pct_decode(HD_IOV_LIT(""), out), 0);
  cr_assert_eq(hd_http_pct_decode(HD_IOV_LIT("%"), out), -1);
  cr_assert_eq(hd_http_pct_decode(HD_IOV_LIT("ab%4"), out), -1);
  cr_assert_eq(hd_http_pct_decode(HD_IOV_LIT("%zz"), out), -1);
  cr_assert_eq(hd_http_pct_decode(HD_IOV_LIT("%00x"), out), 2);
  cr_assert_eq(out[0], '\0');
}

Test(http_parse, reasons) {
  cr_assert_str_eq(hd_http_reason(404), "Not Found");
  cr_assert_str_eq(hd_http_reason(431), "Request Header Fields Too Large");
  cr_assert_str_eq(hd_http_reason(299), "Success");
}
