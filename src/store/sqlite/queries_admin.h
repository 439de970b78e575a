/*
 * sqlite/queries_admin.h — the SQL of the staff, audit and hash-bank tables (staff.c,
 * banks.c), spliced into HD_SQ_QUERIES (queries.h) so the statements share the handle's
 * statement cache. Schema: migration 2 in schema.c.
 *
 *   STAFF_*  staff_roles by user_id (primary key)      AUDIT_*  audit_log, append-only
 *   BANK_*   banks by name (UNIQUE)                    ENTRY_*  bank_entries (bank, signal, value)
 */
#ifndef HD_STORE_SQLITE_QUERIES_ADMIN_H
#define HD_STORE_SQLITE_QUERIES_ADMIN_H

#define HD_SQ_ADMIN_QUERIES(XX)                                                                    \
  XX(STAFF_ROLE_GET, "SELECT role FROM staff_roles WHERE user_id = ?1")                            \
  XX(STAFF_ROLE_SET,                                                                               \
     "INSERT INTO staff_roles (user_id, role, granted_by, granted_at) VALUES (?1, ?2, ?3, ?4)"     \
     " ON CONFLICT (user_id) DO UPDATE SET role = ?2, granted_by = ?3, granted_at = ?4")           \
  XX(STAFF_ROLE_DELETE, "DELETE FROM staff_roles WHERE user_id = ?1")                              \
  XX(STAFF_USER_EXISTS, "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)")                       \
  XX(STAFF_LIST, "SELECT s.user_id, u.username, s.role, s.granted_by, s.granted_at"                \
                 " FROM staff_roles s CROSS JOIN users u ON u.id = s.user_id ORDER BY s.user_id")  \
  XX(AUDIT_INSERT, "INSERT INTO audit_log (time, actor_id, kind, subject, before, after)"          \
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                             \
  XX(AUDIT_LIST, "SELECT id, time, actor_id, kind, subject, before, after FROM audit_log"          \
                 " WHERE id > ?1 AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR subject = ?3)"   \
                 " ORDER BY id LIMIT ?4")                                                          \
  XX(BANK_INSERT, "INSERT INTO banks (name, source, category, created_at, created_by)"             \
                  " VALUES (?1, ?2, ?3, ?4, ?5)")                                                  \
  XX(BANK_FIND, "SELECT id, name, source, category, created_at, created_by FROM banks"             \
                " WHERE name = ?1")                                                                \
  XX(BANK_LIST, "SELECT b.id, b.name, b.source, b.category, b.created_at, b.created_by,"           \
                " (SELECT count(*) FROM bank_entries e WHERE e.bank_id = b.id AND e.signal = 0),"  \
                " (SELECT count(*) FROM bank_entries e WHERE e.bank_id = b.id AND e.signal = 1),"  \
                " (SELECT count(*) FROM bank_entries e WHERE e.bank_id = b.id AND e.signal = 2)"   \
                " FROM banks b ORDER BY b.name")                                                   \
  XX(ENTRY_INSERT, "INSERT OR IGNORE INTO bank_entries (bank_id, signal, value, metadata,"         \
                   " added_at) VALUES (?1, ?2, ?3, ?4, ?5)")                                       \
  XX(ENTRY_EACH, "SELECT bank_id, signal, value FROM bank_entries"                                 \
                 " WHERE ?1 = 0 OR bank_id = ?1")

#endif
