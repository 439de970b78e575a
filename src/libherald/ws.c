/*
 * ws.c — WebSocket client: opening handshake, framing, ping/pong, close (see ws.h).
 *
 * The handshake is a GET with Upgrade: websocket and a random 16-byte Sec-WebSocket-Key; the
 * answer must be 101 with Sec-WebSocket-Accept = base64(SHA-1(key + GUID)). After that the
 * connection carries frames only; herald_ws_next() reads until a whole text message is
 * there, answering pings on the way.
 */
#include "libherald/ws.h"
#include "common/error.h"
#include "common/time.h"
#include "common/utf8.h"
#include "libherald/client.h"
#include "common/sha1.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

struct st_herald_ws_t {
  herald_conn_t conn;
  hd_buf_t msg;   /* fragments of the message being reassembled */
  int in_msg;     /* a fragmented message is in progress */
  int msg_opcode; /* its opcode (text or binary) */
  int close_code; /* code the server closed with, 0 if none */
  int close_sent; /* invariant 2 */
  int closed;     /* the server's close frame arrived or the stream ended */
  int timeout_ms; /* for writes */
};

static void random_bytes(void *p, size_t n) {
  if (getrandom(p, n, 0) != (ssize_t)n) {
    uint64_t x = hd_time_mono_ns();
    for (size_t i = 0; i < n; i++) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      ((uint8_t *)p)[i] = (uint8_t)(x >> 56);
    }
  }
}

int herald__ws_encode(hd_buf_t *out, int opcode, int fin, const void *p, size_t n,
                      const uint8_t *mask) {
  uint8_t h[14];
  size_t hl = 2;
  h[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
  uint8_t mbit = mask ? 0x80 : 0;
  if (n < 126) {
    h[1] = (uint8_t)(mbit | n);
  } else if (n <= 0xffff) {
    h[1] = mbit | 126;
    h[2] = (uint8_t)(n >> 8);
    h[3] = (uint8_t)n;
    hl = 4;
  } else {
    h[1] = mbit | 127;
    for (int i = 0; i < 8; i++)
      h[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
    hl = 10;
  }
  if (mask) {
    memcpy(h + hl, mask, 4);
    hl += 4;
  }
  int r = hd_buf_try_reserve(out, hl + n);
  if (r != 0)
    return r;
  memcpy(out->base + out->len, h, hl);
  out->len += hl;
  const uint8_t *s = p;
  for (size_t i = 0; i < n; i++)
    out->base[out->len + i] = (char)(mask ? s[i] ^ mask[i & 3] : s[i]);
  out->len += n;
  return 0;
}

int herald__ws_parse_header(const uint8_t *p, size_t n, herald_ws_frame_t *f) {
  if (n < 2)
    return 0;
  memset(f, 0, sizeof(*f));
  f->fin = (p[0] & 0x80) != 0;
  f->opcode = p[0] & 0x0f;
  f->masked = (p[1] & 0x80) != 0;
  if (p[0] & 0x70)
    return HD_ERR_PROTOCOL; /* no extension was negotiated */
  int control = f->opcode & 0x08;
  if (f->opcode > HERALD_WS_BIN && f->opcode != HERALD_WS_CLOSE && f->opcode != HERALD_WS_PING &&
      f->opcode != HERALD_WS_PONG)
    return HD_ERR_PROTOCOL;
  uint64_t len = p[1] & 0x7f;
  size_t hl = 2;
  if (len == 126) {
    if (n < 4)
      return 0;
    len = (uint64_t)p[2] << 8 | p[3];
    hl = 4;
  } else if (len == 127) {
    if (n < 10)
      return 0;
    len = 0;
    for (int i = 0; i < 8; i++)
      len = len << 8 | p[2 + i];
    if (len >> 63)
      return HD_ERR_PROTOCOL;
    hl = 10;
  }
  if (control && (len > 125 || !f->fin))
    return HD_ERR_PROTOCOL;
  if (f->masked) {
    if (n < hl + 4)
      return 0;
    memcpy(f->mask, p + hl, 4);
    hl += 4;
  }
  f->len = len;
  f->head_len = hl;
  return (int)hl;
}

static herald_ws_t *ws_new(void) {
  herald_ws_t *ws = hd_mem_calloc(sizeof(*ws));
  herald__conn_init(&ws->conn, HERALD_WS_MAX_MESSAGE + 64);
  hd_buf_init(&ws->msg, HERALD_WS_MAX_MESSAGE);
  ws->timeout_ms = 30000;
  return ws;
}

herald_ws_t *herald__ws_from_fd(int fd) {
  herald_ws_t *ws = ws_new();
  herald__conn_adopt(&ws->conn, fd);
  return ws;
}

static int send_frame(herald_ws_t *ws, int opcode, const void *p, size_t n) {
  if (ws->conn.fd < 0 || ws->close_sent)
    return HD_ERR_PEER_CLOSED;
  uint8_t mask[4];
  random_bytes(mask, sizeof(mask));
  hd_buf_t out;
  hd_buf_init(&out, 0);
  int r = herald__ws_encode(&out, opcode, 1, p, n, mask);
  if (r == 0)
    r = herald__conn_write(&ws->conn, out.base, out.len, ws->timeout_ms);
  hd_buf_dispose(&out);
  if (r == 0 && opcode == HERALD_WS_CLOSE)
    ws->close_sent = 1;
  return r;
}

static int send_close(herald_ws_t *ws, int code) {
  uint8_t b[2] = {(uint8_t)(code >> 8), (uint8_t)code};
  return send_frame(ws, HERALD_WS_CLOSE, b, code ? 2 : 0);
}

int herald_ws_send_text(herald_ws_t *ws, const char *text, size_t len) {
  return send_frame(ws, HERALD_WS_TEXT, text, len);
}

int herald_ws_ping(herald_ws_t *ws, const void *payload, size_t len) {
  if (len > 125)
    return HD_ERR_TOO_LARGE;
  return send_frame(ws, HERALD_WS_PING, payload, len);
}

int herald_ws_close_code(const herald_ws_t *ws) { return ws->close_code; }

/* Fail the connection with close code code (RFC 6455 §7.1.7) and return err. */
static int fail_ws(herald_ws_t *ws, int code, int err) {
  send_close(ws, code);
  ws->closed = 1;
  herald__conn_close(&ws->conn);
  return err;
}

/* Handle one complete frame whose payload is p[0..n). Returns 1 when a whole message is
 * ready in ws->msg, 0 to keep reading, or a negative error. */
static int on_frame(herald_ws_t *ws, const herald_ws_frame_t *f, const char *p, size_t n) {
  switch (f->opcode) {
  case HERALD_WS_PING:
    return send_frame(ws, HERALD_WS_PONG, p, n) == 0 ? 0 : HD_ERR_IO;
  case HERALD_WS_PONG:
    return 0;
  case HERALD_WS_CLOSE:
    ws->closed = 1;
    ws->close_code = n >= 2 ? ((uint8_t)p[0] << 8 | (uint8_t)p[1]) : 1005;
    if (!ws->close_sent)
      send_close(ws, n >= 2 ? ws->close_code : 1000);
    herald__conn_close(&ws->conn);
    return HD_ERR_PEER_CLOSED;
  case HERALD_WS_CONT:
    if (!ws->in_msg)
      return fail_ws(ws, 1002, HD_ERR_PROTOCOL);
    break;
  default: /* text or binary */
    if (ws->in_msg)
      return fail_ws(ws, 1002, HD_ERR_PROTOCOL);
    ws->in_msg = 1;
    ws->msg_opcode = f->opcode;
    ws->msg.len = 0;
    break;
  }
  if (hd_buf_append(&ws->msg, p, n) != 0)
    return fail_ws(ws, 1009, HD_ERR_TOO_LARGE);
  if (!f->fin)
    return 0;
  ws->in_msg = 0;
  if (ws->msg_opcode == HERALD_WS_TEXT && !hd_utf8_valid(ws->msg.base, ws->msg.len))
    return fail_ws(ws, 1007, HD_ERR_BAD_UTF8);
  return 1;
}

int herald_ws_next(herald_ws_t *ws, int timeout_ms, json_t **msg) {
  *msg = NULL;
  uint64_t deadline = timeout_ms >= 0 ? hd_time_mono_ms() + (uint64_t)timeout_ms : 0;
  for (;;) {
    if (ws->closed)
      return HD_ERR_PEER_CLOSED;
    herald_ws_frame_t f;
    hd_buf_t *rb = &ws->conn.rbuf;
    int hl = herald__ws_parse_header((const uint8_t *)rb->base, rb->len, &f);
    if (hl < 0 || (hl > 0 && f.masked))
      return fail_ws(ws, 1002, HD_ERR_PROTOCOL);
    if (hl > 0 && f.len > HERALD_WS_MAX_MESSAGE)
      return fail_ws(ws, 1009, HD_ERR_TOO_LARGE);
    if (hl > 0 && rb->len - (size_t)hl >= f.len) {
      int r = on_frame(ws, &f, rb->base + hl, (size_t)f.len);
      if (ws->conn.fd >= 0)
        hd_buf_consume(rb, (size_t)hl + (size_t)f.len);
      if (r < 0)
        return r;
      if (r == 1 && ws->msg_opcode == HERALD_WS_TEXT) {
        *msg = json_loadb(ws->msg.base, ws->msg.len, 0, NULL);
        return *msg ? 0 : HD_ERR_BAD_JSON;
      }
      continue;
    }
    int wait = -1;
    if (timeout_ms >= 0) {
      uint64_t now = hd_time_mono_ms();
      wait = now >= deadline ? 0 : (int)(deadline - now);
    }
    int r = herald__conn_fill(&ws->conn, wait);
    if (r == HD_ERR_PEER_CLOSED) {
      ws->closed = 1;
      ws->close_code = 1006; /* abnormal closure: no close frame */
      herald__conn_close(&ws->conn);
    }
    if (r < 0)
      return r;
  }
}

int herald_ws_connect(herald_client_t *c, const char *path, herald_ws_t **out) {
  *out = NULL;
  c->errmsg[0] = '\0';
  herald_ws_t *ws = ws_new();
  ws->timeout_ms = c->timeout_ms;
  hd_buf_t req;
  hd_buf_init(&req, 0);
  uint8_t raw[16];
  char key[32], expect[29];
  random_bytes(raw, sizeof(raw));
  hd_base64_encode(raw, sizeof(raw), key);
  hd_ws_accept_key(key, strlen(key), expect);
  int r = herald__conn_open(&ws->conn, c->url.host, c->url.port, c->timeout_ms);
  if (r != 0)
    goto fail;
  r = hd_buf_appendf(&req,
                     "GET %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: herald/1\r\n"
                     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n",
                     c->url.prefix, path, c->hostport, key);
  if (r == 0 && c->token)
    r = hd_buf_appendf(&req, "Authorization: Bearer %s\r\n", c->token);
  if (r == 0)
    r = hd_buf_append(&req, "\r\n", 2);
  if (r == 0)
    r = herald__conn_write(&ws->conn, req.base, req.len, c->timeout_ms);
  if (r != 0)
    goto fail;
  herald_http_head_t h;
  int got_any;
  if ((r = herald__http_read_head(&ws->conn, c->timeout_ms, &h, &got_any)) != 0)
    goto fail;
  if (h.status != 101) {
    /* an API error (401 unauthorized, …): hand it over like herald_call() would */
    herald_response_t res;
    memset(&res, 0, sizeof(res));
    if (herald__http_read_body(&ws->conn, c->timeout_ms, &h, 0, &res) == 0 &&
        herald_response_error_code(&res))
      snprintf(c->errmsg, sizeof(c->errmsg), "%d %s: %s", res.status,
               herald_response_error_code(&res),
               herald_response_error_message(&res) ? herald_response_error_message(&res) : "");
    else
      snprintf(c->errmsg, sizeof(c->errmsg), "the server refused the WebSocket (%d)", h.status);
    r = h.status == 401 ? HD_ERR_UNAUTHORIZED : HD_ERR_PROTOCOL;
    herald_response_dispose(&res);
    goto fail;
  }
  if (!h.upgrade_websocket || strcmp(h.ws_accept, expect) != 0) {
    snprintf(c->errmsg, sizeof(c->errmsg), "bad WebSocket handshake answer from the server");
    r = HD_ERR_PROTOCOL;
    goto fail;
  }
  hd_buf_dispose(&req);
  *out = ws;
  return 0;

fail:
  ws->closed = 1; /* never send a close frame on a connection that is not a WebSocket */
  if (c->errmsg[0] == '\0')
    snprintf(c->errmsg, sizeof(c->errmsg), "%s",
             ws->conn.errmsg[0] ? ws->conn.errmsg : hd_strerror(r));
  hd_buf_dispose(&req);
  herald_ws_close(ws);
  return r;
}

void herald_ws_close(herald_ws_t *ws) {
  if (ws == NULL)
    return;
  if (ws->conn.fd >= 0 && !ws->closed && send_close(ws, 1000) == 0) {
    /* wait briefly for the server's echo so the server sees a clean close */
    uint64_t deadline = hd_time_mono_ms() + 1000;
    while (!ws->closed && ws->conn.fd >= 0) {
      uint64_t now = hd_time_mono_ms();
      if (now >= deadline)
        break;
      json_t *m = NULL;
      int r = herald_ws_next(ws, (int)(deadline - now), &m);
      if (m)
        json_decref(m);
      if (r != 0 && r != HD_ERR_BAD_JSON)
        break;
    }
  }
  herald__conn_dispose(&ws->conn);
  hd_buf_dispose(&ws->msg);
  hd_mem_free(ws);
}
