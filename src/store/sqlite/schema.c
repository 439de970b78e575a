/*
 * sqlite/schema.c — the schema and its migrations (PRAGMA user_version).
 *
 * Migration i (1-based) moves a database from user_version i-1 to i. A write handle runs
 * every missing step inside one BEGIN IMMEDIATE … COMMIT, so a crash mid-migration leaves the
 * old version intact. A database newer than this build is refused (HD_ERR_STORAGE) rather
 * than written with assumptions that may no longer hold.
 *
 *   users ──< sessions            users ──< user_updates (user_id, pts)
 *   users ──< members >── chats ──< messages (chat_id, id) ──< channel_views, hidden
 *                          chats ──< chat_updates (chat_id, pts)
 *
 * Every table that grows with traffic is keyed first by chat_id or user_id (WITHOUT ROWID,
 * clustered), so a history page, a difference page or a membership check is one b-tree
 * range, and so the same keys can shard the tables in a distributed back-end.
 * docs/internals/store.md lists each index and the query it serves.
 *
 * Invariants:
 *  1. user_version == number of migrations applied; migrations are append-only.
 *  2. username_lc columns hold lower(username) and are UNIQUE per table; the shared
 *     user/chat namespace is enforced by the domain checking both tables in one transaction.
 */
#include "store/sqlite/internal.h"

#include "common/log.h"

#include <stdio.h>
#include <string.h>

static const char *const migrations[] = {
    /* 1: initial schema */
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY,"
    " username TEXT NOT NULL,"
    " username_lc TEXT NOT NULL UNIQUE,"
    " display_name TEXT NOT NULL,"
    " bio TEXT NOT NULL DEFAULT '',"
    " country TEXT NOT NULL,"
    " pw_hash TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " pts INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE sessions ("
    " id INTEGER PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users (id),"
    " token_hash BLOB NOT NULL UNIQUE,"
    " device TEXT NOT NULL,"
    " ip TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " last_seen_at INTEGER NOT NULL);"
    "CREATE INDEX sessions_by_user ON sessions (user_id, id);"
    "CREATE TABLE chats ("
    " id INTEGER PRIMARY KEY,"
    " type INTEGER NOT NULL CHECK (type IN (1, 2, 3)),"
    " title TEXT NOT NULL,"
    " username TEXT,"
    " username_lc TEXT UNIQUE,"
    " about TEXT NOT NULL DEFAULT '',"
    " owner_id INTEGER REFERENCES users (id),"
    " private_lo INTEGER REFERENCES users (id),"
    " private_hi INTEGER REFERENCES users (id),"
    " created_at INTEGER NOT NULL,"
    " member_count INTEGER NOT NULL DEFAULT 0,"
    " pts INTEGER NOT NULL DEFAULT 0,"
    " last_message_id INTEGER NOT NULL DEFAULT 0,"
    " last_activity INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX chats_private_pair ON chats (private_lo, private_hi);"
    "CREATE TABLE members ("
    " chat_id INTEGER NOT NULL REFERENCES chats (id),"
    " user_id INTEGER NOT NULL REFERENCES users (id),"
    " role INTEGER NOT NULL,"
    " joined_at INTEGER NOT NULL,"
    " read_max_id INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (chat_id, user_id)) WITHOUT ROWID;"
    "CREATE INDEX members_by_user ON members (user_id, chat_id);"
    "CREATE TABLE messages ("
    " chat_id INTEGER NOT NULL REFERENCES chats (id),"
    " id INTEGER NOT NULL,"
    " sender_id INTEGER NOT NULL REFERENCES users (id),"
    " random_id INTEGER NOT NULL,"
    " date INTEGER NOT NULL,"
    " edit_date INTEGER NOT NULL DEFAULT 0,"
    " reply_to_id INTEGER NOT NULL DEFAULT 0,"
    " fwd_from_chat_id INTEGER NOT NULL DEFAULT 0,"
    " fwd_from_message_id INTEGER NOT NULL DEFAULT 0,"
    " fwd_from_user_id INTEGER NOT NULL DEFAULT 0,"
    " fwd_date INTEGER NOT NULL DEFAULT 0,"
    " views INTEGER NOT NULL DEFAULT 0,"
    " deleted INTEGER NOT NULL DEFAULT 0,"
    " text TEXT NOT NULL,"
    " PRIMARY KEY (chat_id, id)) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX messages_random ON messages (chat_id, sender_id, random_id);"
    "CREATE TABLE hidden ("
    " user_id INTEGER NOT NULL REFERENCES users (id),"
    " chat_id INTEGER NOT NULL,"
    " message_id INTEGER NOT NULL,"
    " PRIMARY KEY (user_id, chat_id, message_id),"
    " FOREIGN KEY (chat_id, message_id) REFERENCES messages (chat_id, id)) WITHOUT ROWID;"
    "CREATE TABLE channel_views ("
    " chat_id INTEGER NOT NULL,"
    " message_id INTEGER NOT NULL,"
    " user_id INTEGER NOT NULL REFERENCES users (id),"
    " PRIMARY KEY (chat_id, message_id, user_id),"
    " FOREIGN KEY (chat_id, message_id) REFERENCES messages (chat_id, id)) WITHOUT ROWID;"
    "CREATE TABLE user_updates ("
    " user_id INTEGER NOT NULL REFERENCES users (id),"
    " pts INTEGER NOT NULL,"
    " type INTEGER NOT NULL,"
    " chat_id INTEGER NOT NULL,"
    " message_id INTEGER NOT NULL DEFAULT 0,"
    " other_user_id INTEGER NOT NULL DEFAULT 0,"
    " role INTEGER NOT NULL DEFAULT 0,"
    " date INTEGER NOT NULL,"
    " PRIMARY KEY (user_id, pts)) WITHOUT ROWID;"
    "CREATE TABLE chat_updates ("
    " chat_id INTEGER NOT NULL REFERENCES chats (id),"
    " pts INTEGER NOT NULL,"
    " type INTEGER NOT NULL,"
    " message_id INTEGER NOT NULL DEFAULT 0,"
    " user_id INTEGER NOT NULL DEFAULT 0,"
    " role INTEGER NOT NULL DEFAULT 0,"
    " date INTEGER NOT NULL,"
    " PRIMARY KEY (chat_id, pts)) WITHOUT ROWID;",
};

_Static_assert(HD_ARRAY_SIZE(migrations) == HD_SQ_SCHEMA_VERSION,
               "one migration per schema version");

static int exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
  if (rc != SQLITE_OK) {
    char esc[256];
    hd_log_escape(esc, sizeof(esc), err ? err : "?", err ? strlen(err) : 1);
    hd_log(HD_LOG_ERROR, "sqlite migrate failed", "\"rc\":%d,\"error\":\"%s\"", rc, esc);
    sqlite3_free(err);
    return HD_ERR_STORAGE;
  }
  return 0;
}

static int read_version(sqlite3 *db, int *version) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
    return HD_ERR_STORAGE;
  int ret = HD_ERR_STORAGE;
  if (sqlite3_step(st) == SQLITE_ROW) {
    *version = sqlite3_column_int(st, 0);
    ret = 0;
  }
  sqlite3_finalize(st);
  return ret;
}

int hd__sq_migrate(sqlite3 *db) {
  int version = 0, ret;
  if ((ret = exec(db, "BEGIN IMMEDIATE")) != 0)
    return ret;
  if ((ret = read_version(db, &version)) != 0)
    goto fail_rollback;
  if (version > HD_SQ_SCHEMA_VERSION) {
    hd_log(HD_LOG_ERROR, "database schema is newer than this build", "\"version\":%d", version);
    ret = HD_ERR_STORAGE;
    goto fail_rollback;
  }
  for (int v = version; v < HD_SQ_SCHEMA_VERSION; v++) {
    if ((ret = exec(db, migrations[v])) != 0)
      goto fail_rollback;
  }
  if (version != HD_SQ_SCHEMA_VERSION) {
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", HD_SQ_SCHEMA_VERSION);
    if ((ret = exec(db, sql)) != 0)
      goto fail_rollback;
    hd_log(HD_LOG_INFO, "database migrated", "\"from\":%d,\"to\":%d", version,
           HD_SQ_SCHEMA_VERSION);
  }
  return exec(db, "COMMIT");

fail_rollback:
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return ret;
}
