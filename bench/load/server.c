/*
 * server.c — the heraldd child process of a benchmark (see server.h).
 *
 * Readiness is two-step: the port file appears (the listener is bound), then one blocking
 * GET /healthz answers 200 (the store is open). Both are polled every 20 ms.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/mem.h"
#include "common/time.h"
#include "proto.h"

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static int read_port(const char *file) {
  FILE *f = fopen(file, "r");
  if (f == NULL)
    return -1;
  char line[32] = {0};
  int port = -1;
  if (fgets(line, sizeof(line), f) != NULL) {
    char *end = NULL;
    long v = strtol(line, &end, 10);
    if (end != line && v > 0 && v < 65536)
      port = (int)v;
  }
  fclose(f);
  return port;
}

/* One blocking GET /healthz; returns the status or a negative error. */
static int healthz(const struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return HD_ERR_IO;
  int status = HD_ERR_IO;
  hd_buf_t req, in, scratch;
  hd_buf_init(&req, 0);
  hd_buf_init(&in, 1 << 20);
  hd_buf_init(&scratch, 1 << 20);
  struct timeval tv = {2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0)
    goto out;
  if (lg_http_put_request(&req, "GET", "/healthz", NULL, NULL, 0) < 0)
    goto out;
  if (send(fd, req.base, req.len, MSG_NOSIGNAL) != (ssize_t)req.len)
    goto out;
  for (;;) {
    if (hd_buf_try_reserve(&in, 4096) < 0)
      goto out;
    ssize_t n = recv(fd, in.base + in.len, 4096, 0);
    if (n <= 0)
      goto out;
    in.len += (size_t)n;
    lg_http_resp_t r;
    int64_t used = lg_http_parse(in.base, in.len, &scratch, &r);
    if (used < 0)
      goto out;
    if (used > 0) {
      status = r.status;
      goto out;
    }
  }
out:
  close(fd);
  hd_buf_dispose(&req);
  hd_buf_dispose(&in);
  hd_buf_dispose(&scratch);
  return status;
}

int lg_server_start(const lg_server_opts_t *o, lg_server_t *s) {
  memset(s, 0, sizeof(*s));
  s->keep_data = o->keep_data;
  snprintf(s->dir, sizeof(s->dir), "%s/herald-bench-XXXXXX", o->data_root);
  if (mkdtemp(s->dir) == NULL) {
    fprintf(stderr, "herald-load: mkdtemp %s: %s\n", s->dir, strerror(errno));
    return HD_ERR_IO;
  }
  snprintf(s->log, sizeof(s->log), "%s.log", s->dir);
  char portfile[600], datadir[600];
  snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
  snprintf(datadir, sizeof(datadir), "%s/data", s->dir);

  const char *argv[64];
  int n = 0;
  argv[n++] = o->binary;
  argv[n++] = "--data";
  argv[n++] = datadir;
  argv[n++] = "--listen";
  argv[n++] = "127.0.0.1:0";
  argv[n++] = "--port-file";
  argv[n++] = portfile;
  argv[n++] = "--pwhash";
  argv[n++] = "min";
  argv[n++] = "--rate-register";
  argv[n++] = "0";
  argv[n++] = "--rate-login";
  argv[n++] = "0";
  argv[n++] = "--rate-send";
  argv[n++] = "0";
  for (int i = 0; o->extra != NULL && o->extra[i] != NULL && n < 63; i++)
    argv[n++] = o->extra[i];
  argv[n] = NULL;

  int logfd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (logfd < 0)
    goto fail_dir;
  pid_t pid = fork();
  if (pid < 0) {
    close(logfd);
    goto fail_dir;
  }
  if (pid == 0) {
    dup2(logfd, 1);
    dup2(logfd, 2);
    execv(o->binary, (char *const *)argv);
    _exit(127);
  }
  close(logfd);
  s->pid = (int)pid;

  uint64_t deadline = hd_time_mono_ms() + 15000;
  while (hd_time_mono_ms() < deadline) {
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      s->pid = 0;
      fprintf(stderr, "herald-load: heraldd exited during start-up\n");
      s->keep_log = 1;
      goto fail_dir;
    }
    if (s->port == 0)
      s->port = read_port(portfile) > 0 ? read_port(portfile) : 0;
    if (s->port > 0) {
      s->addr.sin_family = AF_INET;
      s->addr.sin_port = htons((uint16_t)s->port);
      s->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (healthz(&s->addr) == 200)
        return 0;
    }
    sleep_ms(20);
  }
  fprintf(stderr, "herald-load: heraldd not ready within 15 s\n");
  s->keep_log = 1;
  lg_server_stop(s);
  return HD_ERR_TIMEOUT;
fail_dir:
  lg_server_stop(s);
  return HD_ERR_IO;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

void lg_server_stop(lg_server_t *s) {
  if (s->pid > 0) {
    kill(s->pid, SIGTERM);
    uint64_t deadline = hd_time_mono_ms() + 10000;
    int st, gone = 0;
    while (hd_time_mono_ms() < deadline) {
      if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
        gone = 1;
        break;
      }
      sleep_ms(20);
    }
    if (!gone) {
      fprintf(stderr, "herald-load: heraldd ignored SIGTERM for 10 s; killing\n");
      kill(s->pid, SIGKILL);
      waitpid(s->pid, &st, 0);
    }
    s->pid = 0;
  }
  if (s->dir[0] != '\0' && !s->keep_data)
    nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  if (s->log[0] != '\0' && !s->keep_data && !s->keep_log)
    remove(s->log);
  else if (s->log[0] != '\0')
    fprintf(stderr, "herald-load: server log kept: %s\n", s->log);
  s->log[0] = '\0';
  s->dir[0] = '\0';
}
