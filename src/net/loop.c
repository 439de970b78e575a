/*
 * loop.c — the server: loops, threads, listeners (SO_REUSEPORT), the posted-call queue,
 * the worker-pool wrapper, signals and shutdown. See loop.h for the per-loop structure.
 *
 * Lifecycle:
 *
 *   hd_server_create: loops initialised, sockets bound and listening (port known)
 *     └► hd_server_run: one thread per loop: loop_start hook, uv_run (accepting)
 *          └► stop (hd_server_stop / SIGINT / SIGTERM → every loop's async):
 *               loop_begin_stop: close listener, signals, connections
 *               loop_try_finish (on each async/tick): when no request is outstanding or
 *               the grace period is over, close tick + async → uv_run returns
 *          └► loop_stop hook; threads joined; hd_server_run returns
 *   hd_server_destroy: drain posted calls (their fn frees arg), close the loops
 *
 * Invariants:
 *  1. All loops listen on the same port; with port 0 the first bind picks it.
 *  2. Posted calls run in posting order, each exactly once (on the loop, or at destroy).
 *  3. hd_server_stop() only sets a flag and calls uv_async_send (async-signal-safe).
 */
#include "net/conn.h"

#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct st_hd_post_t {
  hd_post_t *next;
  void (*fn)(hd_loop_t *loop, void *arg);
  void *arg;
};

struct st_hd_server_t {
  hd_server_config_t cfg;
  int nloops;
  int port;
  hd_loop_t **loops;
  _Atomic int stop;
};

static _Thread_local hd_loop_t *current_loop;

void hd_net_limits_default(hd_net_limits_t *lim) {
  lim->max_header_bytes = 16 * 1024;
  lim->max_body_bytes = 1024 * 1024;
  lim->idle_timeout_ms = 60000;
  lim->read_timeout_ms = 30000;
  lim->ws_max_message = 64 * 1024;
  lim->ws_max_queued = 1024 * 1024;
  lim->ws_ping_interval_ms = 30000;
  lim->ws_pong_timeout_ms = 30000;
}

/* Pick the wheel tick: an eighth of the shortest timeout, between 10 ms and 1 s. */
static uint64_t pick_tick(const hd_net_limits_t *l) {
  uint32_t t[] = {l->idle_timeout_ms, l->read_timeout_ms, l->ws_ping_interval_ms,
                  l->ws_pong_timeout_ms};
  uint64_t m = 1000 * 8;
  for (size_t i = 0; i < HD_ARRAY_SIZE(t); i++)
    if (t[i] && t[i] < m)
      m = t[i];
  return HD_MAX(10, HD_MIN(1000, m / 8));
}

/* Create a non-blocking listening-ready socket bound with SO_REUSEPORT. */
static int bind_socket(const char *host, int port, int *fd_out, int *port_out) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof(ss));
  int fam = strchr(host, ':') ? AF_INET6 : AF_INET;
  int r = fam == AF_INET6 ? uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss)
                          : uv_ip4_addr(host, port, (struct sockaddr_in *)&ss);
  if (r != 0)
    return HD_ERR_BAD_REQUEST;
  int fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return HD_ERR_IO;
  int one = 1;
  socklen_t sl = fam == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
      bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
      getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
    goto fail_fd;
  *port_out = ntohs(fam == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                    : ((struct sockaddr_in *)&ss)->sin_port);
  *fd_out = fd;
  return 0;
fail_fd:
  hd_log(HD_LOG_ERROR, "bind failed", "\"port\":%d,\"errno\":%d", port, errno);
  close(fd);
  return HD_ERR_IO;
}

static void on_tick(uv_timer_t *t);
static void on_async(uv_async_t *a);
static void on_connection(uv_stream_t *server, int status);

static int loop_init(hd_server_t *s, int index, int fd, hd_loop_t **out) {
  hd_loop_t *l = hd_mem_calloc(sizeof(*l));
  l->server = s;
  l->lim = &s->cfg.limits;
  l->index = index;
  if (uv_loop_init(&l->uv) != 0)
    goto fail_loop;
  l->uv.data = l;
  if (uv_tcp_init(&l->uv, &l->listener) != 0 || uv_tcp_open(&l->listener, fd) != 0)
    goto fail_uv;
  l->listener.data = l;
  uv_timer_init(&l->uv, &l->tick);
  l->tick.data = l;
  uv_async_init(&l->uv, &l->async, on_async);
  l->async.data = l;
  uv_prepare_init(&l->uv, &l->flush);
  uv_unref((uv_handle_t *)&l->flush);
  uv_mutex_init(&l->qlock);
  hd_wheel_init(&l->wheel, pick_tick(l->lim), uv_now(&l->uv), hd__conn_on_timer, l);
  l->scratch = hd_mem_alloc(HD_LOOP_SCRATCH);
  *out = l;
  return 0;
fail_uv:
  uv_close((uv_handle_t *)&l->listener, NULL);
  uv_run(&l->uv, UV_RUN_NOWAIT);
  uv_loop_close(&l->uv);
fail_loop:
  hd_mem_free(l);
  close(fd);
  return HD_ERR_IO;
}

/* Run every posted call (FIFO). */
static void drain(hd_loop_t *l) {
  uv_mutex_lock(&l->qlock);
  hd_post_t *p = l->qhead;
  l->qhead = l->qtail = NULL;
  uv_mutex_unlock(&l->qlock);
  while (p) {
    hd_post_t *n = p->next;
    p->fn(l, p->arg);
    hd_mem_free(p);
    p = n;
  }
}

static void loop_destroy(hd_loop_t *l) {
  drain(l);
  if (!l->stopping) { /* never ran: close the handles here */
    uv_close((uv_handle_t *)&l->listener, NULL);
    uv_close((uv_handle_t *)&l->tick, NULL);
    uv_close((uv_handle_t *)&l->async, NULL);
    uv_close((uv_handle_t *)&l->flush, NULL);
  }
  uv_run(&l->uv, UV_RUN_DEFAULT);
  drain(l);
  uv_loop_close(&l->uv);
  uv_mutex_destroy(&l->qlock);
  hd_mem_free(l->scratch);
  hd_mem_free(l);
}

int hd_server_create(const hd_server_config_t *cfg, hd_server_t **out) {
  if (cfg->handler == NULL || cfg->host == NULL || cfg->port < 0 || cfg->port > 65535)
    return HD_ERR_BAD_REQUEST;
  signal(SIGPIPE, SIG_IGN);
  hd_server_t *s = hd_mem_calloc(sizeof(*s));
  s->cfg = *cfg;
  s->nloops = cfg->nloops > 0 ? cfg->nloops : (int)uv_available_parallelism();
  s->loops = hd_mem_calloc(sizeof(hd_loop_t *) * (size_t)s->nloops);
  atomic_init(&s->stop, 0);
  int port = cfg->port, err = 0;
  for (int i = 0; i < s->nloops; i++) {
    int fd, bound;
    if ((err = bind_socket(cfg->host, port, &fd, &bound)) != 0)
      goto fail_loops;
    port = bound; /* port 0: the first bind chose it; the others share it */
    if ((err = loop_init(s, i, fd, &s->loops[i])) != 0)
      goto fail_loops;
  }
  /* listen now, so the port accepts connections as soon as create returns; they are
   * accept()ed only once the loop runs, i.e. after its loop_start hook */
  for (int i = 0; i < s->nloops; i++) {
    int r = uv_listen((uv_stream_t *)&s->loops[i]->listener, 511, on_connection);
    if (r != 0) {
      hd_log(HD_LOG_ERROR, "listen failed", "\"error\":\"%s\"", uv_strerror(r));
      err = HD_ERR_IO;
      goto fail_loops;
    }
  }
  s->port = port;
  *out = s;
  return 0;
fail_loops:
  for (int i = 0; i < s->nloops; i++)
    if (s->loops[i])
      loop_destroy(s->loops[i]);
  hd_mem_free(s->loops);
  hd_mem_free(s);
  return err;
}

static void on_connection(uv_stream_t *server, int status) {
  hd_loop_t *l = server->data;
  if (status == 0 && !l->stopping)
    hd__conn_accept(l);
}

static void on_signal(uv_signal_t *sig, int signum) {
  hd_log(HD_LOG_INFO, "signal: stopping", "\"signal\":%d", signum);
  hd_server_stop(((hd_loop_t *)sig->data)->server);
}

static void close_conn_cb(uv_handle_t *h, void *arg) {
  hd_loop_t *l = arg;
  if (h->type != UV_TCP || (uv_tcp_t *)h == &l->listener || uv_is_closing(h))
    return;
  hd_conn_t *c = h->data;
  if (c->kind == HD_CONN_WS && c->ws_code == 0)
    c->ws_code = HD_WS_CLOSE_GOING_AWAY;
  hd__conn_close(c);
}

static void loop_try_finish(hd_loop_t *l) {
  if (!l->stopping || uv_is_closing((uv_handle_t *)&l->async))
    return;
  if (l->outstanding > 0 && uv_now(&l->uv) < l->stop_at_ms)
    return;
  uv_close((uv_handle_t *)&l->tick, NULL);
  uv_close((uv_handle_t *)&l->flush, NULL);
  uv_mutex_lock(&l->qlock);
  l->async_closed = 1;
  uv_close((uv_handle_t *)&l->async, NULL);
  uv_mutex_unlock(&l->qlock);
}

static void loop_begin_stop(hd_loop_t *l) {
  if (l->stopping)
    return;
  l->stopping = 1;
  l->stop_at_ms = uv_now(&l->uv) + HD_LOOP_STOP_GRACE_MS;
  uv_close((uv_handle_t *)&l->listener, NULL);
  if (l->has_signals) {
    uv_close((uv_handle_t *)&l->sig[0], NULL);
    uv_close((uv_handle_t *)&l->sig[1], NULL);
  }
  uv_walk(&l->uv, close_conn_cb, l);
  loop_try_finish(l);
}

static void on_async(uv_async_t *a) {
  hd_loop_t *l = a->data;
  drain(l);
  if (atomic_load(&l->server->stop))
    loop_begin_stop(l);
  loop_try_finish(l);
}

static void on_tick(uv_timer_t *t) {
  hd_loop_t *l = t->data;
  hd_wheel_advance(&l->wheel, uv_now(&l->uv));
  loop_try_finish(l);
}

static void on_flush(uv_prepare_t *p) {
  (void)p;
  hd_log_flush();
}

static void loop_thread(void *arg) {
  hd_loop_t *l = arg;
  hd_server_t *s = l->server;
  current_loop = l;
  hd_log_buffer(HD_LOOP_LOG_BUFFER);
  uv_prepare_start(&l->flush, on_flush);
  if (s->cfg.loop_start)
    s->cfg.loop_start(l, s->cfg.handler_data);
  uv_update_time(&l->uv);
  uv_timer_start(&l->tick, on_tick, l->wheel.tick_ms, l->wheel.tick_ms);
  if (l->index == 0) {
    int sigs[2] = {SIGINT, SIGTERM};
    for (int i = 0; i < 2; i++) {
      uv_signal_init(&l->uv, &l->sig[i]);
      l->sig[i].data = l;
      uv_signal_start(&l->sig[i], on_signal, sigs[i]);
    }
    l->has_signals = 1;
  }
  if (atomic_load(&s->stop)) /* stopped before this loop ran */
    loop_begin_stop(l);
  uv_run(&l->uv, UV_RUN_DEFAULT);
  if (s->cfg.loop_stop)
    s->cfg.loop_stop(l, s->cfg.handler_data);
  hd_log_unbuffer();
  current_loop = NULL;
}

int hd_server_run(hd_server_t *s) {
  int started = 0, err = 0;
  for (; started < s->nloops; started++)
    if (uv_thread_create(&s->loops[started]->thread, loop_thread, s->loops[started]) != 0) {
      err = HD_ERR_INTERNAL;
      hd_server_stop(s);
      break;
    }
  for (int i = 0; i < started; i++)
    uv_thread_join(&s->loops[i]->thread);
  return err;
}

void hd_server_stop(hd_server_t *s) {
  if (atomic_exchange(&s->stop, 1))
    return;
  for (int i = 0; i < s->nloops; i++)
    uv_async_send(&s->loops[i]->async);
}

void hd_server_destroy(hd_server_t *s) {
  if (s == NULL)
    return;
  for (int i = 0; i < s->nloops; i++)
    loop_destroy(s->loops[i]);
  hd_mem_free(s->loops);
  hd_mem_free(s);
}

int hd_server_port(hd_server_t *s) { return s->port; }
int hd_server_nloops(hd_server_t *s) { return s->nloops; }
hd_loop_t *hd_server_loop(hd_server_t *s, int i) {
  return i >= 0 && i < s->nloops ? s->loops[i] : NULL;
}

int hd_loop_index(hd_loop_t *loop) { return loop->index; }
hd_server_t *hd_loop_server(hd_loop_t *loop) { return loop->server; }
void *hd_loop_data(hd_loop_t *loop) { return loop->data; }
void hd_loop_set_data(hd_loop_t *loop, void *data) { loop->data = data; }
hd_loop_t *hd_loop_current(void) { return current_loop; }
void *hd_loop_uv(hd_loop_t *loop) { return &loop->uv; }

void hd__loop_dispatch(hd_loop_t *loop, hd_http_req_t *req) {
  loop->server->cfg.handler(req, loop->server->cfg.handler_data);
}

void hd__loop_on_response(hd_loop_t *loop, const hd_http_done_t *ev) {
  if (loop->server->cfg.on_response)
    loop->server->cfg.on_response(loop, ev, loop->server->cfg.handler_data);
}

int hd__loop_body_sink(hd_loop_t *loop, hd_http_req_t *req, hd_http_sink_t **sink) {
  hd_server_config_t *cfg = &loop->server->cfg;
  return cfg->body_sink ? cfg->body_sink(req, cfg->handler_data, sink) : 0;
}

int hd__loop_has_body_sink(hd_loop_t *loop) { return loop->server->cfg.body_sink != NULL; }

void hd__loop_request_done(hd_loop_t *loop) {
  HD_ASSERT(loop->outstanding > 0);
  loop->outstanding--;
}

void hd_loop_post(hd_loop_t *loop, void (*fn)(hd_loop_t *loop, void *arg), void *arg) {
  hd_post_t *p = hd_mem_alloc(sizeof(*p));
  p->next = NULL;
  p->fn = fn;
  p->arg = arg;
  uv_mutex_lock(&loop->qlock);
  if (loop->qtail)
    loop->qtail->next = p;
  else
    loop->qhead = p;
  loop->qtail = p;
  if (!loop->async_closed)
    uv_async_send(&loop->async);
  uv_mutex_unlock(&loop->qlock);
}

typedef struct {
  uv_work_t w;
  hd_loop_t *loop;
  void (*work)(void *arg);
  void (*after)(hd_loop_t *loop, void *arg, int status);
  void *arg;
} hd_work_t;

static void work_cb(uv_work_t *w) {
  hd_work_t *k = w->data;
  k->work(k->arg);
}

static void after_cb(uv_work_t *w, int status) {
  hd_work_t *k = w->data;
  k->after(k->loop, k->arg, status == 0 ? 0 : HD_ERR_INTERNAL);
  hd_mem_free(k);
}

/* uv_queue_work must be called on the loop's thread: hop there first if needed. */
static void work_post(hd_loop_t *loop, void *arg) {
  hd_work_t *k = arg;
  if (uv_queue_work(&loop->uv, &k->w, work_cb, after_cb) != 0) {
    k->after(loop, k->arg, HD_ERR_INTERNAL);
    hd_mem_free(k);
  }
}

void hd_loop_work(hd_loop_t *loop, void (*work)(void *arg),
                  void (*after)(hd_loop_t *loop, void *arg, int status), void *arg) {
  hd_work_t *k = hd_mem_alloc(sizeof(*k));
  k->w.data = k;
  k->loop = loop;
  k->work = work;
  k->after = after;
  k->arg = arg;
  if (hd_loop_current() == loop && !loop->stopping)
    work_post(loop, k);
  else
    hd_loop_post(loop, work_post, k);
}

void hd_loop_stats(hd_loop_t *loop, hd_loop_stats_t *out) {
  out->http_conns_open = atomic_load_explicit(&loop->stats.http_conns_open, memory_order_relaxed);
  out->ws_conns_open = atomic_load_explicit(&loop->stats.ws_conns_open, memory_order_relaxed);
  out->ws_queued_bytes = atomic_load_explicit(&loop->stats.ws_queued_bytes, memory_order_relaxed);
  out->ws_slow_consumers_closed =
      atomic_load_explicit(&loop->stats.ws_slow_consumers_closed, memory_order_relaxed);
  out->http_requests = atomic_load_explicit(&loop->stats.http_requests, memory_order_relaxed);
}
