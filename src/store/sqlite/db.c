/*
 * sqlite/db.c — the SQLite back-end's handle: open, pragmas, statement cache, transactions,
 * row readers, and the vtable that binds the per-entity files (users.c, chats.c,
 * messages.c) into one hd_store_ops_t.
 *
 * Handle life cycle:
 *
 *   hd__sq_open(cfg, readonly)
 *     ├ once per process: SQLITE_CONFIG_MEMSTATUS off (else every sqlite3_malloc/free
 *     │ takes one process-wide mutex, contended by the writer and every event loop)
 *     ├ mkdir -p data_dir (write handle)
 *     ├ sqlite3_open_v2(<data_dir>/herald.db, RW|CREATE or READONLY, NOMUTEX)
 *     ├ busy_timeout, foreign_keys=ON, mmap_size, extended result codes
 *     ├ write handle: page_size=1024 (a new database only), journal_mode=WAL,
 *     │               synchronous=FULL|NORMAL, cache_size 4 MiB,
 *     │               temp_store=MEMORY, journal_size_limit, wal_autocheckpoint=0 when
 *     │               cfg->wal_manual (the writer's checkpoint thread), hd__sq_migrate()
 *     └ read handle:  cache_size 16 MiB, check user_version == HD_SQ_SCHEMA_VERSION
 *   … hd__sq_stmt(q, HD_Q_X) prepares on first use, cached until close …
 *   sq_close(): finalize every cached statement, sqlite3_close()
 *
 * Transactions (writer thread): begin = BEGIN IMMEDIATE (takes the write lock up front, so
 * a batch never fails half-way on lock upgrade); one savepoint "hd_job" per job;
 * rollback_to = ROLLBACK TO + RELEASE, which undoes the job and leaves the batch open.
 *
 * Cached counters (hd__sq_ctr_next): the write handle remembers a user's pts and
 * chats.last_message_id as its transaction last saw them, so a send bumps last_message_id
 * with a plain UPDATE … SET x = <known + 1> instead of UPDATE … RETURNING (which needs a
 * read-back and an ephemeral table) and a user's pts with no statement at all; the first
 * use of a row, and the first after any rollback, reads it.
 *
 * Invariants:
 *  1. One connection is used by one thread at a time (NOMUTEX); the writer owns the write
 *     handle and each event loop its read handle.
 *  2. Read handles are opened SQLITE_OPEN_READONLY: a read path cannot write by mistake.
 *  3. A cached counter equals the column in the open transaction: the only statements that
 *     change those columns go through hd__sq_ctr_next, sq_rollback / sq_rollback_to drop
 *     the whole cache before rolling back, and sq_begin drops it when PRAGMA data_version
 *     shows a commit by another connection. Values reach disk in the same transaction as the
 *     rows they number, so a crash loses both or neither. users.pts is not stored at all
 *     (schema step 9): its cache is loaded from max(user_updates.pts) and only the log row
 *     is written, so after a crash the value is rebuilt from exactly what committed.
 *  4. Write handles with synchronous=FULL open through the "hd-walbuf" VFS (walbuf.c), which
 *     gathers the log's frame writes into large pwrite()s; it flushes before every sync, so
 *     each commit's frames are in the file before the commit is published, and on disk
 *     before it is acknowledged (store/writer.c syncs pipelined commits). NORMAL handles (no
 *     sync per commit) do not use it: other connections could see unflushed commits.
 *
 * Page size: a new database gets 1 KiB pages. A private send dirties about four pages in
 * different B-trees (the chat's message tail, its random_id index leaf, each participant's
 * update-log tail), each a whole log frame at commit and a whole page at checkpoint; at
 * 4 KiB that was ~16 KiB of log per ~150-byte message and a quarter of the writer's CPU went
 * to copying and checksumming it. 1 KiB pages cut the writer's CPU per send by ~20 % in the
 * msgs benchmark (docs/benchmarks.md). An existing database keeps its page size (SQLite
 * changes it only by VACUUM).
 */
#include "store/sqlite/internal.h"

#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Page caches (negative: KiB). The writer's working set is every active chat's and user's
 * last pages plus the index paths to them, a few thousand pages; a miss is served from the
 * mmap (no syscall). Keep the writer's cache small: SQLite walks its whole page-cache hash on
 * every commit (CPU grew with the pages cached: with 128 MiB, send throughput fell from ~26k
 * to ~14k msg/s over a 30 s run as the database grew; with 4 MiB it holds ~21-23k). */
#define HD__SQ_WRITE_CACHE "-4096"
#define HD__SQ_READ_CACHE  "-16384"
/* Database pages not in the log are read through a shared mapping instead of pread. */
#define HD__SQ_MMAP        "1073741824"
/* After a checkpoint restarts the log, a log file larger than this is truncated to it. */
#define HD__SQ_LOG_LIMIT   "134217728"

static const char *const query_sql[HD_Q__COUNT] = {
#define HD__Q_SQL(name, sql) [HD_Q_##name] = sql,
    HD_SQ_QUERIES(HD__Q_SQL)
#undef HD__Q_SQL
};

static const char *const query_name[HD_Q__COUNT] = {
#define HD__Q_NAME(name, sql) [HD_Q_##name] = #name,
    HD_SQ_QUERIES(HD__Q_NAME)
#undef HD__Q_NAME
};

int hd__sq_fail(hd_sqlite_t *q, int rc, const char *what) {
  const char *msg = q && q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc);
  char esc[256];
  hd_log_escape(esc, sizeof(esc), msg, strlen(msg));
  hd_log(HD_LOG_ERROR, "sqlite failed", "\"op\":\"%s\",\"rc\":%d,\"error\":\"%s\"", what, rc, esc);
  return HD_ERR_STORAGE;
}

int hd__sq_is_unique(int rc) {
  return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}

sqlite3_stmt *hd__sq_stmt(hd_sqlite_t *q, hd_sq_query_t id) {
  HD_ASSERT(id >= 0 && id < HD_Q__COUNT);
  if (q->stmts[id] == NULL) {
    int rc = sqlite3_prepare_v3(q->db, query_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &q->stmts[id],
                                NULL);
    if (rc != SQLITE_OK) {
      hd__sq_fail(q, rc, query_name[id]);
      q->stmts[id] = NULL;
      return NULL;
    }
  }
  return q->stmts[id];
}

void hd__sq_reset(sqlite3_stmt *st) {
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

int hd__sq_run(hd_sqlite_t *q, sqlite3_stmt *st, const char *what) {
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    ;
  hd__sq_reset(st);
  return rc == SQLITE_DONE ? 0 : hd__sq_fail(q, rc, what);
}

int hd__sq_int64(hd_sqlite_t *q, sqlite3_stmt *st, int missing, int64_t *out, const char *what) {
  int rc = sqlite3_step(st), ret;
  if (rc == SQLITE_ROW) {
    *out = sqlite3_column_int64(st, 0);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) /* finish UPDATE … RETURNING */
      ;
    ret = rc == SQLITE_DONE ? 0 : hd__sq_fail(q, rc, what);
  } else if (rc == SQLITE_DONE) {
    ret = missing;
  } else {
    ret = hd__sq_fail(q, rc, what);
  }
  hd__sq_reset(st);
  return ret;
}

const char *hd__sq_text(sqlite3_stmt *st, int i, hd_mem_pool_t *pool) {
  const unsigned char *t = sqlite3_column_text(st, i);
  int n = sqlite3_column_bytes(st, i);
  return hd_mem_pool_strndup(pool, t ? (const char *)t : "", t ? (size_t)n : 0);
}

const char *hd__sq_text_or_null(sqlite3_stmt *st, int i, hd_mem_pool_t *pool) {
  if (sqlite3_column_type(st, i) == SQLITE_NULL)
    return NULL;
  return hd__sq_text(st, i, pool);
}

void hd__sq_read_user(sqlite3_stmt *st, hd_mem_pool_t *pool, hd_user_t *u) {
  u->id = sqlite3_column_int64(st, 0);
  u->username = hd__sq_text(st, 1, pool);
  u->display_name = hd__sq_text(st, 2, pool);
  u->bio = hd__sq_text(st, 3, pool);
  u->country = hd__sq_text(st, 4, pool);
  u->created_at = sqlite3_column_int64(st, 5);
}

void hd__sq_read_chat(sqlite3_stmt *st, hd_mem_pool_t *pool, hd_chat_t *c) {
  memset(c, 0, sizeof(*c));
  c->id = sqlite3_column_int64(st, 0);
  c->type = (hd_chat_type_t)sqlite3_column_int(st, 1);
  c->title = hd__sq_text(st, 2, pool);
  c->username = hd__sq_text_or_null(st, 3, pool);
  c->about = hd__sq_text(st, 4, pool);
  c->owner_id = sqlite3_column_int64(st, 5);
  c->created_at = sqlite3_column_int64(st, 6);
  c->member_count = sqlite3_column_int64(st, 7);
  c->pts = sqlite3_column_int64(st, 8);
  c->last_message_id = sqlite3_column_int64(st, 9);
  c->pair[0] = sqlite3_column_int64(st, 10); /* NULL (not private) reads as 0 */
  c->pair[1] = sqlite3_column_int64(st, 11);
}

void hd__sq_read_message(sqlite3_stmt *st, int first, hd_mem_pool_t *pool, hd_message_t *m,
                         int *deleted) {
  int i = first;
  m->chat_id = sqlite3_column_int64(st, i++);
  m->id = sqlite3_column_int64(st, i++);
  m->sender_id = sqlite3_column_int64(st, i++);
  m->random_id = sqlite3_column_int64(st, i++);
  m->date = sqlite3_column_int64(st, i++);
  m->edit_date = sqlite3_column_int64(st, i++);
  m->reply_to_id = sqlite3_column_int64(st, i++);
  m->fwd_from_chat_id = sqlite3_column_int64(st, i++);
  m->fwd_from_message_id = sqlite3_column_int64(st, i++);
  m->fwd_from_user_id = sqlite3_column_int64(st, i++);
  m->fwd_date = sqlite3_column_int64(st, i++);
  m->views = sqlite3_column_int64(st, i++);
  m->text = hd__sq_text(st, i++, pool);
  if (deleted)
    *deleted = sqlite3_column_int(st, i);
  i++;
  hd__sq_read_message_media(st, i, pool, &m->media); /* media.c */
}

/* --- cached counters (ops.h convention 4) ----------------------------------------------- */

static const struct {
  hd_sq_query_t miss; /* the new value (UPDATE … RETURNING, or SELECT max + 1): ?1 key [, ?2 arg] */
  hd_sq_query_t set; /* UPDATE to a known value: ?1 key, ?2 value [, ?3 arg];
                      * HD_Q__COUNT: nothing stored, the counter is its log's maximum */
  int nargs;         /* 1 when the statements take arg */
  const char *what;
} ctr_sql[HD_SQ_CTR__COUNT] = {
    [HD_SQ_CTR_USER_PTS] = {HD_Q_USER_NEXT_PTS, HD_Q__COUNT, 0, "user_next_pts"},
    [HD_SQ_CTR_CHAT_MSG] = {HD_Q_CHAT_NEXT_MESSAGE_ID, HD_Q_CHAT_SET_MESSAGE_ID, 1,
                            "chat_next_message_id"},
};

void hd__sq_ctr_forget(hd_sqlite_t *q, hd_sq_ctr_t which, int64_t key) {
  hd_sq_ctr_slot_t *slot =
      q->ctr[which] ? &q->ctr[which][(uint64_t)key & (HD_SQ_CTR_SLOTS - 1)] : NULL;
  if (slot && slot->key == key)
    slot->key = 0;
}

void hd__sq_ctr_drop(hd_sqlite_t *q) {
  for (size_t i = 0; i < HD_SQ_CTR__COUNT; i++)
    if (q->ctr[i])
      memset(q->ctr[i], 0, HD_SQ_CTR_SLOTS * sizeof(*q->ctr[i]));
}

int hd__sq_ctr_next(hd_sqlite_t *q, hd_sq_ctr_t which, int64_t key, int64_t arg, int notfound,
                    int64_t *out) {
  HD_ASSERT(which >= 0 && which < HD_SQ_CTR__COUNT && !q->readonly);
  if (q->ctr[which] == NULL)
    q->ctr[which] = hd_mem_calloc(HD_SQ_CTR_SLOTS * sizeof(*q->ctr[which]));
  hd_sq_ctr_slot_t *slot = &q->ctr[which][(uint64_t)key & (HD_SQ_CTR_SLOTS - 1)];
  sqlite3_stmt *st;
  int ret;
  if (slot->key == key && ctr_sql[which].set == HD_Q__COUNT) {
    *out = ++slot->value; /* derived from the log: the caller's insert is the only write */
    return 0;
  }
  if (slot->key == key) {
    if ((st = hd__sq_stmt(q, ctr_sql[which].set)) == NULL)
      return HD_ERR_STORAGE;
    sqlite3_bind_int64(st, 1, key);
    sqlite3_bind_int64(st, 2, slot->value + 1);
    if (ctr_sql[which].nargs)
      sqlite3_bind_int64(st, 3, arg);
    ret = hd__sq_run(q, st, ctr_sql[which].what);
    if (ret == 0 && sqlite3_changes(q->db) != 1)
      ret = notfound;
    if (ret != 0) {
      slot->key = 0;
      return ret;
    }
    *out = ++slot->value;
    return 0;
  }
  if ((st = hd__sq_stmt(q, ctr_sql[which].miss)) == NULL)
    return HD_ERR_STORAGE;
  sqlite3_bind_int64(st, 1, key);
  if (ctr_sql[which].nargs)
    sqlite3_bind_int64(st, 2, arg);
  if ((ret = hd__sq_int64(q, st, notfound, out, ctr_sql[which].what)) != 0)
    return ret;
  slot->key = key;
  slot->value = *out;
  return 0;
}

/* --- transactions ------------------------------------------------------------------------ */

static int tx_exec(hd_store_t *s, hd_sq_query_t id) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = hd__sq_stmt(q, id);
  if (st == NULL)
    return HD_ERR_STORAGE;
  return hd__sq_run(q, st, query_name[id]);
}

/* BEGIN IMMEDIATE; drop the counter cache when another connection (a tool on the same
 * database) committed since this handle last looked (invariant 3). */
static int sq_begin(hd_store_t *s) {
  hd_sqlite_t *q = HD_SQ(s);
  int ret = tx_exec(s, HD_Q_BEGIN);
  if (ret != 0)
    return ret;
  sqlite3_stmt *st = hd__sq_stmt(q, HD_Q_DATA_VERSION);
  int64_t v = -1;
  if (st == NULL || hd__sq_int64(q, st, HD_ERR_STORAGE, &v, "data_version") != 0 ||
      v != q->data_version) {
    hd__sq_ctr_drop(q);
    q->data_version = v;
  }
  return 0;
}
static int sq_commit(hd_store_t *s) { return tx_exec(s, HD_Q_COMMIT); }
static int sq_savepoint(hd_store_t *s) { return tx_exec(s, HD_Q_SAVEPOINT); }
static int sq_release(hd_store_t *s) { return tx_exec(s, HD_Q_RELEASE); }

static int sq_rollback(hd_store_t *s) {
  hd__sq_ctr_drop(HD_SQ(s)); /* cached counters may hold rolled-back values */
  if (sqlite3_get_autocommit(HD_SQ(s)->db))
    return 0; /* SQLite already rolled the transaction back (e.g. after an I/O error) */
  return tx_exec(s, HD_Q_ROLLBACK);
}

static int sq_rollback_to(hd_store_t *s) {
  hd__sq_ctr_drop(HD_SQ(s));
  int ret = tx_exec(s, HD_Q_ROLLBACK_TO);
  if (ret == 0)
    ret = tx_exec(s, HD_Q_RELEASE);
  return ret;
}

static int sq_log_defer_sync(hd_store_t *s) {
  hd_sqlite_t *q = HD_SQ(s);
  return q->readonly ? -1 : hd__sq_walbuf_defer(q->db);
}

static int sq_checkpoint(hd_store_t *s, int restart, int *log_pages, int *done_pages) {
  hd_sqlite_t *q = HD_SQ(s);
  int nlog = 0, ndone = 0;
  int rc = sqlite3_wal_checkpoint_v2(
      q->db, NULL, restart ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE, &nlog, &ndone);
  if (rc == SQLITE_BUSY) /* another checkpoint ran, or restart timed out waiting: try later */
    rc = SQLITE_OK;
  if (log_pages)
    *log_pages = nlog;
  if (done_pages)
    *done_pages = ndone;
  return rc == SQLITE_OK ? 0 : hd__sq_fail(q, rc, "checkpoint");
}

/* --- open / close ------------------------------------------------------------------------ */

static void sq_close(hd_store_t *s) {
  hd_sqlite_t *q = HD_SQ(s);
  if (q == NULL)
    return;
  for (size_t i = 0; i < HD_Q__COUNT; i++)
    if (q->stmts[i])
      sqlite3_finalize(q->stmts[i]);
  if (q->db)
    sqlite3_close(q->db);
  for (size_t i = 0; i < HD_SQ_CTR__COUNT; i++)
    hd_mem_free(q->ctr[i]);
  hd_mem_free(q);
}

static const hd_store_ops_t hd__sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .release = sq_release,
    .rollback_to = sq_rollback_to,
    .username_taken = hd__sq_username_taken,
    .user_insert = hd__sq_user_insert,
    .user_get = hd__sq_user_get,
    .user_find = hd__sq_user_find,
    .user_login = hd__sq_user_login,
    .user_update = hd__sq_user_update,
    .session_insert = hd__sq_session_insert,
    .session_resolve = hd__sq_session_resolve,
    .session_list = hd__sq_session_list,
    .session_delete = hd__sq_session_delete,
    .chat_insert = hd__sq_chat_insert,
    .chat_get = hd__sq_chat_get,
    .chat_get_as = hd__sq_chat_get_as,
    .chat_find = hd__sq_chat_find,
    .chat_find_private = hd__sq_chat_find_private,
    .chat_next_message_id = hd__sq_chat_next_message_id,
    .chat_next_pts = hd__sq_chat_next_pts,
    .chat_add_members = hd__sq_chat_add_members,
    .member_get = hd__sq_member_get,
    .member_insert = hd__sq_member_insert,
    .member_delete = hd__sq_member_delete,
    .member_set_role = hd__sq_member_set_role,
    .member_set_read = hd__sq_member_set_read,
    .member_list = hd__sq_member_list,
    .member_chat_ids = hd__sq_member_chat_ids,
    .private_members = hd__sq_private_members,
    .dialog_chats = hd__sq_dialog_chats,
    .message_insert = hd__sq_message_insert,
    .message_get = hd__sq_message_get,
    .message_find_random = hd__sq_message_find_random,
    .message_set_text = hd__sq_message_set_text,
    .message_tombstone = hd__sq_message_tombstone,
    .message_hide = hd__sq_message_hide,
    .message_hidden = hd__sq_message_hidden,
    .message_page = hd__sq_message_page,
    .message_count_unread = hd__sq_message_count_unread,
    .message_view = hd__sq_message_view,
    .user_update_append = hd__sq_user_update_append,
    .chat_update_append = hd__sq_chat_update_append,
    .user_pts = hd__sq_user_pts,
    .user_updates = hd__sq_user_updates,
    .chat_updates = hd__sq_chat_updates,
    /* media.c */
    .media_insert = hd__sq_media_insert,
    .media_get = hd__sq_media_get,
    .media_access = hd__sq_media_access,
    /* staff.c, banks.c */
    .staff_role_get = hd__sq_staff_role_get,
    .staff_role_set = hd__sq_staff_role_set,
    .staff_list = hd__sq_staff_list,
    .audit_append = hd__sq_audit_append,
    .audit_list = hd__sq_audit_list,
    .bank_insert = hd__sq_bank_insert,
    .bank_find = hd__sq_bank_find,
    .bank_list = hd__sq_bank_list,
    .bank_entry_insert = hd__sq_bank_entry_insert,
    .bank_entries_each = hd__sq_bank_entries_each,
    .checkpoint = sq_checkpoint,                             /* db.c */
    .log_defer_sync = sq_log_defer_sync,                     /* db.c, walbuf.c */
    .safety = &hd__sq_safety_ops,                            /* safety.c */
    .health_touch = hd__sq_health_touch,                     /* health.c */
    .user_set_photo = hd__sq_user_set_photo,                 /* users.c */
    .media_is_profile_photo = hd__sq_media_is_profile_photo, /* users.c */
};

/* Create dir and its missing parents (mode 0700: the database holds private data). */
static int mkdir_p(const char *dir) {
  char path[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof(path))
    return HD_ERR_IO;
  memcpy(path, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (path[i] != '/' && path[i] != '\0')
      continue;
    char saved = path[i];
    path[i] = '\0';
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
      return HD_ERR_IO;
    path[i] = saved;
  }
  struct stat sb;
  if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return HD_ERR_IO;
  return 0;
}

static int pragma(hd_sqlite_t *q, const char *sql) {
  int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? 0 : hd__sq_fail(q, rc, sql);
}

static int check_wal(hd_sqlite_t *q) {
  sqlite3_stmt *st = NULL;
  int ret = HD_ERR_STORAGE;
  if (sqlite3_prepare_v2(q->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK)
    return hd__sq_fail(q, sqlite3_errcode(q->db), "journal_mode");
  if (sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char *mode = sqlite3_column_text(st, 0);
    if (mode && strcmp((const char *)mode, "wal") == 0)
      ret = 0;
  }
  sqlite3_finalize(st);
  if (ret != 0)
    hd_log(HD_LOG_ERROR, "sqlite: WAL mode unavailable", NULL);
  return ret;
}

static int check_version(hd_sqlite_t *q) {
  sqlite3_stmt *st = NULL;
  int ret = HD_ERR_STORAGE;
  if (sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
    return hd__sq_fail(q, sqlite3_errcode(q->db), "user_version");
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == HD_SQ_SCHEMA_VERSION)
    ret = 0;
  sqlite3_finalize(st);
  if (ret != 0)
    hd_log(HD_LOG_ERROR, "sqlite: read handle on an unmigrated database", NULL);
  return ret;
}

/* Before SQLite initializes: no allocation statistics (nothing reads them), so malloc and
 * free take no global mutex. Fails harmlessly (SQLITE_MISUSE) if SQLite is already up. */
static int walbuf_ok;
static void sq_global_init(void) {
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  walbuf_ok = hd__sq_walbuf_register() == 0;
}

int hd__sq_open(const hd_store_config_t *cfg, int readonly, hd_store_t **out) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, sq_global_init);
  int ret;
  char path[4096];
  if (cfg == NULL || cfg->data_dir == NULL)
    return HD_ERR_INTERNAL;
  if (!readonly && (ret = mkdir_p(cfg->data_dir)) != 0) {
    hd_log(HD_LOG_ERROR, "cannot create data directory", "\"errno\":%d", errno);
    return ret;
  }
  int n = snprintf(path, sizeof(path), "%s/herald.db", cfg->data_dir);
  if (n < 0 || (size_t)n >= sizeof(path))
    return HD_ERR_IO;

  hd_sqlite_t *q = hd_mem_calloc(sizeof(*q));
  q->base.ops = &hd__sq_ops;
  q->readonly = readonly;
  int flags = SQLITE_OPEN_NOMUTEX |
              (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  /* invariant 4: only a FULL-sync write handle gathers its log appends (walbuf.c) */
  const char *vfs = !readonly && cfg->sync_full && walbuf_ok ? HD_SQ_WALBUF_VFS : NULL;
  int rc = sqlite3_open_v2(path, &q->db, flags, vfs);
  if (rc != SQLITE_OK) {
    ret = hd__sq_fail(q, rc, "open");
    goto fail_close;
  }
  sqlite3_extended_result_codes(q->db, 1);
  sqlite3_busy_timeout(q->db, cfg->busy_timeout_ms > 0 ? cfg->busy_timeout_ms : 5000);
  if ((ret = pragma(q, "PRAGMA foreign_keys = ON")) != 0 ||
      (ret = pragma(q, "PRAGMA mmap_size = " HD__SQ_MMAP)) != 0)
    goto fail_close;
  if (readonly && (ret = pragma(q, "PRAGMA cache_size = " HD__SQ_READ_CACHE)) != 0)
    goto fail_close;
  if (readonly) {
    if ((ret = check_version(q)) != 0)
      goto fail_close;
  } else {
    if ((ret = pragma(q, "PRAGMA page_size = 1024")) != 0 || /* no-op once created */
        (ret = check_wal(q)) != 0)
      goto fail_close;
    if ((ret = pragma(q, cfg->sync_full ? "PRAGMA synchronous = FULL"
                                        : "PRAGMA synchronous = NORMAL")) != 0)
      goto fail_close;
    if ((ret = pragma(q, "PRAGMA cache_size = " HD__SQ_WRITE_CACHE)) != 0 ||
        (ret = pragma(q, "PRAGMA journal_size_limit = " HD__SQ_LOG_LIMIT)) != 0 ||
        (ret = pragma(q, "PRAGMA temp_store = MEMORY")) != 0 || /* per-job savepoint journals */
        (ret = pragma(q, cfg->wal_manual ? "PRAGMA wal_autocheckpoint = 0"
                                         : "PRAGMA wal_autocheckpoint = 1000")) != 0)
      goto fail_close;
    if ((ret = hd__sq_migrate(q->db)) != 0)
      goto fail_close;
  }
  *out = &q->base;
  return 0;

fail_close:
  sq_close(&q->base);
  return ret;
}
