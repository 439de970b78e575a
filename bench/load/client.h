/*
 * client.h — the Herald API as herald-load drives it: a batch runner (N keep-alive HTTP
 * connections working through a numbered job list, each connection one request at a time),
 * user creation (register + login), and sets of update WebSockets.
 *
 *   lg_batch_run(): conns spread over the loops ── job = atomic next++ ── build(job) ─► request
 *                   ◄── response ── done(job, resp) ── latency sample (per loop) ── next job
 *   lg_wsset_open(): one WebSocket per slot ── first message must be {"type":"hello"} ──
 *                   later messages ─► on_msg()
 *
 * Invariants:
 *  1. Each job index is handed to exactly one connection (atomic counter); build/done for one
 *     job run on that connection's loop thread, so per-job slots need no locking.
 *  2. A batch ends when every connection has run out of jobs or died; jobs lost to a dead
 *     connection are counted as failures, never silently dropped.
 *  3. A WebSocket counts as open only after its hello message (the server has subscribed it).
 */
#ifndef HD_BENCH_LOAD_CLIENT_H
#define HD_BENCH_LOAD_CLIENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "stats.h"

#define LG_MAX_LOOPS 16

/* Shared state of one benchmark run. */
typedef struct {
  lg_loop_t *loops[LG_MAX_LOOPS];
  int nloops;
  struct sockaddr_in addr;
  int server_pid;
  int verbose;
} lg_ctx_t;

/* One request a batch job sends. */
typedef struct {
  const char *method;
  char path[256];
  const char *token;
  char body[1024];
  size_t body_len; /* 0: no body */
} lg_req_t;

typedef struct st_lg_batch_t lg_batch_t;
struct st_lg_batch_t {
  size_t njobs; /* SIZE_MAX: until build() says stop */
  int conns;    /* keep-alive connections */
  uint64_t timeout_ms;
  /* Fill req for job; return 0 to send it, 1 when there is no more work. Loop thread. */
  int (*build)(lg_batch_t *b, size_t job, lg_req_t *req);
  /* Check job's response; return 0 when it succeeded, negative to count a failure. */
  int (*done)(lg_batch_t *b, size_t job, const lg_http_resp_t *resp, uint64_t latency_ns);
  void *ud;
  lg_samples_t *lat; /* optional: every job latency is merged here */
  /* results */
  atomic_size_t ok;
  atomic_size_t failed;
  double seconds; /* wall time of the batch */
  /* private */
  atomic_size_t next;
  atomic_int finished_conns;
  lg_samples_t per_loop[LG_MAX_LOOPS];
  atomic_int first_status;
};

/* Run b on ctx's loops. Returns 0 when every job succeeded, else a negative error (the
 * counters say how many failed); prints the first failure when it happens. */
int lg_batch_run(lg_ctx_t *ctx, lg_batch_t *b);

typedef struct {
  int64_t id;
  char name[40];
  char token[80];
} lg_user_t;

/* Register and log in n users named <prefix><i>; fills users[0..n). */
int lg_users_create(lg_ctx_t *ctx, lg_user_t *users, size_t n, const char *prefix, int conns);

/* Parse a JSON body and return the integer at path ("chat.id", "user.id"); 0 or error. */
int lg_json_get_int(hd_iovec_t body, const char *path, int64_t *out);
/* Same for a string member; copies it NUL-terminated into out. */
int lg_json_get_str(hd_iovec_t body, const char *path, char *out, size_t cap);

typedef struct st_lg_wsset_t lg_wsset_t;
struct st_lg_wsset_t {
  size_t n;
  lg_conn_t **conns;
  uint8_t *hello; /* per slot: hello received */
  atomic_size_t hellos;
  atomic_size_t closed; /* closes of any kind (the server drops slow consumers) */
  atomic_size_t failed; /* closed before the hello */
  /* Called for every message after the hello, on the connection's loop thread. */
  void (*on_msg)(lg_wsset_t *set, size_t slot, hd_iovec_t msg);
  void *ud;
};

/* Open n WebSockets, slot i authenticated as users[i % nusers], spread over the loops, and
 * wait (≤ timeout_ms) for every hello. Returns 0 or an error (set->hellos says how many). */
int lg_wsset_open(lg_ctx_t *ctx, lg_wsset_t *set, const lg_user_t *users, size_t nusers, size_t n,
                  uint64_t timeout_ms);
/* Close every socket of the set and free it. */
void lg_wsset_close(lg_ctx_t *ctx, lg_wsset_t *set);

/* Run the loops for ms milliseconds (lets queued traffic such as late deliveries arrive). */
void lg_ctx_pump(lg_ctx_t *ctx, uint64_t ms);

#endif
