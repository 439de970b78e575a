/*
 * herald.h — libherald, the C client library of Herald (public API, prefix herald_).
 *
 * A small blocking client for the HTTP API in docs/api.md: one keep-alive HTTP/1.1
 * connection per client, JSON through jansson, a WebSocket for live updates, and a streaming
 * upload that sends a file from disk in chunks. Nothing here includes the server layers.
 *
 *    herald_client_t ──► [fd, read buffer, base URL, token]
 *         │  herald_call(method, path, json) ──► status + json body
 *         │  herald_upload_file(path, file, type, progress) ──► status + json body
 *         └─ herald_ws_connect(path) ──► herald_ws_t (own socket) ─► herald_ws_next() …
 *
 * Errors: every function returns 0 or a negative hd_err_t (common/error.h). Transport
 * failures (connect, read, write, malformed peer) are negative codes and leave a detailed
 * message in herald_client_errmsg(); an HTTP error answer (4xx/5xx) is NOT a failure of the
 * call: it returns 0 with res->status >= 400 and the server's {"error":{…}} in res->body.
 *
 * Invariants:
 *  1. A client is used by one thread at a time; it holds at most one open connection.
 *  2. A request is sent again on a fresh connection only when a reused keep-alive connection
 *     failed before any byte of the answer arrived (the server closed it while idle).
 *  3. Every buffer fed by the network has a ceiling (HERALD_MAX_BODY, HERALD_MAX_HEADER,
 *     HERALD_WS_MAX_MESSAGE); past it the call fails with HD_ERR_TOO_LARGE.
 */
#ifndef HERALD_HERALD_H
#define HERALD_HERALD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define HERALD_DEFAULT_SERVER "http://127.0.0.1:8080"
#define HERALD_MAX_HEADER     (64 * 1024)
#define HERALD_MAX_BODY       (64 * 1024 * 1024)
#define HERALD_WS_MAX_MESSAGE (16 * 1024 * 1024)

typedef struct st_herald_client_t herald_client_t;
typedef struct st_herald_ws_t herald_ws_t;

/* The answer to one request. body is owned by the response (NULL when the body was empty or
 * not JSON); raw holds the body bytes as received. Release with herald_response_dispose(). */
typedef struct {
  int status;      /* HTTP status code */
  json_t *body;    /* parsed JSON body or NULL; owned */
  char *raw;       /* body bytes, NUL-terminated; owned */
  size_t raw_len;  /* length of raw without the NUL */
  int retry_after; /* Retry-After header in seconds, or -1 */
} herald_response_t;

/* Create a client for server_url ("http://host[:port]"). Returns 0 and *out, or
 * HD_ERR_BAD_REQUEST for a URL we cannot use. The caller destroys *out. */
int herald_client_create(herald_client_t **out, const char *server_url);
/* Close the connection and free the client; NULL is ignored. */
void herald_client_destroy(herald_client_t *c);
/* Set (copy) the bearer token sent with each request; NULL removes it. */
void herald_client_set_token(herald_client_t *c, const char *token);
/* Set the socket timeout for connect, send and receive in milliseconds (default 30000). */
void herald_client_set_timeout(herald_client_t *c, int timeout_ms);
/* Return the detail of the last transport failure (static to the client, never NULL). */
const char *herald_client_errmsg(const herald_client_t *c);

/* Send method path (with query) and an optional JSON body (borrowed, not consumed); fill res.
 * Returns 0 whenever an HTTP answer arrived (any status), else a negative transport error and
 * res is left empty. The caller disposes res in both cases. */
int herald_call(herald_client_t *c, const char *method, const char *path, const json_t *body,
                herald_response_t *res);
/* Free what res owns and reset it; safe on a zeroed or already disposed response. */
void herald_response_dispose(herald_response_t *res);
/* Return the API error code ("chat_not_found") of an error answer, or NULL. Borrowed from
 * res->body. */
const char *herald_response_error_code(const herald_response_t *res);
/* Return the API error message of an error answer, or NULL. Borrowed from res->body. */
const char *herald_response_error_message(const herald_response_t *res);

/* Progress of a streaming upload: sent of total bytes of the body. Return nonzero to abort
 * (the call then fails with HD_ERR_IO). */
typedef int (*herald_progress_cb)(void *ud, uint64_t sent, uint64_t total);

/* POST the file at file_path to path as a raw body with content_type, reading and sending it
 * in chunks (the file is never loaded whole). progress (may be NULL) is called after each
 * chunk. Returns like herald_call(); if the server answers before the body is complete (e.g.
 * 404 or 413) and closes, that answer is still returned. Never retried. */
int herald_upload_file(herald_client_t *c, const char *path, const char *file_path,
                       const char *content_type, herald_progress_cb progress, void *ud,
                       herald_response_t *res);
/* Return a MIME type guessed from the extension of file_path (static storage, never NULL;
 * "application/octet-stream" when unknown). */
const char *herald_guess_content_type(const char *file_path);

/* Open a WebSocket to path (e.g. "/v1/updates/ws") on the client's server with the client's
 * token, on a connection of its own. Returns 0 and *out (free with herald_ws_close()). */
int herald_ws_connect(herald_client_t *c, const char *path, herald_ws_t **out);
/* Wait up to timeout_ms (-1: forever) for the next text message and parse it as JSON into
 * *msg (new reference, the caller decrefs). Pings are answered and pongs swallowed here.
 * Returns 0, HD_ERR_TIMEOUT when nothing arrived in time, HD_ERR_PEER_CLOSED when the server
 * closed the WebSocket, HD_ERR_BAD_JSON for a text message that is not JSON (skipped), or
 * another negative transport error. */
int herald_ws_next(herald_ws_t *ws, int timeout_ms, json_t **msg);
/* Send a text message. */
int herald_ws_send_text(herald_ws_t *ws, const char *text, size_t len);
/* Send a ping control frame with a payload of at most 125 bytes. */
int herald_ws_ping(herald_ws_t *ws, const void *payload, size_t len);
/* Return the close code the server sent (1000, 1009, …) or 0 if none yet. */
int herald_ws_close_code(const herald_ws_t *ws);
/* Send a close frame (1000) if still open, wait briefly for the answer, close the socket and
 * free ws. NULL is ignored. */
void herald_ws_close(herald_ws_t *ws);

/* Return a fresh random non-zero 63-bit id (a send's random_id). */
int64_t herald_random_id(void);

#endif
