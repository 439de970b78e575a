/*
 * http.h — the HTTP/1.1 client side: writing a request head, reading an answer.
 *
 * An answer is read in two steps from the connection's buffer:
 *
 *    "HTTP/1.1 200 OK\r\n" headers "\r\n"  ──herald__http_parse_head()──► herald_http_head_t
 *    body: Content-Length N │ chunked (size CRLF data CRLF … 0 CRLF trailers CRLF) │ to EOF
 *          ──herald__http_read_body()──► raw bytes (+ JSON)
 *
 * Invariants:
 *  1. The head is at most HERALD_MAX_HEADER bytes and the body at most HERALD_MAX_BODY.
 *  2. After a complete answer the connection's buffer starts at the next answer's first byte;
 *     keep_alive is 0 whenever the connection cannot be reused (close, HTTP/1.0, read-to-EOF,
 *     101 Switching Protocols).
 */
#ifndef HERALD_HTTP_H
#define HERALD_HTTP_H

#include "libherald/conn.h"
#include "libherald/herald.h"

#include <stdint.h>

typedef struct {
  int status;             /* 100..999 */
  int minor;              /* HTTP/1.<minor> */
  int64_t content_length; /* -1 when absent */
  int chunked;            /* Transfer-Encoding ends in chunked */
  int keep_alive;         /* connection may be reused after this answer */
  int retry_after;        /* seconds, or -1 */
  char ws_accept[64];     /* Sec-WebSocket-Accept */
  int upgrade_websocket;  /* Upgrade: websocket */
} herald_http_head_t;

/* Parse a complete head p[0..n) (through the blank line) into h. Returns 0 or
 * HD_ERR_PROTOCOL. */
int herald__http_parse_head(const char *p, size_t n, herald_http_head_t *h);
/* Return the length of the head at the start of p[0..n) including its blank line, 0 when not
 * complete yet. */
size_t herald__http_head_length(const char *p, size_t n);
/* Read one answer's head from c within timeout_ms; consume it from c->rbuf. *got_any is set
 * when at least one byte of the answer arrived. Returns 0 or a negative error. */
int herald__http_read_head(herald_conn_t *c, int timeout_ms, herald_http_head_t *h, int *got_any);
/* Read the body that h announces (none for 1xx, 204, 304 and HEAD) into res->raw/raw_len
 * and parse res->body when it is JSON. Returns 0 or a negative error. */
int herald__http_read_body(herald_conn_t *c, int timeout_ms, const herald_http_head_t *h,
                           int head_request, herald_response_t *res);
/* Append a request head to out: method, prefix+path, Host, optional bearer token, and, when
 * content_type is not NULL, Content-Type and Content-Length body_len. */
int herald__http_write_head(hd_buf_t *out, const char *method, const char *hostport,
                            const char *prefix, const char *path, const char *token,
                            const char *content_type, uint64_t body_len);

#endif
