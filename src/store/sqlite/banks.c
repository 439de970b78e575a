/*
 * sqlite/banks.c — hash banks and their entries on SQLite.
 *
 *   banks        (id, name UNIQUE, source, category CHECK IN (csam, terrorism, ncii, other),
 *                 created_at, created_by)
 *   bank_entries (bank_id, signal 0=pdq 1=sha256 2=md5, value BLOB, metadata, added_at)
 *                PRIMARY KEY (bank_id, signal, value) WITHOUT ROWID
 *
 * The primary key is the deduplication: an import inserts with INSERT OR IGNORE and learns
 * from sqlite3_changes() whether the entry was new, so a re-import of the same list adds
 * nothing and reports duplicates. Loading streams every entry through a callback (no pool
 * copy), because a bank may hold millions of hashes.
 *
 * Invariants:
 *  1. No two entries of one bank share (signal, value) (primary key).
 *  2. value is 32 bytes for signal 0 and 1, 16 for signal 2 (checked here before insert).
 */
#include "store/sqlite/internal.h"

#include <string.h>

static void read_bank(sqlite3_stmt *st, hd_mem_pool_t *pool, hd_store_bank_t *b) {
  memset(b, 0, sizeof(*b));
  b->id = sqlite3_column_int64(st, 0);
  b->name = hd__sq_text(st, 1, pool);
  b->source = hd__sq_text(st, 2, pool);
  b->category = hd__sq_text(st, 3, pool);
  b->created_at = sqlite3_column_int64(st, 4);
  b->created_by = sqlite3_column_int64(st, 5);
}

int hd__sq_bank_insert(hd_store_t *s, hd_store_bank_t *b) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_BANK_INSERT);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_text(st, 1, b->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, b->source ? b->source : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, b->category, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, b->created_at);
  sqlite3_bind_int64(st, 5, b->created_by);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_DONE)
    b->id = sqlite3_last_insert_rowid(q->db);
  else if (hd__sq_is_unique(rc))
    ret = HD_ERR_BANK_EXISTS;
  else if (rc == SQLITE_CONSTRAINT_CHECK)
    ret = HD_ERR_CATEGORY_INVALID;
  else
    ret = hd__sq_fail(q, rc, "bank_insert");
  hd__sq_reset(st);
  return ret;
}

int hd__sq_bank_find(hd_store_t *s, const char *name, hd_mem_pool_t *pool, hd_store_bank_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_BANK_FIND);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_ROW)
    read_bank(st, pool, out);
  else if (rc == SQLITE_DONE)
    ret = HD_ERR_BANK_NOT_FOUND;
  else
    ret = hd__sq_fail(q, rc, "bank_find");
  hd__sq_reset(st);
  return ret;
}

int hd__sq_bank_list(hd_store_t *s, hd_mem_pool_t *pool, hd_store_bank_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_BANK_LIST);
  if (st == NULL)
    return HD_ERR_STORAGE;
  size_t cap = 8, len = 0;
  hd_store_bank_t *arr = hd_mem_pool_alloc(pool, cap * sizeof(*arr));
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (len == cap) {
      hd_store_bank_t *bigger = hd_mem_pool_alloc(pool, 2 * cap * sizeof(*arr));
      memcpy(bigger, arr, len * sizeof(*arr));
      arr = bigger;
      cap *= 2;
    }
    hd_store_bank_t *b = &arr[len++];
    read_bank(st, pool, b);
    b->npdq = sqlite3_column_int64(st, 6);
    b->nsha256 = sqlite3_column_int64(st, 7);
    b->nmd5 = sqlite3_column_int64(st, 8);
  }
  hd__sq_reset(st);
  if (rc != SQLITE_DONE)
    return hd__sq_fail(q, rc, "bank_list");
  *out = arr;
  *n = len;
  return 0;
}

int hd__sq_bank_entry_insert(hd_store_t *s, int64_t bank_id, int signal, const uint8_t *value,
                             size_t len, const char *metadata, int64_t added_at, int *added) {
  hd_sqlite_t *q = HD_SQ(s);
  if (signal < 0 || signal > 2 || len != (signal == 2 ? 16u : 32u))
    return HD_ERR_BAD_HASH;
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_ENTRY_INSERT);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, bank_id);
  sqlite3_bind_int(st, 2, signal);
  sqlite3_bind_blob(st, 3, value, (int)len, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, metadata ? metadata : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, added_at);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_DONE)
    *added = sqlite3_changes(q->db) > 0;
  else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    ret = HD_ERR_BANK_NOT_FOUND;
  else
    ret = hd__sq_fail(q, rc, "bank_entry_insert");
  hd__sq_reset(st);
  return ret;
}

int hd__sq_bank_entries_each(hd_store_t *s, int64_t bank_id, hd_store_entry_cb cb, void *arg) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_ENTRY_EACH);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, bank_id);
  int rc, ret = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int signal = sqlite3_column_int(st, 1);
    const uint8_t *v = sqlite3_column_blob(st, 2);
    size_t len = (size_t)sqlite3_column_bytes(st, 2);
    if (v == NULL || signal < 0 || signal > 2 || len != (signal == 2 ? 16u : 32u))
      continue; /* a damaged row cannot be matched; skip it rather than stop loading */
    if ((ret = cb(arg, sqlite3_column_int64(st, 0), signal, v, len)) != 0)
      break;
  }
  hd__sq_reset(st);
  if (ret)
    return ret;
  return rc == SQLITE_DONE ? 0 : hd__sq_fail(q, rc, "bank_entries_each");
}
