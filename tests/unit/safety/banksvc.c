/* Tests src/safety/banksvc.c and src/store/sqlite/banks.c: create/import through the store
 * with line-numbered rejections and duplicates, reload equals what was imported, and
 * matching while another thread adds hashes equals a brute-force scan. */
#include "../chat/fixture.h"
#include "safety/banksvc.h"

#include <pthread.h>
#include <stdatomic.h>

TestSuite(banksvc, .init = fx_setup, .fini = fx_teardown);

static uint64_t rng = 88172645463325252ull;
static uint64_t xr(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
static hd_pdq_hash_t rand_hash(void) {
  hd_pdq_hash_t h = {{xr(), xr(), xr(), xr()}};
  return h;
}
static hd_pdq_hash_t flip(hd_pdq_hash_t h, int bits) {
  for (int i = 0; i < bits; i++)
    h.w[i / 64] ^= 1ull << (i % 64);
  return h;
}

static int64_t create(const char *name, const char *cat) {
  hd_bank_create_op_t op = {.actor_id = 1, .name = name, .source = "t", .category = cat};
  int r = TX(hd_bank_create(W, &op));
  return r ? r : op.bank.id;
}

/* Prepare + write + apply, like the API does. */
static int import(hd_banksvc_t *svc, const char *bank, const char *text, hd_signal_type_t t,
                  hd_bank_import_op_t *op) {
  memset(op, 0, sizeof(*op));
  op->actor_id = 1;
  op->bank = bank;
  op->data = hd_iov(text, strlen(text));
  op->default_type = t;
  int r = hd_bank_import_prepare(op);
  if (r == 0)
    r = TX(hd_bank_import(W, op));
  if (r == 0 && svc)
    hd_banksvc_apply_import(svc, op);
  return r;
}

Test(banksvc, create_validates) {
  cr_assert_gt(create("ncmec", "csam"), 0);
  cr_assert_eq(create("ncmec", "csam"), HD_ERR_BANK_EXISTS);
  cr_assert_eq(create("x", "spam"), HD_ERR_CATEGORY_INVALID);
  cr_assert_eq(create(".hidden", "csam"), HD_ERR_BAD_FIELD);
  cr_assert(hd_bank_category_valid("ncii") && !hd_bank_category_valid("CSAM"));
}

Test(banksvc, import_counts_and_reload) {
  cr_assert_gt(create("b1", "terrorism"), 0);
  hd_banksvc_t *svc = hd_banksvc_create();
  cr_assert_eq(hd_banksvc_load(svc, R), 0);
  char a[65], b[65], text[512];
  hd_pdq_hash_t ha = rand_hash(), hb = rand_hash();
  hd_pdq_format(&ha, a);
  hd_pdq_format(&hb, b);
  snprintf(text, sizeof(text), "# list\n%s\nzzz\n%s,meta\n%s\n", a, b, a);
  hd_bank_import_op_t op;
  cr_assert_eq(import(svc, "b1", text, HD_SIGNAL_PDQ, &op), 0);
  cr_assert_eq(op.added, 2);
  cr_assert_eq(op.duplicates, 1);
  cr_assert_eq(op.report.rejected, 1);
  cr_assert(strstr(op.report.errors.base, "line 3:") != NULL);
  hd_bank_import_dispose(&op);
  cr_assert_eq(import(svc, "b1", text, HD_SIGNAL_PDQ, &op), 0); /* again: all duplicates */
  cr_assert_eq(op.added, 0);
  cr_assert_eq(op.duplicates, 3);
  hd_bank_import_dispose(&op);
  cr_assert_eq(import(svc, "nope", text, HD_SIGNAL_PDQ, &op), HD_ERR_BANK_NOT_FOUND);
  hd_bank_import_dispose(&op);
  const char *md5 = "0123456789abcdef0123456789abcdef\n";
  cr_assert_eq(import(svc, "b1", md5, HD_SIGNAL_MD5, &op), 0);
  hd_bank_import_dispose(&op);

  /* a fresh service loaded from the store sees the same */
  hd_banksvc_t *svc2 = hd_banksvc_create();
  cr_assert_eq(hd_banksvc_load(svc2, R), 0);
  hd_banksvc_t *both[2] = {svc, svc2};
  for (int k = 0; k < 2; k++) {
    hd_store_bank_t *v;
    size_t n;
    hd_banksvc_list(both[k], &P, &v, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(v[0].npdq, 2);
    cr_assert_eq(v[0].nmd5, 1);
    cr_assert_str_eq(v[0].category, "terrorism");
    hd_bank_hits_t hits;
    hd_bank_hits_init(&hits, 0);
    hd_pdq_hash_t q = flip(hb, 20);
    cr_assert_eq(hd_banksvc_match_pdq(both[k], NULL, 7, &q, 1, 31, &hits), 0);
    cr_assert_eq(hits.n, 1);
    cr_assert_eq(hits.v[0].distance, 20);
    cr_assert_eq(hits.v[0].query, 7);
    cr_assert_str_eq(hits.v[0].bank, "b1");
    uint8_t m[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                     0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    cr_assert_eq(hd_banksvc_match_exact(both[k], "b1", 0, HD_SIGNAL_MD5, m, &hits), 0);
    cr_assert_eq(hits.n, 2);
    cr_assert_eq(hd_banksvc_match_pdq(both[k], "zz", 0, &q, 1, 31, &hits), HD_ERR_BANK_NOT_FOUND);
    hd_bank_hits_dispose(&hits);
  }
  hd_banksvc_destroy(svc);
  hd_banksvc_destroy(svc2);
}

/* ---- concurrent add + match == brute force ------------------------------------------------- */

#define NADD   6000
#define BATCH  500
#define NQUERY 64

static hd_pdq_hash_t all[NADD];
static hd_pdq_hash_t queries[NQUERY];
static _Atomic size_t committed; /* entries applied so far (lower bound of what is live) */
static _Atomic size_t pending;   /* entries applied or being applied (upper bound) */
static _Atomic int adding_done;

typedef struct {
  hd_banksvc_t *svc;
  int checks, failures; /* asserted on the main thread (Criterion asserts are not for threads) */
} matcher_t;

static size_t brute(size_t upto, const hd_pdq_hash_t *q, int radius) {
  size_t n = 0;
  for (size_t i = 0; i < upto; i++)
    n += hd_pdq_distance(&all[i], q) <= radius;
  return n;
}

static void *matcher(void *p) {
  matcher_t *m = p;
  while (!atomic_load(&adding_done)) {
    for (int i = 0; i < NQUERY; i++) {
      size_t lo = atomic_load(&committed);
      hd_bank_hits_t h;
      hd_bank_hits_init(&h, 100000);
      if (hd_banksvc_match_pdq(m->svc, NULL, i, &queries[i], 1, 31, &h) != 0)
        m->failures++;
      size_t hi = atomic_load(&pending);
      /* everything applied before the query is found; nothing beyond what was applied after */
      if (h.n < brute(lo, &queries[i], 31) || h.n > brute(hi, &queries[i], 31)) {
        m->failures++;
      }
      for (size_t k = 0; k < h.n; k++) {
        hd_pdq_hash_t got;
        hd_pdq_from_bytes(h.v[k].value, &got);
        if (hd_pdq_distance(&got, &queries[i]) != h.v[k].distance)
          m->failures++;
      }
      hd_bank_hits_dispose(&h);
      m->checks++;
    }
  }
  return NULL;
}

Test(banksvc, concurrent_add_and_match_equals_brute_force, .timeout = 120) {
  cr_assert_gt(create("big", "csam"), 0);
  for (size_t i = 0; i < NADD; i++)
    all[i] = rand_hash();
  for (int i = 0; i < NQUERY; i++) /* planted near some future entries */
    queries[i] = flip(all[(size_t)i * (NADD / NQUERY) + 3], i % 32);
  hd_banksvc_t *svc = hd_banksvc_create();
  cr_assert_eq(hd_banksvc_load(svc, R), 0);
  matcher_t ms[2] = {{svc, 0, 0}, {svc, 0, 0}};
  pthread_t th[2];
  for (int i = 0; i < 2; i++)
    cr_assert_eq(pthread_create(&th[i], NULL, matcher, &ms[i]), 0);
  hd_buf_t text;
  hd_buf_init(&text, 0);
  for (size_t off = 0; off < NADD; off += BATCH) {
    text.len = 0;
    for (size_t i = off; i < off + BATCH; i++) {
      char hex[65];
      hd_pdq_format(&all[i], hex);
      hd_buf_appendf(&text, "%s\n", hex);
    }
    hd_buf_append(&text, "", 1);
    hd_bank_import_op_t op;
    atomic_store(&pending, off + BATCH);
    cr_assert_eq(import(svc, "big", text.base, HD_SIGNAL_PDQ, &op), 0);
    cr_assert_eq(op.added, BATCH);
    hd_bank_import_dispose(&op);
    atomic_store(&committed, off + BATCH);
  }
  atomic_store(&adding_done, 1);
  for (int i = 0; i < 2; i++)
    pthread_join(th[i], NULL);
  cr_assert_gt(ms[0].checks + ms[1].checks, 0);
  cr_assert_eq(ms[0].failures + ms[1].failures, 0);
  /* final: exact equality with brute force, and with a reload from the store */
  hd_banksvc_t *svc2 = hd_banksvc_create();
  cr_assert_eq(hd_banksvc_load(svc2, R), 0);
  for (int i = 0; i < NQUERY; i++) {
    for (int k = 0; k < 2; k++) {
      hd_bank_hits_t h;
      hd_bank_hits_init(&h, 100000);
      cr_assert_eq(hd_banksvc_match_pdq(k ? svc2 : svc, "big", i, &queries[i], 1, 31, &h), 0);
      cr_assert_eq(h.n, brute(NADD, &queries[i], 31), "query %d", i);
      cr_assert_geq(h.n, 1);
      hd_bank_hits_dispose(&h);
    }
  }
  hd_buf_dispose(&text);
  hd_banksvc_destroy(svc);
  hd_banksvc_destroy(svc2);
}
