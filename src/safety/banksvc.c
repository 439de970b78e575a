/*
 * banksvc.c — hash banks in the store and their live in-memory mirror (see banksvc.h for
 * the flows and invariants).
 *
 * Locking: one pthread rwlock, writer-preferring so a steady stream of matches on the worker
 * pool cannot starve an import's apply. Writers (add_bank, apply_import, load) bring every
 * index they touched up to date before unlocking (invariant 2); readers only query.
 *
 * Memory per bank is hashbank.c's: 32 B per PDQ hash + the multi-index tables, 32/16 B per
 * exact hash plus its hash-set slot.
 */
#include "safety/banksvc.h"

#include "common/error.h"
#include "common/log.h"
#include "common/time.h"
#include "safety/audit.h"
#include "store/ops.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  int64_t id;
  int64_t created_by;
  hd_hashbank_t hb; /* name, source, category, added (= created_at), entries, index */
} live_bank_t;

struct st_hd_banksvc_t {
  pthread_rwlock_t lock;
  live_bank_t **banks; /* by insertion; few banks, linear search */
  size_t n, cap;
};

static const char *const categories[] = {"csam", "terrorism", "ncii", "other"};

int hd_bank_category_valid(const char *c) {
  for (size_t i = 0; c && i < HD_ARRAY_SIZE(categories); i++)
    if (strcmp(c, categories[i]) == 0)
      return 1;
  return 0;
}

hd_banksvc_t *hd_banksvc_create(void) {
  hd_banksvc_t *svc = hd_mem_calloc(sizeof(*svc));
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  HD_ASSERT(pthread_rwlock_init(&svc->lock, &attr) == 0);
  pthread_rwlockattr_destroy(&attr);
  return svc;
}

void hd_banksvc_destroy(hd_banksvc_t *svc) {
  if (!svc)
    return;
  for (size_t i = 0; i < svc->n; i++) {
    hd_hashbank_dispose(&svc->banks[i]->hb);
    hd_mem_free(svc->banks[i]);
  }
  hd_mem_free(svc->banks);
  pthread_rwlock_destroy(&svc->lock);
  hd_mem_free(svc);
}

static live_bank_t *find_id(hd_banksvc_t *svc, int64_t id) {
  for (size_t i = 0; i < svc->n; i++)
    if (svc->banks[i]->id == id)
      return svc->banks[i];
  return NULL;
}

static live_bank_t *find_name(hd_banksvc_t *svc, const char *name) {
  for (size_t i = 0; i < svc->n; i++)
    if (strcmp(svc->banks[i]->hb.name, name) == 0)
      return svc->banks[i];
  return NULL;
}

/* Caller holds the write lock. */
static live_bank_t *add_locked(hd_banksvc_t *svc, const hd_store_bank_t *b) {
  live_bank_t *lb = find_id(svc, b->id);
  if (lb)
    return lb;
  if (svc->n == svc->cap) {
    svc->cap = svc->cap ? 2 * svc->cap : 8;
    svc->banks = hd_mem_realloc(svc->banks, svc->cap * sizeof(*svc->banks));
  }
  lb = hd_mem_calloc(sizeof(*lb));
  lb->id = b->id;
  lb->created_by = b->created_by;
  hd_hashbank_init(&lb->hb, b->name, b->source, b->category, b->created_at);
  hd_hashbank_index(&lb->hb);
  svc->banks[svc->n++] = lb;
  return lb;
}

void hd_banksvc_add_bank(hd_banksvc_t *svc, const hd_store_bank_t *b) {
  pthread_rwlock_wrlock(&svc->lock);
  add_locked(svc, b);
  pthread_rwlock_unlock(&svc->lock);
}

int hd_banksvc_has(hd_banksvc_t *svc, const char *name) {
  pthread_rwlock_rdlock(&svc->lock);
  int has = find_name(svc, name) != NULL;
  pthread_rwlock_unlock(&svc->lock);
  return has;
}

typedef struct {
  hd_banksvc_t *svc;
  live_bank_t *last; /* entries arrive grouped by bank: cache the last lookup */
  size_t loaded;
} load_t;

static int load_entry(void *arg, int64_t bank_id, int signal, const uint8_t *value, size_t len) {
  load_t *l = arg;
  if (!l->last || l->last->id != bank_id)
    l->last = find_id(l->svc, bank_id);
  if (!l->last)
    return 0; /* a bank created after the list was read: its apply will add it */
  l->loaded += (size_t)hd_hashbank_add(&l->last->hb, (hd_signal_type_t)signal, value);
  return 0;
}

int hd_banksvc_load(hd_banksvc_t *svc, hd_store_t *rd) {
  hd_mem_pool_t pool;
  hd_store_bank_t *v;
  size_t n;
  hd_mem_pool_init(&pool);
  pthread_rwlock_wrlock(&svc->lock);
  int ret = rd->ops->bank_list(rd, &pool, &v, &n);
  for (size_t i = 0; ret == 0 && i < n; i++)
    add_locked(svc, &v[i]);
  load_t l = {svc, NULL, 0};
  if (ret == 0)
    ret = rd->ops->bank_entries_each(rd, 0, load_entry, &l);
  for (size_t i = 0; i < svc->n && ret == 0; i++)
    ret = hd_hashbank_index(&svc->banks[i]->hb); /* invariant 2 */
  pthread_rwlock_unlock(&svc->lock);
  hd_mem_pool_dispose(&pool);
  if (ret == 0)
    hd_log(HD_LOG_INFO, "hash banks loaded", "\"banks\":%zu,\"entries\":%zu", n, l.loaded);
  return ret;
}

void hd_banksvc_list(hd_banksvc_t *svc, hd_mem_pool_t *pool, hd_store_bank_t **out, size_t *n) {
  pthread_rwlock_rdlock(&svc->lock);
  hd_store_bank_t *v = hd_mem_pool_alloc(pool, (svc->n ? svc->n : 1) * sizeof(*v));
  for (size_t i = 0; i < svc->n; i++) {
    const live_bank_t *lb = svc->banks[i];
    size_t k = i;
    while (k > 0 && strcmp(v[k - 1].name, lb->hb.name) > 0) { /* insertion sort by name */
      v[k] = v[k - 1];
      k--;
    }
    v[k] = (hd_store_bank_t){
        .id = lb->id,
        .name = hd_mem_pool_strndup(pool, lb->hb.name, strlen(lb->hb.name)),
        .source = hd_mem_pool_strndup(pool, lb->hb.source, strlen(lb->hb.source)),
        .category = hd_mem_pool_strndup(pool, lb->hb.category, strlen(lb->hb.category)),
        .created_at = lb->hb.added,
        .created_by = lb->created_by,
        .npdq = (int64_t)lb->hb.npdq,
        .nsha256 = (int64_t)lb->hb.nsha256,
        .nmd5 = (int64_t)lb->hb.nmd5,
    };
  }
  *out = v;
  *n = svc->n;
  pthread_rwlock_unlock(&svc->lock);
}

/* ---- create --------------------------------------------------------------------------------- */

int hd_bank_create(hd_store_t *tx, hd_bank_create_op_t *op) {
  if (!op->name || !hd_hashbank_name_valid(op->name))
    return HD_ERR_BAD_FIELD;
  if (!hd_bank_category_valid(op->category))
    return HD_ERR_CATEGORY_INVALID;
  if (op->source && strlen(op->source) > 256)
    return HD_ERR_BAD_FIELD;
  op->bank = (hd_store_bank_t){
      .name = op->name,
      .source = op->source ? op->source : "",
      .category = op->category,
      .created_at = hd_time_now(),
      .created_by = op->actor_id,
  };
  int ret = tx->ops->bank_insert(tx, &op->bank);
  if (ret)
    return ret;
  char subject[HD_HASHBANK_NAME_MAX + 8], after[320];
  snprintf(subject, sizeof(subject), "bank:%s", op->name);
  snprintf(after, sizeof(after), "category=%s source=%s", op->category, op->bank.source);
  return hd_audit_append(tx, op->actor_id, "bank.create", subject, "", after);
}

/* ---- import --------------------------------------------------------------------------------- */

int hd_bank_import_prepare(hd_bank_import_op_t *op) {
  hd_hashbank_init(&op->parsed, "import", "", "", 0);
  hd_hashbank_report_init(&op->report);
  op->prepared = 1;
  hd_hashbank_import_opts_t io = {op->default_type, op->strict, NULL, NULL, 50};
  return hd_hashbank_import(&op->parsed, op->data, &io, &op->report);
}

static int insert_one(hd_store_t *tx, hd_bank_import_op_t *op, int signal, const uint8_t *v,
                      size_t len, int64_t now) {
  int added = 0;
  int ret = tx->ops->bank_entry_insert(tx, op->meta.id, signal, v, len, op->note, now, &added);
  if (ret == 0) {
    if (added)
      op->added++;
    else
      op->duplicates++;
  }
  return ret;
}

int hd_bank_import(hd_store_t *tx, hd_bank_import_op_t *op) {
  HD_ASSERT(op->prepared);
  hd_mem_pool_t pool;
  hd_mem_pool_init(&pool);
  hd_store_bank_t b;
  int ret = tx->ops->bank_find(tx, op->bank, &pool, &b);
  if (ret == 0) { /* keep the row's strings in the op (parsed's owned copies): pool dies here */
    op->meta = b;
    op->meta.name = op->bank;
    hd_mem_free(op->parsed.source);
    op->parsed.source = hd_strdup(b.source);
    hd_mem_free(op->parsed.category);
    op->parsed.category = hd_strdup(b.category);
    op->meta.source = op->parsed.source;
    op->meta.category = op->parsed.category;
  }
  hd_mem_pool_dispose(&pool);
  if (ret)
    return ret;
  op->added = 0;
  op->duplicates = op->report.duplicates; /* within the file */
  int64_t now = hd_time_now();
  const hd_hashbank_t *p = &op->parsed;
  for (size_t i = 0; ret == 0 && i < p->npdq; i++) {
    uint8_t bytes[32];
    hd_pdq_to_bytes(&p->pdq[i], bytes);
    ret = insert_one(tx, op, HD_SIGNAL_PDQ, bytes, 32, now);
  }
  for (size_t i = 0; ret == 0 && i < p->nsha256; i++)
    ret = insert_one(tx, op, HD_SIGNAL_SHA256, p->sha256[i], 32, now);
  for (size_t i = 0; ret == 0 && i < p->nmd5; i++)
    ret = insert_one(tx, op, HD_SIGNAL_MD5, p->md5[i], 16, now);
  if (ret)
    return ret;
  char subject[HD_HASHBANK_NAME_MAX + 8], after[160];
  snprintf(subject, sizeof(subject), "bank:%s", op->bank);
  snprintf(after, sizeof(after), "lines=%zu added=%zu duplicates=%zu rejected=%zu",
           op->report.lines, op->added, op->duplicates, op->report.rejected);
  return hd_audit_append(tx, op->actor_id, "bank.import", subject, "", after);
}

void hd_banksvc_apply_import(hd_banksvc_t *svc, hd_bank_import_op_t *op) {
  pthread_rwlock_wrlock(&svc->lock);
  live_bank_t *lb = add_locked(svc, &op->meta);
  const hd_hashbank_t *p = &op->parsed;
  for (size_t i = 0; i < p->npdq; i++)
    hd_hashbank_add_pdq(&lb->hb, &p->pdq[i]);
  for (size_t i = 0; i < p->nsha256; i++)
    hd_hashbank_add(&lb->hb, HD_SIGNAL_SHA256, p->sha256[i]);
  for (size_t i = 0; i < p->nmd5; i++)
    hd_hashbank_add(&lb->hb, HD_SIGNAL_MD5, p->md5[i]);
  if (hd_hashbank_index(&lb->hb) != 0) /* out of memory for the tables: invariant 2 breaks */
    hd_log(HD_LOG_ERROR, "hash bank index rebuild failed", NULL);
  pthread_rwlock_unlock(&svc->lock);
}

void hd_bank_import_dispose(hd_bank_import_op_t *op) {
  if (!op->prepared)
    return;
  hd_hashbank_dispose(&op->parsed);
  hd_hashbank_report_dispose(&op->report);
  op->prepared = 0;
}

/* ---- matching ------------------------------------------------------------------------------- */

void hd_bank_hits_init(hd_bank_hits_t *h, size_t max) {
  memset(h, 0, sizeof(*h));
  h->max = max ? max : 1000;
}

void hd_bank_hits_dispose(hd_bank_hits_t *h) {
  hd_mem_free(h->v);
  memset(h, 0, sizeof(*h));
}

static void hit_add(hd_bank_hits_t *h, int query, const live_bank_t *lb, hd_signal_type_t t,
                    const uint8_t *value, size_t len, int distance) {
  if (h->n == h->max) {
    h->truncated = 1;
    return;
  }
  if (h->n == h->cap) {
    h->cap = h->cap ? 2 * h->cap : 16;
    h->v = hd_mem_realloc(h->v, h->cap * sizeof(*h->v));
  }
  hd_bank_hit_t *x = &h->v[h->n++];
  memset(x, 0, sizeof(*x));
  x->query = query;
  snprintf(x->bank, sizeof(x->bank), "%s", lb->hb.name);
  snprintf(x->category, sizeof(x->category), "%s", lb->hb.category);
  x->signal = t;
  memcpy(x->value, value, len);
  x->distance = distance;
}

int hd_banksvc_match_pdq(hd_banksvc_t *svc, const char *bank, int query, const hd_pdq_hash_t *q,
                         int nq, int radius, hd_bank_hits_t *out) {
  int ret = 0;
  hd_pdq_matches_t m;
  hd_pdq_matches_init(&m);
  pthread_rwlock_rdlock(&svc->lock);
  live_bank_t *only = bank ? find_name(svc, bank) : NULL;
  if (bank && !only)
    ret = HD_ERR_BANK_NOT_FOUND;
  for (size_t i = 0; ret == 0 && i < svc->n; i++) {
    live_bank_t *lb = svc->banks[i];
    if (only && lb != only)
      continue;
    HD_ASSERT(lb->hb.index != NULL || lb->hb.npdq == 0); /* invariant 2 */
    if (lb->hb.npdq == 0)
      continue;
    m.n = 0;
    if ((ret = hd_hashbank_match_pdq(&lb->hb, q, nq, radius, &m)) != 0)
      break;
    hd_pdq_matches_sort(&m);
    for (size_t k = 0; k < m.n; k++) {
      uint8_t bytes[32];
      hd_pdq_to_bytes(&lb->hb.pdq[m.v[k].id], bytes);
      hit_add(out, query, lb, HD_SIGNAL_PDQ, bytes, 32, m.v[k].distance);
    }
  }
  pthread_rwlock_unlock(&svc->lock);
  hd_pdq_matches_dispose(&m);
  return ret;
}

int hd_banksvc_match_exact(hd_banksvc_t *svc, const char *bank, int query, hd_signal_type_t t,
                           const uint8_t *bytes, hd_bank_hits_t *out) {
  if (t == HD_SIGNAL_PDQ)
    return HD_ERR_INTERNAL;
  int ret = 0;
  pthread_rwlock_rdlock(&svc->lock);
  live_bank_t *only = bank ? find_name(svc, bank) : NULL;
  if (bank && !only)
    ret = HD_ERR_BANK_NOT_FOUND;
  for (size_t i = 0; ret == 0 && i < svc->n; i++) {
    live_bank_t *lb = svc->banks[i];
    if ((!only || lb == only) && hd_hashbank_match_exact(&lb->hb, t, bytes))
      hit_add(out, query, lb, t, bytes, t == HD_SIGNAL_MD5 ? 16 : 32, 0);
  }
  pthread_rwlock_unlock(&svc->lock);
  return ret;
}
