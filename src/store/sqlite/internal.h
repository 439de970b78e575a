/*
 * sqlite/internal.h — what the SQLite back-end's files share: the handle, the statement
 * cache and column helpers. Nothing outside src/store/sqlite/ includes this file.
 *
 *   hd_sqlite_t ┌ base.ops ──► hd__sq_ops (the vtable, db.c)
 *               ├ db        one connection, SQLITE_OPEN_NOMUTEX: one thread at a time
 *               └ stmts[]   one slot per HD_Q_* query, prepared on first use, kept until close
 *
 * Invariants:
 *  1. A statement taken with hd__sq_stmt() is reset (hd__sq_reset) before the function that
 *     took it returns, on every path, so the next user finds it unbound and idle and no read
 *     transaction is left open on a read handle.
 *  2. Text columns are copied into the caller's pool before the statement is reset.
 */
#ifndef HD_STORE_SQLITE_INTERNAL_H
#define HD_STORE_SQLITE_INTERNAL_H

#include "common/error.h"
#include "common/mem.h"
#include "store/ops.h"
#include "store/sqlite/queries.h"

#include <sqlite3.h>

typedef enum {
#define HD__Q_ENUM(name, sql) HD_Q_##name,
  HD_SQ_QUERIES(HD__Q_ENUM)
#undef HD__Q_ENUM
      HD_Q__COUNT /* number of cached statements */
} hd_sq_query_t;

/* Gapless counters the write handle caches (db.c, ops.h convention 4). */
typedef enum {
  HD_SQ_CTR_USER_PTS, /* max(user_updates.pts) of a user: not stored (schema step 9) */
  HD_SQ_CTR_CHAT_MSG, /* chats.last_message_id: message ids */
  HD_SQ_CTR__COUNT    /* number of counters */
} hd_sq_ctr_t;

/* Slots per counter cache (a power of two; direct-mapped by row id). */
#define HD_SQ_CTR_SLOTS 4096

/* A counter's value as the open transaction sees it. */
typedef struct {
  int64_t key; /* row id; 0: empty slot */
  int64_t value;
} hd_sq_ctr_slot_t;

typedef struct {
  hd_store_t base; /* must be first: hd_store_t * ⇄ hd_sqlite_t * */
  sqlite3 *db;
  int readonly;
  sqlite3_stmt *stmts[HD_Q__COUNT];
  hd_sq_ctr_slot_t *ctr[HD_SQ_CTR__COUNT]; /* write handle only, allocated on first use */
  int64_t data_version; /* PRAGMA data_version when the counter cache was last validated */
} hd_sqlite_t;

#define HD_SQ(s) ((hd_sqlite_t *)(s))

/* The schema version this build writes (PRAGMA user_version). */
#define HD_SQ_SCHEMA_VERSION 10

/* Increment counter `which` of row `key` and return the new value in *out, inside the open
 * transaction; arg is the statement's extra parameter (chats.last_activity). Returns
 * notfound when the row does not exist. A cached value costs one plain UPDATE (nothing for
 * a counter derived from its log); a miss runs UPDATE … RETURNING (or reads the log's max)
 * and remembers the result until a rollback (hd__sq_ctr_drop). */
int hd__sq_ctr_next(hd_sqlite_t *q, hd_sq_ctr_t which, int64_t key, int64_t arg, int notfound,
                    int64_t *out);
/* Forget one cached counter (its caller's write failed after hd__sq_ctr_next). */
void hd__sq_ctr_forget(hd_sqlite_t *q, hd_sq_ctr_t which, int64_t key);
/* Forget every cached counter: called when a savepoint or transaction is rolled back. */
void hd__sq_ctr_drop(hd_sqlite_t *q);

/* The VFS that buffers the write-ahead log's appends (walbuf.c); registered once per
 * process by hd__sq_walbuf_register() and used by write handles with synchronous=FULL. */
#define HD_SQ_WALBUF_VFS "hd-walbuf"
int hd__sq_walbuf_register(void);
/* Switch db's log to deferred syncs (walbuf.c invariant 3) and return the descriptor the
 * caller must fdatasync() before acknowledging a commit; -1 when the log is not open through
 * this VFS (nothing changes then). */
int hd__sq_walbuf_defer(sqlite3 *db);

/* Open the SQLite back-end (called by hd_store_open). */
int hd__sq_open(const hd_store_config_t *cfg, int readonly, hd_store_t **out);
/* Bring the schema of a write connection up to HD_SQ_SCHEMA_VERSION (in one transaction). */
int hd__sq_migrate(sqlite3 *db);

/* Return the cached statement for q (preparing it on first use), or NULL after logging. */
sqlite3_stmt *hd__sq_stmt(hd_sqlite_t *q, hd_sq_query_t id);
/* Reset a statement and clear its bindings (invariant 1). */
void hd__sq_reset(sqlite3_stmt *st);
/* Log a SQLite failure and return HD_ERR_STORAGE. */
int hd__sq_fail(hd_sqlite_t *q, int rc, const char *what);
/* Nonzero when rc is a UNIQUE / PRIMARY KEY constraint violation. */
int hd__sq_is_unique(int rc);
/* Step a statement that returns no rows (or one we ignore); 0, or HD_ERR_STORAGE logged. */
int hd__sq_run(hd_sqlite_t *q, sqlite3_stmt *st, const char *what);
/* Step a statement returning one integer (e.g. UPDATE … RETURNING); missing is returned
 * when no row comes back. Resets st. */
int hd__sq_int64(hd_sqlite_t *q, sqlite3_stmt *st, int missing, int64_t *out, const char *what);

/* Copy text column i into pool ("" for NULL). */
const char *hd__sq_text(sqlite3_stmt *st, int i, hd_mem_pool_t *pool);
/* Copy text column i into pool (NULL for NULL). */
const char *hd__sq_text_or_null(sqlite3_stmt *st, int i, hd_mem_pool_t *pool);

/* Row readers matching the column lists in queries.h. */
void hd__sq_read_user(sqlite3_stmt *st, hd_mem_pool_t *pool, hd_user_t *u);
void hd__sq_read_chat(sqlite3_stmt *st, hd_mem_pool_t *pool, hd_chat_t *c);
void hd__sq_read_message(sqlite3_stmt *st, int first, hd_mem_pool_t *pool, hd_message_t *m,
                         int *deleted);

/* Per-file halves of the vtable, bound into hd__sq_ops by db.c. */
int hd__sq_username_taken(hd_store_t *s, const char *username, int *taken);
int hd__sq_user_insert(hd_store_t *s, hd_user_t *u, const char *pw_hash);
int hd__sq_user_get(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_user_t *out);
int hd__sq_user_find(hd_store_t *s, const char *username, hd_mem_pool_t *pool, hd_user_t *out);
int hd__sq_user_login(hd_store_t *s, const char *username, hd_mem_pool_t *pool, int64_t *id,
                      const char **pw_hash);
int hd__sq_user_update(hd_store_t *s, int64_t id, const char *display_name, const char *bio,
                       const char *country);
int hd__sq_session_insert(hd_store_t *s, hd_session_t *ses, const uint8_t token_hash[32]);
int hd__sq_session_resolve(hd_store_t *s, const uint8_t token_hash[32], int64_t *user_id,
                           int64_t *session_id);
int hd__sq_session_list(hd_store_t *s, int64_t user_id, hd_mem_pool_t *pool, hd_session_t **out,
                        size_t *n);
int hd__sq_session_delete(hd_store_t *s, int64_t user_id, int64_t session_id);

int hd__sq_chat_insert(hd_store_t *s, hd_chat_t *c, int64_t pair_lo, int64_t pair_hi);
int hd__sq_chat_get(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_chat_t *out);
int hd__sq_chat_get_as(hd_store_t *s, int64_t id, int64_t user_id, hd_mem_pool_t *pool,
                       hd_chat_t *out);
int hd__sq_chat_find(hd_store_t *s, const char *username, hd_mem_pool_t *pool, hd_chat_t *out);
int hd__sq_chat_find_private(hd_store_t *s, int64_t lo, int64_t hi, int64_t *chat_id);
int hd__sq_chat_next_message_id(hd_store_t *s, int64_t chat_id, int64_t date, int64_t *id);
int hd__sq_chat_next_pts(hd_store_t *s, int64_t chat_id, int64_t *pts);
int hd__sq_chat_add_members(hd_store_t *s, int64_t chat_id, int64_t delta);
int hd__sq_member_get(hd_store_t *s, int64_t chat_id, int64_t user_id, hd_store_membership_t *out);
int hd__sq_member_insert(hd_store_t *s, int64_t chat_id, int64_t user_id, hd_role_t role,
                         int64_t joined_at);
int hd__sq_member_delete(hd_store_t *s, int64_t chat_id, int64_t user_id);
int hd__sq_member_set_role(hd_store_t *s, int64_t chat_id, int64_t user_id, hd_role_t role);
int hd__sq_member_set_read(hd_store_t *s, int64_t chat_id, int64_t user_id, int64_t max_id);
int hd__sq_member_list(hd_store_t *s, int64_t chat_id, int64_t after_user_id, size_t limit,
                       hd_mem_pool_t *pool, hd_member_t **out, size_t *n);
int hd__sq_member_chat_ids(hd_store_t *s, int64_t user_id, hd_mem_pool_t *pool, int64_t **out,
                           size_t *n);
int hd__sq_private_members(hd_store_t *s, int64_t chat_id, int64_t out[2]);
int hd__sq_dialog_chats(hd_store_t *s, int64_t user_id, size_t offset, size_t limit,
                        hd_mem_pool_t *pool, hd_chat_t **out, size_t *n);

int hd__sq_message_insert(hd_store_t *s, const hd_message_t *m);
int hd__sq_message_get(hd_store_t *s, int64_t chat_id, int64_t id, hd_mem_pool_t *pool,
                       hd_message_t *out, int *deleted);
int hd__sq_message_find_random(hd_store_t *s, int64_t chat_id, int64_t sender_id, int64_t random_id,
                               hd_mem_pool_t *pool, hd_message_t *out);
int hd__sq_message_set_text(hd_store_t *s, int64_t chat_id, int64_t id, const char *text,
                            int64_t edit_date);
int hd__sq_message_tombstone(hd_store_t *s, int64_t chat_id, int64_t id);
int hd__sq_message_hide(hd_store_t *s, int64_t user_id, int64_t chat_id, int64_t id);
int hd__sq_message_hidden(hd_store_t *s, int64_t user_id, int64_t chat_id, int64_t id, int *hidden);
int hd__sq_message_page(hd_store_t *s, int64_t viewer, int64_t chat_id, int64_t before_id,
                        int64_t after_id, int after_mode, size_t limit, hd_mem_pool_t *pool,
                        hd_message_t **out, size_t *n);
int hd__sq_message_count_unread(hd_store_t *s, int64_t viewer, int64_t chat_id, int64_t after_id,
                                int64_t *n);
int hd__sq_message_view(hd_store_t *s, int64_t chat_id, int64_t id, int64_t viewer, int64_t *views);
int hd__sq_user_update_append(hd_store_t *s, int64_t user_id, hd_update_t *u);
int hd__sq_chat_update_append(hd_store_t *s, hd_update_t *u);
int hd__sq_user_pts(hd_store_t *s, int64_t user_id, int64_t *pts);
int hd__sq_user_updates(hd_store_t *s, int64_t user_id, int64_t from_pts, size_t limit,
                        hd_mem_pool_t *pool, hd_update_t **out, size_t *n);
int hd__sq_chat_updates(hd_store_t *s, int64_t chat_id, int64_t from_pts, size_t limit,
                        hd_mem_pool_t *pool, hd_update_t **out, size_t *n);

/* staff.c and banks.c: staff roles, audit log, hash banks. */
int hd__sq_staff_role_get(hd_store_t *s, int64_t user_id, int *role);
int hd__sq_staff_role_set(hd_store_t *s, int64_t user_id, int role, int64_t granted_by,
                          int64_t granted_at);
int hd__sq_staff_list(hd_store_t *s, hd_mem_pool_t *pool, hd_store_staff_t **out, size_t *n);
int hd__sq_audit_append(hd_store_t *s, const hd_store_audit_t *a, int64_t *id);
int hd__sq_audit_list(hd_store_t *s, const char *kind, const char *subject, int64_t after_id,
                      size_t limit, hd_mem_pool_t *pool, hd_store_audit_t **out, size_t *n);
int hd__sq_bank_insert(hd_store_t *s, hd_store_bank_t *b);
int hd__sq_bank_find(hd_store_t *s, const char *name, hd_mem_pool_t *pool, hd_store_bank_t *out);
int hd__sq_bank_list(hd_store_t *s, hd_mem_pool_t *pool, hd_store_bank_t **out, size_t *n);
int hd__sq_bank_entry_insert(hd_store_t *s, int64_t bank_id, int signal, const uint8_t *value,
                             size_t len, const char *metadata, int64_t added_at, int *added);
int hd__sq_bank_entries_each(hd_store_t *s, int64_t bank_id, hd_store_entry_cb cb, void *arg);

/* safety.c: reports, cases, decisions (store/safety_ops.h). */
extern const hd_store_safety_ops_t hd__sq_safety_ops;

/* media.c: uploads and the media columns of messages. */
int hd__sq_media_insert(hd_store_t *s, hd_media_t *m);
int hd__sq_media_get(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_media_t *out);
int hd__sq_media_access(hd_store_t *s, int64_t media_id, int64_t user_id, int *allowed);
/* Read the message media columns starting at column first (NULL media_id: none). */
void hd__sq_read_message_media(sqlite3_stmt *st, int first, hd_mem_pool_t *pool, hd_media_t *m);
/* Bind a message's media to parameters first … first+6 (NULLs when it has none). */
void hd__sq_bind_message_media(sqlite3_stmt *st, int first, const hd_media_t *m);

/* health.c: the /healthz write probe. */
int hd__sq_health_touch(hd_store_t *s, int64_t now_ms, int64_t *probes);
int hd__sq_user_set_photo(hd_store_t *s, int64_t user_id, int64_t media_id);
int hd__sq_media_is_profile_photo(hd_store_t *s, int64_t media_id, int *yes);

#endif
