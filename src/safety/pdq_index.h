/*
 * pdq_index.h — exact radius search over many PDQ hashes (multi-index hashing).
 *
 * Returns every stored hash within Hamming distance r of a query, exactly the set a
 * brute-force scan returns, in far less time. The 256 bits are cut into 16 segments of 16
 * bits. If d(q, h) <= r then some segment differs in at most s = floor(r / 16) bits
 * (pigeonhole), so it suffices to look, in each segment's table, at the buckets whose
 * 16-bit key is within s bits of the query's segment:
 *
 *   hashes[id]             32 B each, id = insertion order
 *   table t (t = 0..15):   off[65536 + 1] ──► ids sorted by segment t   (CSR, 4 B per id)
 *
 *   query: for t, for key in ball(q_t, s): for id in bucket(key): verify d <= r
 *          (a hash found in table t is skipped if an earlier table already yields it)
 *   delta: ids >= built are not in the tables yet and are scanned linearly
 *
 * r <= 31 gives s = 1: 17 buckets per table, 272 in all. For s >= 3 the buckets outnumber
 * the entries and the query scans linearly instead.
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
