/*
 * multipart.c — the streaming multipart/form-data parser (see multipart.h for the state
 * diagram, the delimiter-matching argument and the invariants).
 */
#include "api/multipart.h"

#include "common/error.h"

#include <string.h>
#include <strings.h>

/* RFC 2046 bchars: DIGIT / ALPHA / "'()+_,-./:=?" and space (not last). */
static int bchar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c && strchr("'()+_,-./:=? ", c) != NULL);
}

static int fail(hd_multipart_t *mp, int err) {
  if (mp->state != HD_MP_FAILED) {
    mp->state = HD_MP_FAILED;
    mp->err = err;
  }
  return mp->err;
}

int hd_multipart_boundary(hd_iovec_t ct, char *out, size_t cap) {
  static const char type[] = "multipart/form-data";
  size_t tl = sizeof(type) - 1;
  if (ct.len < tl || strncasecmp(ct.base, type, tl) != 0)
    return HD_ERR_BAD_MULTIPART;
  size_t i = tl;
  while (i < ct.len) { /* parameters: ; name=value | ; name="value" */
    while (i < ct.len && (ct.base[i] == ';' || ct.base[i] == ' ' || ct.base[i] == '\t'))
      i++;
    size_t ns = i;
    while (i < ct.len && ct.base[i] != '=' && ct.base[i] != ';')
      i++;
    size_t nl = i - ns;
    if (i >= ct.len || ct.base[i] != '=')
      continue;
    i++;
    size_t vs = i, vl;
    if (i < ct.len && ct.base[i] == '"') {
      vs = ++i;
      while (i < ct.len && ct.base[i] != '"')
        i++;
      if (i >= ct.len)
        return HD_ERR_BAD_MULTIPART;
      vl = i - vs;
      i++;
    } else {
      while (i < ct.len && ct.base[i] != ';' && ct.base[i] != ' ' && ct.base[i] != '\t')
        i++;
      vl = i - vs;
    }
    if (nl == 8 && strncasecmp(ct.base + ns, "boundary", 8) == 0) {
      if (vl == 0 || vl > HD_MULTIPART_BOUNDARY_MAX || vl + 1 > cap || ct.base[vs + vl - 1] == ' ')
        return HD_ERR_BAD_MULTIPART;
      for (size_t k = 0; k < vl; k++)
        if (!bchar(ct.base[vs + k]))
          return HD_ERR_BAD_MULTIPART;
      memcpy(out, ct.base + vs, vl);
      out[vl] = '\0';
      return 0;
    }
  }
  return HD_ERR_BAD_MULTIPART;
}

int hd_multipart_init(hd_multipart_t *mp, const char *boundary, const hd_multipart_cb_t *cb) {
  size_t bl = strlen(boundary);
  memset(mp, 0, offsetof(hd_multipart_t, head));
  mp->cb = *cb;
  if (bl == 0 || bl > HD_MULTIPART_BOUNDARY_MAX)
    return fail(mp, HD_ERR_BAD_MULTIPART);
  for (size_t i = 0; i < bl; i++)
    if (!bchar(boundary[i]))
      return fail(mp, HD_ERR_BAD_MULTIPART);
  memcpy(mp->delim, "\r\n--", 4);
  memcpy(mp->delim + 4, boundary, bl);
  mp->dlen = 4 + bl;
  mp->m = 2; /* the first delimiter may open the body: act as if CRLF preceded it */
  mp->state = HD_MP_PREAMBLE;
  return 0;
}

/* Copy the value of parameter name (quoted or token) from a header value into out. */
static int param(const char *v, size_t vl, const char *name, char *out, size_t cap) {
  size_t nl = strlen(name);
  for (size_t i = 0; i + nl < vl; i++) {
    if ((i > 0 && v[i - 1] != ';' && v[i - 1] != ' ' && v[i - 1] != '\t') ||
        strncasecmp(v + i, name, nl) != 0 || v[i + nl] != '=')
      continue;
    size_t s = i + nl + 1, e;
    if (s < vl && v[s] == '"') {
      e = ++s;
      while (e < vl && v[e] != '"')
        e += (v[e] == '\\' && e + 1 < vl) ? 2 : 1;
      if (e >= vl)
        return HD_ERR_BAD_MULTIPART;
    } else {
      e = s;
      while (e < vl && v[e] != ';' && v[e] != ' ' && v[e] != '\t')
        e++;
    }
    size_t o = 0;
    for (size_t k = s; k < e; k++) {
      if (v[k] == '\\' && k + 1 < e && v[s - 1] == '"')
        k++;
      if (o + 1 >= cap)
        return HD_ERR_BAD_MULTIPART;
      out[o++] = v[k];
    }
    out[o] = '\0';
    return 1;
  }
  return 0;
}

/* Parse the complete header block (mp->head, ending in CRLF CRLF or just CRLF). */
static int parse_headers(hd_multipart_t *mp) {
  hd_multipart_part_t *pt = &mp->part;
  memset(pt, 0, sizeof(*pt));
  const char *p = mp->head, *end = mp->head + mp->hlen;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol)
      break;
    const char *le = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
    const char *colon = memchr(p, ':', (size_t)(le - p));
    if (colon) {
      size_t nl = (size_t)(colon - p);
      const char *v = colon + 1;
      while (v < le && (*v == ' ' || *v == '\t'))
        v++;
      size_t vl = (size_t)(le - v);
      while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
        vl--;
      if (nl == 19 && strncasecmp(p, "Content-Disposition", 19) == 0) {
        int r = param(v, vl, "name", pt->name, sizeof(pt->name));
        if (r >= 0)
          r = param(v, vl, "filename", pt->filename, sizeof(pt->filename));
        if (r < 0)
          return r;
        pt->has_filename = r == 1;
      } else if (nl == 12 && strncasecmp(p, "Content-Type", 12) == 0) {
        if (vl >= sizeof(pt->content_type))
          return HD_ERR_BAD_MULTIPART;
        memcpy(pt->content_type, v, vl);
        pt->content_type[vl] = '\0';
      }
    } else if (le != p) {
      return HD_ERR_BAD_MULTIPART; /* a non-empty line that is not a header */
    }
    p = eol + 1;
  }
  return 0;
}

/* Body/preamble bytes: emit data around delimiter matches. Returns bytes consumed, or a
 * negative error; stops right after a complete delimiter (*found = 1). */
static long scan(hd_multipart_t *mp, const char *p, size_t n, int emit, int *found) {
  size_t i = 0;
  *found = 0;
  while (i < n) {
    if (mp->m == 0) { /* fast path: data up to the next CR */
      const char *cr = memchr(p + i, '\r', n - i);
      size_t run = cr ? (size_t)(cr - (p + i)) : n - i;
      if (emit && run) {
        int r = mp->cb.on_data(mp->cb.data, p + i, run);
        if (r < 0)
          return r;
      }
      i += run;
      if (!cr)
        break;
      mp->m = 1;
      i++;
      continue;
    }
    if (p[i] == mp->delim[mp->m]) {
      i++;
      if (++mp->m == mp->dlen) {
        mp->m = 0;
        *found = 1;
        return (long)i;
      }
      continue;
    }
    if (emit) { /* the held bytes were data after all */
      int r = mp->cb.on_data(mp->cb.data, mp->delim, mp->m);
      if (r < 0)
        return r;
    }
    mp->m = 0; /* p[i] is looked at again: a CR restarts the match */
  }
  return (long)n;
}

/* One byte right after a delimiter: optional padding, then "--" (close) or CRLF. */
static int after_byte(hd_multipart_t *mp, char c) {
  if (mp->nafter == 0 && (c == ' ' || c == '\t'))
    return 0; /* transport padding */
  mp->after[mp->nafter++] = c;
  if (mp->nafter < 2)
    return 0;
  mp->nafter = 0;
  if (mp->after[0] == '-' && mp->after[1] == '-') {
    mp->state = HD_MP_DONE;
    return 0;
  }
  if (mp->after[0] == '\r' && mp->after[1] == '\n') {
    mp->state = HD_MP_HEADERS;
    mp->hlen = 0;
    return 0;
  }
  return HD_ERR_BAD_MULTIPART;
}

/* Header bytes: accumulate until an empty line, then announce the part. */
static long headers(hd_multipart_t *mp, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (mp->hlen == sizeof(mp->head))
      return HD_ERR_BAD_MULTIPART; /* invariant 2 */
    mp->head[mp->hlen++] = p[i];
    size_t h = mp->hlen;
    int end = (h == 2 && memcmp(mp->head, "\r\n", 2) == 0) ||
              (h >= 4 && memcmp(mp->head + h - 4, "\r\n\r\n", 4) == 0);
    if (!end)
      continue;
    int r = parse_headers(mp);
    if (r == 0)
      r = mp->cb.on_part(mp->cb.data, &mp->part);
    if (r < 0)
      return r;
    mp->state = HD_MP_BODY;
    mp->m = 0;
    return (long)(i + 1);
  }
  return (long)n;
}

int hd_multipart_feed(hd_multipart_t *mp, const char *p, size_t n) {
  size_t i = 0;
  while (i < n && mp->state != HD_MP_FAILED && mp->state != HD_MP_DONE) {
    long used;
    int found, r;
    switch (mp->state) {
    case HD_MP_PREAMBLE:
    case HD_MP_BODY:
      used = scan(mp, p + i, n - i, mp->state == HD_MP_BODY, &found);
      if (used < 0)
        return fail(mp, (int)used);
      i += (size_t)used;
      if (found) {
        if (mp->state == HD_MP_BODY && (r = mp->cb.on_part_end(mp->cb.data)) < 0)
          return fail(mp, r);
        mp->state = HD_MP_AFTER;
        mp->nafter = 0;
      }
      break;
    case HD_MP_AFTER:
      if ((r = after_byte(mp, p[i++])) < 0)
        return fail(mp, r);
      break;
    default: /* HD_MP_HEADERS */
      used = headers(mp, p + i, n - i);
      if (used < 0)
        return fail(mp, (int)used);
      i += (size_t)used;
      break;
    }
  }
  return mp->state == HD_MP_FAILED ? mp->err : 0;
}

int hd_multipart_finish(hd_multipart_t *mp) {
  if (mp->state == HD_MP_FAILED)
    return mp->err;
  return mp->state == HD_MP_DONE ? 0 : fail(mp, HD_ERR_BAD_MULTIPART);
}
