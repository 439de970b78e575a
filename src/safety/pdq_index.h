/*
 * pdq_index.h — exact radius search over many PDQ hashes (multi-index hashing).
 *
 * Returns every stored hash within Hamming distance r of a query, exactly the set a
 * brute-force scan returns, in far less time. The 256 bits are cut into 8 segments of 32
 * bits. If d(q, h) <= r then some segment differs in at most s = floor(r / 8) bits
 * (pigeonhole), so it suffices to look, in each segment's table, at the entries whose 32-bit
 * key is within s bits of the query's segment. A table is a compact sorted multimap:
 *
 *   hashes[id]                  32 B each, id = insertion order
 *   table t (t = 0..7):  dir[2^p + 1] ──► entries sorted by the key's top p bits (bucket)
 *                        (dir stored as 16-bit offsets from a 32-bit start per 64 buckets)
 *                        entry = id (b bits) | next r key bits (residual), packed, W = b + r
 *
 *   query: for t, for prefix P within s bits of q_t's prefix (dp bits off):
 *            for entry in bucket P with popcount(residual ^ q_t residual) <= s - dp:
 *              candidate → verify seg_t(h) within s, d(q, h) <= r, first such table
 *   delta: ids >= built are not in the tables yet and are scanned linearly
 *
 * At 10M hashes: b = 24, p = 19 (~19 entries a bucket), r = 7, so an entry is 31 bits and a
 * table costs 31.9 bits a hash with its directory: 32 B of hash + 8 tables ≈ 63.9 B. A query
 * at r = 31 (s = 3) probes C(19, <= 3) = 1160 buckets a table and verifies the few entries
 * whose known 26 key bits are within 3 of the query (~440 a table). For s > 4 the probe balls
 * outgrow the data and the query scans linearly instead.
 *
 * Invariants:
 *  1. Results equal a linear scan: every id with d <= r is reported exactly once.
 *  2. Tables cover ids [0, built); ids [built, n) are the delta, scanned linearly.
 *  3. The delta is merged (tables rebuilt) once it exceeds max(4096, built / 8) entries,
 *     so adding hashes never needs a restart and queries stay fast.
 */
#ifndef HD_SAFETY_PDQ_INDEX_H
#define HD_SAFETY_PDQ_INDEX_H

#include "safety/pdq.h"

#include <stddef.h>
#include <stdint.h>

typedef struct st_hd_pdq_index_t hd_pdq_index_t;

/* One result: the stored hash's id and its distance to the query. */
typedef struct {
  uint32_t id;
  int distance;
} hd_pdq_match_t;

/* A growable result list; embed, _init, _dispose. Queries append to it. */
typedef struct {
  hd_pdq_match_t *v;
  size_t n, cap;
} hd_pdq_matches_t;

void hd_pdq_matches_init(hd_pdq_matches_t *m);
void hd_pdq_matches_dispose(hd_pdq_matches_t *m);
/* Sort by (distance, id) so results compare equal regardless of search order. */
void hd_pdq_matches_sort(hd_pdq_matches_t *m);

/* Create an empty index; free with hd_pdq_index_destroy(). */
hd_pdq_index_t *hd_pdq_index_create(void);
void hd_pdq_index_destroy(hd_pdq_index_t *idx);

/*
 * Append n hashes (copied); their ids are the returned first id onwards. Returns
 * HD_ERR_TOO_LARGE if the index would exceed UINT32_MAX - 1 entries or memory runs out.
 */
int hd_pdq_index_add(hd_pdq_index_t *idx, const hd_pdq_hash_t *h, size_t n, uint32_t *first_id);
/* Rebuild the tables over every hash (merging the delta). Called by add when needed. */
int hd_pdq_index_build(hd_pdq_index_t *idx);

size_t hd_pdq_index_size(const hd_pdq_index_t *idx);
const hd_pdq_hash_t *hd_pdq_index_get(const hd_pdq_index_t *idx, uint32_t id);
/* Bytes held by the index (hashes, tables, directories). */
size_t hd_pdq_index_memory(const hd_pdq_index_t *idx);

/* Append every stored hash within radius (0..256) of q to out, unsorted. */
void hd_pdq_index_query(const hd_pdq_index_t *idx, const hd_pdq_hash_t *q, int radius,
                        hd_pdq_matches_t *out);
/* The same by linear scan; the reference the tests compare against. */
void hd_pdq_index_scan(const hd_pdq_index_t *idx, const hd_pdq_hash_t *q, int radius,
                       hd_pdq_matches_t *out);

#endif
