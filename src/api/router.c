/*
 * router.c — route matching (see router.h for the rules and the precedence order).
 *
 * The matcher walks the path once into segments, then compares every pattern segment by
 * segment. Tables are small (a few dozen routes), so a linear scan costs less than building
 * a trie and keeps the table a plain array declared once.
 *
 * Invariants:
 *  1. A successful match leaves m->nparams equal to the number of captures in the pattern
 *     and every capture non-empty, pointing into the caller's path bytes.
 *  2. The chosen route is independent of table order except between identical patterns with
 *     the same method, which hd_router_check() rejects.
 */
#include "api/router.h"
#include "common/error.h"

#include <string.h>

typedef struct {
  hd_iovec_t seg[HD_ROUTER_MAX_SEGMENTS];
  size_t n;
} segs_t;

/* Split "/a/b/c" into segments. Returns 0, or -1 for a path that no route can match (no
 * leading slash, an empty segment, a trailing slash, too many segments). */
static int split_path(hd_iovec_t path, segs_t *s) {
  s->n = 0;
  if (path.len < 2 || path.base[0] != '/')
    return -1;
  size_t i = 1;
  while (i <= path.len) {
    size_t start = i;
    while (i < path.len && path.base[i] != '/')
      i++;
    if (i == start || s->n == HD_ROUTER_MAX_SEGMENTS)
      return -1;
    s->seg[s->n++] = hd_iov(path.base + start, i - start);
    i++; /* skip the slash (or step past the end) */
  }
  return 0;
}

static int is_capture(const char *p, size_t len) {
  return len >= 2 && p[0] == '{' && p[len - 1] == '}';
}

/* Compare pattern against segments. On a shape match returns 1, sets *spec (literal
 * segments as bits, the first segment most significant) and fills caps/ncaps. */
static int match_shape(const char *pattern, const segs_t *s, unsigned *spec, hd_iovec_t *caps,
                       size_t *ncaps, unsigned *is_id) {
  const char *p = pattern;
  size_t i = 0;
  *spec = 0;
  *ncaps = 0;
  *is_id = 0;
  if (*p != '/')
    return 0;
  while (*p == '/') {
    p++;
    const char *e = strchr(p, '/');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (i == s->n)
      return 0;
    if (is_capture(p, len)) {
      if (*ncaps == HD_ROUTER_MAX_PARAMS)
        return 0;
      if (len == 4 && memcmp(p, "{id}", 4) == 0)
        *is_id |= 1u << *ncaps;
      caps[(*ncaps)++] = s->seg[i];
    } else {
      if (s->seg[i].len != len || memcmp(s->seg[i].base, p, len) != 0)
        return 0;
      *spec |= 1u << (HD_ROUTER_MAX_SEGMENTS - 1 - i);
    }
    i++;
    p += len;
  }
  return i == s->n;
}

int hd_parse_id(hd_iovec_t s, int64_t *out) {
  if (s.len == 0 || s.len > 19 || (s.len > 1 && s.base[0] == '0'))
    return HD_ERR_BAD_REQUEST;
  uint64_t v = 0;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.base[i];
    if (c < '0' || c > '9')
      return HD_ERR_BAD_REQUEST;
    v = v * 10 + (uint64_t)(c - '0'); /* 19 digits cannot overflow uint64 */
  }
  if (v > (uint64_t)INT64_MAX)
    return HD_ERR_BAD_REQUEST;
  *out = (int64_t)v;
  return 0;
}

static void allow_add(char *allow, size_t cap, const char *method) {
  size_t len = strlen(allow);
  size_t mlen = strlen(method);
  if (len + mlen + 3 > cap)
    return;
  if (len) {
    memcpy(allow + len, ", ", 2);
    len += 2;
  }
  memcpy(allow + len, method, mlen + 1);
}

int hd_router_match(const hd_route_t *routes, size_t n, hd_iovec_t method, hd_iovec_t path,
                    hd_route_match_t *m) {
  memset(m, 0, sizeof(*m));
  segs_t s;
  if (split_path(path, &s) != 0)
    return HD_ERR_NOT_FOUND;

  /* rules 1 and 2: the most specific pattern among shape matches */
  const char *best = NULL;
  unsigned best_spec = 0;
  hd_iovec_t caps[HD_ROUTER_MAX_PARAMS];
  size_t ncaps;
  unsigned is_id;
  for (size_t i = 0; i < n; i++) {
    unsigned spec;
    if (!match_shape(routes[i].pattern, &s, &spec, caps, &ncaps, &is_id))
      continue;
    if (!best || spec > best_spec) {
      best = routes[i].pattern;
      best_spec = spec;
    }
  }
  if (!best)
    return HD_ERR_NOT_FOUND;

  /* rule 3: the method among routes sharing that pattern */
  const hd_route_t *chosen = NULL;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(routes[i].pattern, best) != 0)
      continue;
    if (hd_iov_eq(method, routes[i].method)) {
      chosen = &routes[i];
      break;
    }
    allow_add(m->allow, sizeof(m->allow), routes[i].method);
  }
  if (!chosen)
    return HD_ERR_METHOD;
  m->allow[0] = '\0';

  /* rule 4: strict ids */
  unsigned spec;
  match_shape(chosen->pattern, &s, &spec, m->params, &m->nparams, &is_id);
  for (size_t i = 0; i < m->nparams; i++) {
    int64_t id;
    if ((is_id & (1u << i)) && hd_parse_id(m->params[i], &id) != 0)
      return HD_ERR_BAD_REQUEST;
  }
  m->route = chosen;
  return 0;
}

int hd_router_check(const hd_route_t *routes, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *p = routes[i].pattern;
    if (!p || p[0] != '/' || !routes[i].method || !routes[i].handler)
      return HD_ERR_INTERNAL;
    size_t caps = 0, segs = 0;
    for (const char *q = p; *q == '/';) {
      q++;
      const char *e = strchr(q, '/');
      size_t len = e ? (size_t)(e - q) : strlen(q);
      if (len == 0)
        return HD_ERR_INTERNAL;
      if (memchr(q, '{', len) || memchr(q, '}', len)) {
        if (!(len == 4 && memcmp(q, "{id}", 4) == 0) && !(len == 6 && memcmp(q, "{name}", 6) == 0))
          return HD_ERR_INTERNAL;
        caps++;
      }
      segs++;
      q += len;
    }
    if (caps > HD_ROUTER_MAX_PARAMS || segs > HD_ROUTER_MAX_SEGMENTS)
      return HD_ERR_INTERNAL;
    for (size_t j = i + 1; j < n; j++)
      if (strcmp(routes[i].method, routes[j].method) == 0 &&
          strcmp(routes[i].pattern, routes[j].pattern) == 0)
        return HD_ERR_INTERNAL;
  }
  return 0;
}
