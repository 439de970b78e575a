/*
 * http.c — HTTP/1.1 answer parsing and request heads (see http.h).
 *
 * The head is parsed in place once its blank line has arrived; header names are compared
 * case-insensitively and only the headers the client acts on are kept. The body is moved
 * from the connection buffer into its own ceiling-bound buffer as it arrives, so a large
 * Content-Length never needs the whole body twice in memory. Each wait for bytes is bounded
 * by timeout_ms.
 */
#include "libherald/http.h"
#include "common/error.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HERALD_MAX_LINE 4096

size_t herald__http_head_length(const char *p, size_t n) {
  for (size_t i = 3; i < n; i++)
    if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r')
      return i + 1;
  return 0;
}

static int parse_uint(const char *p, size_t n, int64_t max, int64_t *out) {
  if (n == 0 || n > 18)
    return -1;
  int64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9')
      return -1;
    v = v * 10 + (p[i] - '0');
  }
  if (v > max)
    return -1;
  *out = v;
  return 0;
}

static hd_iovec_t trim(const char *p, size_t n) {
  while (n > 0 && (*p == ' ' || *p == '\t')) {
    p++;
    n--;
  }
  while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
    n--;
  return hd_iov(p, n);
}

/* Return nonzero when the comma-separated list v contains token (case-insensitive). */
static int has_token(hd_iovec_t v, const char *token) {
  size_t i = 0;
  while (i <= v.len) {
    size_t j = i;
    while (j < v.len && v.base[j] != ',')
      j++;
    if (hd_iov_caseeq(trim(v.base + i, j - i), token))
      return 1;
    i = j + 1;
  }
  return 0;
}

static int parse_header(herald_http_head_t *h, hd_iovec_t name, hd_iovec_t value, int *conn_close,
                        int *conn_keep) {
  int64_t v;
  if (hd_iov_caseeq(name, "content-length")) {
    if (parse_uint(value.base, value.len, HERALD_MAX_BODY * (int64_t)16, &v) != 0)
      return HD_ERR_PROTOCOL;
    if (h->content_length >= 0 && h->content_length != v)
      return HD_ERR_PROTOCOL; /* conflicting lengths: never guess which one is true */
    h->content_length = v;
  } else if (hd_iov_caseeq(name, "transfer-encoding")) {
    hd_iovec_t last = value;
    const char *comma = memrchr(value.base, ',', value.len);
    if (comma)
      last = trim(comma + 1, value.len - (size_t)(comma + 1 - value.base));
    if (!hd_iov_caseeq(last, "chunked"))
      return HD_ERR_PROTOCOL;
    h->chunked = 1;
  } else if (hd_iov_caseeq(name, "connection")) {
    if (has_token(value, "close"))
      *conn_close = 1;
    if (has_token(value, "keep-alive"))
      *conn_keep = 1;
  } else if (hd_iov_caseeq(name, "retry-after")) {
    if (parse_uint(value.base, value.len, 86400 * 365, &v) == 0)
      h->retry_after = (int)v;
  } else if (hd_iov_caseeq(name, "sec-websocket-accept")) {
    if (value.len >= sizeof(h->ws_accept))
      return HD_ERR_PROTOCOL;
    memcpy(h->ws_accept, value.base, value.len);
    h->ws_accept[value.len] = '\0';
  } else if (hd_iov_caseeq(name, "upgrade")) {
    h->upgrade_websocket = has_token(value, "websocket");
  }
  return 0;
}

int herald__http_parse_head(const char *p, size_t n, herald_http_head_t *h) {
  memset(h, 0, sizeof(*h));
  h->content_length = -1;
  h->retry_after = -1;
  /* status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF */
  const char *eol = memchr(p, '\n', n);
  if (eol == NULL || eol == p || eol[-1] != '\r')
    return HD_ERR_PROTOCOL;
  size_t llen = (size_t)(eol - 1 - p);
  if (llen < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ')
    return HD_ERR_PROTOCOL;
  h->minor = p[7] - '0';
  int64_t status;
  if (parse_uint(p + 9, 3, 999, &status) != 0 || status < 100 || (llen > 12 && p[12] != ' '))
    return HD_ERR_PROTOCOL;
  h->status = (int)status;
  int conn_close = 0, conn_keep = 0;
  const char *line = eol + 1, *end = p + n;
  while (line < end) {
    const char *le = memchr(line, '\n', (size_t)(end - line));
    if (le == NULL || le == line || le[-1] != '\r')
      return HD_ERR_PROTOCOL;
    size_t len = (size_t)(le - 1 - line);
    if (len == 0)
      break; /* the blank line ends the head */
    if (*line == ' ' || *line == '\t')
      return HD_ERR_PROTOCOL; /* obsolete line folding */
    const char *colon = memchr(line, ':', len);
    if (colon == NULL || colon == line)
      return HD_ERR_PROTOCOL;
    hd_iovec_t name = hd_iov(line, (size_t)(colon - line));
    for (size_t i = 0; i < name.len; i++)
      if ((unsigned char)name.base[i] <= ' ' || (unsigned char)name.base[i] >= 0x7f)
        return HD_ERR_PROTOCOL;
    hd_iovec_t value = trim(colon + 1, len - name.len - 1);
    int r = parse_header(h, name, value, &conn_close, &conn_keep);
    if (r != 0)
      return r;
    line = le + 1;
  }
  if (h->chunked)
    h->content_length = -1; /* RFC 9112 6.3: chunked wins over Content-Length */
  h->keep_alive = h->minor >= 1 ? !conn_close : conn_keep && !conn_close;
  if (h->status == 101 || (!h->chunked && h->content_length < 0 && h->status >= 200 &&
                           h->status != 204 && h->status != 304))
    h->keep_alive = 0;
  return 0;
}

int herald__http_read_head(herald_conn_t *c, int timeout_ms, herald_http_head_t *h, int *got_any) {
  *got_any = c->rbuf.len > 0;
  for (;;) {
    size_t hl = herald__http_head_length(c->rbuf.base, c->rbuf.len);
    if (hl > 0) {
      int r = herald__http_parse_head(c->rbuf.base, hl, h);
      if (r != 0) {
        snprintf(c->errmsg, sizeof(c->errmsg), "malformed HTTP answer from the server");
        return r;
      }
      hd_buf_consume(&c->rbuf, hl);
      if (h->status >= 100 && h->status < 200 && h->status != 101)
        continue; /* interim answer (100 Continue): the real one follows */
      return 0;
    }
    if (c->rbuf.len >= HERALD_MAX_HEADER) {
      snprintf(c->errmsg, sizeof(c->errmsg), "the server's answer head is too large");
      return HD_ERR_TOO_LARGE;
    }
    int r = herald__conn_fill(c, timeout_ms);
    if (r < 0)
      return r;
    *got_any = 1;
  }
}

/* Move up to n bytes of body from the connection into body, filling as needed. */
static int take(herald_conn_t *c, int timeout_ms, hd_buf_t *body, uint64_t n) {
  while (n > 0) {
    if (c->rbuf.len == 0) {
      int r = herald__conn_fill(c, timeout_ms);
      if (r < 0)
        return r;
    }
    size_t k = (size_t)HD_MIN((uint64_t)c->rbuf.len, n);
    int r = hd_buf_append(body, c->rbuf.base, k);
    if (r != 0) {
      snprintf(c->errmsg, sizeof(c->errmsg), "the server's answer body is too large");
      return r;
    }
    hd_buf_consume(&c->rbuf, k);
    n -= k;
  }
  return 0;
}

/* Read one CRLF-terminated line; *len excludes the CRLF, which stays in rbuf until the caller
 * consumes len + 2 bytes. */
static int read_line(herald_conn_t *c, int timeout_ms, size_t *len) {
  for (;;) {
    char *nl = c->rbuf.len ? memchr(c->rbuf.base, '\n', c->rbuf.len) : NULL;
    if (nl) {
      if (nl == c->rbuf.base || nl[-1] != '\r')
        return HD_ERR_PROTOCOL;
      *len = (size_t)(nl - c->rbuf.base) - 1;
      return 0;
    }
    if (c->rbuf.len > HERALD_MAX_LINE)
      return HD_ERR_PROTOCOL;
    int r = herald__conn_fill(c, timeout_ms);
    if (r < 0)
      return r;
  }
}

static int parse_chunk_size(const char *p, size_t n, uint64_t *out) {
  uint64_t v = 0;
  size_t i = 0;
  for (; i < n; i++) {
    char ch = p[i];
    int d = ch >= '0' && ch <= '9'   ? ch - '0'
            : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
            : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                     : -1;
    if (d < 0)
      break;
    if (v > (UINT64_MAX >> 4))
      return HD_ERR_PROTOCOL;
    v = (v << 4) | (uint64_t)d;
  }
  if (i == 0 || (i < n && p[i] != ';' && p[i] != ' ' && p[i] != '\t'))
    return HD_ERR_PROTOCOL;
  *out = v;
  return 0;
}

static int read_chunked(herald_conn_t *c, int timeout_ms, hd_buf_t *body) {
  for (;;) {
    size_t len;
    int r = read_line(c, timeout_ms, &len);
    if (r != 0)
      return r;
    uint64_t size;
    if (parse_chunk_size(c->rbuf.base, len, &size) != 0)
      return HD_ERR_PROTOCOL;
    hd_buf_consume(&c->rbuf, len + 2);
    if (size == 0)
      break;
    if (size > HERALD_MAX_BODY)
      return HD_ERR_TOO_LARGE;
    if ((r = take(c, timeout_ms, body, size)) != 0)
      return r;
    if ((r = read_line(c, timeout_ms, &len)) != 0)
      return r;
    if (len != 0)
      return HD_ERR_PROTOCOL; /* chunk data longer than announced */
    hd_buf_consume(&c->rbuf, 2);
  }
  for (;;) { /* trailer fields, ignored, up to the blank line */
    size_t len;
    int r = read_line(c, timeout_ms, &len);
    if (r != 0)
      return r;
    hd_buf_consume(&c->rbuf, len + 2);
    if (len == 0)
      return 0;
  }
}

static int read_to_eof(herald_conn_t *c, int timeout_ms, hd_buf_t *body) {
  for (;;) {
    int r = take(c, timeout_ms, body, c->rbuf.len);
    if (r != 0)
      return r;
    r = herald__conn_fill(c, timeout_ms);
    if (r == HD_ERR_PEER_CLOSED)
      return 0;
    if (r < 0)
      return r;
  }
}

int herald__http_read_body(herald_conn_t *c, int timeout_ms, const herald_http_head_t *h,
                           int head_request, herald_response_t *res) {
  hd_buf_t body;
  hd_buf_init(&body, HERALD_MAX_BODY + 1);
  int r = 0;
  res->status = h->status;
  res->retry_after = h->retry_after;
  if (head_request || h->status < 200 || h->status == 204 || h->status == 304) {
    /* no body */
  } else if (h->chunked) {
    r = read_chunked(c, timeout_ms, &body);
  } else if (h->content_length >= 0) {
    if (h->content_length > HERALD_MAX_BODY)
      r = HD_ERR_TOO_LARGE;
    else
      r = take(c, timeout_ms, &body, (uint64_t)h->content_length);
  } else {
    r = read_to_eof(c, timeout_ms, &body);
  }
  if (r == 0)
    r = hd_buf_append(&body, "", 1);
  if (r != 0) {
    if (r == HD_ERR_PROTOCOL)
      snprintf(c->errmsg, sizeof(c->errmsg), "malformed HTTP body from the server");
    hd_buf_dispose(&body);
    return r;
  }
  res->raw = body.base;
  res->raw_len = body.len - 1;
  res->body = NULL;
  if (res->raw_len > 0)
    res->body = json_loadb(res->raw, res->raw_len, JSON_DECODE_ANY, NULL);
  return 0;
}

int herald__http_write_head(hd_buf_t *out, const char *method, const char *hostport,
                            const char *prefix, const char *path, const char *token,
                            const char *content_type, uint64_t body_len) {
  int r = hd_buf_appendf(out,
                         "%s %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: herald/1\r\n"
                         "Accept: application/json\r\n",
                         method, prefix, path, hostport);
  if (r == 0 && token && *token)
    r = hd_buf_appendf(out, "Authorization: Bearer %s\r\n", token);
  if (r == 0 && content_type)
    r = hd_buf_appendf(out, "Content-Type: %s\r\nContent-Length: %llu\r\n", content_type,
                       (unsigned long long)body_len);
  if (r == 0)
    r = hd_buf_append(out, "\r\n", 2);
  return r;
}
