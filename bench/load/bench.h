/*
 * bench.h — the four server benchmarks of herald-load and their settings.
 *
 * Each benchmark is one function: start a fresh heraldd (lg_bench_begin), set up users and
 * chats through the API with the batch runner, run the measured phase, print one line per
 * figure (stats.h format), stop the server (lg_bench_end).
 *
 *   idle     N users × K update WebSockets; server VmRSS delta per connection
 *   msgs     S sender/recipient pairs; closed-loop HTTP sends for T s; recipients online
 *   fanout   one channel, N online subscribers; time until the last has each of P posts
 *   history  M messages in one group, then paged 100 at a time from newest to oldest
 *
 * Invariants:
 *  1. Settings are validated once in main.c (lg_opts_parse) and read-only afterwards.
 *  2. A benchmark returns 0 when it ran to the end (targets met or not), negative when it
 *     could not measure (server failed, setup failed); it always stops its server.
 */
#ifndef HD_BENCH_LOAD_BENCH_H
#define HD_BENCH_LOAD_BENCH_H

#include "client.h"
#include "server.h"

typedef struct {
  const char *server;             /* --server: heraldd path */
  const char *data_root;          /* --data-root: where fresh data directories go */
  const char *server_extra[16];   /* --server-arg, repeatable; NULL-terminated */
  int threads;                    /* --threads: client loops (threads) */
  int quick;                      /* --quick: small sizes, seconds per benchmark */
  int verbose;                    /* -v */
  int keep_data;                  /* --keep-data */
  int setup_conns;                /* --setup-conns: connections for registration etc. */
  int idle_users, idle_per_user;  /* --idle-users, --idle-per-user */
  int msg_senders;                /* --senders */
  double msg_seconds;             /* --seconds */
  int fan_subscribers, fan_posts; /* --subscribers, --posts */
  long hist_messages;             /* --history */
  int hist_conns;                 /* --history-conns */
  long hist_pages;                /* --history-pages (0: all) */
} lg_opts_t;

/* Start a fresh server and the client loops. */
int lg_bench_begin(const lg_opts_t *o, lg_ctx_t *ctx, lg_server_t *srv);
/* Stop the server and free the loops. */
void lg_bench_end(lg_ctx_t *ctx, lg_server_t *srv);
/* Run one single-request batch as token and return the response body copy (caller frees)
 * and status; NULL on a transport failure. */
char *lg_call(lg_ctx_t *ctx, const char *method, const char *path, const char *token,
              const char *body, int *status);

int lg_bench_idle(const lg_opts_t *o);
int lg_bench_msgs(const lg_opts_t *o);
int lg_bench_fanout(const lg_opts_t *o);
int lg_bench_history(const lg_opts_t *o);

#endif
