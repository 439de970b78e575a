/*
 * sqlite/staff.c — staff roles and the append-only audit log on SQLite.
 *
 *   staff_roles (user_id PK → users, role 1..3, granted_by, granted_at)
 *   audit_log   (id INTEGER PRIMARY KEY, time ms, actor_id, kind, subject, before, after)
 *               index (subject, id); triggers abort any UPDATE or DELETE
 *
 * Role 0 (none) is never stored: setting it deletes the row, so "is this user staff?" is
 * one primary-key probe that finds nothing for ordinary users.
 *
 * Invariants:
 *  1. A staff_roles row exists only for an existing user (foreign key, and checked first so
 *     the caller gets HD_ERR_USER_NOT_FOUND rather than a constraint failure).
 *  2. audit_log rows are immutable once written (schema triggers).
 */
#include "store/sqlite/internal.h"

#include <string.h>

int hd__sq_staff_role_get(hd_store_t *s, int64_t user_id, int *role) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_STAFF_ROLE_GET);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  int64_t v = 0;
  int ret = hd__sq_int64(q, st, 1, &v, "staff_role_get");
  if (ret == 1) { /* no row: not staff */
    v = 0;
    ret = 0;
  }
  *role = ret == 0 ? (int)v : 0;
  return ret;
}

int hd__sq_staff_role_set(hd_store_t *s, int64_t user_id, int role, int64_t granted_by,
                          int64_t granted_at) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_STAFF_USER_EXISTS);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  int64_t exists = 0;
  int ret = hd__sq_int64(q, st, HD_ERR_STORAGE, &exists, "staff_user_exists");
  if (ret)
    return ret;
  if (!exists)
    return HD_ERR_USER_NOT_FOUND;
  if (role == 0) {
    if ((st = hd__sq_stmt(q, HD_Q_STAFF_ROLE_DELETE)) == NULL)
      return HD_ERR_STORAGE;
    sqlite3_bind_int64(st, 1, user_id);
    return hd__sq_run(q, st, "staff_role_delete");
  }
  if ((st = hd__sq_stmt(q, HD_Q_STAFF_ROLE_SET)) == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  sqlite3_bind_int(st, 2, role);
  sqlite3_bind_int64(st, 3, granted_by);
  sqlite3_bind_int64(st, 4, granted_at);
  return hd__sq_run(q, st, "staff_role_set");
}

int hd__sq_staff_list(hd_store_t *s, hd_mem_pool_t *pool, hd_store_staff_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_STAFF_LIST);
  if (st == NULL)
    return HD_ERR_STORAGE;
  size_t cap = 8, len = 0;
  hd_store_staff_t *arr = hd_mem_pool_alloc(pool, cap * sizeof(*arr));
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (len == cap) {
      hd_store_staff_t *bigger = hd_mem_pool_alloc(pool, 2 * cap * sizeof(*arr));
      memcpy(bigger, arr, len * sizeof(*arr));
      arr = bigger;
      cap *= 2;
    }
    hd_store_staff_t *e = &arr[len++];
    e->user_id = sqlite3_column_int64(st, 0);
    e->username = hd__sq_text(st, 1, pool);
    e->role = sqlite3_column_int(st, 2);
    e->granted_by = sqlite3_column_int64(st, 3);
    e->granted_at = sqlite3_column_int64(st, 4);
  }
  hd__sq_reset(st);
  if (rc != SQLITE_DONE)
    return hd__sq_fail(q, rc, "staff_list");
  *out = arr;
  *n = len;
  return 0;
}

int hd__sq_audit_append(hd_store_t *s, const hd_store_audit_t *a, int64_t *id) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_AUDIT_INSERT);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, a->time_ms);
  sqlite3_bind_int64(st, 2, a->actor_id);
  sqlite3_bind_text(st, 3, a->kind, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, a->subject, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, a->before ? a->before : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, a->after ? a->after : "", -1, SQLITE_STATIC);
  int ret = hd__sq_run(q, st, "audit_append");
  if (ret == 0 && id)
    *id = sqlite3_last_insert_rowid(q->db);
  return ret;
}

int hd__sq_audit_list(hd_store_t *s, const char *kind, const char *subject, int64_t after_id,
                      size_t limit, hd_mem_pool_t *pool, hd_store_audit_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_AUDIT_LIST);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, after_id);
  sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC); /* NULL binds SQL NULL: any */
  sqlite3_bind_text(st, 3, subject, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)limit);
  size_t cap = limit < 64 ? (limit ? limit : 1) : 64, len = 0;
  hd_store_audit_t *arr = hd_mem_pool_alloc(pool, cap * sizeof(*arr));
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (len == cap) {
      hd_store_audit_t *bigger = hd_mem_pool_alloc(pool, 2 * cap * sizeof(*arr));
      memcpy(bigger, arr, len * sizeof(*arr));
      arr = bigger;
      cap *= 2;
    }
    hd_store_audit_t *e = &arr[len++];
    e->id = sqlite3_column_int64(st, 0);
    e->time_ms = sqlite3_column_int64(st, 1);
    e->actor_id = sqlite3_column_int64(st, 2);
    e->kind = hd__sq_text(st, 3, pool);
    e->subject = hd__sq_text(st, 4, pool);
    e->before = hd__sq_text(st, 5, pool);
    e->after = hd__sq_text(st, 6, pool);
  }
  hd__sq_reset(st);
  if (rc != SQLITE_DONE)
    return hd__sq_fail(q, rc, "audit_list");
  *out = arr;
  *n = len;
  return 0;
}
