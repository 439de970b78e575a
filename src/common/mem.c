/*
 * mem.c — the only place that calls malloc/free (see mem.h for the policy).
 */
#include "common/mem.h"
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

_Noreturn void hd__assert_fail(const char *expr, const char *file, int line) {
  fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
  abort();
}

static _Noreturn void oom(size_t n) {
  fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", n);
  abort();
}

static long fail_countdown;

void hd_mem_fail_after(long n) { fail_countdown = n; }

int hd_iov_eq(hd_iovec_t v, const char *s) {
  size_t n = strlen(s);
  return v.len == n && (n == 0 || memcmp(v.base, s, n) == 0);
}

int hd_iov_caseeq(hd_iovec_t v, const char *s) {
  size_t n = strlen(s);
  return v.len == n && (n == 0 || strncasecmp(v.base, s, n) == 0);
}

void *hd_mem_alloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL)
    oom(n);
  return p;
}

void *hd_mem_calloc(size_t n) {
  void *p = calloc(1, n ? n : 1);
  if (p == NULL)
    oom(n);
  return p;
}

void *hd_mem_realloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (q == NULL)
    oom(n);
  return q;
}

void *hd_mem_try_alloc(size_t n) {
  if (fail_countdown > 0 && --fail_countdown == 0)
    return NULL;
  return malloc(n ? n : 1);
}

void hd_mem_free(void *p) { free(p); }

char *hd_strndup(const char *s, size_t n) {
  char *d = hd_mem_alloc(n + 1);
  if (n)
    memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *hd_strdup(const char *s) { return hd_strndup(s, strlen(s)); }

void hd_buf_init(hd_buf_t *b, size_t max) {
  b->base = NULL;
  b->len = b->cap = 0;
  b->max = max;
}

void hd_buf_dispose(hd_buf_t *b) {
  free(b->base);
  b->base = NULL;
  b->len = b->cap = 0;
}

int hd_buf_try_reserve(hd_buf_t *b, size_t extra) {
  if (extra > SIZE_MAX - b->len)
    return HD_ERR_TOO_LARGE;
  size_t need = b->len + extra;
  if (b->max != 0 && need > b->max)
    return HD_ERR_TOO_LARGE;
  if (need <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  if (b->max != 0 && cap > b->max)
    cap = b->max;
  if (fail_countdown > 0 && --fail_countdown == 0)
    return HD_ERR_NOMEM;
  char *p = realloc(b->base, cap);
  if (p == NULL)
    return HD_ERR_NOMEM;
  b->base = p;
  b->cap = cap;
  return 0;
}

int hd_buf_append(hd_buf_t *b, const void *p, size_t n) {
  int r = hd_buf_try_reserve(b, n);
  if (r != 0)
    return r;
  if (n)
    memcpy(b->base + b->len, p, n);
  b->len += n;
  return 0;
}

int hd_buf_appendf(hd_buf_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return HD_ERR_INTERNAL;
  int r = hd_buf_try_reserve(b, (size_t)n + 1);
  if (r != 0)
    return r;
  va_start(ap, fmt);
  vsnprintf(b->base + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

void hd_buf_consume(hd_buf_t *b, size_t n) {
  HD_ASSERT(n <= b->len);
  memmove(b->base, b->base + n, b->len - n);
  b->len -= n;
}

#define HD_POOL_CHUNK 4096

struct st_hd_mem_chunk_t {
  hd_mem_chunk_t *next;
  size_t size;
  _Alignas(16) char data[];
};

void hd_mem_pool_init(hd_mem_pool_t *p) {
  p->chunks = NULL;
  p->used_in_head = 0;
  p->total = 0;
}

void hd_mem_pool_clear(hd_mem_pool_t *p) {
  hd_mem_chunk_t *c = p->chunks;
  while (c) {
    hd_mem_chunk_t *n = c->next;
    free(c);
    c = n;
  }
  hd_mem_pool_init(p);
}

void hd_mem_pool_dispose(hd_mem_pool_t *p) { hd_mem_pool_clear(p); }

void *hd_mem_pool_alloc(hd_mem_pool_t *p, size_t n) {
  n = (n + 15) & ~(size_t)15;
  p->total += n;
  if (n > HD_POOL_CHUNK / 4) {
    /* large: own chunk, linked behind the head so the head keeps its free space */
    hd_mem_chunk_t *c = hd_mem_alloc(sizeof(*c) + n);
    c->size = n;
    if (p->chunks) {
      c->next = p->chunks->next;
      p->chunks->next = c;
    } else {
      c->next = NULL;
      p->chunks = c;
      p->used_in_head = n;
    }
    return c->data;
  }
  if (p->chunks == NULL || p->chunks->size - p->used_in_head < n) {
    hd_mem_chunk_t *c = hd_mem_alloc(sizeof(*c) + HD_POOL_CHUNK);
    c->size = HD_POOL_CHUNK;
    c->next = p->chunks;
    p->chunks = c;
    p->used_in_head = 0;
  }
  void *r = p->chunks->data + p->used_in_head;
  p->used_in_head += n;
  return r;
}

char *hd_mem_pool_strndup(hd_mem_pool_t *p, const char *s, size_t n) {
  char *d = hd_mem_pool_alloc(p, n + 1);
  if (n)
    memcpy(d, s, n);
  d[n] = '\0';
  return d;
}
