/*
 * url.c — server URL parsing and percent-encoding (see url.h).
 *
 * The parser walks the string once: scheme, authority (host, optional port), optional path
 * prefix. Anything else (user info, query, fragment) is refused: a server URL that carries
 * them is a mistake we would rather report than guess at.
 */
#include "libherald/url.h"
#include "common/error.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int fail(char *err, size_t errlen, const char *why) {
  if (errlen)
    snprintf(err, errlen, "%s", why);
  return HD_ERR_BAD_REQUEST;
}

static int parse_port(const char *p, size_t n, int *out) {
  if (n == 0 || n > 5)
    return -1;
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9')
      return -1;
    v = v * 10 + (p[i] - '0');
  }
  if (v < 1 || v > 65535)
    return -1;
  *out = v;
  return 0;
}

int herald__url_parse(const char *s, herald_url_t *u, char *err, size_t errlen) {
  memset(u, 0, sizeof(*u));
  u->port = 80;
  if (strncasecmp(s, "https://", 8) == 0)
    return fail(err, errlen, "https is not supported; use http:// (TLS belongs to a proxy)");
  if (strncasecmp(s, "http://", 7) != 0)
    return fail(err, errlen, "the server URL must start with http://");
  const char *p = s + 7;
  const char *auth_end = p + strcspn(p, "/?#");
  if (memchr(p, '@', (size_t)(auth_end - p)))
    return fail(err, errlen, "user information in the server URL is not supported");
  const char *host = p, *host_end, *port = NULL;
  if (*p == '[') {
    const char *close = memchr(p, ']', (size_t)(auth_end - p));
    if (close == NULL)
      return fail(err, errlen, "unterminated [IPv6] address in the server URL");
    host = p + 1;
    host_end = close;
    u->ipv6 = 1;
    if (close + 1 < auth_end) {
      if (close[1] != ':')
        return fail(err, errlen, "garbage after ] in the server URL");
      port = close + 2;
    }
  } else {
    const char *colon = memchr(p, ':', (size_t)(auth_end - p));
    host_end = colon ? colon : auth_end;
    if (colon)
      port = colon + 1;
  }
  size_t hlen = (size_t)(host_end - host);
  if (hlen == 0 || hlen >= sizeof(u->host))
    return fail(err, errlen, "the server URL has no host (or one too long)");
  for (size_t i = 0; i < hlen; i++) {
    unsigned char ch = (unsigned char)host[i];
    if (ch <= ' ' || ch == 0x7f || ch == '[' || ch == ']' || (!u->ipv6 && ch == ':'))
      return fail(err, errlen, "invalid character in the server host");
  }
  memcpy(u->host, host, hlen);
  u->host[hlen] = '\0';
  if (port && parse_port(port, (size_t)(auth_end - port), &u->port) != 0)
    return fail(err, errlen, "the server port must be a number from 1 to 65535");
  if (*auth_end == '?' || *auth_end == '#')
    return fail(err, errlen, "a query or fragment in the server URL is not supported");
  if (*auth_end == '/') {
    const char *path = auth_end;
    size_t plen = strcspn(path, "?#");
    if (path[plen] != '\0')
      return fail(err, errlen, "a query or fragment in the server URL is not supported");
    while (plen > 0 && path[plen - 1] == '/')
      plen--;
    if (plen >= sizeof(u->prefix))
      return fail(err, errlen, "the server URL path is too long");
    for (size_t i = 0; i < plen; i++)
      if ((unsigned char)path[i] <= ' ' || path[i] == 0x7f)
        return fail(err, errlen, "invalid character in the server URL path");
    memcpy(u->prefix, path, plen);
    u->prefix[plen] = '\0';
  }
  return 0;
}

int herald__url_escape(hd_buf_t *out, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    int plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                ch == '-' || ch == '.' || ch == '_' || ch == '~';
    int r;
    if (plain) {
      r = hd_buf_append(out, s, 1);
    } else {
      char enc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
      r = hd_buf_append(out, enc, 3);
    }
    if (r != 0)
      return r;
  }
  return 0;
}

int herald__url_hostport(hd_buf_t *out, const herald_url_t *u) {
  if (u->ipv6)
    return hd_buf_appendf(out, "[%s]:%d", u->host, u->port);
  return hd_buf_appendf(out, "%s:%d", u->host, u->port);
}
