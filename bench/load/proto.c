/*
 * proto.c — HTTP/1.1 response parsing, request serialisation and WebSocket client framing for
 * herald-load (see proto.h for the contract and invariants).
 *
 * Response grammar accepted (RFC 9112, the subset a server sends):
 *
 *   "HTTP/1." DIGIT SP 3DIGIT [SP reason] CRLF *( name ":" OWS value OWS CRLF ) CRLF body
 *   body = Content-Length bytes | chunked (hex-size [;ext] CRLF data CRLF)* 0 CRLF CRLF
 *        | nothing (101, 204, 304, or no length: treated as empty — we never read to EOF)
 *
 * Frame layout (RFC 6455 §5.2):
 *
 *   byte 0: FIN RSV1-3 opcode | byte 1: MASK len7 | [len16 | len64] | [mask key 4] | payload
 */
#include "proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"

/* Find "\r\n\r\n" in buf; returns the offset just past it or 0. */
static size_t find_header_end(const char *buf, size_t len) {
  if (len < 4)
    return 0;
  for (size_t i = 0; i + 3 < len; i++) {
    if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
      return i + 4;
  }
  return 0;
}

/* Parse a decimal number from a slice with optional surrounding blanks; -1 when invalid. */
static int64_t parse_dec(const char *p, size_t n) {
  while (n > 0 && (*p == ' ' || *p == '\t')) {
    p++;
    n--;
  }
  while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
    n--;
  if (n == 0 || n > 18)
    return -1;
  int64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9')
      return -1;
    v = v * 10 + (p[i] - '0');
  }
  return v;
}

static int value_has_token(const char *v, size_t n, const char *tok) {
  size_t tl = strlen(tok);
  for (size_t i = 0; i + tl <= n; i++) {
    if (strncasecmp(v + i, tok, tl) == 0)
      return 1;
  }
  return 0;
}

/* Decode a chunked body starting at p; returns bytes used, 0 or an error. */
static int64_t parse_chunked(const char *p, size_t len, hd_buf_t *scratch) {
  size_t off = 0;
  scratch->len = 0;
  for (;;) {
    const char *eol = memchr(p + off, '\n', len - off);
    if (eol == NULL)
      return len - off > 1024 ? HD_ERR_BAD_REQUEST : 0;
    size_t size = 0, i = off, digits = 0;
    for (; p + i < eol; i++, digits++) {
      char c = p[i];
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0)
        break;
      if (digits >= 8)
        return HD_ERR_TOO_LARGE;
      size = size * 16 + (size_t)d;
    }
    if (digits == 0)
      return HD_ERR_BAD_REQUEST;
    off = (size_t)(eol - p) + 1;
    if (size == 0) {
      /* trailers are not used by our server: expect the final CRLF */
      if (len - off < 2)
        return 0;
      if (p[off] != '\r' || p[off + 1] != '\n')
        return HD_ERR_BAD_REQUEST;
      return (int64_t)(off + 2);
    }
    if (len - off < size + 2)
      return 0;
    int rc = hd_buf_append(scratch, p + off, size);
    if (rc < 0)
      return rc;
    if (p[off + size] != '\r' || p[off + size + 1] != '\n')
      return HD_ERR_BAD_REQUEST;
    off += size + 2;
  }
}

int64_t lg_http_parse(const char *buf, size_t len, hd_buf_t *scratch, lg_http_resp_t *out) {
  size_t hend = find_header_end(buf, len);
  if (hend == 0)
    return len > LG_HTTP_MAX_HEADER ? HD_ERR_HEADERS_TOO_LARGE : 0;
  memset(out, 0, sizeof(*out));
  out->retry_after = -1;
  if (hend < 16 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
    return HD_ERR_BAD_REQUEST;
  int64_t status = parse_dec(buf + 9, 3);
  if (status < 100 || status > 599 || (buf[12] != ' ' && buf[12] != '\r'))
    return HD_ERR_BAD_REQUEST;
  out->status = (int)status;
  int64_t clen = -1;
  int chunked = 0;
  const char *line = memchr(buf, '\n', hend) + 1;
  const char *end = buf + hend - 2; /* the empty line's CR */
  while (line < end) {
    const char *eol = memchr(line, '\n', (size_t)(end - line) + 1);
    if (eol == NULL || eol == line || eol[-1] != '\r')
      return HD_ERR_BAD_REQUEST;
    const char *colon = memchr(line, ':', (size_t)(eol - line));
    if (colon == NULL)
      return HD_ERR_BAD_REQUEST;
    size_t nlen = (size_t)(colon - line);
    const char *v = colon + 1;
    size_t vlen = (size_t)(eol - 1 - v);
    if (nlen == 14 && strncasecmp(line, "content-length", 14) == 0) {
      clen = parse_dec(v, vlen);
      if (clen < 0)
        return HD_ERR_BAD_REQUEST;
    } else if (nlen == 17 && strncasecmp(line, "transfer-encoding", 17) == 0) {
      chunked = value_has_token(v, vlen, "chunked");
    } else if (nlen == 10 && strncasecmp(line, "connection", 10) == 0) {
      out->close = value_has_token(v, vlen, "close");
    } else if (nlen == 7 && strncasecmp(line, "upgrade", 7) == 0) {
      out->upgrade_ws = value_has_token(v, vlen, "websocket");
    } else if (nlen == 11 && strncasecmp(line, "retry-after", 11) == 0) {
      int64_t ra = parse_dec(v, vlen);
      out->retry_after = ra < 0 || ra > 86400 ? -1 : (int)ra;
    }
    line = eol + 1;
  }
  if (out->status == 101 || out->status == 204 || out->status == 304 || out->status < 200) {
    out->body = hd_iov(buf + hend, 0);
    return (int64_t)hend;
  }
  if (chunked) {
    int64_t n = parse_chunked(buf + hend, len - hend, scratch);
    if (n <= 0)
      return n;
    out->body = hd_iov(scratch->base, scratch->len);
    return (int64_t)hend + n;
  }
  if (clen < 0)
    clen = 0;
  if (clen > (int64_t)LG_WS_MAX_FRAME)
    return HD_ERR_TOO_LARGE;
  if (len - hend < (size_t)clen)
    return 0;
  out->body = hd_iov(buf + hend, (size_t)clen);
  return (int64_t)hend + clen;
}

int lg_http_put_request(hd_buf_t *out, const char *method, const char *path, const char *token,
                        const char *body, size_t body_len) {
  int rc = hd_buf_appendf(out, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, path);
  if (rc == 0 && token != NULL)
    rc = hd_buf_appendf(out, "Authorization: Bearer %s\r\n", token);
  if (rc == 0 && body != NULL)
    rc = hd_buf_appendf(out, "Content-Type: application/json\r\nContent-Length: %zu\r\n", body_len);
  if (rc == 0)
    rc = hd_buf_append(out, "\r\n", 2);
  if (rc == 0 && body != NULL)
    rc = hd_buf_append(out, body, body_len);
  return rc;
}

int lg_http_put_upgrade(hd_buf_t *out, const char *path, const char *key) {
  return hd_buf_appendf(out,
                        "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n",
                        path, key);
}

int64_t lg_ws_parse(char *buf, size_t len, lg_ws_frame_t *out) {
  if (len < 2)
    return 0;
  uint8_t b0 = (uint8_t)buf[0], b1 = (uint8_t)buf[1];
  if (b0 & 0x70)
    return HD_ERR_BAD_REQUEST; /* no extensions negotiated: RSV bits must be 0 */
  int opcode = b0 & 0x0f;
  int fin = (b0 & 0x80) != 0;
  if (!(opcode <= LG_WS_BIN || (opcode >= LG_WS_CLOSE && opcode <= LG_WS_PONG)))
    return HD_ERR_BAD_REQUEST;
  size_t off = 2;
  uint64_t plen = b1 & 0x7f;
  if (plen == 126) {
    if (len < 4)
      return 0;
    plen = ((uint64_t)(uint8_t)buf[2] << 8) | (uint8_t)buf[3];
    off = 4;
  } else if (plen == 127) {
    if (len < 10)
      return 0;
    plen = 0;
    for (int i = 0; i < 8; i++)
      plen = (plen << 8) | (uint8_t)buf[2 + i];
    off = 10;
  }
  if (opcode >= LG_WS_CLOSE && (!fin || plen > 125))
    return HD_ERR_BAD_REQUEST;
  if (plen > LG_WS_MAX_FRAME)
    return HD_ERR_TOO_LARGE;
  int masked = (b1 & 0x80) != 0;
  uint8_t key[4] = {0};
  if (masked) {
    if (len < off + 4)
      return 0;
    memcpy(key, buf + off, 4);
    off += 4;
  }
  if (len - off < plen)
    return 0;
  if (masked) {
    for (uint64_t i = 0; i < plen; i++)
      buf[off + i] ^= (char)key[i & 3];
  }
  out->fin = fin;
  out->opcode = opcode;
  out->payload = hd_iov(buf + off, (size_t)plen);
  return (int64_t)(off + plen);
}

int lg_ws_put_frame(hd_buf_t *out, int opcode, const void *payload, size_t len, uint32_t mask) {
  uint8_t hdr[14];
  size_t h = 0;
  hdr[h++] = (uint8_t)(0x80 | (opcode & 0x0f));
  if (len < 126) {
    hdr[h++] = (uint8_t)(0x80 | len);
  } else if (len <= 0xffff) {
    hdr[h++] = 0x80 | 126;
    hdr[h++] = (uint8_t)(len >> 8);
    hdr[h++] = (uint8_t)len;
  } else {
    hdr[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--)
      hdr[h++] = (uint8_t)((uint64_t)len >> (8 * i));
  }
  uint8_t key[4] = {(uint8_t)(mask >> 24), (uint8_t)(mask >> 16), (uint8_t)(mask >> 8),
                    (uint8_t)mask};
  memcpy(hdr + h, key, 4);
  h += 4;
  int rc = hd_buf_try_reserve(out, h + len);
  if (rc < 0)
    return rc;
  memcpy(out->base + out->len, hdr, h);
  out->len += h;
  const uint8_t *p = payload;
  for (size_t i = 0; i < len; i++)
    out->base[out->len + i] = (char)(p[i] ^ key[i & 3]);
  out->len += len;
  return 0;
}

void lg_base64(const uint8_t *in, size_t n, char *out, size_t cap) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  HD_ASSERT(cap >= 4 * ((n + 2) / 3) + 1);
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)in[i + 1] << 8;
    if (i + 2 < n)
      v |= in[i + 2];
    out[o++] = tbl[(v >> 18) & 63];
    out[o++] = tbl[(v >> 12) & 63];
    out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? tbl[v & 63] : '=';
  }
  out[o] = '\0';
}

int lg_json_scan_int(hd_iovec_t json, const char *key, int64_t *out) {
  char pat[64];
  size_t kl = strlen(key);
  if (kl + 3 > sizeof(pat))
    return HD_ERR_BAD_FIELD;
  pat[0] = '"';
  memcpy(pat + 1, key, kl);
  pat[kl + 1] = '"';
  size_t pl = kl + 2;
  const char *p = memmem(json.base, json.len, pat, pl);
  if (p == NULL)
    return HD_ERR_BAD_JSON;
  const char *end = json.base + json.len;
  p += pl;
  while (p < end && (*p == ' ' || *p == ':'))
    p++;
  int neg = 0;
  if (p < end && *p == '-') {
    neg = 1;
    p++;
  }
  if (p >= end || *p < '0' || *p > '9')
    return HD_ERR_BAD_JSON;
  int64_t v = 0;
  int digits = 0;
  for (; p < end && *p >= '0' && *p <= '9'; p++) {
    if (++digits > 18)
      return HD_ERR_BAD_JSON;
    v = v * 10 + (*p - '0');
  }
  *out = neg ? -v : v;
  return 0;
}
