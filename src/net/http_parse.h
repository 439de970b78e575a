/*
 * http_parse.h — the llhttp glue: turns bytes into complete requests under the configured
 * limits, with no socket involved, so the server (net/http.c) and the fuzzer
 * (fuzz/http_request.c) run exactly the same code.
 *
 * One parser parses one request at a time and pauses when it is complete:
 *
 *   IDLE ──first byte (on_message_begin)──► HEAD ──on_headers_complete──► BODY
 *     ▲                                                                     │
 *     └──── hd__http_parser_next() ◄── COMPLETE (paused) ◄─on_message_complete┘
 *   any state ──limit or syntax error──► FAILED (p->err holds the hd_err_t; terminal)
 *
 * Storage while parsing: the URL and every header name/value are appended to p->head
 * (ceiling max_header_bytes → HD_ERR_HEADERS_TOO_LARGE, as is the raw head size and more
 * than HD_HTTP_MAX_HEADERS headers); body bytes to p->body (ceiling max_body_bytes →
 * HD_ERR_TOO_LARGE, checked against Content-Length and each chunk size before any byte of
 * it arrives). hd__http_req_create() moves both into a request.
 *
 * Invariants:
 *  1. p->head.len <= max_header_bytes and p->body.len <= max_body_bytes.
 *  2. After hd__http_parser_feed() returns HD_HTTP_COMPLETE, nothing more is parsed until
 *     hd__http_parser_next(); the unparsed bytes are the caller's to keep.
 *  3. Header refs are offsets into p->head, so p->head may be reallocated freely.
 */
#ifndef HD_NET_HTTP_PARSE_H
#define HD_NET_HTTP_PARSE_H

#include "net/http.h"

#include <llhttp.h>

#define HD_HTTP_MAX_HEADERS 64

typedef struct {
  uint32_t name_off, name_len, val_off, val_len;
} hd__http_hdr_ref_t;

enum {
  HD_HTTP_P_IDLE,     /* between requests */
  HD_HTTP_P_HEAD,     /* request line / headers */
  HD_HTTP_P_BODY,     /* body */
  HD_HTTP_P_COMPLETE, /* a request is ready; parser paused */
  HD_HTTP_P_FAILED    /* error; p->err set */
};

typedef struct {
  llhttp_t llp;
  const hd_net_limits_t *lim;
  hd_buf_t head; /* URL then names/values, back to back */
  hd_buf_t body;
  hd__http_hdr_ref_t hdrs[HD_HTTP_MAX_HEADERS];
  uint32_t url_len;
  uint16_t nhdrs;
  uint8_t cur;            /* 0 none, 1 in a header name, 2 in a header value */
  uint8_t state;          /* HD_HTTP_P_* */
  size_t head_raw;        /* raw head bytes of the current request in earlier feeds */
  const char *feed_start; /* start of the data being fed (valid during a feed only) */
  const char *last_end;   /* end of the last URL/header span in this feed */
  int err;                /* hd_err_t once FAILED */
  /* Streaming bodies (net/http.c): on_head runs when the headers are complete and may set
   * sink; body bytes then go to sink->on_data instead of p->body, and max_body_bytes does
   * not apply (the sink enforces its own limit). sink_busy: the sink asked for a pause. */
  int (*on_head)(void *data);
  void *head_data;
  hd_http_sink_t *sink;
  uint8_t sink_busy;
} hd__http_parser_t;

/* Feed results besides a negative hd_err_t. */
#define HD_HTTP_MORE     0 /* all bytes consumed, request not complete */
#define HD_HTTP_COMPLETE 1 /* a request is complete; *consumed bytes were used */

void hd__http_parser_init(hd__http_parser_t *p, const hd_net_limits_t *lim);
void hd__http_parser_dispose(hd__http_parser_t *p);
/* Parse data; returns HD_HTTP_MORE, HD_HTTP_COMPLETE or a negative error (the parser is
 * then FAILED: HD_ERR_BAD_REQUEST, HD_ERR_HEADERS_TOO_LARGE or HD_ERR_TOO_LARGE). */
int hd__http_parser_feed(hd__http_parser_t *p, const char *data, size_t len, size_t *consumed);
/* Reset after a COMPLETE request (taken or not) and resume parsing. */
void hd__http_parser_next(hd__http_parser_t *p);
/* 1 if bytes of a request have arrived but it is not complete. */
static inline int hd__http_parser_started(const hd__http_parser_t *p) {
  return p->state == HD_HTTP_P_HEAD || p->state == HD_HTTP_P_BODY;
}

/* The request as the net layer keeps it; handlers see only .pub. */
typedef struct st_hd__http_req_t hd__http_req_t;
struct st_hd_conn_t;
struct st_hd__http_req_t {
  hd_http_req_t pub;     /* first: hd_http_req_t * converts to hd__http_req_t * */
  hd_iovec_t *hdr_names; /* in pub.pool */
  hd_iovec_t *hdr_vals;
  size_t nhdrs;
  hd_buf_t body;             /* owned; pub.body points into it */
  hd_buf_t resp_hdrs;        /* "Name: value\r\n" lines added by the handler */
  struct st_hd_conn_t *conn; /* owning connection; its state says if it is gone */
  uint8_t keep_alive;        /* llhttp_should_keep_alive() */
  uint8_t upgrade;           /* Upgrade / CONNECT request */
};

/* Build a request from a COMPLETE parser, moving the head and body out of it (the parser
 * must still be reset with hd__http_parser_next()). Free with hd__http_req_free(). */
hd__http_req_t *hd__http_req_create(hd__http_parser_t *p, hd_loop_t *loop);
/* The two halves of hd__http_req_create: build a request from a parser whose headers are
 * complete (HEAD done, body possibly still to come), then, once it is COMPLETE, move the
 * body and the keep-alive/upgrade flags into it. */
hd__http_req_t *hd__http_req_create_head(hd__http_parser_t *p, hd_loop_t *loop);
void hd__http_req_take_body(hd__http_req_t *r, hd__http_parser_t *p);
void hd__http_req_free(hd__http_req_t *r);

#endif
