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
 *   users ──  staff_roles (user_id)   audit_log (append-only; triggers refuse UPDATE/DELETE)
 *   banks ──< bank_entries (bank_id, signal, value)
 *   users ──< media (id) ◄── messages.media_id (partial index messages_by_media)
 *   mod_cases ──< mod_reports, mod_decisions      (trust & safety, sqlite/safety.c)
 *   mod_decisions ──< mod_effects, mod_statements, mod_appeals; mod_flaggers; mod_counters
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
    /* 2: staff roles, the audit log, hash banks (sqlite/staff.c, sqlite/banks.c) */
    "CREATE TABLE staff_roles ("
    " user_id INTEGER PRIMARY KEY REFERENCES users (id),"
    " role INTEGER NOT NULL CHECK (role BETWEEN 1 AND 3),"
    " granted_by INTEGER NOT NULL,"
    " granted_at INTEGER NOT NULL);"
    "CREATE TABLE audit_log ("
    " id INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL,"
    " actor_id INTEGER NOT NULL,"
    " kind TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " before TEXT NOT NULL DEFAULT '',"
    " after TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX audit_by_subject ON audit_log (subject, id);"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    " BEGIN SELECT RAISE (ABORT, 'audit_log is append-only'); END;"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    " BEGIN SELECT RAISE (ABORT, 'audit_log is append-only'); END;"
    "CREATE TABLE banks ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " source TEXT NOT NULL DEFAULT '',"
    " category TEXT NOT NULL CHECK (category IN ('csam', 'terrorism', 'ncii', 'other')),"
    " created_at INTEGER NOT NULL,"
    " created_by INTEGER NOT NULL);"
    "CREATE TABLE bank_entries ("
    " bank_id INTEGER NOT NULL REFERENCES banks (id),"
    " signal INTEGER NOT NULL CHECK (signal IN (0, 1, 2)),"
    " value BLOB NOT NULL,"
    " metadata TEXT NOT NULL DEFAULT '',"
    " added_at INTEGER NOT NULL,"
    " PRIMARY KEY (bank_id, signal, value)) WITHOUT ROWID;",
    /* 3: trust & safety — cases, reports, decisions (sqlite/safety.c) */
    "CREATE TABLE mod_cases ("
    " id INTEGER PRIMARY KEY,"
    " target_type INTEGER NOT NULL CHECK (target_type IN (1, 2, 3)),"
    " chat_id INTEGER NOT NULL DEFAULT 0,"
    " message_id INTEGER NOT NULL DEFAULT 0,"
    " user_id INTEGER NOT NULL DEFAULT 0,"
    " reason TEXT NOT NULL,"
    " severity INTEGER NOT NULL,"
    " urgent INTEGER NOT NULL DEFAULT 0,"
    " source INTEGER NOT NULL,"
    " status INTEGER NOT NULL DEFAULT 0,"
    " priority INTEGER NOT NULL DEFAULT 0,"
    " reporters INTEGER NOT NULL DEFAULT 0,"
    " flagger_reports INTEGER NOT NULL DEFAULT 0,"
    " claimed_by INTEGER NOT NULL DEFAULT 0,"
    " claimed_until INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " sla_due_at INTEGER NOT NULL DEFAULT 0,"
    " decided_at INTEGER NOT NULL DEFAULT 0,"
    " decision_id INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX mod_cases_open ON mod_cases (target_type, chat_id, message_id, user_id)"
    " WHERE status < 2;"
    "CREATE INDEX mod_cases_queue ON mod_cases (urgent DESC, priority DESC, created_at)"
    " WHERE status < 2;"
    "CREATE TABLE mod_reports ("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES mod_cases (id),"
    " reporter_id INTEGER NOT NULL DEFAULT 0,"
    " flagger_id INTEGER NOT NULL DEFAULT 0,"
    " source INTEGER NOT NULL,"
    " reason TEXT NOT NULL,"
    " comment TEXT NOT NULL DEFAULT '',"
    " legal_ground TEXT NOT NULL DEFAULT '',"
    " notifier_name TEXT NOT NULL DEFAULT '',"
    " notifier_email TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL);"
    "CREATE INDEX mod_reports_by_case ON mod_reports (case_id, reporter_id);"
    "CREATE TABLE mod_decisions ("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES mod_cases (id),"
    " moderator_id INTEGER NOT NULL,"
    " action INTEGER NOT NULL,"
    " ground INTEGER NOT NULL,"
    " ground_text TEXT NOT NULL,"
    " category TEXT NOT NULL,"
    " keywords TEXT NOT NULL DEFAULT '',"
    " territorial_scope TEXT NOT NULL DEFAULT '',"
    " countries TEXT NOT NULL DEFAULT '',"
    " suspend_until INTEGER NOT NULL DEFAULT 0,"
    " facts TEXT NOT NULL,"
    " automated_detection INTEGER NOT NULL DEFAULT 0,"
    " automated_decision INTEGER NOT NULL DEFAULT 0,"
    " no_statement INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL);"
    "CREATE INDEX mod_decisions_by_case ON mod_decisions (case_id, id);",
    /* 4: media uploads and message attachments (sqlite/media.c) */
    "CREATE TABLE media ("
    " id INTEGER PRIMARY KEY,"
    " owner_id INTEGER NOT NULL REFERENCES users (id),"
    " sha256 TEXT NOT NULL,"
    " size INTEGER NOT NULL,"
    " mime_type TEXT NOT NULL,"
    " kind INTEGER NOT NULL CHECK (kind IN (1, 2)),"
    " width INTEGER NOT NULL DEFAULT 0,"
    " height INTEGER NOT NULL DEFAULT 0,"
    " file_name TEXT,"
    " created_at INTEGER NOT NULL);"
    "CREATE INDEX media_by_sha256 ON media (sha256);"
    "ALTER TABLE messages ADD COLUMN media_id INTEGER;"
    "ALTER TABLE messages ADD COLUMN media_kind INTEGER;"
    "ALTER TABLE messages ADD COLUMN media_mime TEXT;"
    "ALTER TABLE messages ADD COLUMN media_size INTEGER;"
    "ALTER TABLE messages ADD COLUMN media_width INTEGER;"
    "ALTER TABLE messages ADD COLUMN media_height INTEGER;"
    "ALTER TABLE messages ADD COLUMN media_name TEXT;"
    "CREATE INDEX messages_by_media ON messages (media_id) WHERE media_id IS NOT NULL;",
    /* 5: the /healthz write probe's single row (sqlite/health.c) */
    "CREATE TABLE health ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " probed_at INTEGER NOT NULL,"
    " probes INTEGER NOT NULL);",
    /* 6: trust & safety — decision effects, statements of reasons, appeals, trusted flaggers,
     * transparency counters (sqlite/safety_effects.c) */
    "CREATE TABLE mod_effects ("
    " id INTEGER PRIMARY KEY,"
    " decision_id INTEGER NOT NULL,"
    " kind INTEGER NOT NULL,"
    " chat_id INTEGER NOT NULL DEFAULT 0,"
    " message_id INTEGER NOT NULL DEFAULT 0,"
    " user_id INTEGER NOT NULL DEFAULT 0,"
    " countries TEXT NOT NULL DEFAULT '',"
    " label TEXT NOT NULL DEFAULT '',"
    " until INTEGER NOT NULL DEFAULT 0,"
    " original_text TEXT,"
    " active INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL,"
    " lifted_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX mod_effects_chat ON mod_effects (chat_id, message_id) WHERE active = 1;"
    "CREATE INDEX mod_effects_user ON mod_effects (user_id) WHERE active = 1 AND user_id > 0;"
    "CREATE INDEX mod_effects_decision ON mod_effects (decision_id);"
    "CREATE TABLE mod_statements ("
    " id INTEGER PRIMARY KEY,"
    " decision_id INTEGER NOT NULL UNIQUE,"
    " case_id INTEGER NOT NULL,"
    " user_id INTEGER NOT NULL DEFAULT 0,"
    " puid TEXT NOT NULL UNIQUE,"
    " delivered INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL);"
    "CREATE INDEX mod_statements_by_user ON mod_statements (user_id, id);"
    "CREATE TABLE mod_appeals ("
    " id INTEGER PRIMARY KEY,"
    " decision_id INTEGER NOT NULL,"
    " case_id INTEGER NOT NULL,"
    " appellant_id INTEGER NOT NULL,"
    " text TEXT NOT NULL,"
    " status INTEGER NOT NULL DEFAULT 0,"
    " outcome INTEGER NOT NULL DEFAULT 0,"
    " reason TEXT NOT NULL DEFAULT '',"
    " decided_by INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " decided_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX mod_appeals_once ON mod_appeals (decision_id, appellant_id);"
    "CREATE INDEX mod_appeals_open ON mod_appeals (status, created_at);"
    "CREATE TABLE mod_flaggers ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " country TEXT NOT NULL,"
    " categories TEXT NOT NULL,"
    " key_hash BLOB NOT NULL UNIQUE,"
    " created_by INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL);"
    "CREATE INDEX mod_reports_by_flagger ON mod_reports (flagger_id) WHERE flagger_id > 0;"
    "CREATE TABLE mod_counters ("
    " day TEXT NOT NULL,"
    " category TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " country TEXT NOT NULL,"
    " n INTEGER NOT NULL,"
    " PRIMARY KEY (day, category, action, country)) WITHOUT ROWID;",
    /* 7: automated signals — quarantined media, rules over public text
     * (sqlite/safety_signals.c) */
    "CREATE TABLE media_quarantine ("
    " media_id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE mod_rules ("
    " id INTEGER PRIMARY KEY,"
    " kind INTEGER NOT NULL CHECK (kind IN (0, 1)),"
    " pattern TEXT NOT NULL,"
    " category TEXT NOT NULL,"
    " enabled INTEGER NOT NULL DEFAULT 1,"
    " created_by INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL);"
    "ALTER TABLE mod_flaggers ADD COLUMN revoked_at INTEGER NOT NULL DEFAULT 0;",
    /* 8: repeat misuse (DSA Art. 23) — strikes, notices, deprioritised reports
     * (sqlite/safety_misuse.c) */
    "CREATE TABLE misuse_strikes ("
    " id INTEGER PRIMARY KEY,"
    " user_id INTEGER NOT NULL,"
    " kind INTEGER NOT NULL CHECK (kind IN (1, 2)),"
    " decision_id INTEGER NOT NULL,"
    " case_id INTEGER NOT NULL,"
    " active INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL,"
    " lifted_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX misuse_strikes_once ON misuse_strikes (decision_id, kind, user_id);"
    "CREATE INDEX misuse_strikes_user ON misuse_strikes (user_id, kind, created_at);"
    "CREATE TABLE misuse_notices ("
    " id INTEGER PRIMARY KEY,"
    " user_id INTEGER NOT NULL,"
    " kind INTEGER NOT NULL,"
    " strikes INTEGER NOT NULL,"
    " decision_id INTEGER NOT NULL,"
    " delivered INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL);"
    "CREATE INDEX misuse_notices_user ON misuse_notices (user_id, kind, created_at);"
    "CREATE TABLE misuse_deprioritised ("
    " case_id INTEGER NOT NULL,"
    " reporter_id INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " PRIMARY KEY (case_id, reporter_id)) WITHOUT ROWID;",
    /* 9: a user's pts is max(user_updates.pts), kept by the writer's counter cache
     * (sqlite/db.c invariant 3): the column was one more row to dirty per update */
    "ALTER TABLE users DROP COLUMN pts;",
    /* 10: profile photos (sqlite/users.c): the media row a user shows, screened like public
     * media; the index answers "is this media someone's photo" for downloads */
    ("ALTER TABLE users ADD COLUMN photo_media_id INTEGER;"
     "CREATE INDEX users_by_photo ON users (photo_media_id) WHERE photo_media_id IS NOT NULL;"),
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
