/*
 * net.c — the epoll engine behind herald-load (see net.h for states and invariants).
 *
 * Reads go into the loop's 256 KiB scratch buffer and are parsed straight from it; only an
 * incomplete tail is copied into the connection's own buffer, so ten thousand idle
 * WebSockets cost a few hundred bytes each on the client side. Writes go straight to the
 * socket; what the kernel does not take is kept in the connection's output buffer and
 * EPOLLOUT is armed until it drains.
 */
#include "net.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/tcp.h>

#include "common/error.h"
#include "common/time.h"

#define LG_SCRATCH    (256 * 1024)
#define LG_MAX_EVENTS 256

typedef struct st_lg_conn_impl_t lg_conn_impl_t;
struct st_lg_conn_impl_t {
  lg_conn_t pub; /* first: lg_conn_t* and lg_conn_impl_t* convert */
  int fd;
  const lg_conn_cb_t *cb;
  char *ws_path; /* owned; NULL for plain HTTP */
  hd_buf_t in;   /* incomplete input carried between reads */
  hd_buf_t out;  /* output the kernel has not taken yet */
  hd_buf_t frag; /* a fragmented WebSocket message being reassembled */
  int frag_opcode;
  int epoll_out;        /* EPOLLOUT armed */
  uint32_t mask_state;  /* xorshift state for WebSocket mask keys */
  lg_conn_impl_t *next; /* pending FIFO, or dead list */
  lg_conn_impl_t *all_prev, *all_next;
};

struct st_lg_loop_t {
  int index;
  int epfd;
  int max_connecting;
  int connecting; /* CONNECTING + UPGRADING */
  int live;
  struct sockaddr_in addr; /* of the most recent open; every conn goes to one server */
  lg_conn_impl_t *pending_head, *pending_tail;
  lg_conn_impl_t *dead;
  lg_conn_impl_t *all;
  hd_buf_t scratch; /* chunked-body decoding */
  char *rbuf;
};

static lg_conn_impl_t *impl(lg_conn_t *c) { return (lg_conn_impl_t *)c; }

lg_loop_t *lg_loop_create(int index, int max_connecting) {
  lg_loop_t *l = hd_mem_calloc(sizeof(*l));
  l->index = index;
  l->max_connecting = max_connecting > 0 ? max_connecting : 64;
  l->epfd = epoll_create1(EPOLL_CLOEXEC);
  HD_ASSERT(l->epfd >= 0);
  hd_buf_init(&l->scratch, LG_WS_MAX_FRAME);
  l->rbuf = hd_mem_alloc(LG_SCRATCH);
  return l;
}

static void conn_free(lg_conn_impl_t *c) {
  hd_buf_dispose(&c->in);
  hd_buf_dispose(&c->out);
  hd_buf_dispose(&c->frag);
  hd_mem_free(c->ws_path);
  hd_mem_free(c);
}

static void reap(lg_loop_t *l) {
  while (l->dead != NULL) {
    lg_conn_impl_t *c = l->dead;
    l->dead = c->next;
    conn_free(c);
  }
}

void lg_loop_destroy(lg_loop_t *l) {
  if (l == NULL)
    return;
  lg_conn_impl_t *c = l->all;
  while (c != NULL) {
    lg_conn_impl_t *next = c->all_next;
    if (c->fd >= 0)
      close(c->fd);
    conn_free(c);
    c = next;
  }
  reap(l);
  close(l->epfd);
  hd_buf_dispose(&l->scratch);
  hd_mem_free(l->rbuf);
  hd_mem_free(l);
}

int lg_loop_index(lg_loop_t *l) { return l->index; }
int lg_loop_live(lg_loop_t *l) { return l->live; }

/* Move c to CLOSED: unlink, close the socket, tell the owner, queue the memory for reap. */
static void conn_close_err(lg_conn_impl_t *c, int err) {
  lg_loop_t *l = c->pub.loop;
  if (c->pub.state == LG_CLOSED)
    return;
  if (c->pub.state == LG_CONNECTING || c->pub.state == LG_UPGRADING)
    l->connecting--;
  if (c->pub.state == LG_PENDING) {
    /* still queued: unlink from the pending FIFO */
    lg_conn_impl_t **pp = &l->pending_head, *prev = NULL;
    while (*pp != NULL && *pp != c) {
      prev = *pp;
      pp = &(*pp)->next;
    }
    if (*pp == c) {
      *pp = c->next;
      if (l->pending_tail == c)
        l->pending_tail = prev;
    }
  }
  c->pub.state = LG_CLOSED;
  if (c->fd >= 0) {
    close(c->fd); /* also removes it from the epoll set */
    c->fd = -1;
  }
  l->live--;
  if (c->all_prev != NULL)
    c->all_prev->all_next = c->all_next;
  else
    l->all = c->all_next;
  if (c->all_next != NULL)
    c->all_next->all_prev = c->all_prev;
  c->next = l->dead;
  l->dead = c;
  if (c->cb->on_close != NULL)
    c->cb->on_close(&c->pub, err);
}

void lg_conn_close(lg_conn_t *c) { conn_close_err(impl(c), 0); }

static int set_epoll_out(lg_conn_impl_t *c, int on) {
  if (c->epoll_out == on)
    return 0;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0), .data.ptr = c};
  if (epoll_ctl(c->pub.loop->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
    return HD_ERR_IO;
  c->epoll_out = on;
  return 0;
}

/* Write as much pending output as the kernel takes. */
static int flush(lg_conn_impl_t *c) {
  size_t off = 0;
  while (off < c->out.len) {
    ssize_t n = send(c->fd, c->out.base + off, c->out.len - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break;
      return HD_ERR_IO;
    }
    off += (size_t)n;
  }
  hd_buf_consume(&c->out, off);
  return set_epoll_out(c, c->out.len > 0);
}

/* Start connecting c (a connect slot is free). */
static void conn_start(lg_conn_impl_t *c) {
  lg_loop_t *l = c->pub.loop;
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    goto fail;
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(c->fd, (struct sockaddr *)&l->addr, sizeof(l->addr)) < 0 && errno != EINPROGRESS)
    goto fail;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.ptr = c};
  if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
    goto fail;
  c->epoll_out = 1;
  c->pub.state = LG_CONNECTING;
  l->connecting++;
  return;
fail:
  c->pub.state = LG_CONNECTING;
  l->connecting++;
  conn_close_err(c, HD_ERR_IO);
}

static void start_pending(lg_loop_t *l) {
  while (l->pending_head != NULL && l->connecting < l->max_connecting) {
    lg_conn_impl_t *c = l->pending_head;
    l->pending_head = c->next;
    if (l->pending_head == NULL)
      l->pending_tail = NULL;
    c->next = NULL;
    conn_start(c);
  }
}

lg_conn_t *lg_conn_open(lg_loop_t *l, const struct sockaddr_in *addr, const char *ws_path,
                        const lg_conn_cb_t *cb, void *ud, int64_t tag) {
  lg_conn_impl_t *c = hd_mem_calloc(sizeof(*c));
  c->pub.loop = l;
  c->pub.state = LG_PENDING;
  c->pub.ud = ud;
  c->pub.tag = tag;
  c->fd = -1;
  c->cb = cb;
  c->ws_path = ws_path != NULL ? hd_strdup(ws_path) : NULL;
  c->mask_state = (uint32_t)(0x9e3779b9u ^ (uint32_t)tag ^ (uint32_t)(uintptr_t)c) | 1u;
  hd_buf_init(&c->in, LG_WS_MAX_FRAME + LG_HTTP_MAX_HEADER);
  hd_buf_init(&c->out, 0);
  hd_buf_init(&c->frag, LG_WS_MAX_FRAME);
  l->addr = *addr;
  l->live++;
  c->all_next = l->all;
  if (l->all != NULL)
    l->all->all_prev = c;
  l->all = c;
  if (l->pending_tail != NULL)
    l->pending_tail->next = c;
  else
    l->pending_head = c;
  l->pending_tail = c;
  start_pending(l);
  return &c->pub;
}

int lg_conn_request(lg_conn_t *pc, const char *method, const char *path, const char *token,
                    const char *body, size_t body_len) {
  lg_conn_impl_t *c = impl(pc);
  HD_ASSERT(pc->state == LG_READY && !pc->in_flight);
  int rc = lg_http_put_request(&c->out, method, path, token, body, body_len);
  if (rc == 0) {
    pc->in_flight = 1;
    pc->t_sent = hd_time_mono_ns();
    rc = flush(c);
  }
  if (rc < 0)
    conn_close_err(c, rc);
  return rc;
}

int lg_conn_ws_send(lg_conn_t *pc, int opcode, const void *payload, size_t len) {
  lg_conn_impl_t *c = impl(pc);
  HD_ASSERT(pc->state == LG_WS);
  c->mask_state ^= c->mask_state << 13;
  c->mask_state ^= c->mask_state >> 17;
  c->mask_state ^= c->mask_state << 5;
  int rc = lg_ws_put_frame(&c->out, opcode, payload, len, c->mask_state);
  if (rc == 0)
    rc = flush(c);
  if (rc < 0)
    conn_close_err(c, rc);
  return rc;
}

/* Handle one WebSocket frame; returns 0 or an error that closes the connection. */
static int on_frame(lg_conn_impl_t *c, const lg_ws_frame_t *f) {
  switch (f->opcode) {
  case LG_WS_PING:
    return lg_conn_ws_send(&c->pub, LG_WS_PONG, f->payload.base, f->payload.len);
  case LG_WS_PONG:
    return 0;
  case LG_WS_CLOSE:
    lg_conn_ws_send(&c->pub, LG_WS_CLOSE, f->payload.base, f->payload.len >= 2 ? 2 : 0);
    return HD_ERR_IO;
  case LG_WS_CONT:
    if (c->frag_opcode == 0)
      return HD_ERR_BAD_REQUEST;
    if (hd_buf_append(&c->frag, f->payload.base, f->payload.len) < 0)
      return HD_ERR_TOO_LARGE;
    if (!f->fin)
      return 0;
    {
      int op = c->frag_opcode, rc = 0;
      c->frag_opcode = 0;
      if (c->cb->on_ws_message != NULL)
        rc = c->cb->on_ws_message(&c->pub, op, hd_iov(c->frag.base, c->frag.len));
      c->frag.len = 0;
      return rc;
    }
  default:
    if (c->frag_opcode != 0)
      return HD_ERR_BAD_REQUEST;
    if (!f->fin) {
      c->frag_opcode = f->opcode;
      c->frag.len = 0;
      return hd_buf_append(&c->frag, f->payload.base, f->payload.len) < 0 ? HD_ERR_TOO_LARGE : 0;
    }
    return c->cb->on_ws_message != NULL ? c->cb->on_ws_message(&c->pub, f->opcode, f->payload) : 0;
  }
}

/* Parse and dispatch complete units from buf; returns bytes used or an error. */
static int64_t process(lg_conn_impl_t *c, char *buf, size_t len) {
  lg_loop_t *l = c->pub.loop;
  size_t off = 0;
  while (off < len && c->pub.state != LG_CLOSED) {
    int64_t n;
    int rc = 0;
    if (c->pub.state == LG_WS) {
      lg_ws_frame_t f;
      n = lg_ws_parse(buf + off, len - off, &f);
      if (n > 0)
        rc = on_frame(c, &f);
    } else if (c->pub.state == LG_READY || c->pub.state == LG_UPGRADING) {
      lg_http_resp_t r;
      n = lg_http_parse(buf + off, len - off, &l->scratch, &r);
      if (n <= 0)
        return n < 0 ? n : (int64_t)off;
      if (c->pub.state == LG_UPGRADING) {
        if (r.status != 101 || !r.upgrade_ws)
          return HD_ERR_BAD_REQUEST;
        c->pub.state = LG_WS;
        l->connecting--;
        start_pending(l);
        if (c->cb->on_ws_open != NULL)
          rc = c->cb->on_ws_open(&c->pub);
      } else {
        if (!c->pub.in_flight)
          return HD_ERR_BAD_REQUEST; /* a response nobody asked for */
        c->pub.in_flight = 0;
        uint64_t lat = hd_time_mono_ns() - c->pub.t_sent;
        if (c->cb->on_response != NULL)
          rc = c->cb->on_response(&c->pub, &r, lat);
        if (rc == 0 && r.close && c->pub.state != LG_CLOSED)
          rc = HD_ERR_IO;
      }
    } else {
      return HD_ERR_BAD_REQUEST; /* bytes before we sent anything */
    }
    if (n == 0)
      break;
    if (n < 0)
      return n;
    off += (size_t)n;
    if (rc < 0)
      return rc;
  }
  return (int64_t)off;
}

static void on_readable(lg_conn_impl_t *c) {
  lg_loop_t *l = c->pub.loop;
  ssize_t n = recv(c->fd, l->rbuf, LG_SCRATCH, 0);
  if (n == 0) {
    conn_close_err(c, HD_ERR_IO);
    return;
  }
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR)
      conn_close_err(c, HD_ERR_IO);
    return;
  }
  char *buf = l->rbuf;
  size_t len = (size_t)n;
  if (c->in.len > 0) {
    if (hd_buf_append(&c->in, buf, len) < 0) {
      conn_close_err(c, HD_ERR_TOO_LARGE);
      return;
    }
    buf = c->in.base;
    len = c->in.len;
  }
  int64_t used = process(c, buf, len);
  if (used < 0) {
    conn_close_err(c, (int)used);
    return;
  }
  if (c->pub.state == LG_CLOSED)
    return;
  if (buf == c->in.base) {
    hd_buf_consume(&c->in, (size_t)used);
  } else if ((size_t)used < len && hd_buf_append(&c->in, buf + used, len - (size_t)used) < 0) {
    conn_close_err(c, HD_ERR_TOO_LARGE);
  }
}

static void on_writable(lg_conn_impl_t *c) {
  lg_loop_t *l = c->pub.loop;
  if (c->pub.state == LG_CONNECTING) {
    int err = 0;
    socklen_t el = sizeof(err);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0) {
      conn_close_err(c, HD_ERR_IO);
      return;
    }
    if (c->ws_path != NULL) {
      uint8_t raw[16];
      char key[32];
      for (int i = 0; i < 16; i++) {
        c->mask_state ^= c->mask_state << 13;
        c->mask_state ^= c->mask_state >> 17;
        c->mask_state ^= c->mask_state << 5;
        raw[i] = (uint8_t)c->mask_state;
      }
      lg_base64(raw, sizeof(raw), key, sizeof(key));
      c->pub.state = LG_UPGRADING;
      if (lg_http_put_upgrade(&c->out, c->ws_path, key) < 0) {
        conn_close_err(c, HD_ERR_NOMEM);
        return;
      }
    } else {
      c->pub.state = LG_READY;
      l->connecting--;
      start_pending(l);
      if (c->cb->on_ready != NULL) {
        int rc = c->cb->on_ready(&c->pub);
        if (rc < 0) {
          conn_close_err(c, rc);
          return;
        }
      }
      if (c->pub.state == LG_CLOSED)
        return;
    }
  }
  int rc = flush(c);
  if (rc < 0)
    conn_close_err(c, rc);
}

void lg_loop_close_owned(lg_loop_t *l, void *ud) {
  lg_conn_impl_t *c = l->all;
  while (c != NULL) {
    lg_conn_impl_t *next = c->all_next; /* closing unlinks c from the list */
    if (c->pub.ud == ud)
      conn_close_err(c, 0);
    c = next;
  }
  reap(l);
}

int lg_loop_run_once(lg_loop_t *l, int timeout_ms) {
  struct epoll_event evs[LG_MAX_EVENTS];
  int n = epoll_wait(l->epfd, evs, LG_MAX_EVENTS, timeout_ms);
  if (n < 0)
    return errno == EINTR ? 0 : HD_ERR_IO;
  for (int i = 0; i < n; i++) {
    lg_conn_impl_t *c = evs[i].data.ptr;
    if (c->pub.state == LG_CLOSED)
      continue;
    if (evs[i].events & EPOLLOUT)
      on_writable(c);
    if (c->pub.state != LG_CLOSED && c->pub.state != LG_CONNECTING &&
        (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)))
      on_readable(c);
    else if (c->pub.state == LG_CONNECTING && (evs[i].events & (EPOLLHUP | EPOLLERR)))
      conn_close_err(c, HD_ERR_IO);
  }
  reap(l);
  start_pending(l);
  return n;
}

typedef struct {
  lg_loop_t *loop;
  int (*done)(void *);
  void *arg;
  uint64_t deadline_ns;
  atomic_int *finished;
  int timed_out;
} lg_runner_t;

static void *runner(void *p) {
  lg_runner_t *r = p;
  for (;;) {
    if (atomic_load(r->finished))
      break;
    if (r->done(r->arg)) {
      atomic_store(r->finished, 1);
      break;
    }
    if (hd_time_mono_ns() >= r->deadline_ns) {
      r->timed_out = 1;
      atomic_store(r->finished, 1);
      break;
    }
    lg_loop_run_once(r->loop, 5);
  }
  return NULL;
}

int lg_run(lg_loop_t **loops, int nloops, int (*done)(void *arg), void *arg, uint64_t timeout_ms) {
  atomic_int finished = 0;
  lg_runner_t rs[64];
  pthread_t th[64];
  HD_ASSERT(nloops >= 1 && nloops <= 64);
  uint64_t deadline = hd_time_mono_ns() + timeout_ms * 1000000ull;
  for (int i = 0; i < nloops; i++)
    rs[i] = (lg_runner_t){loops[i], done, arg, deadline, &finished, 0};
  for (int i = 1; i < nloops; i++)
    HD_ASSERT(pthread_create(&th[i], NULL, runner, &rs[i]) == 0);
  runner(&rs[0]);
  int timed_out = rs[0].timed_out;
  for (int i = 1; i < nloops; i++) {
    pthread_join(th[i], NULL);
    timed_out |= rs[i].timed_out;
  }
  return timed_out && !done(arg) ? HD_ERR_TIMEOUT : 0;
}
