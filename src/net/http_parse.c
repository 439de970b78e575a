/*
 * http_parse.c — llhttp callbacks, limits, request construction, and the pure request
 * helpers of http.h (headers, query, percent-decoding, reason phrases). See http_parse.h.
 */
#include "net/http_parse.h"

#include "common/error.h"
#include "common/log.h"
#include "common/time.h"

#include <string.h>
#include <strings.h>

static hd__http_parser_t *P(llhttp_t *llp) { return llp->data; }

/* Fail from inside a callback: remember why, make llhttp stop. */
static int fail(hd__http_parser_t *p, int err) {
  if (p->err == 0)
    p->err = err;
  return -1;
}

static int head_append(hd__http_parser_t *p, const char *at, size_t n) {
  p->last_end = at + n;
  return hd_buf_append(&p->head, at, n) == 0 ? 0 : fail(p, HD_ERR_HEADERS_TOO_LARGE);
}

static int on_message_begin(llhttp_t *llp) {
  hd__http_parser_t *p = P(llp);
  p->state = HD_HTTP_P_HEAD;
  p->head_raw = 0;
  return 0;
}

static int on_url(llhttp_t *llp, const char *at, size_t n) {
  hd__http_parser_t *p = P(llp);
  if (head_append(p, at, n) != 0)
    return -1;
  p->url_len += (uint32_t)n;
  return 0;
}

static int on_header_field(llhttp_t *llp, const char *at, size_t n) {
  hd__http_parser_t *p = P(llp);
  if (p->cur != 1) {
    if (p->nhdrs == HD_HTTP_MAX_HEADERS)
      return fail(p, HD_ERR_HEADERS_TOO_LARGE);
    hd__http_hdr_ref_t *h = &p->hdrs[p->nhdrs++];
    h->name_off = (uint32_t)p->head.len;
    h->name_len = h->val_off = h->val_len = 0;
    p->cur = 1;
  }
  p->hdrs[p->nhdrs - 1].name_len += (uint32_t)n;
  return head_append(p, at, n);
}

static int on_header_value(llhttp_t *llp, const char *at, size_t n) {
  hd__http_parser_t *p = P(llp);
  if (p->nhdrs == 0)
    return fail(p, HD_ERR_BAD_REQUEST);
  hd__http_hdr_ref_t *h = &p->hdrs[p->nhdrs - 1];
  if (p->cur != 2) {
    h->val_off = (uint32_t)p->head.len;
    p->cur = 2;
  }
  h->val_len += (uint32_t)n;
  return head_append(p, at, n);
}

static int on_headers_complete(llhttp_t *llp) {
  hd__http_parser_t *p = P(llp);
  size_t raw = p->head_raw + (size_t)(p->last_end ? p->last_end - p->feed_start : 0);
  if (raw > p->lim->max_header_bytes)
    return fail(p, HD_ERR_HEADERS_TOO_LARGE);
  if (p->on_head) { /* may open a streaming sink (net/http.c) */
    int r = p->on_head(p->head_data);
    if (r < 0)
      return fail(p, r);
  }
  if (!p->sink && (llp->flags & F_CONTENT_LENGTH) && llp->content_length > p->lim->max_body_bytes)
    return fail(p, HD_ERR_TOO_LARGE); /* refuse before any body byte arrives */
  p->state = HD_HTTP_P_BODY;
  p->cur = 0;
  return 0;
}

static int on_chunk_header(llhttp_t *llp) {
  hd__http_parser_t *p = P(llp);
  if (!p->sink && llp->content_length > p->lim->max_body_bytes - p->body.len)
    return fail(p, HD_ERR_TOO_LARGE);
  return 0;
}

static int on_body(llhttp_t *llp, const char *at, size_t n) {
  hd__http_parser_t *p = P(llp);
  if (p->sink) { /* streaming: the sink copies what it keeps */
    int s = p->sink->on_data(p->sink, at, n);
    if (s < 0)
      return fail(p, s);
    if (s == HD_HTTP_SINK_BUSY)
      p->sink_busy = 1;
    return 0;
  }
  int r = hd_buf_append(&p->body, at, n);
  return r == 0 ? 0 : fail(p, r == HD_ERR_NOMEM ? HD_ERR_NOMEM : HD_ERR_TOO_LARGE);
}

static int on_message_complete(llhttp_t *llp) {
  P(llp)->state = HD_HTTP_P_COMPLETE;
  return HPE_PAUSED; /* one request at a time: wait for the response */
}

static const llhttp_settings_t *settings(void) {
  static llhttp_settings_t s = {
      .on_message_begin = on_message_begin,
      .on_url = on_url,
      .on_header_field = on_header_field,
      .on_header_value = on_header_value,
      .on_headers_complete = on_headers_complete,
      .on_chunk_header = on_chunk_header,
      .on_body = on_body,
      .on_message_complete = on_message_complete,
  };
  return &s;
}

static void reset_buffers(hd__http_parser_t *p) {
  hd_buf_dispose(&p->head);
  hd_buf_dispose(&p->body);
  hd_buf_init(&p->head, p->lim->max_header_bytes);
  hd_buf_init(&p->body, p->lim->max_body_bytes);
  p->nhdrs = 0;
  p->url_len = 0;
  p->cur = 0;
  p->head_raw = 0;
  p->last_end = NULL;
  p->sink = NULL;
  p->sink_busy = 0;
}

void hd__http_parser_init(hd__http_parser_t *p, const hd_net_limits_t *lim) {
  p->lim = lim;
  p->on_head = NULL;
  p->head_data = NULL;
  llhttp_init(&p->llp, HTTP_REQUEST, settings());
  p->llp.data = p;
  hd_buf_init(&p->head, lim->max_header_bytes);
  hd_buf_init(&p->body, lim->max_body_bytes);
  reset_buffers(p);
  p->state = HD_HTTP_P_IDLE;
  p->err = 0;
  p->feed_start = NULL;
}

void hd__http_parser_dispose(hd__http_parser_t *p) {
  hd_buf_dispose(&p->head);
  hd_buf_dispose(&p->body);
}

int hd__http_parser_feed(hd__http_parser_t *p, const char *data, size_t len, size_t *consumed) {
  *consumed = 0;
  if (p->state == HD_HTTP_P_FAILED)
    return p->err;
  HD_ASSERT(p->state != HD_HTTP_P_COMPLETE);
  p->feed_start = data;
  p->last_end = NULL;
  llhttp_errno_t e = llhttp_execute(&p->llp, data, len);
  p->feed_start = NULL;
  if (e == HPE_OK) {
    *consumed = len;
    if (p->state == HD_HTTP_P_HEAD) {
      p->head_raw += len;
      if (p->head_raw > p->lim->max_header_bytes) {
        p->state = HD_HTTP_P_FAILED;
        p->err = HD_ERR_HEADERS_TOO_LARGE;
        return p->err;
      }
    }
    return HD_HTTP_MORE;
  }
  if ((e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) && p->state == HD_HTTP_P_COMPLETE) {
    *consumed = (size_t)(llhttp_get_error_pos(&p->llp) - data);
    return HD_HTTP_COMPLETE;
  }
  p->state = HD_HTTP_P_FAILED;
  if (p->err == 0)
    p->err = HD_ERR_BAD_REQUEST;
  return p->err;
}

void hd__http_parser_next(hd__http_parser_t *p) {
  HD_ASSERT(p->state == HD_HTTP_P_COMPLETE);
  reset_buffers(p);
  p->state = HD_HTTP_P_IDLE;
  llhttp_resume(&p->llp);
}

hd__http_req_t *hd__http_req_create(hd__http_parser_t *p, hd_loop_t *loop) {
  HD_ASSERT(p->state == HD_HTTP_P_COMPLETE);
  hd__http_req_t *r = hd__http_req_create_head(p, loop);
  hd__http_req_take_body(r, p);
  return r;
}

hd__http_req_t *hd__http_req_create_head(hd__http_parser_t *p, hd_loop_t *loop) {
  HD_ASSERT(p->state != HD_HTTP_P_IDLE && p->state != HD_HTTP_P_FAILED); /* headers complete */
  hd__http_req_t *r = hd_mem_calloc(sizeof(*r));
  hd_http_req_t *q = &r->pub;
  hd_mem_pool_init(&q->pool);
  q->loop = loop;
  q->start_ns = hd_time_mono_ns();
  const char *m = llhttp_method_name((llhttp_method_t)p->llp.method);
  q->method = hd_iov(m, strlen(m));
  /* one copy of the head into the pool; every slice points into it */
  char *head = hd_mem_pool_strndup(&q->pool, p->head.base ? p->head.base : "", p->head.len);
  char *url = head, *qm = memchr(url, '?', p->url_len);
  if (qm) {
    q->path = hd_iov(url, (size_t)(qm - url));
    q->query = hd_iov(qm + 1, p->url_len - (size_t)(qm - url) - 1);
  } else {
    q->path = hd_iov(url, p->url_len);
  }
  r->nhdrs = p->nhdrs;
  r->hdr_names = hd_mem_pool_alloc(&q->pool, sizeof(hd_iovec_t) * (p->nhdrs + 1));
  r->hdr_vals = hd_mem_pool_alloc(&q->pool, sizeof(hd_iovec_t) * (p->nhdrs + 1));
  for (size_t i = 0; i < p->nhdrs; i++) {
    const hd__http_hdr_ref_t *h = &p->hdrs[i];
    r->hdr_names[i] = hd_iov(head + h->name_off, h->name_len);
    r->hdr_vals[i] = hd_iov(head + h->val_off, h->val_len);
  }
  hd_buf_init(&r->body, 0);
  hd_buf_init(&r->resp_hdrs, 0);
  return r;
}

void hd__http_req_take_body(hd__http_req_t *r, hd__http_parser_t *p) {
  HD_ASSERT(p->state == HD_HTTP_P_COMPLETE);
  hd_buf_dispose(&r->body);
  r->body = p->body; /* move */
  hd_buf_init(&p->body, p->lim->max_body_bytes);
  if (r->body.len)
    r->pub.body = hd_iov(r->body.base, r->body.len);
  r->keep_alive = (uint8_t)llhttp_should_keep_alive(&p->llp);
  r->upgrade = p->llp.upgrade;
}

void hd__http_req_free(hd__http_req_t *r) {
  hd_mem_pool_dispose(&r->pub.pool);
  hd_buf_dispose(&r->body);
  hd_buf_dispose(&r->resp_hdrs);
  hd_mem_free(r);
}

hd_iovec_t hd_http_header(hd_http_req_t *req, const char *name) {
  hd__http_req_t *r = (hd__http_req_t *)req;
  for (size_t i = 0; i < r->nhdrs; i++)
    if (hd_iov_caseeq(r->hdr_names[i], name))
      return r->hdr_vals[i];
  return hd_iov(NULL, 0);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

long hd_http_pct_decode(hd_iovec_t src, char *dst) {
  size_t o = 0;
  for (size_t i = 0; i < src.len; i++) {
    char c = src.base[i];
    if (c == '%') {
      if (src.len - i < 3)
        return -1;
      int hi = hexval(src.base[i + 1]), lo = hexval(src.base[i + 2]);
      if (hi < 0 || lo < 0)
        return -1;
      dst[o++] = (char)(hi << 4 | lo);
      i += 2;
    } else {
      dst[o++] = c;
    }
  }
  return (long)o;
}

int hd_http_query(hd_http_req_t *req, const char *name, hd_iovec_t *out) {
  size_t nlen = strlen(name);
  const char *q = req->query.base, *end = q ? q + req->query.len : NULL;
  while (q && q < end) {
    const char *amp = memchr(q, '&', (size_t)(end - q));
    const char *pe = amp ? amp : end;
    const char *eq = memchr(q, '=', (size_t)(pe - q));
    const char *ne = eq ? eq : pe;
    if ((size_t)(ne - q) == nlen && memcmp(q, name, nlen) == 0) {
      hd_iovec_t raw = eq ? hd_iov(eq + 1, (size_t)(pe - eq - 1)) : hd_iov(pe, 0);
      char *dst = hd_mem_pool_alloc(&req->pool, raw.len + 1);
      long n = hd_http_pct_decode(raw, dst);
      if (n < 0)
        return 0; /* malformed escapes: treat as absent */
      dst[n] = '\0';
      *out = hd_iov(dst, (size_t)n);
      return 1;
    }
    q = amp ? amp + 1 : end;
  }
  return 0;
}

/* Header names/values from handlers must not smuggle CR/LF into the response. */
static int header_safe(const char *s) { return strpbrk(s, "\r\n") == NULL; }

void hd_http_add_header(hd_http_req_t *req, const char *name, const char *value) {
  hd__http_req_t *r = (hd__http_req_t *)req;
  if (!header_safe(name) || !header_safe(value)) {
    hd_log(HD_LOG_WARN, "response header dropped: CR/LF in name or value", NULL);
    return;
  }
  int err = hd_buf_appendf(&r->resp_hdrs, "%s: %s\r\n", name, value);
  HD_ASSERT(err == 0); /* unbounded buffer, bookkeeping-sized: cannot fail but on OOM */
}

const char *hd_http_reason(int status) {
  switch (status) {
  case 101:
    return "Switching Protocols";
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 202:
    return "Accepted";
  case 204:
    return "No Content";
  case 206:
    return "Partial Content";
  case 301:
    return "Moved Permanently";
  case 302:
    return "Found";
  case 304:
    return "Not Modified";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 409:
    return "Conflict";
  case 410:
    return "Gone";
  case 413:
    return "Content Too Large";
  case 415:
    return "Unsupported Media Type";
  case 416:
    return "Range Not Satisfiable";
  case 422:
    return "Unprocessable Content";
  case 426:
    return "Upgrade Required";
  case 429:
    return "Too Many Requests";
  case 431:
    return "Request Header Fields Too Large";
  case 451:
    return "Unavailable For Legal Reasons";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 502:
    return "Bad Gateway";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  default:
    return status < 200   ? "Informational"
           : status < 300 ? "Success"
           : status < 400 ? "Redirection"
           : status < 500 ? "Client Error"
                          : "Server Error";
  }
}
