/*
 * conn.h — one blocking TCP connection with a read buffer (used by the HTTP and WebSocket
 * clients). Sockets stay blocking; every wait goes through poll() with a deadline so that a
 * silent server cannot hang the client forever.
 *
 *    herald__conn_open() ──► open ──► herald__conn_write()/herald__conn_fill() … ──► closed
 *                              └──── herald__conn_close() (also after any failure) ───┘
 *
 * Invariants:
 *  1. fd < 0 exactly when the connection is closed; rbuf may still hold bytes read earlier.
 *  2. rbuf never grows past its ceiling (set at init); a fill past it is HD_ERR_TOO_LARGE.
 *  3. Writes never raise SIGPIPE (MSG_NOSIGNAL); a peer that went away is HD_ERR_IO.
 */
#ifndef HERALD_CONN_H
#define HERALD_CONN_H

#include "common/mem.h"

typedef struct {
  int fd;           /* socket, or -1 */
  hd_buf_t rbuf;    /* bytes received and not yet consumed */
  char errmsg[256]; /* detail of the last failure */
} herald_conn_t;

/* Initialise c closed, with a read buffer ceiling of max_buffer bytes. */
void herald__conn_init(herald_conn_t *c, size_t max_buffer);
/* Close the socket and free the buffer. */
void herald__conn_dispose(herald_conn_t *c);
/* Resolve host and connect within timeout_ms. Returns 0 or HD_ERR_CONNECT (errmsg says why). */
int herald__conn_open(herald_conn_t *c, const char *host, int port, int timeout_ms);
/* Close the socket (idempotent) and drop buffered bytes. */
void herald__conn_close(herald_conn_t *c);
/* Adopt an already connected socket (tests use socketpair()). */
void herald__conn_adopt(herald_conn_t *c, int fd);
/* Write all n bytes, waiting at most timeout_ms for room each time. Returns 0, HD_ERR_TIMEOUT
 * or HD_ERR_IO. */
int herald__conn_write(herald_conn_t *c, const void *p, size_t n, int timeout_ms);
/* Like herald__conn_write(), but stop early and return 1 as soon as the peer has sent
 * something (an early answer to a request whose body is still being sent). */
int herald__conn_write_watch(herald_conn_t *c, const void *p, size_t n, int timeout_ms);
/* Wait up to timeout_ms (-1: forever) for bytes and append what arrives to rbuf. Returns the
 * number of bytes read (> 0), HD_ERR_PEER_CLOSED at end of stream, HD_ERR_TIMEOUT,
 * HD_ERR_TOO_LARGE when rbuf is at its ceiling, or HD_ERR_IO. */
int herald__conn_fill(herald_conn_t *c, int timeout_ms);
/* Return 1 when the socket is readable right now (bytes or EOF waiting), else 0. */
int herald__conn_readable(herald_conn_t *c);

#endif
