/*
 * sqlite/messages.c — messages, delete-for-me, channel views and the two update logs.
 *
 *   messages      (chat_id, id) PRIMARY KEY, WITHOUT ROWID: a chat's history is one
 *                 contiguous b-tree range, so a page is a seek plus `limit` steps
 *                 + UNIQUE messages_random (chat_id, sender_id, random_id): idempotent sends
 *   hidden        (user_id, chat_id, message_id): delete-for-me, probed per row of a page
 *   channel_views (chat_id, message_id, user_id): one row per viewer, messages.views counts
 *   user_updates  (user_id, pts)  private-chat fan-out on write, membership, read markers
 *   chat_updates  (chat_id, pts)  group/channel log, fan-out on read
 *
 *   append:  user: pts = max(log) + 1 from the writer's counter cache (db.c invariant 3)
 *            chat: UPDATE chats SET pts = pts + 1 … RETURNING pts     ──► INSERT log row
 *
 * Invariants:
 *  1. A log row's pts is the value its counter took in the same transaction, so each log is
 *     1, 2, 3, … without gaps in commit order (updates.h invariant 1).
 *  2. messages.views == COUNT(channel_views) for the message: the counter is bumped only
 *     when the INSERT OR IGNORE actually added a row.
 *  3. A tombstoned message keeps its row and id (text '', deleted = 1); pages skip it.
 */
#include "store/sqlite/internal.h"

#include <string.h>

int hd__sq_message_insert(hd_store_t *s, const hd_message_t *m) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MESSAGE_INSERT);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, m->chat_id);
  sqlite3_bind_int64(st, 2, m->id);
  sqlite3_bind_int64(st, 3, m->sender_id);
  sqlite3_bind_int64(st, 4, m->random_id);
  sqlite3_bind_int64(st, 5, m->date);
  sqlite3_bind_int64(st, 6, m->edit_date);
  sqlite3_bind_int64(st, 7, m->reply_to_id);
  sqlite3_bind_int64(st, 8, m->fwd_from_chat_id);
  sqlite3_bind_int64(st, 9, m->fwd_from_message_id);
  sqlite3_bind_int64(st, 10, m->fwd_from_user_id);
  sqlite3_bind_int64(st, 11, m->fwd_date);
  sqlite3_bind_int64(st, 12, m->views);
  sqlite3_bind_text(st, 13, m->text ? m->text : "", -1, SQLITE_STATIC);
  hd__sq_bind_message_media(st, 14, &m->media);
  int rc = sqlite3_step(st), ret = 0;
  if (hd__sq_is_unique(rc))
    ret = HD_ERR_CONFLICT;
  else if (rc != SQLITE_DONE)
    ret = hd__sq_fail(q, rc, "message_insert");
  hd__sq_reset(st);
  return ret;
}

static int message_one(hd_sqlite_t *q, sqlite3_stmt *st, hd_mem_pool_t *pool, hd_message_t *out,
                       int *deleted, const char *what) {
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_ROW)
    hd__sq_read_message(st, 0, pool, out, deleted);
  else if (rc == SQLITE_DONE)
    ret = HD_ERR_MESSAGE_NOT_FOUND;
  else
    ret = hd__sq_fail(q, rc, what);
  hd__sq_reset(st);
  return ret;
}

int hd__sq_message_get(hd_store_t *s, int64_t chat_id, int64_t id, hd_mem_pool_t *pool,
                       hd_message_t *out, int *deleted) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MESSAGE_GET);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, id);
  return message_one(q, st, pool, out, deleted, "message_get");
}

int hd__sq_message_find_random(hd_store_t *s, int64_t chat_id, int64_t sender_id, int64_t random_id,
                               hd_mem_pool_t *pool, hd_message_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MESSAGE_FIND_RANDOM);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, sender_id);
  sqlite3_bind_int64(st, 3, random_id);
  return message_one(q, st, pool, out, NULL, "message_find_random");
}

static int message_write(hd_store_t *s, hd_sq_query_t id, int64_t chat_id, int64_t msg_id,
                         const char *text, int64_t edit_date, const char *what) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, id);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, msg_id);
  if (text) {
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, edit_date);
  }
  int ret = hd__sq_run(q, st, what);
  if (ret == 0 && sqlite3_changes(q->db) == 0)
    ret = HD_ERR_MESSAGE_NOT_FOUND;
  return ret;
}

int hd__sq_message_set_text(hd_store_t *s, int64_t chat_id, int64_t id, const char *text,
                            int64_t edit_date) {
  return message_write(s, HD_Q_MESSAGE_SET_TEXT, chat_id, id, text ? text : "", edit_date,
                       "message_set_text");
}

int hd__sq_message_tombstone(hd_store_t *s, int64_t chat_id, int64_t id) {
  return message_write(s, HD_Q_MESSAGE_TOMBSTONE, chat_id, id, NULL, 0, "message_tombstone");
}

int hd__sq_message_hide(hd_store_t *s, int64_t user_id, int64_t chat_id, int64_t id) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MESSAGE_HIDE);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  sqlite3_bind_int64(st, 2, chat_id);
  sqlite3_bind_int64(st, 3, id);
  return hd__sq_run(q, st, "message_hide");
}

int hd__sq_message_hidden(hd_store_t *s, int64_t user_id, int64_t chat_id, int64_t id,
                          int *hidden) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MESSAGE_HIDDEN);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  sqlite3_bind_int64(st, 2, chat_id);
  sqlite3_bind_int64(st, 3, id);
  int64_t v = 0;
  int ret = hd__sq_int64(q, st, HD_ERR_STORAGE, &v, "message_hidden");
  *hidden = v != 0;
  return ret;
}

int hd__sq_message_page(hd_store_t *s, int64_t viewer, int64_t chat_id, int64_t before_id,
                        int64_t after_id, int after_mode, size_t limit, hd_mem_pool_t *pool,
                        hd_message_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  int after = before_id <= 0 && after_mode;
  sqlite3_stmt *st = hd__sq_stmt(q, after ? HD_Q_MESSAGE_PAGE_AFTER : HD_Q_MESSAGE_PAGE_BEFORE);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, after ? after_id : before_id > 0 ? before_id : INT64_MAX);
  sqlite3_bind_int64(st, 3, viewer);
  sqlite3_bind_int64(st, 4, (int64_t)limit);
  hd_message_t *arr = hd_mem_pool_alloc(pool, (limit ? limit : 1) * sizeof(*arr));
  size_t len = 0;
  int rc = SQLITE_DONE;
  while (len < limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
    hd__sq_read_message(st, 0, pool, &arr[len++], NULL);
  hd__sq_reset(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return hd__sq_fail(q, rc, "message_page");
  *out = arr;
  *n = len;
  return 0;
}

int hd__sq_message_count_unread(hd_store_t *s, int64_t viewer, int64_t chat_id, int64_t after_id,
                                int64_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MESSAGE_COUNT_UNREAD);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, after_id);
  sqlite3_bind_int64(st, 3, viewer);
  return hd__sq_int64(q, st, HD_ERR_STORAGE, n, "message_count_unread");
}

int hd__sq_message_view(hd_store_t *s, int64_t chat_id, int64_t id, int64_t viewer,
                        int64_t *views) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_VIEW_INSERT);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, id);
  sqlite3_bind_int64(st, 3, viewer);
  int ret = hd__sq_run(q, st, "view_insert");
  if (ret != 0)
    return ret;
  if (sqlite3_changes(q->db) > 0) { /* first view by this user (invariant 2) */
    if ((st = hd__sq_stmt(q, HD_Q_VIEW_BUMP)) == NULL)
      return HD_ERR_STORAGE;
    sqlite3_bind_int64(st, 1, chat_id);
    sqlite3_bind_int64(st, 2, id);
    if ((ret = hd__sq_run(q, st, "view_bump")) != 0)
      return ret;
  }
  if ((st = hd__sq_stmt(q, HD_Q_VIEW_GET)) == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, chat_id);
  sqlite3_bind_int64(st, 2, id);
  *views = 0;
  ret = hd__sq_int64(q, st, 1, views, "view_get");
  return ret == 1 ? 0 : ret; /* unknown or deleted: 0 views */
}

/* --- update logs ------------------------------------------------------------------------- */

int hd__sq_user_update_append(hd_store_t *s, int64_t user_id, hd_update_t *u) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st;
  int ret = hd__sq_ctr_next(q, HD_SQ_CTR_USER_PTS, user_id, 0, HD_ERR_USER_NOT_FOUND, &u->pts);
  if (ret != 0)
    return ret;
  if ((st = hd__sq_stmt(q, HD_Q_USER_UPDATE_INSERT)) == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  sqlite3_bind_int64(st, 2, u->pts);
  sqlite3_bind_int(st, 3, (int)u->type);
  sqlite3_bind_int64(st, 4, u->chat_id);
  sqlite3_bind_int64(st, 5, u->message_id);
  sqlite3_bind_int64(st, 6, u->user_id);
  sqlite3_bind_int(st, 7, (int)u->role);
  sqlite3_bind_int64(st, 8, u->date);
  if ((ret = hd__sq_run(q, st, "user_update_insert")) != 0)
    hd__sq_ctr_forget(q, HD_SQ_CTR_USER_PTS, user_id); /* the log did not take u->pts */
  return ret;
}

int hd__sq_chat_update_append(hd_store_t *s, hd_update_t *u) {
  hd_sqlite_t *q = HD_SQ(s);
  int ret = hd__sq_chat_next_pts(s, u->chat_id, &u->pts);
  if (ret != 0)
    return ret;
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_CHAT_UPDATE_INSERT);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, u->chat_id);
  sqlite3_bind_int64(st, 2, u->pts);
  sqlite3_bind_int(st, 3, (int)u->type);
  sqlite3_bind_int64(st, 4, u->message_id);
  sqlite3_bind_int64(st, 5, u->user_id);
  sqlite3_bind_int(st, 6, (int)u->role);
  sqlite3_bind_int64(st, 7, u->date);
  return hd__sq_run(q, st, "chat_update_insert");
}

static int updates_page(hd_store_t *s, hd_sq_query_t id, int64_t key, int64_t from_pts,
                        size_t limit, hd_mem_pool_t *pool, hd_update_t **out, size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, id);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, key);
  sqlite3_bind_int64(st, 2, from_pts);
  sqlite3_bind_int64(st, 3, (int64_t)limit);
  hd_update_t *arr = hd_mem_pool_alloc(pool, (limit ? limit : 1) * sizeof(*arr));
  size_t len = 0;
  int rc = SQLITE_DONE;
  while (len < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    hd_update_t *u = &arr[len++];
    memset(u, 0, sizeof(*u));
    u->pts = sqlite3_column_int64(st, 0);
    u->type = (hd_update_type_t)sqlite3_column_int(st, 1);
    u->message_id = sqlite3_column_int64(st, 3);
    u->user_id = sqlite3_column_int64(st, 4);
    u->role = (hd_role_t)sqlite3_column_int(st, 5);
    u->date = sqlite3_column_int64(st, 6);
    u->chat_id = id == HD_Q_USER_UPDATES ? sqlite3_column_int64(st, 2) : key;
  }
  hd__sq_reset(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return hd__sq_fail(q, rc, "updates_page");
  *out = arr;
  *n = len;
  return 0;
}

int hd__sq_user_updates(hd_store_t *s, int64_t user_id, int64_t from_pts, size_t limit,
                        hd_mem_pool_t *pool, hd_update_t **out, size_t *n) {
  return updates_page(s, HD_Q_USER_UPDATES, user_id, from_pts, limit, pool, out, n);
}

int hd__sq_chat_updates(hd_store_t *s, int64_t chat_id, int64_t from_pts, size_t limit,
                        hd_mem_pool_t *pool, hd_update_t **out, size_t *n) {
  return updates_page(s, HD_Q_CHAT_UPDATES, chat_id, from_pts, limit, pool, out, n);
}
