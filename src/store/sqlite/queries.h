/*
 * sqlite/queries.h — every SQL statement the SQLite back-end runs, declared once.
 *
 * XX(NAME, "SQL") expands into the hd_sq_query_t enum (internal.h) and the text table the
 * statement cache prepares from (db.c): a query is named HD_Q_NAME in code and prepared once
 * per handle (SQLITE_PREPARE_PERSISTENT), so the hot paths never parse SQL. The schema itself
 * is in schema.c; docs/internals/store.md explains which index serves which query.
 *
 * Column lists are shared with the row readers in db.c:
 *   HD_SQ_USER_COLS   → hd__sq_read_user()
 *   HD_SQ_CHAT_COLS   → hd__sq_read_chat()
 *   HD_SQ_MSG_COLS    → hd__sq_read_message()
 */
#ifndef HD_STORE_SQLITE_QUERIES_H
#define HD_STORE_SQLITE_QUERIES_H

#include "store/sqlite/queries_admin.h"
#include "store/sqlite/queries_media.h"
#include "store/sqlite/queries_safety.h"

#define HD_SQ_USER_COLS  "id, username, display_name, bio, country, created_at"
#define HD_SQ_CHAT_NCOLS 12 /* columns of HD_SQ_CHAT_COLS; a query's own columns follow */
#define HD_SQ_CHAT_COLS                                                                            \
  "c.id, c.type, c.title, c.username, c.about, c.owner_id, c.created_at, c.member_count,"          \
  " c.pts, c.last_message_id, c.private_lo, c.private_hi"
#define HD_SQ_MSG_COLS                                                                             \
  "m.chat_id, m.id, m.sender_id, m.random_id, m.date, m.edit_date, m.reply_to_id,"                 \
  " m.fwd_from_chat_id, m.fwd_from_message_id, m.fwd_from_user_id, m.fwd_date, m.views,"           \
  " m.text, m.deleted, m.media_id, m.media_kind, m.media_mime, m.media_size, m.media_width,"       \
  " m.media_height, m.media_name"
#define HD_SQ_NOT_HIDDEN                                                                           \
  " NOT EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = ?3 AND h.chat_id = m.chat_id"             \
  " AND h.message_id = m.id)"

#define HD_SQ_QUERIES(XX)                                                                          \
  XX(BEGIN, "BEGIN IMMEDIATE")                                                                     \
  XX(COMMIT, "COMMIT")                                                                             \
  XX(ROLLBACK, "ROLLBACK")                                                                         \
  XX(SAVEPOINT, "SAVEPOINT hd_job")                                                                \
  XX(RELEASE, "RELEASE hd_job")                                                                    \
  XX(ROLLBACK_TO, "ROLLBACK TO hd_job")                                                            \
  XX(USERNAME_TAKEN, "SELECT EXISTS (SELECT 1 FROM users WHERE username_lc = lower(?1))"           \
                     " OR EXISTS (SELECT 1 FROM chats WHERE username_lc = lower(?1))")             \
  XX(USER_INSERT, "INSERT INTO users (username, username_lc, display_name, bio, country, pw_hash," \
                  " created_at) VALUES (?1, lower(?1), ?2, ?3, upper(?4), ?5, ?6)")                \
  XX(USER_GET, "SELECT " HD_SQ_USER_COLS ", photo_media_id FROM users WHERE id = ?1")              \
  XX(USER_FIND,                                                                                    \
     "SELECT " HD_SQ_USER_COLS ", photo_media_id FROM users WHERE username_lc = lower(?1)")        \
  XX(USER_SET_PHOTO, "UPDATE users SET photo_media_id = nullif(?2, 0) WHERE id = ?1")              \
  XX(MEDIA_IS_PHOTO, "SELECT EXISTS (SELECT 1 FROM users WHERE photo_media_id = ?1)")              \
  XX(USER_LOGIN, "SELECT id, pw_hash FROM users WHERE username_lc = lower(?1)")                    \
  XX(USER_UPDATE,                                                                                  \
     "UPDATE users SET display_name = coalesce(?2, display_name), bio = coalesce(?3, bio),"        \
     " country = coalesce(upper(?4), country) WHERE id = ?1")                                      \
  XX(USER_NEXT_PTS, "SELECT (SELECT coalesce(max(pts), 0) FROM user_updates WHERE user_id = ?1)"   \
                    " + 1 FROM users WHERE id = ?1")                                               \
  XX(USER_PTS, "SELECT (SELECT coalesce(max(pts), 0) FROM user_updates WHERE user_id = ?1)"        \
               " FROM users WHERE id = ?1")                                                        \
  XX(SESSION_INSERT,                                                                               \
     "INSERT INTO sessions (user_id, token_hash, device, ip, created_at, last_seen_at)"            \
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                                           \
  XX(SESSION_RESOLVE, "SELECT user_id, id FROM sessions WHERE token_hash = ?1")                    \
  XX(SESSION_LIST, "SELECT id, user_id, device, ip, created_at, last_seen_at FROM sessions"        \
                   " WHERE user_id = ?1 ORDER BY id DESC LIMIT 1000")                              \
  XX(SESSION_DELETE, "DELETE FROM sessions WHERE user_id = ?1 AND id = ?2")                        \
  XX(CHAT_INSERT,                                                                                  \
     "INSERT INTO chats (type, title, username, username_lc, about, owner_id, private_lo,"         \
     " private_hi, created_at, last_activity) VALUES (?1, ?2, ?3, lower(?3), ?4, ?5, ?6,"          \
     " ?7, ?8, ?8)")                                                                               \
  XX(CHAT_GET, "SELECT " HD_SQ_CHAT_COLS " FROM chats c WHERE c.id = ?1")                          \
  XX(CHAT_GET_AS,                                                                                  \
     "SELECT " HD_SQ_CHAT_COLS ", m.role, m.read_max_id FROM chats c LEFT JOIN members m"          \
     " ON m.chat_id = c.id AND m.user_id = ?2 WHERE c.id = ?1")                                    \
  XX(CHAT_FIND, "SELECT " HD_SQ_CHAT_COLS " FROM chats c WHERE c.username_lc = lower(?1)")         \
  XX(CHAT_FIND_PRIVATE, "SELECT id FROM chats WHERE private_lo = ?1 AND private_hi = ?2")          \
  XX(CHAT_NEXT_MESSAGE_ID,                                                                         \
     "UPDATE chats SET last_message_id = last_message_id + 1,"                                     \
     " last_activity = max(last_activity, ?2) WHERE id = ?1 RETURNING last_message_id")            \
  XX(DATA_VERSION, "PRAGMA data_version")                                                          \
  XX(CHAT_SET_MESSAGE_ID, "UPDATE chats SET last_message_id = ?2,"                                 \
                          " last_activity = max(last_activity, ?3) WHERE id = ?1")                 \
  XX(CHAT_NEXT_PTS, "UPDATE chats SET pts = pts + 1 WHERE id = ?1 RETURNING pts")                  \
  XX(CHAT_ADD_MEMBERS, "UPDATE chats SET member_count = member_count + ?2 WHERE id = ?1")          \
  XX(PRIVATE_MEMBERS, "SELECT private_lo, private_hi FROM chats WHERE id = ?1 AND type = 1")       \
  XX(MEMBER_GET,                                                                                   \
     "SELECT role, joined_at, read_max_id FROM members WHERE chat_id = ?1 AND user_id = ?2")       \
  XX(MEMBER_INSERT,                                                                                \
     "INSERT INTO members (chat_id, user_id, role, joined_at) VALUES (?1, ?2, ?3, ?4)")            \
  XX(MEMBER_DELETE, "DELETE FROM members WHERE chat_id = ?1 AND user_id = ?2")                     \
  XX(MEMBER_SET_ROLE, "UPDATE members SET role = ?3 WHERE chat_id = ?1 AND user_id = ?2")          \
  XX(MEMBER_SET_READ, "UPDATE members SET read_max_id = ?3 WHERE chat_id = ?1 AND user_id = ?2")   \
  XX(MEMBER_LIST, "SELECT m.chat_id, m.user_id, m.role, m.joined_at, u.username, u.display_name"   \
                  " FROM members m CROSS JOIN users u ON u.id = m.user_id"                         \
                  " WHERE m.chat_id = ?1 AND m.user_id > ?2 ORDER BY m.user_id LIMIT ?3")          \
  XX(MEMBER_CHAT_IDS, "SELECT m.chat_id FROM members m CROSS JOIN chats c ON c.id = m.chat_id"     \
                      " WHERE m.user_id = ?1 AND c.type <> 1 ORDER BY m.chat_id")                  \
  XX(DIALOG_CHATS, "SELECT " HD_SQ_CHAT_COLS ", m.role, m.read_max_id FROM members m"              \
                   " CROSS JOIN chats c ON c.id = m.chat_id WHERE m.user_id = ?1"                  \
                   " ORDER BY c.last_activity DESC, c.id DESC LIMIT ?2 OFFSET ?3")                 \
  XX(MESSAGE_INSERT,                                                                               \
     "INSERT INTO messages (chat_id, id, sender_id, random_id, date, edit_date, reply_to_id,"      \
     " fwd_from_chat_id, fwd_from_message_id, fwd_from_user_id, fwd_date, views, text, media_id,"  \
     " media_kind, media_mime, media_size, media_width, media_height, media_name)"                 \
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"   \
     " ?19, ?20)")                                                                                 \
  XX(MESSAGE_GET, "SELECT " HD_SQ_MSG_COLS " FROM messages m WHERE m.chat_id = ?1 AND m.id = ?2")  \
  XX(MESSAGE_FIND_RANDOM, "SELECT " HD_SQ_MSG_COLS " FROM messages m"                              \
                          " WHERE m.chat_id = ?1 AND m.sender_id = ?2 AND m.random_id = ?3")       \
  XX(MESSAGE_SET_TEXT,                                                                             \
     "UPDATE messages SET text = ?3, edit_date = ?4 WHERE chat_id = ?1 AND id = ?2")               \
  XX(MESSAGE_TOMBSTONE,                                                                            \
     "UPDATE messages SET text = '', deleted = 1 WHERE chat_id = ?1 AND id = ?2")                  \
  XX(MESSAGE_HIDE,                                                                                 \
     "INSERT OR IGNORE INTO hidden (user_id, chat_id, message_id) VALUES (?1, ?2, ?3)")            \
  XX(MESSAGE_HIDDEN, "SELECT EXISTS (SELECT 1 FROM hidden WHERE user_id = ?1 AND chat_id = ?2"     \
                     " AND message_id = ?3)")                                                      \
  XX(MESSAGE_PAGE_BEFORE,                                                                          \
     "SELECT " HD_SQ_MSG_COLS " FROM messages m WHERE m.chat_id = ?1 AND m.id < ?2"                \
     " AND m.deleted = 0 AND" HD_SQ_NOT_HIDDEN " ORDER BY m.id DESC LIMIT ?4")                     \
  XX(MESSAGE_PAGE_AFTER,                                                                           \
     "SELECT " HD_SQ_MSG_COLS " FROM messages m WHERE m.chat_id = ?1 AND m.id > ?2"                \
     " AND m.deleted = 0 AND" HD_SQ_NOT_HIDDEN " ORDER BY m.id ASC LIMIT ?4")                      \
  XX(MESSAGE_COUNT_UNREAD, "SELECT count(*) FROM messages m WHERE m.chat_id = ?1 AND m.id > ?2"    \
                           " AND m.deleted = 0 AND m.sender_id <> ?3 AND" HD_SQ_NOT_HIDDEN)        \
  XX(VIEW_INSERT, "INSERT OR IGNORE INTO channel_views (chat_id, message_id, user_id)"             \
                  " SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM messages"                        \
                  " WHERE chat_id = ?1 AND id = ?2 AND deleted = 0)")                              \
  XX(VIEW_BUMP, "UPDATE messages SET views = views + 1 WHERE chat_id = ?1 AND id = ?2")            \
  XX(VIEW_GET, "SELECT views FROM messages WHERE chat_id = ?1 AND id = ?2 AND deleted = 0")        \
  XX(USER_UPDATE_INSERT,                                                                           \
     "INSERT INTO user_updates (user_id, pts, type, chat_id, message_id, other_user_id,"           \
     " role, date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")                                       \
  XX(CHAT_UPDATE_INSERT,                                                                           \
     "INSERT INTO chat_updates (chat_id, pts, type, message_id, user_id, role, date)"              \
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")                                                       \
  XX(USER_UPDATES,                                                                                 \
     "SELECT pts, type, chat_id, message_id, other_user_id, role, date FROM user_updates"          \
     " WHERE user_id = ?1 AND pts > ?2 ORDER BY pts LIMIT ?3")                                     \
  XX(CHAT_UPDATES, "SELECT pts, type, chat_id, message_id, user_id, role, date FROM chat_updates"  \
                   " WHERE chat_id = ?1 AND pts > ?2 ORDER BY pts LIMIT ?3")                       \
  HD_SQ_ADMIN_QUERIES(XX)  /* queries_admin.h: staff, audit, hash banks */                         \
  HD_SQ_MEDIA_QUERIES(XX)  /* queries_media.h: uploads */                                          \
  HD_SQ_SAFETY_QUERIES(XX) /* queries_safety.h: moderation checks */

#endif
