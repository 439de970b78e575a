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

/*
 * Streaming bodies. When hd_server_config_t.body_sink accepts a request (at headers
 * complete), its body is not buffered: every piece is handed to sink->on_data as it is
 * parsed (chunked framing removed), then sink->on_end receives the request (body empty),
 * which must be answered like any other. If the connection fails first (client gone, parse
 * error, limit), sink->on_abort is called instead and the request never reaches anyone.
 * Exactly one of on_end / on_abort is called; after on_abort the sink must not call
 * hd_http_sink_resume. Back-pressure: on_data returns HD_HTTP_SINK_BUSY to make the net
 * layer stop reading the socket after the current read until hd_http_sink_resume().
 *
 *   headers ─body_sink()─► on_data … on_data ─BUSY─► (reads paused) ─resume─► on_data …
 *      └────────────────────────────────────────────► on_end(req) ─► hd_http_respond*
 *   any time before on_end: connection closed ─► on_abort
 */
#define HD_HTTP_SINK_BUSY 1
struct st_hd_http_sink_t {
  /* Take n bytes (copy them: p is only valid during the call). Returns 0, HD_HTTP_SINK_BUSY
   * or a negative hd_err_t, which the net layer answers (413, 400, …) before on_abort. */
  int (*on_data)(hd_http_sink_t *s, const char *p, size_t n);
  void (*on_end)(hd_http_sink_t *s, hd_http_req_t *req);
  void (*on_abort)(hd_http_sink_t *s);
  void *conn_; /* set by the net layer */
};
/* Resume reading after on_data returned HD_HTTP_SINK_BUSY (no-op once the body is complete). */
void hd_http_sink_resume(hd_http_sink_t *s);

/* Send status line and headers with Content-Length: len, then len bytes of fd from offset
 * off, read in 64 KiB pieces on the libuv thread pool, one piece in flight (the next read
 * starts when the socket took the previous one), and release req at once. fd is consumed
 * (closed by the net layer). If the file ends early the connection is closed. */
void hd_http_respond_file(hd_http_req_t *req, int status, const char *content_type, int fd,
                          uint64_t off, uint64_t len);

/* Pure helpers, exposed for unit tests and fuzzing. */
/* Percent-decode src into dst (capacity >= src.len); '+' stays '+'. Returns length or -1. */
long hd_http_pct_decode(hd_iovec_t src, char *dst);
/* The reason phrase for a status code ("Not Found"). */
const char *hd_http_reason(int status);

#endif
