/*
 * banksvc.h — the server's hash banks: kept in the store, mirrored in memory for matching.
 *
 *   start-up:  hd_banksvc_load(rd) ── bank_list + bank_entries_each ──► live banks + indexes
 *
 *   create:    write job hd_bank_create (row + audit) ──commit──► hd_banksvc_add_bank
 *   import:    worker  hd_bank_import_prepare  (parse the list, line numbers, in-file dups)
 *              writer  hd_bank_import          (INSERT OR IGNORE each entry, audit)
 *              worker  hd_banksvc_apply_import (add to the live bank under the write lock)
 *   match:     any thread, read lock: hd_banksvc_match_pdq / _exact
 *
 *   hd_banksvc_t ┌ rwlock (writer-preferring)
 *                └ banks[]: { id, hd_hashbank_t (pdq[] + index, sha256/md5 sets) }
 *
 * Categories are a fixed list (csam, terrorism, ncii, other) so trust & safety can map a
 * match to a DSA category.
 *
 * Invariants:
 *  1. The live banks hold exactly the committed store rows: entries are applied only after
 *     the import's transaction committed, and applying is idempotent (the live bank dedups),
 *     so a retried or raced apply cannot double-count.
 *  2. Every live bank's PDQ index is up to date whenever the write lock is released, so
 *     matching under the read lock never mutates anything.
 *  3. Adding hashes never requires a restart: a match that starts after an apply returned
 *     sees every hash it added.
 */
#ifndef HD_SAFETY_BANKSVC_H
#define HD_SAFETY_BANKSVC_H

#include "common/mem.h"
#include "safety/hashbank.h"
#include "store/admin_rows.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct st_hd_banksvc_t hd_banksvc_t;

/* 1 when c is one of csam, terrorism, ncii, other. */
int hd_bank_category_valid(const char *c);

/* Create an empty service; free with hd_banksvc_destroy (no lock may be held). */
hd_banksvc_t *hd_banksvc_create(void);
void hd_banksvc_destroy(hd_banksvc_t *svc);
/* Load every bank and entry from the store (replacing nothing: call once, at start). */
int hd_banksvc_load(hd_banksvc_t *svc, hd_store_t *rd);
/* Add an empty live bank for a committed row (no-op if the id is already live). */
void hd_banksvc_add_bank(hd_banksvc_t *svc, const hd_store_bank_t *b);
/* Snapshot of the live banks (metadata and counts) by name, strings in pool. */
void hd_banksvc_list(hd_banksvc_t *svc, hd_mem_pool_t *pool, hd_store_bank_t **out, size_t *n);
/* 1 when a live bank of that name exists. */
int hd_banksvc_has(hd_banksvc_t *svc, const char *name);

/* --- create (write job) -------------------------------------------------------------------- */
typedef struct {
  /* in */
  int64_t actor_id;
  const char *name, *source, *category;
  /* out */
  hd_store_bank_t bank; /* id and metadata; strings point at the inputs */
} hd_bank_create_op_t;
/* Validate (HD_ERR_BAD_FIELD name, HD_ERR_CATEGORY_INVALID), insert (HD_ERR_BANK_EXISTS) and
 * audit "bank.create". */
int hd_bank_create(hd_store_t *tx, hd_bank_create_op_t *op);

/* --- import -------------------------------------------------------------------------------- */
typedef struct {
  /* in */
  int64_t actor_id;
  const char *bank;              /* bank name */
  hd_iovec_t data;               /* the list (not owned; must outlive the op) */
  hd_signal_type_t default_type; /* for lines / CSV without a type column */
  int strict;                    /* any rejected line rejects the whole import */
  const char *note;              /* stored as each entry's metadata ("" if NULL) */
  /* parsed (prepare) */
  hd_hashbank_t parsed;        /* the file's unique entries */
  hd_hashbank_report_t report; /* lines, rejected, in-file duplicates, "line N: why" */
  int prepared;
  /* out (import) */
  hd_store_bank_t meta;     /* the bank's row (strings in the op's own copies) */
  size_t added, duplicates; /* duplicates: in the file + already in the bank */
} hd_bank_import_op_t;

/* Worker: parse op->data. Returns 0 (see report), HD_ERR_BAD_REQUEST when strict and a line
 * was rejected. Always call hd_bank_import_dispose afterwards. */
int hd_bank_import_prepare(hd_bank_import_op_t *op);
/* Write job: insert the parsed entries into the bank (HD_ERR_BANK_NOT_FOUND) and audit
 * "bank.import" with the counts. */
int hd_bank_import(hd_store_t *tx, hd_bank_import_op_t *op);
/* After commit: add the parsed entries to the live bank (creating it from op->meta if the
 * create's apply has not run yet). */
void hd_banksvc_apply_import(hd_banksvc_t *svc, hd_bank_import_op_t *op);
void hd_bank_import_dispose(hd_bank_import_op_t *op);

/* --- matching ------------------------------------------------------------------------------ */
typedef struct {
  int query; /* index of the query hash the caller passed */
  char bank[HD_HASHBANK_NAME_MAX + 1];
  char category[16];
  hd_signal_type_t signal;
  uint8_t value[32]; /* the matched entry (16 bytes used for MD5) */
  int distance;      /* PDQ: Hamming distance; exact: 0 */
} hd_bank_hit_t;

typedef struct {
  hd_bank_hit_t *v;
  size_t n, cap, max; /* max: stop adding past this many (truncated set) */
  int truncated;
} hd_bank_hits_t;

void hd_bank_hits_init(hd_bank_hits_t *h, size_t max);
void hd_bank_hits_dispose(hd_bank_hits_t *h);

/* Every entry within radius of q[0..nq) (the dihedral variants of query `query`; one hit per
 * entry at its smallest distance), in bank (NULL: all banks; HD_ERR_BANK_NOT_FOUND). */
int hd_banksvc_match_pdq(hd_banksvc_t *svc, const char *bank, int query, const hd_pdq_hash_t *q,
                         int nq, int radius, hd_bank_hits_t *out);
/* Exact SHA-256 (32 bytes) / MD5 (16 bytes) lookups. */
int hd_banksvc_match_exact(hd_banksvc_t *svc, const char *bank, int query, hd_signal_type_t t,
                           const uint8_t *bytes, hd_bank_hits_t *out);

#endif
