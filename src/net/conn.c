/*
 * conn.c — connection plumbing shared by HTTP and WebSocket: accept, reads into the loop's
 * scratch buffer, the unconsumed tail, timers, graceful finish and close. The state diagram
 * and invariants are in conn.h; protocol behaviour is in http.c and ws.c.
 */
#include "net/conn.h"

#include "common/log.h"

#include <string.h>

#define HD_LINGER_MS 2000 /* after our FIN: wait this long for the peer's EOF */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  hd_conn_t *c = h->data;
  buf->base = c->loop->scratch;
  buf->len = HD_LOOP_SCRATCH;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  hd_conn_t *c = s->data;
  if (nread == 0 || c->state >= HD_CS_CLOSING)
    return;
  if (nread < 0) {
    c->flags |= HD_CF_EOF;
    if (c->state == HD_CS_FINISHING)
      hd__conn_close(c);
    else if (c->kind == HD_CONN_HTTP)
      hd__http_on_eof(c);
    else
      hd__conn_close(c); /* WS dropped without a close frame: on_close gets 1006 */
    return;
  }
  if (c->state == HD_CS_FINISHING)
    return; /* lingering: discard */
  char *data = buf->base;
  size_t len = (size_t)nread;
  if (c->tail_len) {
    c->tail = hd_mem_realloc(c->tail, c->tail_len + len);
    memcpy(c->tail + c->tail_len, data, len);
    c->tail_len += (uint32_t)len;
    data = c->tail;
    len = c->tail_len;
  }
  if (c->kind == HD_CONN_HTTP)
    hd__http_on_data(c, data, len);
  else
    hd__ws_on_data(c, data, len);
}

void hd__conn_read_resume(hd_conn_t *c) {
  if (!(c->flags & HD_CF_READ_STOPPED) || c->state >= HD_CS_CLOSING)
    return;
  c->flags &= (uint8_t)~HD_CF_READ_STOPPED;
  if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
    hd__conn_close(c);
}

void hd__conn_keep_tail(hd_conn_t *c, const char *p, size_t n) {
  if (c->state >= HD_CS_FINISHING)
    n = 0; /* input is discarded from now on */
  if (n == 0) {
    hd_mem_free(c->tail);
    c->tail = NULL;
    c->tail_len = 0;
    return;
  }
  if (c->tail && p >= c->tail && p < c->tail + c->tail_len) {
    if (p != c->tail)
      memmove(c->tail, p, n);
    c->tail = hd_mem_realloc(c->tail, n);
  } else {
    HD_ASSERT(c->tail == NULL); /* external data only arrives when no tail is kept */
    c->tail = hd_mem_alloc(n);
    memcpy(c->tail, p, n);
  }
  HD_ASSERT(n <= UINT32_MAX);
  c->tail_len = (uint32_t)n;
}

void hd__conn_arm(hd_conn_t *c, uint64_t delay_ms) {
  hd_wheel_schedule(&c->loop->wheel, &c->timer, hd__loop_now(c->loop), delay_ms);
}

void hd__conn_on_timer(hd_wheel_t *w, hd_wheel_node_t *node) {
  hd_conn_t *c = (hd_conn_t *)((char *)node - offsetof(hd_conn_t, timer));
  if (c->state == HD_CS_FINISHING)
    hd__conn_close(c);
  else if (c->state < HD_CS_CLOSING && c->kind == HD_CONN_HTTP)
    hd__http_on_timer(c);
  else if (c->state < HD_CS_CLOSING)
    hd__ws_on_timer(c);
}

void hd__conn_free(hd_conn_t *c) {
  hd_mem_free(c->tail);
  hd_mem_free(c);
}

static void on_close(uv_handle_t *h) {
  hd_conn_t *c = h->data;
  int keep = 0;
  if (c->kind == HD_CONN_HTTP) {
    HD_STAT_SUB(c->loop, http_conns_open, 1);
    keep = hd__http_on_close(c);
  } else {
    HD_STAT_SUB(c->loop, ws_conns_open, 1);
    hd__ws_on_close(c);
  }
  hd_mem_free(c->tail);
  c->tail = NULL;
  c->tail_len = 0;
  c->state = HD_CS_CLOSED;
  if (!keep && !(c->flags & HD_CF_DEFER))
    hd__conn_free(c);
}

void hd__conn_close(hd_conn_t *c) {
  if (c->state >= HD_CS_CLOSING)
    return;
  c->state = HD_CS_CLOSING;
  hd_wheel_cancel(&c->loop->wheel, &c->timer);
  uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  hd_conn_t *c = req->data;
  hd_mem_free(req);
  if (status == UV_ECANCELED)
    return; /* closed meanwhile */
  if (status < 0 || (c->flags & HD_CF_EOF))
    hd__conn_close(c); /* written out and the peer has nothing more to say */
  else if (c->state == HD_CS_FINISHING)
    hd__conn_arm(c, HD_LINGER_MS); /* written out: now wait briefly for the peer's EOF */
}

void hd__conn_finish(hd_conn_t *c) {
  if (c->state >= HD_CS_FINISHING)
    return;
  c->state = HD_CS_FINISHING;
  uv_shutdown_t *req = hd_mem_alloc(sizeof(*req));
  req->data = c;
  if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
    hd_mem_free(req);
    hd__conn_close(c);
    return;
  }
  /* keep draining so the peer's EOF is seen, unless it was already (a half-closed
   * client still gets its response: on_shutdown closes after the writes) */
  if (!(c->flags & HD_CF_EOF))
    hd__conn_read_resume(c);
  /* bound the time the queued output may take to drain */
  hd__conn_arm(c, HD_MAX((uint64_t)HD_LINGER_MS, c->loop->lim->idle_timeout_ms));
}

void hd__conn_peer(hd_conn_t *c, char *out, size_t cap) {
  struct sockaddr_storage ss;
  int len = sizeof(ss);
  out[0] = '\0';
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
    return;
  if (ss.ss_family == AF_INET)
    uv_ip4_name((struct sockaddr_in *)&ss, out, cap);
  else if (ss.ss_family == AF_INET6)
    uv_ip6_name((struct sockaddr_in6 *)&ss, out, cap);
}

void hd__conn_accept(hd_loop_t *loop) {
  hd_conn_t *c = hd_mem_calloc(sizeof(*c));
  c->loop = loop;
  hd_wheel_node_init(&c->timer);
  if (uv_tcp_init(&loop->uv, &c->tcp) != 0) {
    hd_mem_free(c);
    return;
  }
  c->tcp.data = c;
  c->kind = HD_CONN_HTTP;
  c->state = HD_CS_OPEN;
  hd__http_conn_init(c);
  HD_STAT_ADD(loop, http_conns_open, 1);
  if (uv_accept((uv_stream_t *)&loop->listener, (uv_stream_t *)&c->tcp) != 0 ||
      uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
    hd__conn_close(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
}
