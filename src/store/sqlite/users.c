/*
 * sqlite/users.c — users, sessions and the shared username namespace on SQLite.
 *
 *   users    (id, username, username_lc UNIQUE, display_name, bio, country, pw_hash,
 *             created_at, photo_media_id)            photo: schema step 10, NULL when none
 *   sessions (id, user_id, token_hash UNIQUE, device, ip, created_at, last_seen_at)
 *
 * Lookups by name go through username_lc = lower(?) so case-insensitive uniqueness is one
 * UNIQUE index probe; login resolves a bearer token through the token_hash UNIQUE index
 * (the token itself is never stored).
 *
 * Invariants:
 *  1. username_lc == lower(username) for every row (written only by USER_INSERT).
 *  2. A session belongs to exactly one user; deleting it requires naming that user.
 *  3. A user read (get/find) carries the photo's media row and its quarantine state, so every
 *     encoding of the user shows the same photo object (api/encode.c).
 */
#include "store/sqlite/internal.h"

#include <string.h>

int hd__sq_username_taken(hd_store_t *s, const char *username, int *taken) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_USERNAME_TAKEN);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
  int64_t v = 0;
  int ret = hd__sq_int64(q, st, HD_ERR_STORAGE, &v, "username_taken");
  *taken = v != 0;
  return ret;
}

int hd__sq_user_insert(hd_store_t *s, hd_user_t *u, const char *pw_hash) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_USER_INSERT);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_text(st, 1, u->username, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, u->display_name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, u->bio ? u->bio : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, u->country, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, pw_hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, u->created_at);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_DONE)
    u->id = sqlite3_last_insert_rowid(q->db);
  else if (hd__sq_is_unique(rc))
    ret = HD_ERR_USERNAME_TAKEN;
  else
    ret = hd__sq_fail(q, rc, "user_insert");
  hd__sq_reset(st);
  return ret;
}

/* The photo's media row with its quarantine state; a vanished row reads as no photo. */
static int read_photo(hd_store_t *s, int64_t media_id, hd_mem_pool_t *pool, hd_media_t *out) {
  int ret = s->ops->media_get(s, media_id, pool, out);
  if (ret == HD_ERR_MEDIA_NOT_FOUND) {
    memset(out, 0, sizeof(*out));
    return 0;
  }
  int64_t held = 0;
  if (ret == 0 && (ret = s->ops->safety->media_quarantined(s, media_id, &held)) == 0)
    out->quarantined = held != 0;
  return ret;
}

static int user_by(hd_store_t *s, hd_sq_query_t id, int64_t key, const char *name,
                   hd_mem_pool_t *pool, hd_user_t *out) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, id);
  if (st == NULL)
    return HD_ERR_STORAGE;
  if (name)
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  else
    sqlite3_bind_int64(st, 1, key);
  int rc = sqlite3_step(st), ret = 0;
  int64_t photo = 0;
  if (rc == SQLITE_ROW) {
    hd__sq_read_user(st, pool, out);
    photo = sqlite3_column_int64(st, 6);
  } else if (rc == SQLITE_DONE) {
    ret = HD_ERR_USER_NOT_FOUND;
  } else {
    ret = hd__sq_fail(q, rc, "user_get");
  }
  hd__sq_reset(st);
  memset(&out->photo, 0, sizeof(out->photo));
  if (ret == 0 && photo > 0) /* invariant 3 */
    ret = read_photo(s, photo, pool, &out->photo);
  return ret;
}

int hd__sq_user_get(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_user_t *out) {
  return user_by(s, HD_Q_USER_GET, id, NULL, pool, out);
}

int hd__sq_user_find(hd_store_t *s, const char *username, hd_mem_pool_t *pool, hd_user_t *out) {
  return user_by(s, HD_Q_USER_FIND, 0, username, pool, out);
}

int hd__sq_user_login(hd_store_t *s, const char *username, hd_mem_pool_t *pool, int64_t *id,
                      const char **pw_hash) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_USER_LOGIN);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_ROW) {
    *id = sqlite3_column_int64(st, 0);
    *pw_hash = hd__sq_text(st, 1, pool);
  } else if (rc == SQLITE_DONE) {
    ret = HD_ERR_USER_NOT_FOUND;
  } else {
    ret = hd__sq_fail(q, rc, "user_login");
  }
  hd__sq_reset(st);
  return ret;
}

int hd__sq_user_update(hd_store_t *s, int64_t id, const char *display_name, const char *bio,
                       const char *country) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_USER_UPDATE);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_text(st, 2, display_name, -1, SQLITE_STATIC); /* NULL binds SQL NULL */
  sqlite3_bind_text(st, 3, bio, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, country, -1, SQLITE_STATIC);
  int ret = hd__sq_run(q, st, "user_update");
  if (ret == 0 && sqlite3_changes(q->db) == 0)
    ret = HD_ERR_USER_NOT_FOUND;
  return ret;
}

int hd__sq_user_pts(hd_store_t *s, int64_t user_id, int64_t *pts) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_USER_PTS);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  return hd__sq_int64(q, st, HD_ERR_USER_NOT_FOUND, pts, "user_pts");
}

int hd__sq_session_insert(hd_store_t *s, hd_session_t *ses, const uint8_t token_hash[32]) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_SESSION_INSERT);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, ses->user_id);
  sqlite3_bind_blob(st, 2, token_hash, 32, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, ses->device ? ses->device : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, ses->ip ? ses->ip : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, ses->created_at);
  sqlite3_bind_int64(st, 6, ses->last_seen_at);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_DONE)
    ses->id = sqlite3_last_insert_rowid(q->db);
  else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    ret = HD_ERR_USER_NOT_FOUND;
  else if (hd__sq_is_unique(rc))
    ret = HD_ERR_CONFLICT; /* a 256-bit random token collided: astronomically unlikely */
  else
    ret = hd__sq_fail(q, rc, "session_insert");
  hd__sq_reset(st);
  return ret;
}

int hd__sq_session_resolve(hd_store_t *s, const uint8_t token_hash[32], int64_t *user_id,
                           int64_t *session_id) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_SESSION_RESOLVE);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_blob(st, 1, token_hash, 32, SQLITE_STATIC);
  int rc = sqlite3_step(st), ret = 0;
  if (rc == SQLITE_ROW) {
    *user_id = sqlite3_column_int64(st, 0);
    *session_id = sqlite3_column_int64(st, 1);
  } else if (rc == SQLITE_DONE) {
    ret = HD_ERR_UNAUTHORIZED;
  } else {
    ret = hd__sq_fail(q, rc, "session_resolve");
  }
  hd__sq_reset(st);
  return ret;
}

int hd__sq_session_list(hd_store_t *s, int64_t user_id, hd_mem_pool_t *pool, hd_session_t **out,
                        size_t *n) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_SESSION_LIST);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  size_t cap = 8, len = 0;
  hd_session_t *arr = hd_mem_pool_alloc(pool, cap * sizeof(*arr));
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (len == cap) { /* pools do not realloc: copy into a doubled array */
      hd_session_t *bigger = hd_mem_pool_alloc(pool, 2 * cap * sizeof(*arr));
      memcpy(bigger, arr, len * sizeof(*arr));
      arr = bigger;
      cap *= 2;
    }
    hd_session_t *e = &arr[len++];
    e->id = sqlite3_column_int64(st, 0);
    e->user_id = sqlite3_column_int64(st, 1);
    e->device = hd__sq_text(st, 2, pool);
    e->ip = hd__sq_text(st, 3, pool);
    e->created_at = sqlite3_column_int64(st, 4);
    e->last_seen_at = sqlite3_column_int64(st, 5);
  }
  hd__sq_reset(st);
  if (rc != SQLITE_DONE)
    return hd__sq_fail(q, rc, "session_list");
  *out = arr;
  *n = len;
  return 0;
}

int hd__sq_session_delete(hd_store_t *s, int64_t user_id, int64_t session_id) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_SESSION_DELETE);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  sqlite3_bind_int64(st, 2, session_id);
  int ret = hd__sq_run(q, st, "session_delete");
  if (ret == 0 && sqlite3_changes(q->db) == 0)
    ret = HD_ERR_SESSION_NOT_FOUND;
  return ret;
}

int hd__sq_user_set_photo(hd_store_t *s, int64_t user_id, int64_t media_id) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_USER_SET_PHOTO);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, user_id);
  sqlite3_bind_int64(st, 2, media_id);
  int ret = hd__sq_run(q, st, "user_set_photo");
  if (ret == 0 && sqlite3_changes(q->db) == 0)
    ret = HD_ERR_USER_NOT_FOUND;
  return ret;
}

int hd__sq_media_is_profile_photo(hd_store_t *s, int64_t media_id, int *yes) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_MEDIA_IS_PHOTO);
  if (st == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, media_id);
  int64_t v = 0;
  int ret = hd__sq_int64(q, st, HD_ERR_STORAGE, &v, "media_is_profile_photo");
  *yes = v != 0;
  return ret;
}
