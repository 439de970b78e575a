/*
 * Tests src/safety/pdq_index.c: the index returns exactly what a linear scan returns, on a
 * ~100k random set with planted near-duplicates at every distance 0..40, on the shared
 * ThreatExchange hash lists, and across incremental adds (the delta path).
 */
#include "common/error.h"
#include "safety/pdq_index.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void) { /* xorshift64*, deterministic */
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 2685821657736338717ULL;
}

static hd_pdq_hash_t random_hash(void) {
  hd_pdq_hash_t h = {{next(), next(), next(), next()}};
  return h;
}

/* Flip exactly d distinct random bits of h. */
static hd_pdq_hash_t perturb(hd_pdq_hash_t h, int d) {
  hd_pdq_hash_t o = h;
  while (hd_pdq_distance(&o, &h) < d) {
    int b = (int)(next() % 256);
    if (((o.w[b >> 6] ^ h.w[b >> 6]) >> (b & 63)) & 1)
      continue;
    o.w[b >> 6] ^= (uint64_t)1 << (b & 63);
  }
  return o;
}

static void assert_same(const hd_pdq_index_t *idx, const hd_pdq_hash_t *q, int radius) {
  hd_pdq_matches_t a, b;
  hd_pdq_matches_init(&a);
  hd_pdq_matches_init(&b);
  hd_pdq_index_query(idx, q, radius, &a);
  hd_pdq_index_scan(idx, q, radius, &b);
  hd_pdq_matches_sort(&a);
  hd_pdq_matches_sort(&b);
  cr_assert_eq(a.n, b.n, "radius %d: index %zu results, scan %zu", radius, a.n, b.n);
  for (size_t i = 0; i < a.n; i++) {
    cr_assert_eq(a.v[i].id, b.v[i].id);
    cr_assert_eq(a.v[i].distance, b.v[i].distance);
  }
  hd_pdq_matches_dispose(&a);
  hd_pdq_matches_dispose(&b);
}

Test(pdq_index, random_set_with_planted_matches_equals_scan) {
  enum { N = 100000, Q = 60 };
  hd_pdq_hash_t *v = malloc(sizeof(*v) * N), q[Q];
  for (int i = 0; i < N; i++)
    v[i] = random_hash();
  /* each query gets near-duplicates at distances 0..40 planted at random positions */
  for (int k = 0; k < Q; k++) {
    q[k] = random_hash();
    for (int d = 0; d <= 40; d++)
      v[next() % N] = perturb(q[k], d);
  }
  hd_pdq_index_t *idx = hd_pdq_index_create();
  cr_assert_eq(hd_pdq_index_add(idx, v, N, NULL), 0);
  cr_assert_eq(hd_pdq_index_build(idx), 0);
  size_t found31 = 0;
  for (int k = 0; k < Q; k++) {
    static const int radii[] = {0, 1, 7, 8, 15, 16, 23, 24, 31, 32, 39, 40, 47, 63};
    for (size_t r = 0; r < sizeof(radii) / sizeof(radii[0]); r++)
      assert_same(idx, &q[k], radii[r]);
    hd_pdq_matches_t m;
    hd_pdq_matches_init(&m);
    hd_pdq_index_query(idx, &q[k], 31, &m);
    found31 += m.n;
    hd_pdq_matches_dispose(&m);
  }
  cr_assert_geq(found31, (size_t)Q * 25, "planted matches missing: %zu", found31);
  /* 32 B hash + 8 tables of 30-bit entries and a directory: at most 64 B a hash */
  cr_assert_leq(hd_pdq_index_memory(idx), (size_t)N * 64);
  hd_pdq_index_destroy(idx);
  free(v);
}

Test(pdq_index, incremental_adds_are_found_without_rebuild) {
  hd_pdq_index_t *idx = hd_pdq_index_create();
  hd_pdq_hash_t base[5000];
  for (int i = 0; i < 5000; i++)
    base[i] = random_hash();
  cr_assert_eq(hd_pdq_index_add(idx, base, 5000, NULL), 0);
  hd_pdq_hash_t q = random_hash(), near = perturb(q, 9);
  uint32_t id;
  cr_assert_eq(hd_pdq_index_add(idx, &near, 1, &id), 0);
  cr_assert_eq(id, 5000);
  hd_pdq_matches_t m;
  hd_pdq_matches_init(&m);
  hd_pdq_index_query(idx, &q, 31, &m);
  cr_assert_eq(m.n, 1);
  cr_assert_eq(m.v[0].id, 5000);
  cr_assert_eq(m.v[0].distance, 9);
  hd_pdq_matches_dispose(&m);
  for (int i = 0; i < 20000; i++) { /* crosses the delta limit: tables rebuilt on the way */
    hd_pdq_hash_t h = i % 1000 ? random_hash() : perturb(q, 1 + i / 1000);
    cr_assert_eq(hd_pdq_index_add(idx, &h, 1, NULL), 0);
  }
  for (int r = 0; r <= 40; r += 5)
    assert_same(idx, &q, r);
  hd_pdq_index_destroy(idx);
}

static size_t load_list(const char *name, hd_pdq_hash_t *out, size_t max) {
  char path[1024], line[256];
  const char *d = getenv("HD_TESTDATA");
  snprintf(path, sizeof(path), "%s/pdq/hash-lists/%s", d ? d : "/work/shared/testdata", name);
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f, "%s", path);
  size_t n = 0;
  while (n < max && fgets(line, sizeof(line), f))
    if (hd_pdq_parse(line, strcspn(line, "\r\n ,"), &out[n]) == 0)
      n++;
  fclose(f);
  return n;
}

Test(pdq_index, shared_hash_lists_equal_scan) {
  static hd_pdq_hash_t hay[2000], needles[200], more[100];
  size_t nh = load_list("haystack.txt", hay, 2000), nn = load_list("needles.txt", needles, 200);
  cr_assert_eq(nh, 1350);
  cr_assert_eq(nn, 100);
  size_t nl = load_list("long256.dat", more, 100);
  cr_assert_eq(nl, 50);
  hd_pdq_index_t *idx = hd_pdq_index_create();
  cr_assert_eq(hd_pdq_index_add(idx, hay, nh, NULL), 0);
  cr_assert_eq(hd_pdq_index_add(idx, more, nl, NULL), 0);
  cr_assert_eq(hd_pdq_index_build(idx), 0);
  size_t hits = 0;
  for (size_t i = 0; i < nn; i++) {
    for (int r = 0; r <= 64; r += 8)
      assert_same(idx, &needles[i], r);
    assert_same(idx, &needles[i], 31);
    hd_pdq_matches_t m;
    hd_pdq_matches_init(&m);
    hd_pdq_index_query(idx, &needles[i], 31, &m);
    hits += m.n > 0;
    hd_pdq_matches_dispose(&m);
  }
  cr_assert_gt(hits, 0, "the needles are drawn from the haystack's neighbourhoods");
  hd_pdq_index_destroy(idx);
}

Test(pdq_index, skewed_buckets_and_duplicates_equal_scan) {
  /* real banks hold clusters of near-identical hashes: one prefix bucket gets thousands of
   * entries, exact duplicates share every key, and segments may be all zero or all one */
  enum { N = 30000 };
  hd_pdq_hash_t *v = malloc(sizeof(*v) * N), c = random_hash();
  for (int i = 0; i < N; i++) {
    switch (i % 4) {
    case 0:
      v[i] = perturb(c, 1 + i % 40);
      break;
    case 1:
      v[i] = c;
      break;
    case 2:
      v[i] = random_hash();
      v[i].w[i % 3] = i % 2 ? ~(uint64_t)0 : 0;
      break;
    default:
      v[i] = random_hash();
      break;
    }
  }
  hd_pdq_index_t *idx = hd_pdq_index_create();
  cr_assert_eq(hd_pdq_index_add(idx, v, N, NULL), 0);
  cr_assert_eq(hd_pdq_index_build(idx), 0);
  hd_pdq_hash_t zero = {{0, 0, 0, 0}};
  for (int r = 0; r <= 48; r += 3) {
    assert_same(idx, &c, r);
    assert_same(idx, &v[2], r);
    assert_same(idx, &zero, r);
  }
  hd_pdq_matches_t m;
  hd_pdq_matches_init(&m);
  hd_pdq_index_query(idx, &c, 0, &m);
  cr_assert_eq(m.n, (size_t)N / 4, "every duplicate is reported once: %zu", m.n);
  hd_pdq_matches_dispose(&m);
  hd_pdq_index_destroy(idx);
  free(v);
}

Test(pdq_index, tiny_and_empty_indexes) {
  hd_pdq_index_t *idx = hd_pdq_index_create();
  hd_pdq_hash_t q = random_hash();
  cr_assert_eq(hd_pdq_index_build(idx), 0); /* empty build: one-bucket tables */
  assert_same(idx, &q, 31);
  for (int n = 1; n <= 70; n++) { /* table layouts for 1..70 entries, built each time */
    hd_pdq_hash_t h = perturb(q, n % 33);
    cr_assert_eq(hd_pdq_index_add(idx, &h, 1, NULL), 0);
    cr_assert_eq(hd_pdq_index_build(idx), 0);
    assert_same(idx, &q, 31);
    assert_same(idx, &q, 16);
  }
  hd_pdq_index_destroy(idx);
}

Test(pdq_index, large_build_two_step_scatter_equals_scan, .timeout = 120) {
  /* over 2^20 hashes the build scatters through a temporary array in two steps */
  enum { N = (1 << 20) + 4321, Q = 4 };
  hd_pdq_hash_t *v = malloc(sizeof(*v) * N), q[Q];
  for (int i = 0; i < N; i++)
    v[i] = random_hash();
  for (int k = 0; k < Q; k++) {
    q[k] = random_hash();
    for (int d = 0; d <= 36; d++)
      v[next() % N] = perturb(q[k], d);
  }
  hd_pdq_index_t *idx = hd_pdq_index_create();
  cr_assert_eq(hd_pdq_index_add(idx, v, N, NULL), 0);
  cr_assert_eq(hd_pdq_index_build(idx), 0);
  for (int k = 0; k < Q; k++) {
    assert_same(idx, &q[k], 31);
    assert_same(idx, &q[k], 12);
    assert_same(idx, &q[k], 35);
  }
  for (uint32_t id = 0; id < 50; id++) /* every stored hash finds itself */
    assert_same(idx, &v[id * 20000], 0);
  cr_assert_leq(hd_pdq_index_memory(idx), (size_t)N * 64);
  hd_pdq_index_destroy(idx);
  free(v);
}

Test(pdq_index, huge_bucket_falls_back_to_full_directory) {
  /* 70 000 copies of one hash put > 65535 entries in one group of 64 buckets: the compact
   * 16-bit directory cannot hold that table, which then keeps 32-bit offsets */
  enum { N = 100000, DUP = 70000 };
  hd_pdq_hash_t *v = malloc(sizeof(*v) * N), c = random_hash();
  for (int i = 0; i < N; i++)
    v[i] = i < DUP ? c : (i % 3 ? random_hash() : perturb(c, 1 + i % 35));
  hd_pdq_index_t *idx = hd_pdq_index_create();
  cr_assert_eq(hd_pdq_index_add(idx, v, N, NULL), 0);
  cr_assert_eq(hd_pdq_index_build(idx), 0);
  for (int r = 0; r <= 40; r += 4)
    assert_same(idx, &c, r);
  assert_same(idx, &v[N - 1], 31);
  hd_pdq_matches_t m;
  hd_pdq_matches_init(&m);
  hd_pdq_index_query(idx, &c, 0, &m);
  cr_assert_geq(m.n, (size_t)DUP);
  hd_pdq_matches_dispose(&m);
  hd_pdq_index_destroy(idx);
  free(v);
}
