/*
 * client.c — herald_client_t and herald_call(): JSON requests over one keep-alive
 * connection (see herald.h for the contract).
 *
 *    idle (fd < 0) ──open──► connected ──request/answer──► connected (keep-alive)
 *         ▲                      │ answer says close, or any failure
 *         └──── herald__conn_close() ◄──┘
 *
 * A request on a reused connection that fails before any byte of the answer arrived is sent
 * once more on a fresh connection (herald.h invariant 2): the server may close an idle
 * keep-alive connection at any moment, and that race must not surface as an error. Sends
 * carry a random_id, so even a POST repeated this way cannot create a second message.
 */
#include "libherald/client.h"
#include "common/error.h"
#include "common/time.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int herald_client_create(herald_client_t **out, const char *server_url) {
  herald_client_t *c = hd_mem_calloc(sizeof(*c));
  if (herald__url_parse(server_url, &c->url, c->errmsg, sizeof(c->errmsg)) != 0) {
    hd_mem_free(c);
    *out = NULL;
    return HD_ERR_BAD_REQUEST;
  }
  hd_buf_t hp;
  hd_buf_init(&hp, 0);
  if (herald__url_hostport(&hp, &c->url) != 0 || hp.len >= sizeof(c->hostport)) {
    hd_buf_dispose(&hp);
    hd_mem_free(c);
    *out = NULL;
    return HD_ERR_BAD_REQUEST;
  }
  memcpy(c->hostport, hp.base, hp.len);
  c->hostport[hp.len] = '\0';
  hd_buf_dispose(&hp);
  c->timeout_ms = 30000;
  herald__conn_init(&c->conn, HERALD_MAX_HEADER + 65536);
  *out = c;
  return 0;
}

void herald_client_destroy(herald_client_t *c) {
  if (c == NULL)
    return;
  herald__conn_dispose(&c->conn);
  hd_mem_free(c->token);
  hd_mem_free(c);
}

void herald_client_set_token(herald_client_t *c, const char *token) {
  hd_mem_free(c->token);
  c->token = token ? hd_strdup(token) : NULL;
}

void herald_client_set_timeout(herald_client_t *c, int timeout_ms) {
  c->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
}

const char *herald_client_errmsg(const herald_client_t *c) { return c->errmsg; }

void herald__client_fail(herald_client_t *c, int err) {
  if (c->errmsg[0] != '\0') { /* a more precise reason was recorded already */
    herald__conn_close(&c->conn);
    return;
  }
  const char *detail = c->conn.errmsg[0] ? c->conn.errmsg : hd_strerror(err);
  snprintf(c->errmsg, sizeof(c->errmsg), "%s", detail);
  herald__conn_close(&c->conn);
}

int herald__client_ensure_open(herald_client_t *c, int *reused) {
  *reused = c->conn.fd >= 0;
  if (c->conn.fd >= 0)
    return 0;
  return herald__conn_open(&c->conn, c->url.host, c->url.port, c->timeout_ms);
}

void herald_response_dispose(herald_response_t *res) {
  if (res->body)
    json_decref(res->body);
  hd_mem_free(res->raw);
  memset(res, 0, sizeof(*res));
  res->retry_after = -1;
}

static const char *error_field(const herald_response_t *res, const char *key) {
  if (res->status < 400 || !json_is_object(res->body))
    return NULL;
  json_t *e = json_object_get(res->body, "error");
  return json_string_value(json_object_get(e, key));
}

const char *herald_response_error_code(const herald_response_t *res) {
  return error_field(res, "code");
}

const char *herald_response_error_message(const herald_response_t *res) {
  return error_field(res, "message");
}

/* One attempt: write the request and read the answer. *got_any tells whether any answer byte
 * arrived (so a retry would be unsafe). */
static int attempt(herald_client_t *c, const char *method, const hd_buf_t *req,
                   herald_response_t *res, int *got_any) {
  *got_any = 0;
  int r = herald__conn_write(&c->conn, req->base, req->len, c->timeout_ms);
  if (r != 0)
    return r;
  herald_http_head_t h;
  r = herald__http_read_head(&c->conn, c->timeout_ms, &h, got_any);
  if (r != 0)
    return r;
  r = herald__http_read_body(&c->conn, c->timeout_ms, &h, strcmp(method, "HEAD") == 0, res);
  if (r != 0)
    return r;
  if (!h.keep_alive)
    herald__conn_close(&c->conn);
  return 0;
}

int herald_call(herald_client_t *c, const char *method, const char *path, const json_t *body,
                herald_response_t *res) {
  memset(res, 0, sizeof(*res));
  res->retry_after = -1;
  c->errmsg[0] = '\0';
  char *json = NULL;
  size_t json_len = 0;
  if (body) {
    json = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    if (json == NULL) {
      snprintf(c->errmsg, sizeof(c->errmsg), "cannot encode the request body as JSON");
      return HD_ERR_BAD_JSON;
    }
    json_len = strlen(json);
  }
  hd_buf_t req;
  hd_buf_init(&req, 0);
  int r = herald__http_write_head(&req, method, c->hostport, c->url.prefix, path, c->token,
                                  json ? "application/json" : NULL, json_len);
  if (r == 0 && json)
    r = hd_buf_append(&req, json, json_len);
  hd_mem_free(json); /* jansson allocates with malloc(), as hd_mem does */
  if (r != 0)
    goto done;
  for (int tries = 0; tries < 2; tries++) {
    int reused, got_any;
    c->errmsg[0] = c->conn.errmsg[0] = '\0';
    r = herald__client_ensure_open(c, &reused);
    if (r != 0)
      break;
    r = attempt(c, method, &req, res, &got_any);
    if (r == 0)
      break;
    herald__client_fail(c, r);
    herald_response_dispose(res);
    if (!reused || got_any || (r != HD_ERR_IO && r != HD_ERR_PEER_CLOSED))
      break;
  }
done:
  if (r != 0 && c->errmsg[0] == '\0')
    herald__client_fail(c, r);
  hd_buf_dispose(&req);
  return r;
}

int64_t herald_random_id(void) {
  uint64_t v = 0;
  while (v == 0) {
    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
      v = (uint64_t)hd_time_mono_ns() * 6364136223846793005ULL + 1442695040888963407ULL;
    v &= INT64_MAX;
  }
  return (int64_t)v;
}
