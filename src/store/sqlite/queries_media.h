/*
 * sqlite/queries_media.h — the media statements (sqlite/media.c), spliced into
 * HD_SQ_QUERIES (queries.h) so they share the statement cache.
 *
 *   media     id INTEGER PRIMARY KEY, one row per upload; the bytes live once per sha256
 *             under <data>/media/ab/cd/<sha256> (chat/media.h)
 *   messages  media_id … media_name: a copy of the attached media's public fields, so a
 *             history page needs no join; messages_by_media (partial index on media_id)
 *             serves the download authorization below
 *
 * MEDIA_ACCESS: does a live message carrying ?1 sit in a chat where ?2 is a member, or in a
 * public channel (type 3 with a username)?
 */
#ifndef HD_STORE_SQLITE_QUERIES_MEDIA_H
#define HD_STORE_SQLITE_QUERIES_MEDIA_H

#define HD_SQ_MEDIA_COLS                                                                           \
  "id, owner_id, sha256, size, mime_type, kind, width, height, file_name, created_at"

#define HD_SQ_MEDIA_QUERIES(XX)                                                                    \
  XX(MEDIA_INSERT, "INSERT INTO media (owner_id, sha256, size, mime_type, kind, width, height,"    \
                   " file_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")          \
  XX(MEDIA_GET, "SELECT " HD_SQ_MEDIA_COLS " FROM media WHERE id = ?1")                            \
  XX(MEDIA_ACCESS,                                                                                 \
     "SELECT EXISTS (SELECT 1 FROM messages m CROSS JOIN chats c ON c.id = m.chat_id"              \
     " WHERE m.media_id = ?1 AND m.deleted = 0 AND ((c.type = 3 AND c.username"                    \
     " IS NOT NULL) OR EXISTS (SELECT 1 FROM members b WHERE b.chat_id = m.chat_id"                \
     " AND b.user_id = ?2)))")

#endif
