/*
 * url.h — parsing the server URL and escaping path segments and query values.
 *
 *    http://host[:port][/prefix]      host: name, IPv4, or [IPv6]; port 1-65535 (default 80)
 *
 * Only plain http is spoken (TLS is expected from a fronting proxy or a later version); an
 * https URL is refused with a clear error rather than silently sent in clear text.
 *
 * Invariants:
 *  1. A parsed URL's prefix is empty or starts with '/' and never ends with '/'.
 *  2. host holds no brackets: "[::1]" is stored as "::1" with ipv6 set.
 */
#ifndef HERALD_URL_H
#define HERALD_URL_H

#include "common/mem.h"

typedef struct {
  char host[256];   /* host name or address, without IPv6 brackets */
  int port;         /* 1..65535 */
  int ipv6;         /* host was written in brackets */
  char prefix[256]; /* path prefix prepended to every request path ("" or "/x/y") */
} herald_url_t;

/* Parse s into u. Returns 0, or HD_ERR_BAD_REQUEST and a reason in err (errlen bytes). */
int herald__url_parse(const char *s, herald_url_t *u, char *err, size_t errlen);
/* Append s percent-encoded for use as a path segment or query value (RFC 3986 unreserved
 * characters pass through). Returns 0 or a hd_buf_append() error. */
int herald__url_escape(hd_buf_t *out, const char *s);
/* Append the Host header value for u ("host:port", brackets for IPv6). */
int herald__url_hostport(hd_buf_t *out, const herald_url_t *u);

#endif
