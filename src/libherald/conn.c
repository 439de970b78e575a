/*
 * conn.c — blocking TCP connection with deadline-bounded waits (see conn.h).
 *
 * Connect is done non-blocking so that its timeout can be enforced with poll(); the socket
 * is switched back to blocking mode once connected. Each address getaddrinfo() returns is
 * tried in turn, and the last failure is the one reported.
 */
#include "libherald/conn.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HERALD_READ_CHUNK 16384

void herald__conn_init(herald_conn_t *c, size_t max_buffer) {
  c->fd = -1;
  hd_buf_init(&c->rbuf, max_buffer);
  c->errmsg[0] = '\0';
}

void herald__conn_dispose(herald_conn_t *c) {
  herald__conn_close(c);
  hd_buf_dispose(&c->rbuf);
}

void herald__conn_close(herald_conn_t *c) {
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
  c->rbuf.len = 0;
}

void herald__conn_adopt(herald_conn_t *c, int fd) {
  herald__conn_close(c);
  c->fd = fd;
}

/* Wait for events on fd for at most timeout_ms; returns 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, int timeout_ms) {
  struct pollfd pfd = {.fd = fd, .events = events};
  for (;;) {
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno == EINTR)
      continue;
    return r < 0 ? -1 : (r > 0 ? 1 : 0);
  }
}

static int connect_one(const struct addrinfo *ai, int timeout_ms, int *err) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    goto fail;
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS)
      goto fail;
    int r = wait_fd(fd, POLLOUT, timeout_ms);
    if (r <= 0) {
      errno = r == 0 ? ETIMEDOUT : errno;
      goto fail;
    }
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
      goto fail;
    if (soerr != 0) {
      errno = soerr;
      goto fail;
    }
  }
  if (fcntl(fd, F_SETFL, flags) < 0)
    goto fail;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
fail:
  *err = errno;
  close(fd);
  return -1;
}

int herald__conn_open(herald_conn_t *c, const char *host, int port, int timeout_ms) {
  herald__conn_close(c);
  char portstr[16];
  snprintf(portstr, sizeof(portstr), "%d", port);
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  struct addrinfo *res = NULL;
  int gai = getaddrinfo(host, portstr, &hints, &res);
  if (gai != 0) {
    snprintf(c->errmsg, sizeof(c->errmsg), "cannot resolve %s: %s", host, gai_strerror(gai));
    return HD_ERR_CONNECT;
  }
  int err = 0;
  for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
    int fd = connect_one(ai, timeout_ms, &err);
    if (fd >= 0) {
      c->fd = fd;
      break;
    }
  }
  freeaddrinfo(res);
  if (c->fd < 0) {
    snprintf(c->errmsg, sizeof(c->errmsg), "cannot connect to %s port %d: %s", host, port,
             strerror(err));
    return HD_ERR_CONNECT;
  }
  return 0;
}

static int write_loop(herald_conn_t *c, const void *p, size_t n, int timeout_ms, int watch) {
  const char *s = p;
  if (c->fd < 0) {
    snprintf(c->errmsg, sizeof(c->errmsg), "write on a closed connection");
    return HD_ERR_IO;
  }
  while (n > 0) {
    struct pollfd pfd = {.fd = c->fd, .events = POLLOUT | (watch ? POLLIN : 0)};
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno == EINTR)
      continue;
    if (r == 0) {
      snprintf(c->errmsg, sizeof(c->errmsg), "timed out sending to the server");
      return HD_ERR_TIMEOUT;
    }
    if (watch && (pfd.revents & (POLLIN | POLLHUP)))
      return 1; /* the peer answered (or hung up) before taking everything */
    ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      snprintf(c->errmsg, sizeof(c->errmsg), "send: %s", strerror(errno));
      return HD_ERR_IO;
    }
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

int herald__conn_write(herald_conn_t *c, const void *p, size_t n, int timeout_ms) {
  return write_loop(c, p, n, timeout_ms, 0);
}

int herald__conn_write_watch(herald_conn_t *c, const void *p, size_t n, int timeout_ms) {
  return write_loop(c, p, n, timeout_ms, 1);
}

int herald__conn_fill(herald_conn_t *c, int timeout_ms) {
  if (c->fd < 0) {
    snprintf(c->errmsg, sizeof(c->errmsg), "read on a closed connection");
    return HD_ERR_IO;
  }
  size_t want = HERALD_READ_CHUNK;
  if (c->rbuf.max != 0) {
    if (c->rbuf.len >= c->rbuf.max) {
      snprintf(c->errmsg, sizeof(c->errmsg), "the server's answer is too large");
      return HD_ERR_TOO_LARGE;
    }
    want = HD_MIN(want, c->rbuf.max - c->rbuf.len);
  }
  int r = hd_buf_try_reserve(&c->rbuf, want);
  if (r != 0)
    return r;
  r = wait_fd(c->fd, POLLIN, timeout_ms);
  if (r == 0) {
    snprintf(c->errmsg, sizeof(c->errmsg), "timed out waiting for the server");
    return HD_ERR_TIMEOUT;
  }
  for (;;) {
    ssize_t n = recv(c->fd, c->rbuf.base + c->rbuf.len, want, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      snprintf(c->errmsg, sizeof(c->errmsg), "recv: %s", strerror(errno));
      return HD_ERR_IO;
    }
    if (n == 0) {
      snprintf(c->errmsg, sizeof(c->errmsg), "the server closed the connection");
      return HD_ERR_PEER_CLOSED;
    }
    c->rbuf.len += (size_t)n;
    return (int)n;
  }
}

int herald__conn_readable(herald_conn_t *c) { return c->fd >= 0 && wait_fd(c->fd, POLLIN, 0) == 1; }
