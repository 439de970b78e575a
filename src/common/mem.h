/*
 * mem.h — allocation, slices, growable buffers with ceilings, and per-request pools.
 *
 * Policy (STYLE.md §9–11):
 *  - Bookkeeping allocations use hd_mem_alloc()/hd_mem_realloc(), which abort on OOM: a
 *    server that cannot allocate a few bytes of bookkeeping cannot do anything useful.
 *  - Sizes a client controls go through hd_mem_try_alloc() / hd_buf_try_reserve(), which
 *    fail with NULL / HD_ERR_NOMEM / HD_ERR_TOO_LARGE and let the caller answer cleanly.
 *  - Raw malloc/free appear only in mem.c.
 *
 * The pool is a bump allocator over a chain of chunks:
 *
 *    pool ──► [chunk 4 KiB: used | free] ──► [chunk] ──► … (large allocations get their own)
 *
 * Everything allocated from a pool dies with hd_mem_pool_clear()/hd_mem_pool_dispose().
 *
 * Invariants:
 *  1. hd_buf_t.len <= hd_buf_t.cap <= hd_buf_t.max (when max != 0).
 *  2. HD_ASSERT is active in every build; it guards memory-safety invariants only, never input.
 */
#ifndef HD_COMMON_MEM_H
#define HD_COMMON_MEM_H

#include <stddef.h>
#include <stdint.h>

#define HD_ASSERT(expr) ((expr) ? (void)0 : hd__assert_fail(#expr, __FILE__, __LINE__))
_Noreturn void hd__assert_fail(const char *expr, const char *file, int line);

#define HD_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define HD_MIN(a, b)     ((a) < (b) ? (a) : (b))
#define HD_MAX(a, b)     ((a) > (b) ? (a) : (b))

/* A byte slice passed by value; it does not own its bytes. */
typedef struct {
  char *base;
  size_t len;
} hd_iovec_t;

static inline hd_iovec_t hd_iov(const void *base, size_t len) {
  hd_iovec_t v = {(char *)base, len};
  return v;
}
#define HD_IOV_LIT(s) hd_iov((s), sizeof(s) - 1)
/* Return nonzero when v equals the NUL-terminated string s byte for byte. */
int hd_iov_eq(hd_iovec_t v, const char *s);
/* Return nonzero when v equals s ignoring ASCII case. */
int hd_iov_caseeq(hd_iovec_t v, const char *s);

/* Allocate n bytes; aborts on OOM. Free with hd_mem_free(). */
void *hd_mem_alloc(size_t n);
/* Allocate n zeroed bytes; aborts on OOM. */
void *hd_mem_calloc(size_t n);
/* Resize p to n bytes; aborts on OOM. */
void *hd_mem_realloc(void *p, size_t n);
/* Allocate n bytes for client-controlled sizes; returns NULL on failure (never aborts). */
void *hd_mem_try_alloc(size_t n);
/* Free memory from any hd_mem_* allocator; NULL is ignored. */
void hd_mem_free(void *p);
/* Duplicate a NUL-terminated string (aborts on OOM); caller frees with hd_mem_free(). */
char *hd_strdup(const char *s);
/* Duplicate a slice into a NUL-terminated heap string; caller frees with hd_mem_free(). */
char *hd_strndup(const char *s, size_t n);

/* Test builds: make the Nth try-allocation from now fail (0 disables). */
void hd_mem_fail_after(long n);

/* A growable byte buffer with an optional ceiling (max == 0 means unbounded). */
typedef struct {
  char *base;
  size_t len;
  size_t cap;
  size_t max;
} hd_buf_t;

void hd_buf_init(hd_buf_t *b, size_t max);
void hd_buf_dispose(hd_buf_t *b);
/* Ensure room for extra more bytes: HD_ERR_TOO_LARGE past max, HD_ERR_NOMEM on failure. */
int hd_buf_try_reserve(hd_buf_t *b, size_t extra);
/* Append bytes; same errors as hd_buf_try_reserve(). */
int hd_buf_append(hd_buf_t *b, const void *p, size_t n);
/* Append a printf-formatted string; same errors. */
int hd_buf_appendf(hd_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (n <= len). */
void hd_buf_consume(hd_buf_t *b, size_t n);

typedef struct st_hd_mem_chunk_t hd_mem_chunk_t;
typedef struct {
  hd_mem_chunk_t *chunks;
  size_t used_in_head;
  size_t total; /* bytes handed out, for accounting */
} hd_mem_pool_t;

void hd_mem_pool_init(hd_mem_pool_t *p);
/* Free every allocation made from the pool and leave it empty, ready for reuse. */
void hd_mem_pool_clear(hd_mem_pool_t *p);
void hd_mem_pool_dispose(hd_mem_pool_t *p);
/* Allocate n bytes (8-byte aligned) that live until the pool is cleared; aborts on OOM. */
void *hd_mem_pool_alloc(hd_mem_pool_t *p, size_t n);
/* Copy a slice into the pool as a NUL-terminated string. */
char *hd_mem_pool_strndup(hd_mem_pool_t *p, const char *s, size_t n);

#endif
