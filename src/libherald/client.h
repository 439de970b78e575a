/*
 * client.h — the inside of herald_client_t, shared by client.c (requests), upload.c
 * (streaming bodies) and ws.c (which opens its own connection to the same server).
 *
 * Invariants:
 *  1. hostport is the Host header value for url, computed once at creation.
 *  2. errmsg describes the last failed call; it is cleared when a call starts.
 */
#ifndef HERALD_CLIENT_H
#define HERALD_CLIENT_H

#include "libherald/conn.h"
#include "libherald/herald.h"
#include "libherald/http.h"
#include "libherald/url.h"

struct st_herald_client_t {
  herald_url_t url;
  char hostport[300];
  char *token;        /* owned, or NULL */
  int timeout_ms;     /* per wait */
  herald_conn_t conn; /* the keep-alive connection */
  char errmsg[256];
};

/* Record the detail of failure err in c->errmsg and close the connection. */
void herald__client_fail(herald_client_t *c, int err);
/* Open the keep-alive connection if closed; *reused tells whether it was already open. */
int herald__client_ensure_open(herald_client_t *c, int *reused);

#endif
