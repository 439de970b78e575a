/*
 * http.h — HTTP/1.1 requests as handlers see them (parsing: llhttp, in net/http.c).
 *
 * A connection parses one request at a time: when a request is complete, parsing pauses
 * until the handler responds, so pipelined requests are answered in order. Keep-alive is
 * the default for HTTP/1.1 (and for 1.0 with "Connection: keep-alive"). Chunked request
 * bodies are reassembled. Limits come from hd_net_limits_t; violations are answered by the
 * net layer itself with a JSON error (431, 413, 408, 400) and the connection is closed.
 *
 * Lifetime: a hd_http_req_t lives until hd_http_respond() (or hd_ws_upgrade()). If the
 * client disconnects before that, the request stays valid; respond() then only frees it.
 * Everything in req->pool dies at respond().
 */
#ifndef HD_NET_HTTP_H
#define HD_NET_HTTP_H

#include "common/mem.h"
#include "net/server.h"

struct st_hd_http_req_t {
  hd_mem_pool_t pool; /* per-request arena */
  hd_loop_t *loop;
  hd_iovec_t method;  /* "GET", "POST", … */
  hd_iovec_t path;    /* raw path, without the query ("/v1/chats/12/messages") */
  hd_iovec_t query;   /* raw query after '?', without it ({NULL,0} if none) */
  hd_iovec_t body;    /* complete body ({NULL,0} if none) */
  char remote_ip[48]; /* peer address, textual */
  uint64_t start_ns;  /* monotonic time the request began */
  void *user;         /* free for the handler (e.g. the authenticated user) */
};

/* Return the value of the first header named name (case-insensitive), or {NULL,0}. */
hd_iovec_t hd_http_header(hd_http_req_t *req, const char *name);
/* Find a query parameter and percent-decode it into the pool. Returns 1 if found. */
int hd_http_query(hd_http_req_t *req, const char *name, hd_iovec_t *out);
/* Add a response header (copied). Call before hd_http_respond(). */
void hd_http_add_header(hd_http_req_t *req, const char *name, const char *value);
/* Send the response (body copied) and release req. Content-Length is set; keep-alive kept
 * unless the request asked to close. Must be called on req->loop's thread. */
void hd_http_respond(hd_http_req_t *req, int status, const char *content_type, hd_iovec_t body);
/* Return 1 if the client has gone away (responding is still required, to free req). */
int hd_http_closed(hd_http_req_t *req);

/* Pure helpers, exposed for unit tests and fuzzing. */
/* Percent-decode src into dst (capacity >= src.len); '+' stays '+'. Returns length or -1. */
long hd_http_pct_decode(hd_iovec_t src, char *dst);
/* The reason phrase for a status code ("Not Found"). */
const char *hd_http_reason(int status);

#endif
