/*
 * sqlite/chats.c — chats, members and the dialog list on SQLite.
 *
 *   chats   (id, type, title, username, username_lc UNIQUE, about, owner_id,
 *            private_lo, private_hi  UNIQUE pair (NULL for groups/channels),
 *            created_at, member_count, pts, last_message_id, last_activity)
 *   members (chat_id, user_id) PRIMARY KEY, role, joined_at, read_max_id
 *            + index members_by_user (user_id, chat_id)
 *
 * The counters live on the chat row and are bumped with UPDATE … RETURNING inside the
 * writer's transaction: last_message_id (gapless message ids), pts (the chat log),
 * member_count (cap checks without COUNT(*)), last_activity (dialog order).
 *
 * Invariants:
 *  1. A private chat has private_lo < private_hi, both members, and no username; the UNIQUE
 *     pair index makes "one private chat per unordered pair" a storage fact.
 *  2. member_count equals the number of members rows of the chat (maintained by the domain
 *     in the same transaction as each insert/delete).
 */
#include "store/sqlite/adhoc.h"
#include "store/sqlite/internal.h"

#include <string.h>

int hd__sq_chat_insert(hd_store_t *s, hd_chat_t *c, int64_t pair_lo, int64_t pair_hi) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_CHAT_INSERT);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int(st, 1, (int)c->type);
  sqlite3_bind_text(st, 2, c->title ? c->title : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, c->username, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, c->about ? c->about : "", -1, SQLITE_STATIC);
  if (c->owner_id)
    sqlite3_bind_int64(st, 5, c->owner_id);
  if (pair_lo) {
    sqlite3_bind_int64(st, 6, pair_lo);
    sqlite3_bind_int64(st, 7, pair_hi);
  }
  sqlite3_bind_int64(st, 8, c->created_at);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_DONE)
    c->id = sqlite3_last_insert_rowid(q->db);
  else if (hd__sq_is_unique(rc))
    ret = pair_lo ? HD_ERR_CONFLICT : HD_ERR_USERNAME_TAKEN;
  else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    ret = HD_ERR_USER_NOT_FOUND;
  else
    ret = hd__sq_fail(q, rc, "chat_insert");
  hd__sq_reset(st);
  return ret;
}

static void read_chat(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  hd__sq_read_chat(st, pool, out);
}

/* The chat columns, then m.role and m.read_max_id (NULL: not a member). */
static void read_chat_as(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  hd_chat_t *c = out;
  hd__sq_read_chat(st, pool, c);
  c->my_role = (hd_role_t)sqlite3_column_int(st, HD_SQ_CHAT_NCOLS); /* NULL reads 0: NONE */
  c->my_read_max_id = sqlite3_column_int64(st, HD_SQ_CHAT_NCOLS + 1);
}

static void read_membership(sqlite3_stmt *st, hd_mem_pool_t *pool, void *out) {
  (void)pool;
  hd_store_membership_t *m = out;
  m->role = (hd_role_t)sqlite3_column_int(st, 0);
  m->joined_at = sqlite3_column_int64(st, 1);
  m->read_max_id = sqlite3_column_int64(st, 2);
}

static int chat_by(hd_store_t *s, hd_sq_query_t id, int64_t key, const char *name,
                   hd_mem_pool_t *pool, hd_chat_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, id);
  if (st == NULL)
    return HD_ERR_STORAGE;
  if (name)
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  else
    sqlite3_bind_int64(st, 1, key);
  return hd__sq_cached_one(q, st, HD_ERR_CHAT_NOT_FOUND, read_chat, pool, out, "chat_get");
}

int hd__sq_chat_get(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_chat_t *out) {
  return chat_by(s, HD_Q_CHAT_GET, id, NULL, pool, out);
}

int hd__sq_chat_find(hd_store_t *s, const char *username, hd_mem_pool_t *pool, hd_chat_t *out) {
  return chat_by(s, HD_Q_CHAT_FIND, 0, username, pool, out);
}

int hd__sq_chat_find_private(hd_store_t *s, int64_t lo, int64_t hi, int64_t *chat_id) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_CHAT_FIND_PRIVATE);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, lo);
  sqlite3_bind_int64(st, 2, hi);
  return hd__sq_int64(q, st, HD_ERR_CHAT_NOT_FOUND, chat_id, "chat_find_private");
}

int hd__sq_chat_next_message_id(hd_store_t *s, int64_t chat_id, int64_t date, int64_t *id) {
  return hd__sq_ctr_next(HD_SQ(s), HD_SQ_CTR_CHAT_MSG, chat_id, date, HD_ERR_CHAT_NOT_FOUND, id);
}

int hd__sq_chat_next_pts(hd_store_t *s, int64_t chat_id, int64_t *pts) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_CHAT_NEXT_PTS);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  return hd__sq_int64(q, st, HD_ERR_CHAT_NOT_FOUND, pts, "chat_next_pts");
}

int hd__sq_chat_add_members(hd_store_t *s, int64_t chat_id, int64_t delta) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_CHAT_ADD_MEMBERS);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, delta);
  int ret = hd__sq_run(q, st, "chat_add_members");
  if (ret == 0 && sqlite3_changes(q->db) == 0)
    ret = HD_ERR_CHAT_NOT_FOUND;
  return ret;
}

int hd__sq_private_members(hd_store_t *s, int64_t chat_id, int64_t out[2]) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_PRIVATE_MEMBERS);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_ROW) {
    out[0] = sqlite3_column_int64(st, 0);
    out[1] = sqlite3_column_int64(st, 1);
  } else if (rc == SQLITE_DONE) {
    ret = HD_ERR_CHAT_NOT_FOUND;
  } else {
    ret = hd__sq_fail(q, rc, "private_members");
  }
  hd__sq_reset(st);
  return ret;
}

int hd__sq_chat_get_as(hd_store_t *s, int64_t id, int64_t user_id, hd_mem_pool_t *pool,
                       hd_chat_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_CHAT_GET_AS);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, user_id);
  return hd__sq_cached_one(q, st, HD_ERR_CHAT_NOT_FOUND, read_chat_as, pool, out, "chat_get_as");
}

int hd__sq_member_get(hd_store_t *s, int64_t chat_id, int64_t user_id, hd_store_membership_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MEMBER_GET);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, user_id);
  return hd__sq_cached_one(q, st, HD_ERR_NOT_MEMBER, read_membership, NULL, out, "member_get");
}

int hd__sq_member_insert(hd_store_t *s, int64_t chat_id, int64_t user_id, hd_role_t role,
                         int64_t joined_at) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MEMBER_INSERT);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, user_id);
  sqlite3_bind_int(st, 3, (int)role);
  sqlite3_bind_int64(st, 4, joined_at);
  int rc = sqlite3_step(st), ret = 0;
  if (hd__sq_is_unique(rc))
    ret = HD_ERR_ALREADY_MEMBER;
  else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    ret = HD_ERR_USER_NOT_FOUND;
  else if (rc != SQLITE_DONE)
    ret = hd__sq_fail(q, rc, "member_insert");
  hd__sq_reset(st);
  return ret;
}

static int member_write(hd_store_t *s, hd_sq_query_t id, int64_t chat_id, int64_t user_id,
                        int with_value, int64_t value, const char *what) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, id);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, user_id);
  if (with_value)
    sqlite3_bind_int64(st, 3, value);
  int ret = hd__sq_run(q, st, what);
  if (ret == 0 && sqlite3_changes(q->db) == 0)
    ret = HD_ERR_NOT_MEMBER;
  return ret;
}

int hd__sq_member_delete(hd_store_t *s, int64_t chat_id, int64_t user_id) {
  return member_write(s, HD_Q_MEMBER_DELETE, chat_id, user_id, 0, 0, "member_delete");
}

int hd__sq_member_set_role(hd_store_t *s, int64_t chat_id, int64_t user_id, hd_role_t role) {
  return member_write(s, HD_Q_MEMBER_SET_ROLE, chat_id, user_id, 1, role, "member_set_role");
}

int hd__sq_member_set_read(hd_store_t *s, int64_t chat_id, int64_t user_id, int64_t max_id) {
  return member_write(s, HD_Q_MEMBER_SET_READ, chat_id, user_id, 1, max_id, "member_set_read");
}

int hd__sq_member_list(hd_store_t *s, int64_t chat_id, int64_t after_user_id, size_t limit,
                       hd_mem_pool_t *pool, hd_member_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MEMBER_LIST);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, after_user_id);
  sqlite3_bind_int64(st, 3, (int64_t)limit);
  hd_member_t *arr = hd_mem_pool_alloc(pool, (limit ? limit : 1) * sizeof(*arr));
  size_t len = 0;
  int rc = SQLITE_DONE;
  while (len < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    hd_member_t *m = &arr[len++];
    m->chat_id = sqlite3_column_int64(st, 0);
    m->user_id = sqlite3_column_int64(st, 1);
    m->role = (hd_role_t)sqlite3_column_int(st, 2);
    m->joined_at = sqlite3_column_int64(st, 3);
    m->username = hd__sq_text(st, 4, pool);
    m->display_name = hd__sq_text(st, 5, pool);
  }
  hd__sq_reset(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return hd__sq_fail(q, rc, "member_list");
  *out = arr;
  *n = len;
  return 0;
}

int hd__sq_member_chat_ids(hd_store_t *s, int64_t user_id, hd_mem_pool_t *pool, int64_t **out,
                           size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MEMBER_CHAT_IDS);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  size_t cap = 16, len = 0;
  int64_t *arr = hd_mem_pool_alloc(pool, cap * sizeof(*arr));
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (len == cap) {
      int64_t *bigger = hd_mem_pool_alloc(pool, 2 * cap * sizeof(*arr));
      memcpy(bigger, arr, len * sizeof(*arr));
      arr = bigger;
      cap *= 2;
    }
    arr[len++] = sqlite3_column_int64(st, 0);
  }
  hd__sq_reset(st);
  if (rc != SQLITE_DONE)
    return hd__sq_fail(q, rc, "member_chat_ids");
  *out = arr;
  *n = len;
  return 0;
}

int hd__sq_dialog_chats(hd_store_t *s, int64_t user_id, size_t offset, size_t limit,
                        hd_mem_pool_t *pool, hd_chat_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_DIALOG_CHATS);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  sqlite3_bind_int64(st, 2, (int64_t)limit);
  sqlite3_bind_int64(st, 3, (int64_t)offset);
  hd_chat_t *arr = hd_mem_pool_alloc(pool, (limit ? limit : 1) * sizeof(*arr));
  size_t len = 0;
  int rc = SQLITE_DONE;
  while (len < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    hd_chat_t *c = &arr[len++];
    hd__sq_read_chat(st, pool, c);
    c->my_role = (hd_role_t)sqlite3_column_int(st, HD_SQ_CHAT_NCOLS);
    c->my_read_max_id = sqlite3_column_int64(st, HD_SQ_CHAT_NCOLS + 1);
  }
  hd__sq_reset(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return hd__sq_fail(q, rc, "dialog_chats");
  *out = arr;
  *n = len;
  return 0;
}
