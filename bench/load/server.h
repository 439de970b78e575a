/*
 * server.h — start and stop the heraldd under test: a fresh data directory per benchmark, an
 * ephemeral port read back from --port-file, readiness by GET /healthz, SIGTERM at the end.
 *
 *   lg_server_start(): mkdtemp(root/herald-bench-XXXXXX) ─ fork/exec heraldd ─ poll port file
 *                      ─ poll /healthz ─► running
 *   lg_server_stop():  SIGTERM ─ wait ≤ 10 s ─ SIGKILL ─ remove the data directory (unless kept)
 *
 * Invariants:
 *  1. pid > 0 exactly while the child may be alive; lg_server_stop() is idempotent.
 *  2. The server's stdout/stderr go to <dir>.log beside the data directory; stop removes it
 *     with the directory unless keep_data or keep_log is set (a benchmark that failed).
 */
#ifndef HD_BENCH_LOAD_SERVER_H
#define HD_BENCH_LOAD_SERVER_H

#include <netinet/in.h>

typedef struct {
  const char *binary;    /* path to heraldd */
  const char *data_root; /* parent of the fresh data directory */
  const char **extra;    /* NULL-terminated extra flags, may be NULL */
  int keep_data;         /* do not remove the data directory */
} lg_server_opts_t;

typedef struct {
  int pid;
  int port;
  struct sockaddr_in addr;
  char dir[512];
  char log[560];
  int keep_data;
  int keep_log; /* set by a failing benchmark: the log is named in its error */
} lg_server_t;

/* Start heraldd and wait until it answers /healthz (≤ 15 s). Returns 0 or an error, after
 * which nothing is left running. */
int lg_server_start(const lg_server_opts_t *o, lg_server_t *s);
/* Stop the server and remove its data directory. */
void lg_server_stop(lg_server_t *s);

#endif
