/*
 * sqlite/media.c — uploaded media rows and the media columns of messages.
 *
 *   media (id PK)  one row per upload: owner, sha256, size, mime_type, kind, width, height,
 *                  file_name, created_at. Many rows may share one sha256 (and one file).
 *   messages.media_*  a copy of the attached row's public fields (media is immutable), so
 *                  reading history never joins; media_id NULL means "no media".
 *
 *   access(media, user) = EXISTS live message with media_id in a chat where user is a
 *                         member, or in a public channel        (messages_by_media index)
 *
 * Invariants:
 *  1. A message's media columns are all NULL or all set (hd__sq_bind_message_media).
 *  2. Rows are never updated or deleted here: the bytes behind a sha256 stay valid.
 */
#include "store/sqlite/internal.h"

#include <string.h>

int hd__sq_media_insert(hd_store_t *s, hd_media_t *m) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MEDIA_INSERT);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, m->owner_id);
  sqlite3_bind_text(st, 2, m->sha256, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, m->size);
  sqlite3_bind_text(st, 4, m->mime_type, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 5, (int)m->kind);
  sqlite3_bind_int64(st, 6, m->width);
  sqlite3_bind_int64(st, 7, m->height);
  if (m->file_name)
    sqlite3_bind_text(st, 8, m->file_name, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 8);
  sqlite3_bind_int64(st, 9, m->created_at);
  int ret = hd__sq_run(q, st, "media_insert");
  if (ret == 0)
    m->id = sqlite3_last_insert_rowid(q->db);
  return ret;
}

int hd__sq_media_get(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_media_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MEDIA_GET);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, id);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_ROW) {
    out->id = sqlite3_column_int64(st, 0);
    out->owner_id = sqlite3_column_int64(st, 1);
    out->sha256 = hd__sq_text(st, 2, pool);
    out->size = sqlite3_column_int64(st, 3);
    out->mime_type = hd__sq_text(st, 4, pool);
    out->kind = (hd_media_kind_t)sqlite3_column_int(st, 5);
    out->width = sqlite3_column_int64(st, 6);
    out->height = sqlite3_column_int64(st, 7);
    out->file_name = hd__sq_text_or_null(st, 8, pool);
    out->created_at = sqlite3_column_int64(st, 9);
  } else if (rc == SQLITE_DONE) {
    ret = HD_ERR_MEDIA_NOT_FOUND;
  } else {
    ret = hd__sq_fail(q, rc, "media_get");
  }
  hd__sq_reset(st);
  return ret;
}

int hd__sq_media_access(hd_store_t *s, int64_t media_id, int64_t user_id, int *allowed) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MEDIA_ACCESS);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, media_id);
  sqlite3_bind_int64(st, 2, user_id);
  int64_t v = 0;
  int ret = hd__sq_int64(q, st, HD_ERR_STORAGE, &v, "media_access");
  *allowed = v != 0;
  return ret;
}

void hd__sq_read_message_media(sqlite3_stmt *st, int first, hd_mem_pool_t *pool, hd_media_t *m) {
  int i = first;
  memset(m, 0, sizeof(*m));
  if (sqlite3_column_type(st, i) == SQLITE_NULL)
    return; /* invariant 1 */
  m->id = sqlite3_column_int64(st, i++);
  m->kind = (hd_media_kind_t)sqlite3_column_int(st, i++);
  m->mime_type = hd__sq_text(st, i++, pool);
  m->size = sqlite3_column_int64(st, i++);
  m->width = sqlite3_column_int64(st, i++);
  m->height = sqlite3_column_int64(st, i++);
  m->file_name = hd__sq_text_or_null(st, i, pool);
}

void hd__sq_bind_message_media(sqlite3_stmt *st, int first, const hd_media_t *m) {
  if (m->id == 0) { /* unbound parameters are NULL (invariant 1) */
    for (int i = 0; i < 7; i++)
      sqlite3_bind_null(st, first + i);
    return;
  }
  sqlite3_bind_int64(st, first, m->id);
  sqlite3_bind_int(st, first + 1, (int)m->kind);
  sqlite3_bind_text(st, first + 2, m->mime_type ? m->mime_type : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, first + 3, m->size);
  sqlite3_bind_int64(st, first + 4, m->width);
  sqlite3_bind_int64(st, first + 5, m->height);
  if (m->file_name)
    sqlite3_bind_text(st, first + 6, m->file_name, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, first + 6);
}
