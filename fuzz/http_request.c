/*
 * http_request.c — libFuzzer driver for the HTTP request parser glue (net/http_parse.c):
 * the same llhttp settings, callbacks and limits the server uses, without a socket.
 *
 * The input is split at a position taken from its first byte so that requests arrive in
 * two reads, as from a real socket; every complete request is built, its headers and query
 * looked up, then freed, and parsing resumes after it (pipelining), exactly as the server
 * does after a response.
 */
#include "net/http_parse.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void consume(hd__http_parser_t *p, const char *d, size_t n) {
  while (n > 0) {
    size_t used = 0;
    int r = hd__http_parser_feed(p, d, n, &used);
    if (r < 0 || r == HD_HTTP_MORE)
      return;
    hd__http_req_t *req = hd__http_req_create(p, NULL);
    hd_iovec_t v;
    hd_http_header(&req->pub, "Content-Length");
    hd_http_header(&req->pub, "Sec-WebSocket-Key");
    hd_http_query(&req->pub, "token", &v);
    hd_http_query(&req->pub, "", &v);
    int keep = req->keep_alive && !req->upgrade;
    hd__http_req_free(req);
    hd__http_parser_next(p);
    if (!keep)
      return; /* the server would finish the connection here */
    d += used;
    n -= used;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  hd_net_limits_t lim;
  hd_net_limits_default(&lim);
  lim.max_header_bytes = 2048;
  lim.max_body_bytes = 4096;
  size_t cut = data[0] % (size);
  const char *d = (const char *)data + 1;
  size_t n = size - 1;
  if (cut > n)
    cut = n;
  hd__http_parser_t p;
  hd__http_parser_init(&p, &lim);
  /* the server keeps unparsed bytes and feeds them again with the next read */
  char *joined = hd_mem_alloc(n ? n : 1);
  memcpy(joined, d, n);
  size_t used = 0;
  int r = hd__http_parser_feed(&p, joined, cut, &used);
  if (r == HD_HTTP_MORE)
    consume(&p, joined + cut, n - cut);
  else if (r == HD_HTTP_COMPLETE) {
    hd__http_req_t *req = hd__http_req_create(&p, NULL);
    int keep = req->keep_alive && !req->upgrade;
    hd__http_req_free(req);
    hd__http_parser_next(&p);
    if (keep)
      consume(&p, joined + used, n - used);
  }
  hd_mem_free(joined);
  hd__http_parser_dispose(&p);
  return 0;
}
