/*
 * pdq_index.c — multi-index hashing over 8 × 32-bit segments, bit-packed sorted tables,
 * linear delta.
 *
 * See pdq_index.h for the structure and the pigeonhole argument. Layout of one table:
 *
 *   start(P) = base[P >> 6] + d16[P]     bucket P = entries start(P) .. start(P + 1) - 1,
 *     base: uint32 × (2^p / 64 + 1)       the entries whose key >> (32 - p) == P
 *     d16:  uint16 × (2^p + 1)            (or dir: uint32 × (2^p + 1), start(P) = dir[P],
 *                                          if a group of 64 buckets spans > 65535 entries)
 *   ent:  n entries of W bits, little-endian bit stream, 8 bytes of tail padding so any
 *         entry is read with one unaligned 64-bit load:  entry = residual << b | id
 *
 * The residual gets whatever is left of 32 bits an entry after the id and the compact
 * directory, so a table costs at most ~32 bits a hash: with the 32-byte hash, <= 64 B.
 *
 * Build is one counting sort per table on the prefix (count, prefix-sum, scatter), O(8 n);
 * from 2^20 hashes the scatter goes through a temporary array in two cache-friendly steps
 * (table_fill). Entries within a bucket are in id order; nothing relies on it.
 *
 * Query, per table: generate the prefixes within s bits of the query's (a Hamming ball),
 * prefetch their directory slots, read the bucket ranges and prefetch the entries, filter
 * entries on the residual, then prefetch and verify the candidate hashes. The work is
 * memory latency, so each stage issues all its loads before using any.
 *
 * Deduplication without a visited set: a hash h with d(q, h) <= r is reported from table t
 * only if popcount(seg_t(h) ^ q_t) <= s and no earlier table t' < t has that property, i.e.
 * only from the first table whose probe ball contains it. The residual filter only drops
 * entries whose known key bits already differ by more than s, so it never drops such an h.
 *
 * Invariants:
 *  1. (pdq_index.h 1–3)
 *  2. start(P) <= start(P + 1) and start(2^p) == built for every table.
 *  3. p + r <= 32, b >= bits(built - 1), W = b + r <= 57 (one 64-bit load per entry).
 */
#include "safety/pdq_index.h"

#include "common/error.h"
#include "common/mem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define NT           8  /* tables, one per 32-bit segment */
#define MAX_S        4  /* largest per-segment tolerance probed; beyond, scan linearly */
#define BUCKET_LG    5  /* log2 of the target entries per bucket */
#define PREFETCH     16 /* candidates prefetched ahead of verification */
#define BUCKET_AHEAD 16 /* buckets prefetched ahead of the residual scan */
#define TWO_STEP_MIN ((size_t)1 << 20) /* builds this large scatter in two steps */
#define DIR_GROUP_LG 6                 /* buckets per compact-directory group: 64 */

/* One table. Bucket P starts at base[P >> 6] + d16[P] (compact directory, 2.06 B a bucket),
 * or at dir[P] when a group of 64 buckets holds more than 65535 entries (skewed data). */
typedef struct {
  uint32_t *dir;  /* 2^p + 1 offsets, or NULL */
  uint32_t *base; /* 2^p / 64 + 1 group starts (with d16) */
  uint16_t *d16;  /* 2^p + 1 offsets from the group start */
  uint8_t *ent;
} table_t;

static inline uint32_t bucket_start(const table_t *tab, uint32_t P) {
  return tab->d16 ? tab->base[P >> DIR_GROUP_LG] + tab->d16[P] : tab->dir[P];
}

struct st_hd_pdq_index_t {
  hd_pdq_hash_t *hashes;
  size_t n, cap;
  size_t built;       /* ids [0, built) are in the tables */
  int p, r, b, wbits; /* prefix, residual, id and entry bits of the current tables */
  table_t tab[NT];    /* NULL arrays until the first build */
  size_t tab_bytes;   /* bytes held by all dir + ent arrays */
};

/* One probed bucket: its prefix, the prefix's distance to the query's, and its range. */
typedef struct {
  uint32_t key, lo, hi;
  int dp;
} probe_t;

static inline uint32_t seg(const hd_pdq_hash_t *h, int t) {
  return (uint32_t)(h->w[t >> 1] >> ((t & 1) * 32));
}

static inline uint64_t load64le(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static inline void store64le(uint8_t *p, uint64_t v) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  memcpy(p, &v, sizeof(v));
}

/* Entry i of a table with W-bit entries (bits above W are garbage; the caller masks). */
static inline uint64_t entry_get(const uint8_t *ent, size_t i, int W) {
  uint64_t bit = (uint64_t)i * (uint64_t)W;
  return load64le(ent + (bit >> 3)) >> (bit & 7);
}

/* OR entry i into a zeroed table. */
static inline void entry_put(uint8_t *ent, size_t i, int W, uint64_t v) {
  uint64_t bit = (uint64_t)i * (uint64_t)W;
  store64le(ent + (bit >> 3), load64le(ent + (bit >> 3)) | (v << (bit & 7)));
}

/*
 * Ask for transparent huge pages on the 2 MiB-aligned interior of a fresh (untouched) large
 * array. Queries are random accesses over hundreds of MiB; with 4 KiB pages nearly every one
 * also misses the TLB. Advisory only: failure or a kernel without THP changes nothing.
 */
static void advise_huge(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
  const uintptr_t huge = (uintptr_t)2 << 20;
  uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + n) & ~(huge - 1);
  if (e > a)
    (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

/* Whether x has at most k bits set; k is small (<= MAX_S), so clear k low bits and test. The
 * build targets baseline x86-64 (no POPCNT), where __builtin_popcount is a library call. */
static inline int within_bits(uint32_t x, int k) {
  for (; k > 0 && x; k--)
    x &= x - 1;
  return x == 0;
}

/* Bits set in x, branch-free (SWAR), for the per-entry residual filter. */
static inline int popcount32(uint32_t x) {
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  x = (x + (x >> 4)) & 0x0f0f0f0fu;
  return (int)((x * 0x01010101u) >> 24);
}

/* Number of bits needed to write v (0 for 0). */
static int bits_for(size_t v) {
  int n = 0;
  while (v) {
    n++;
    v >>= 1;
  }
  return n;
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

hd_pdq_index_t *hd_pdq_index_create(void) { return hd_mem_calloc(sizeof(hd_pdq_index_t)); }

static void tables_free(table_t tab[NT]) {
  for (int t = 0; t < NT; t++) {
    hd_mem_free(tab[t].dir);
    hd_mem_free(tab[t].base);
    hd_mem_free(tab[t].d16);
    hd_mem_free(tab[t].ent);
    memset(&tab[t], 0, sizeof(tab[t]));
  }
}

void hd_pdq_index_destroy(hd_pdq_index_t *idx) {
  if (!idx)
    return;
  tables_free(idx->tab);
  hd_mem_free(idx->hashes);
  hd_mem_free(idx);
}

size_t hd_pdq_index_size(const hd_pdq_index_t *idx) { return idx->n; }

const hd_pdq_hash_t *hd_pdq_index_get(const hd_pdq_index_t *idx, uint32_t id) {
  HD_ASSERT(id < idx->n);
  return &idx->hashes[id];
}

size_t hd_pdq_index_memory(const hd_pdq_index_t *idx) {
  return sizeof(*idx) + idx->cap * sizeof(hd_pdq_hash_t) + idx->tab_bytes;
}

/*
 * Scatter table t's entries to their buckets, using dir[P] (bucket starts) as cursors; dir
 * ends up holding bucket ends. Writing straight to the bucket of each hash in id order is a
 * random read-modify-write per entry over the whole table (slow at 10M: every write misses
 * the cache). With tmp (n slots), first distribute (prefix, entry) pairs by the prefix's top
 * 8 bits into 256 runs (256 sequential write streams), then place each run: its buckets
 * and entries span 1/256 of the table, which stays in cache.
 */
static void table_fill(const hd_pdq_hash_t *hashes, size_t n, int t, int p, int r, int b,
                       uint32_t rmask, uint32_t *dir, uint8_t *ent, uint64_t *tmp) {
  int W = b + r, lo = p > 8 ? p - 8 : 0; /* run = prefix >> lo */
  if (!tmp) {
    for (size_t i = 0; i < n; i++) {
      uint32_t key = seg(&hashes[i], t);
      uint64_t res = r ? (key >> (32 - p - r)) & rmask : 0;
      entry_put(ent, dir[key >> (32 - p)]++, W, res << b | i);
    }
    return;
  }
  size_t run[257];
  for (int k = 0; k <= 256; k++) /* run k starts where its first bucket starts */
    run[k] = dir[HD_MIN((size_t)k << lo, (size_t)1 << p)];
  for (size_t i = 0; i < n; i++) {
    uint32_t key = seg(&hashes[i], t), pre = key >> (32 - p);
    uint64_t res = r ? (key >> (32 - p - r)) & rmask : 0;
    tmp[run[pre >> lo]++] = (uint64_t)pre << 40 | res << b | i;
  }
  for (size_t i = 0; i < n; i++) {
    uint64_t v = tmp[i];
    entry_put(ent, dir[v >> 40]++, W, v & (((uint64_t)1 << 40) - 1));
  }
}

/*
 * Store table t's directory (bucket starts, 2^p + 1 of them, in dir) compactly if every
 * group of 64 buckets spans at most 65535 entries, else as a copy of dir. Returns the bytes
 * used, or 0 if memory ran out.
 */
static size_t dir_store(table_t *tab, const uint32_t *dir, int p) {
  size_t ndir = ((size_t)1 << p) + 1, ngroups = (((size_t)1 << p) >> DIR_GROUP_LG) + 1;
  int compact = 1;
  for (size_t k = 0; k < ndir && compact; k++)
    compact = dir[k] - dir[(k >> DIR_GROUP_LG) << DIR_GROUP_LG] <= UINT16_MAX;
  if (!compact) {
    tab->dir = hd_mem_try_alloc(ndir * sizeof(uint32_t));
    if (!tab->dir)
      return 0;
    memcpy(tab->dir, dir, ndir * sizeof(uint32_t));
    return ndir * sizeof(uint32_t);
  }
  tab->base = hd_mem_try_alloc(ngroups * sizeof(uint32_t));
  tab->d16 = tab->base ? hd_mem_try_alloc(ndir * sizeof(uint16_t)) : NULL;
  if (!tab->d16)
    return 0;
  for (size_t g = 0; g < ngroups; g++)
    tab->base[g] = dir[HD_MIN(g << DIR_GROUP_LG, ndir - 1)];
  for (size_t k = 0; k < ndir; k++)
    tab->d16[k] = (uint16_t)(dir[k] - tab->base[k >> DIR_GROUP_LG]);
  return ngroups * sizeof(uint32_t) + ndir * sizeof(uint16_t);
}

int hd_pdq_index_build(hd_pdq_index_t *idx) {
  size_t n = idx->n;
  int b = HD_MAX(1, bits_for(n ? n - 1 : 0));
  int p = HD_MIN(24, HD_MAX(1, bits_for(n) - BUCKET_LG));
  size_t ndir = ((size_t)1 << p) + 1;
  /* residual bits: what is left of 32 bits an entry after the id and the compact directory */
  size_t dir_bits = 16 * ndir + 32 * ((ndir >> DIR_GROUP_LG) + 1);
  int spare = 32 - b - (int)((dir_bits + (n ? n : 1) - 1) / (n ? n : 1));
  int r = HD_MAX(0, HD_MIN(32 - p, spare));
  int W = b + r;
  size_t ent_bytes = (n * (size_t)W + 7) / 8 + 8, tab_bytes = 0;
  table_t nt[NT];
  memset(nt, 0, sizeof(nt));
  /* on any failure the old tables stay valid (invariant 2) */
  uint32_t *dir = hd_mem_try_alloc(ndir * sizeof(uint32_t));
  for (int t = 0; t < NT && dir; t++) {
    nt[t].ent = hd_mem_try_alloc(ent_bytes);
    if (!nt[t].ent)
      goto fail;
    advise_huge(nt[t].ent, ent_bytes);
  }
  if (!dir)
    goto fail;
  uint32_t rmask = r ? (uint32_t)(((uint64_t)1 << r) - 1) : 0;
  /* large builds scatter in two cache-friendly steps through tmp (see table_fill) */
  uint64_t *tmp = n >= TWO_STEP_MIN ? hd_mem_try_alloc(n * sizeof(uint64_t)) : NULL;
  for (int t = 0; t < NT; t++) {
    uint8_t *ent = nt[t].ent;
    memset(dir, 0, ndir * sizeof(uint32_t));
    memset(ent, 0, ent_bytes);
    for (size_t i = 0; i < n; i++)
      dir[(seg(&idx->hashes[i], t) >> (32 - p)) + 1]++;
    for (size_t k = 1; k < ndir; k++)
      dir[k] += dir[k - 1];
    table_fill(idx->hashes, n, t, p, r, b, rmask, dir, ent, tmp);
    memmove(dir + 1, dir, sizeof(uint32_t) * (ndir - 1));
    dir[0] = 0;
    size_t used = dir_store(&nt[t], dir, p);
    if (!used) {
      hd_mem_free(tmp);
      goto fail;
    }
    tab_bytes += used + ent_bytes;
  }
  hd_mem_free(tmp);
  hd_mem_free(dir);
  tables_free(idx->tab);
  memcpy(idx->tab, nt, sizeof(nt));
  idx->tab_bytes = tab_bytes;
  idx->p = p;
  idx->r = r;
  idx->b = b;
  idx->wbits = W;
  idx->built = n;
  return 0;

fail:
  tables_free(nt);
  hd_mem_free(dir);
  return HD_ERR_TOO_LARGE;
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
    advise_huge(p, cap * sizeof(*p));
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

/* Number of p-bit values within s bits of a given one: sum of C(p, i) for i <= s. */
static size_t ball_size(int p, int s) {
  size_t total = 0, c = 1;
  for (int i = 0; i <= s; i++) {
    total += c;
    c = c * (size_t)(p - i) / (size_t)(i + 1);
  }
  return total;
}

/* Append to pr every p-bit value differing from k in `left` more bits, all above bit `from`. */
static size_t ball_fill(uint32_t k, int p, int from, int dp, int left, probe_t *pr, size_t n) {
  for (int a = from; a < p && left > 0; a++) {
    uint32_t v = k ^ ((uint32_t)1 << a);
    pr[n].key = v;
    pr[n].dp = dp + 1;
    n++;
    n = ball_fill(v, p, a + 1, dp + 1, left - 1, pr, n);
  }
  return n;
}

/* Candidate ids of one table; grows as needed, reused across tables of a query. */
typedef struct {
  uint32_t *v;
  size_t n, cap;
} cands_t;

static void cands_push(cands_t *c, uint32_t id) {
  if (c->n == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 1024;
    c->v = hd_mem_realloc(c->v, c->cap * sizeof(*c->v));
  }
  c->v[c->n++] = id;
}

/* Collect table t's entries whose known key bits are within s of q's segment. */
static void probe_table(const hd_pdq_index_t *idx, int t, uint32_t qk, int s, probe_t *pr,
                        size_t npr, cands_t *c) {
  const table_t *tab = &idx->tab[t];
  int p = idx->p, r = idx->r, b = idx->b, W = idx->wbits;
  uint32_t qp = qk >> (32 - p), rmask = r ? (uint32_t)(((uint64_t)1 << r) - 1) : 0;
  uint32_t qres = r ? (qk >> (32 - p - r)) & rmask : 0;
  uint64_t idmask = ((uint64_t)1 << b) - 1;
  pr[0].key = qp;
  pr[0].dp = 0;
  size_t n = ball_fill(qp, p, 0, 0, HD_MIN(s, p), pr, 1);
  HD_ASSERT(n == npr);
  for (size_t i = 0; i < n; i++) /* base[] is small and stays cached */
    __builtin_prefetch(tab->d16 ? (const void *)&tab->d16[pr[i].key] : &tab->dir[pr[i].key]);
  for (size_t i = 0; i < n; i++) {
    pr[i].lo = bucket_start(tab, pr[i].key);
    pr[i].hi = bucket_start(tab, pr[i].key + 1);
  }
  for (size_t i = 0; i < n + BUCKET_AHEAD; i++) {
    if (i < n) { /* every cache line of bucket i, scanned BUCKET_AHEAD buckets later */
      const probe_t *a = &pr[i];
      uint64_t from = ((uint64_t)a->lo * (uint64_t)W) >> 3,
               to = ((uint64_t)a->hi * (uint64_t)W) >> 3;
      for (uint64_t o = from; o <= to; o += 64)
        __builtin_prefetch(tab->ent + o);
    }
    if (i < BUCKET_AHEAD)
      continue;
    size_t k = i - BUCKET_AHEAD;
    int budget = s - pr[k].dp;
    if (budget == 0) { /* most buckets (dp == s): the residual must match exactly */
      for (uint32_t e = pr[k].lo; e < pr[k].hi; e++) {
        uint64_t v = entry_get(tab->ent, e, W);
        if ((((uint32_t)(v >> b) ^ qres) & rmask) == 0)
          cands_push(c, (uint32_t)(v & idmask));
      }
      continue;
    }
    for (uint32_t e = pr[k].lo; e < pr[k].hi; e++) {
      uint64_t v = entry_get(tab->ent, e, W);
      if (popcount32(((uint32_t)(v >> b) & rmask) ^ qres) <= budget)
        cands_push(c, (uint32_t)(v & idmask));
    }
  }
}

void hd_pdq_index_query(const hd_pdq_index_t *idx, const hd_pdq_hash_t *q, int radius,
                        hd_pdq_matches_t *out) {
  int s = radius / NT;
  if (radius < 0)
    return;
  if (s > MAX_S || idx->built == 0) { /* probe balls would cover more than the data */
    scan_range(idx, 0, idx->n, q, radius, out);
    return;
  }
  uint32_t qs[NT];
  for (int t = 0; t < NT; t++)
    qs[t] = seg(q, t);
  size_t npr = ball_size(idx->p, HD_MIN(s, idx->p));
  probe_t *pr = hd_mem_alloc(npr * sizeof(*pr));
  cands_t c = {NULL, 0, 0};
  for (int t = 0; t < NT; t++) {
    c.n = 0;
    probe_table(idx, t, qs[t], s, pr, npr, &c);
    for (size_t i = 0; i < c.n && i < PREFETCH; i++)
      __builtin_prefetch(&idx->hashes[c.v[i]]);
    for (size_t i = 0; i < c.n; i++) {
      if (i + PREFETCH < c.n)
        __builtin_prefetch(&idx->hashes[c.v[i + PREFETCH]]);
      const hd_pdq_hash_t *h = &idx->hashes[c.v[i]];
      if (!within_bits(seg(h, t) ^ qs[t], s))
        continue; /* the residual filter let through a key outside the ball */
      int d = hd_pdq_distance(h, q);
      if (d > radius)
        continue;
      int earlier = 0;
      for (int u = 0; u < t && !earlier; u++)
        earlier = within_bits(seg(h, u) ^ qs[u], s);
      if (!earlier)
        matches_push(out, c.v[i], d);
    }
  }
  hd_mem_free(c.v);
  hd_mem_free(pr);
  scan_range(idx, idx->built, idx->n, q, radius, out);
}
