/*
 * main.c — herald-load: command line, settings validation, and the benchmark dispatcher.
 *
 *   herald-load [--quick] [options] idle|msgs|fanout|history|all ...
 *
 * Settings are parsed and validated here once (bench.h invariant 1); --quick swaps in small
 * sizes first, explicit flags override either. RLIMIT_NOFILE is raised to its hard limit
 * before any server starts, so the heraldd child inherits it too.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"
#include "common/error.h"

static void usage(const char *argv0) {
  fprintf(stderr,
          "usage: %s [options] idle|msgs|fanout|history|all ...\n"
          "  --server PATH         heraldd binary (default $HERALDD or ./heraldd)\n"
          "  --data-root DIR       parent of fresh data directories (default $TMPDIR or /tmp)\n"
          "  --server-arg ARG      extra heraldd flag (repeatable)\n"
          "  --threads N           client event loops / threads (default 1)\n"
          "  --quick               small sizes and short durations (smoke run)\n"
          "  --setup-conns N       connections for registration/login/joins (default 64)\n"
          "  --idle-users N        idle: users (default 100)\n"
          "  --idle-per-user N     idle: sockets per user (default 100)\n"
          "  --senders N           msgs: sender/recipient pairs = connections (default 256)\n"
          "  --seconds S           msgs: measured duration (default 30)\n"
          "  --subscribers N       fanout: online channel subscribers (default 10000)\n"
          "  --posts N             fanout: posts measured (default 10)\n"
          "  --history N           history: messages stored (default 1000000)\n"
          "  --history-conns N     history: fill connections (default 128)\n"
          "  --history-pages N     history: pages to read, 0 = all (default 0)\n"
          "  --keep-data           keep data directories after the run\n"
          "  -v                    progress on stderr\n",
          argv0);
}

static int parse_long(const char *s, long lo, long hi, long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
    return HD_ERR_BAD_REQUEST;
  *out = v;
  return 0;
}

static void raise_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

int main(int argc, char **argv) {
  lg_opts_t o;
  memset(&o, 0, sizeof(o));
  const char *env = getenv("HERALDD");
  o.server = env != NULL ? env : "./heraldd";
  env = getenv("TMPDIR");
  o.data_root = env != NULL && env[0] != '\0' ? env : "/tmp";
  o.threads = 1;
  int quick = 0;
  for (int i = 1; i < argc; i++)
    quick |= strcmp(argv[i], "--quick") == 0;
  o.quick = quick;
  o.setup_conns = 64;
  o.idle_users = quick ? 20 : 100;
  o.idle_per_user = quick ? 50 : 100;
  o.msg_senders = quick ? 64 : 256;
  o.msg_seconds = quick ? 3 : 30;
  o.fan_subscribers = quick ? 1000 : 10000;
  o.fan_posts = quick ? 5 : 10;
  o.hist_messages = quick ? 20000 : 1000000;
  o.hist_conns = 128;
  int nextra = 0, nwhat = 0;
  const char *what[8];

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    long n = 0;
#define LG_NUM(flag, lo, hi, dst)                                                                  \
  if (strcmp(a, flag) == 0) {                                                                      \
    if (v == NULL || parse_long(v, lo, hi, &n) < 0)                                                \
      goto bad;                                                                                    \
    dst = n;                                                                                       \
    i++;                                                                                           \
    continue;                                                                                      \
  }
    LG_NUM("--threads", 1, LG_MAX_LOOPS, o.threads)
    LG_NUM("--setup-conns", 1, 4096, o.setup_conns)
    LG_NUM("--idle-users", 1, 1000000, o.idle_users)
    LG_NUM("--idle-per-user", 1, 100000, o.idle_per_user)
    LG_NUM("--senders", 1, 10000, o.msg_senders)
    LG_NUM("--seconds", 1, 3600, o.msg_seconds)
    LG_NUM("--subscribers", 1, 1000000, o.fan_subscribers)
    LG_NUM("--posts", 1, 1000, o.fan_posts)
    LG_NUM("--history", 1, 100000000, o.hist_messages)
    LG_NUM("--history-conns", 1, 4096, o.hist_conns)
    LG_NUM("--history-pages", 0, 100000000, o.hist_pages)
#undef LG_NUM
    if (strcmp(a, "--server") == 0 && v != NULL) {
      o.server = v;
      i++;
    } else if (strcmp(a, "--data-root") == 0 && v != NULL) {
      o.data_root = v;
      i++;
    } else if (strcmp(a, "--server-arg") == 0 && v != NULL) {
      if (nextra + 1 >= (int)HD_ARRAY_SIZE(o.server_extra))
        goto bad;
      o.server_extra[nextra++] = v;
      i++;
    } else if (strcmp(a, "--quick") == 0) {
      /* handled above */
    } else if (strcmp(a, "--keep-data") == 0) {
      o.keep_data = 1;
    } else if (strcmp(a, "-v") == 0) {
      o.verbose = 1;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(argv[0]);
      return 0;
    } else if (a[0] != '-' && nwhat < (int)HD_ARRAY_SIZE(what)) {
      what[nwhat++] = a;
    } else {
      goto bad;
    }
  }
  if (nwhat == 0)
    goto bad;
  if ((long)o.idle_users * o.idle_per_user > 1000000)
    goto bad;

  signal(SIGPIPE, SIG_IGN);
  raise_nofile();
  int failures = 0;
  for (int w = 0; w < nwhat; w++) {
    int all = strcmp(what[w], "all") == 0, ran = 0, rc = 0;
    if (all || strcmp(what[w], "idle") == 0) {
      ran = 1;
      if ((rc = lg_bench_idle(&o)) < 0)
        failures++, fprintf(stderr, "herald-load: idle: %s\n", hd_strerror(rc));
    }
    if (all || strcmp(what[w], "msgs") == 0) {
      ran = 1;
      if ((rc = lg_bench_msgs(&o)) < 0)
        failures++, fprintf(stderr, "herald-load: msgs: %s\n", hd_strerror(rc));
    }
    if (all || strcmp(what[w], "fanout") == 0) {
      ran = 1;
      if ((rc = lg_bench_fanout(&o)) < 0)
        failures++, fprintf(stderr, "herald-load: fanout: %s\n", hd_strerror(rc));
    }
    if (all || strcmp(what[w], "history") == 0) {
      ran = 1;
      if ((rc = lg_bench_history(&o)) < 0)
        failures++, fprintf(stderr, "herald-load: history: %s\n", hd_strerror(rc));
    }
    if (!ran)
      goto bad;
  }
  return failures > 0 ? 1 : 0;
bad:
  usage(argv[0]);
  return 2;
}
