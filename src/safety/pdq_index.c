/*
 * pdq_index.c — multi-index hashing over 16 × 16-bit segments, CSR tables, linear delta.
 *
 * See pdq_index.h for the structure and the pigeonhole argument. Build is two counting-sort
 * passes per table (count keys, prefix-sum, scatter ids), O(16 n) with sequential writes
 * per bucket, so 1M hashes index in well under a second.
 *
 * Deduplication without a visited set: a hash h reached in table t through a key within s
 * bits of q_t is reported only if no earlier table t' < t has d(h_t', q_t') <= s, i.e. only
 * from the first table whose probe ball contains it.
 *
 * Invariants:
 *  1. (pdq_index.h 1–3)
 *  2. off[t][k] <= off[t][k + 1] and off[t][65536] == built for every table t.
 */
#include "safety/pdq_index.h"

#include "common/error.h"
#include "common/mem.h"

#include <stdlib.h>
#include <string.h>

#define NSEG     16
#define NKEYS    65536
#define MAX_BALL 137 /* keys within 2 bits of a 16-bit key: 1 + 16 + 120 */

struct st_hd_pdq_index_t {
  hd_pdq_hash_t *hashes;
  size_t n, cap;
  size_t built;   /* ids [0, built) are in the tables */
  uint32_t *off;  /* NSEG × (NKEYS + 1) bucket offsets */
  uint32_t *ids;  /* NSEG × built ids */
  size_t ids_cap; /* ids allocated per table */
};

static inline unsigned seg(const hd_pdq_hash_t *h, int t) {
  return (unsigned)(h->w[t >> 2] >> ((t & 3) * 16)) & 0xffffu;
}

void hd_pdq_matches_init(hd_pdq_matches_t *m) { memset(m, 0, sizeof(*m)); }

void hd_pdq_matches_dispose(hd_pdq_matches_t *m) {
  hd_mem_free(m->v);
  memset(m, 0, sizeof(*m));
}

static void matches_push(hd_pdq_matches_t *m, uint32_t id, int d) {
  if (m->n == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 16;
    m->v = hd_mem_realloc(m->v, m->cap * sizeof(*m->v));
  }
  m->v[m->n].id = id;
  m->v[m->n].distance = d;
  m->n++;
}

static int cmp_match(const void *a, const void *b) {
  const hd_pdq_match_t *x = a, *y = b;
  if (x->distance != y->distance)
    return x->distance < y->distance ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

void hd_pdq_matches_sort(hd_pdq_matches_t *m) {
  if (m->n > 1)
    qsort(m->v, m->n, sizeof(*m->v), cmp_match);
}

hd_pdq_index_t *hd_pdq_index_create(void) {
  hd_pdq_index_t *idx = hd_mem_calloc(sizeof(*idx));
  idx->off = hd_mem_calloc(sizeof(uint32_t) * NSEG * (NKEYS + 1));
  return idx;
}

void hd_pdq_index_destroy(hd_pdq_index_t *idx) {
  if (!idx)
    return;
  hd_mem_free(idx->hashes);
  hd_mem_free(idx->off);
  hd_mem_free(idx->ids);
  hd_mem_free(idx);
}

size_t hd_pdq_index_size(const hd_pdq_index_t *idx) { return idx->n; }

const hd_pdq_hash_t *hd_pdq_index_get(const hd_pdq_index_t *idx, uint32_t id) {
  HD_ASSERT(id < idx->n);
  return &idx->hashes[id];
}

size_t hd_pdq_index_memory(const hd_pdq_index_t *idx) {
  return sizeof(*idx) + idx->cap * sizeof(hd_pdq_hash_t) + sizeof(uint32_t) * NSEG * (NKEYS + 1) +
         sizeof(uint32_t) * NSEG * idx->ids_cap;
}

int hd_pdq_index_build(hd_pdq_index_t *idx) {
  size_t n = idx->n;
  if (n > idx->ids_cap) {
    if (n > SIZE_MAX / (NSEG * sizeof(uint32_t)))
      return HD_ERR_TOO_LARGE;
    uint32_t *ids = hd_mem_try_alloc(NSEG * n * sizeof(uint32_t));
    if (!ids)
      return HD_ERR_TOO_LARGE;
    hd_mem_free(idx->ids);
    idx->ids = ids;
    idx->ids_cap = n;
  }
  for (int t = 0; t < NSEG; t++) {
    uint32_t *off = idx->off + (size_t)t * (NKEYS + 1);
    uint32_t *ids = idx->ids + (size_t)t * idx->ids_cap;
    memset(off, 0, sizeof(uint32_t) * (NKEYS + 1));
    for (size_t i = 0; i < n; i++)
      off[seg(&idx->hashes[i], t) + 1]++;
    for (size_t k = 0; k < NKEYS; k++)
      off[k + 1] += off[k];
    /* scatter using off[k] as the cursor, then shift back */
    for (size_t i = 0; i < n; i++)
      ids[off[seg(&idx->hashes[i], t)]++] = (uint32_t)i;
    memmove(off + 1, off, sizeof(uint32_t) * NKEYS);
    off[0] = 0;
  }
  idx->built = n;
  return 0;
}

int hd_pdq_index_add(hd_pdq_index_t *idx, const hd_pdq_hash_t *h, size_t n, uint32_t *first_id) {
  if (n > (size_t)UINT32_MAX - 1 - idx->n)
    return HD_ERR_TOO_LARGE;
  if (idx->n + n > idx->cap) {
    /* grow by half for one-by-one adds, exactly for bulk loads (keeps bytes/hash down) */
    size_t cap = HD_MAX(idx->n + n, idx->cap + idx->cap / 2);
    hd_pdq_hash_t *p = hd_mem_try_alloc(cap * sizeof(*p));
    if (!p)
      return HD_ERR_TOO_LARGE;
    if (idx->n)
      memcpy(p, idx->hashes, idx->n * sizeof(*p));
    hd_mem_free(idx->hashes);
    idx->hashes = p;
    idx->cap = cap;
  }
  memcpy(idx->hashes + idx->n, h, n * sizeof(*h));
  if (first_id)
    *first_id = (uint32_t)idx->n;
  idx->n += n;
  size_t delta = idx->n - idx->built, limit = HD_MAX((size_t)4096, idx->built / 8);
  return delta > limit ? hd_pdq_index_build(idx) : 0;
}

static void scan_range(const hd_pdq_index_t *idx, size_t from, size_t to, const hd_pdq_hash_t *q,
                       int radius, hd_pdq_matches_t *out) {
  for (size_t i = from; i < to; i++) {
    int d = hd_pdq_distance(&idx->hashes[i], q);
    if (d <= radius)
      matches_push(out, (uint32_t)i, d);
  }
}

void hd_pdq_index_scan(const hd_pdq_index_t *idx, const hd_pdq_hash_t *q, int radius,
                       hd_pdq_matches_t *out) {
  scan_range(idx, 0, idx->n, q, radius, out);
}

/* Fill keys with every 16-bit value within s (<= 2) bits of k; returns the count. */
static int ball(unsigned k, int s, unsigned keys[MAX_BALL]) {
  int n = 0;
  keys[n++] = k;
  for (int a = 0; s >= 1 && a < 16; a++) {
    keys[n++] = k ^ (1u << a);
    for (int b = a + 1; s >= 2 && b < 16; b++)
      keys[n++] = k ^ (1u << a) ^ (1u << b);
  }
  return n;
}

void hd_pdq_index_query(const hd_pdq_index_t *idx, const hd_pdq_hash_t *q, int radius,
                        hd_pdq_matches_t *out) {
  int s = radius / NSEG;
  if (radius < 0)
    return;
  if (s > 2) { /* the probe balls would cover more than the data */
    scan_range(idx, 0, idx->n, q, radius, out);
    return;
  }
  unsigned keys[MAX_BALL], qs[NSEG];
  for (int t = 0; t < NSEG; t++)
    qs[t] = seg(q, t);
  for (int t = 0; t < NSEG; t++) {
    const uint32_t *off = idx->off + (size_t)t * (NKEYS + 1);
    const uint32_t *ids = idx->ids + (size_t)t * idx->ids_cap;
    int nk = ball(qs[t], s, keys);
    for (int k = 0; k < nk; k++) {
      uint32_t lo = off[keys[k]], hi = off[keys[k] + 1];
      for (uint32_t i = lo; i < hi; i++) {
        if (i + 8 < hi)
          __builtin_prefetch(&idx->hashes[ids[i + 8]]);
        const hd_pdq_hash_t *h = &idx->hashes[ids[i]];
        int d = hd_pdq_distance(h, q);
        if (d > radius)
          continue;
        int earlier = 0;
        for (int u = 0; u < t && !earlier; u++)
          earlier = __builtin_popcount(seg(h, u) ^ qs[u]) <= s;
        if (!earlier)
          matches_push(out, ids[i], d);
      }
    }
  }
  scan_range(idx, idx->built, idx->n, q, radius, out);
}
