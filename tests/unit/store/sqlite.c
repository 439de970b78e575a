/* Tests src/store/store.c and src/store/sqlite/: opening, pragmas, schema version, read-only
 * handles, unique keys, reopening, query plans of the hot reads, history paging speed
 * over 1,000,000 messages, the schema-9 upgrade (users.pts derived from the log) and the
 * buffered log of FULL-sync write handles (walbuf.c). */
#include "store/sqlite/internal.h"
#include "store/store.h"

#include "common/log.h"
#include "common/time.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];
static char sub[128];
static hd_mem_pool_t P;

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}
static void setup(void) {
  hd_log_set_level(HD_LOG_ERROR);
  snprintf(dir, sizeof(dir), "/tmp/hd_store_XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  snprintf(sub, sizeof(sub), "%s/a/b", dir); /* data_dir with missing parents */
  hd_mem_pool_init(&P);
}
static void teardown(void) {
  hd_mem_pool_dispose(&P);
  nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(sqlite, .init = setup, .fini = teardown);

static int64_t pragma_int(hd_store_t *s, const char *sql) {
  sqlite3_stmt *st;
  cr_assert_eq(sqlite3_prepare_v2(HD_SQ(s)->db, sql, -1, &st, NULL), SQLITE_OK);
  cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static int64_t add_user(hd_store_t *w, const char *name) {
  hd_user_t u = {
      .username = name, .display_name = name, .bio = "", .country = "de", .created_at = 1};
  cr_assert_eq(w->ops->user_insert(w, &u, "h"), 0);
  return u.id;
}

Test(sqlite, open_creates_dir_and_sets_pragmas) {
  hd_store_config_t cfg = {.data_dir = sub, .sync_full = 1};
  hd_store_t *w, *r;
  cr_assert_eq(hd_store_open(&cfg, 1, &r), HD_ERR_STORAGE); /* nothing to read yet */
  cr_assert_eq(hd_store_open(&cfg, 0, &w), 0);
  cr_assert_str_eq(w->ops->name, "sqlite");
  char path[256];
  snprintf(path, sizeof(path), "%s/herald.db", sub);
  struct stat sb;
  cr_assert_eq(stat(path, &sb), 0);
  cr_assert_eq(pragma_int(w, "PRAGMA user_version"), HD_SQ_SCHEMA_VERSION);
  cr_assert_eq(pragma_int(w, "PRAGMA synchronous"), 2); /* FULL */
  cr_assert_eq(pragma_int(w, "PRAGMA foreign_keys"), 1);
  cr_assert_eq(pragma_int(w, "PRAGMA wal_autocheckpoint"), 1000); /* no checkpoint thread */
  cr_assert_eq(pragma_int(w, "PRAGMA temp_store"), 2);            /* MEMORY */
  cr_assert_eq(pragma_int(w, "PRAGMA cache_size"), -4096);        /* 4 MiB, in KiB (db.c) */
  cr_assert_eq(pragma_int(w, "PRAGMA page_size"), 1024);          /* a new database */
  sqlite3_stmt *st;
  sqlite3_prepare_v2(HD_SQ(w)->db, "PRAGMA journal_mode", -1, &st, NULL);
  cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
  cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
  sqlite3_finalize(st);

  cr_assert_eq(hd_store_open(&cfg, 1, &r), 0);
  cr_assert(sqlite3_db_readonly(HD_SQ(r)->db, "main"));
  /* a read handle cannot write, by construction */
  hd_user_t u = {.username = "alice", .display_name = "A", .country = "DE"};
  cr_assert_eq(r->ops->user_insert(r, &u, "h"), HD_ERR_STORAGE);
  hd_store_close(r);
  hd_store_close(w);

  hd_store_config_t normal = {.data_dir = sub, .sync_full = 0};
  cr_assert_eq(hd_store_open(&normal, 0, &w), 0);
  cr_assert_eq(pragma_int(w, "PRAGMA synchronous"), 1); /* NORMAL */
  hd_store_close(w);
}

Test(sqlite, refuses_a_newer_schema) {
  hd_store_config_t cfg = {.data_dir = dir, .sync_full = 0};
  hd_store_t *w;
  cr_assert_eq(hd_store_open(&cfg, 0, &w), 0);
  cr_assert_eq(sqlite3_exec(HD_SQ(w)->db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
  hd_store_close(w);
  cr_assert_eq(hd_store_open(&cfg, 0, &w), HD_ERR_STORAGE);
}

Test(sqlite, unique_keys_map_to_domain_errors) {
  hd_store_config_t cfg = {.data_dir = dir};
  hd_store_t *w;
  cr_assert_eq(hd_store_open(&cfg, 0, &w), 0);
  int64_t a = add_user(w, "Alice"), b = add_user(w, "bobby");
  hd_user_t dup = {.username = "ALICE", .display_name = "x", .country = "DE"};
  cr_assert_eq(w->ops->user_insert(w, &dup, "h"), HD_ERR_USERNAME_TAKEN);
  int taken = 0;
  cr_assert_eq(w->ops->username_taken(w, "aLiCe", &taken), 0);
  cr_assert(taken);

  hd_chat_t c = {.type = HD_CHAT_PRIVATE, .title = "", .created_at = 1};
  cr_assert_eq(w->ops->chat_insert(w, &c, a, b), 0);
  hd_chat_t c2 = c;
  cr_assert_eq(w->ops->chat_insert(w, &c2, a, b), HD_ERR_CONFLICT);
  int64_t found = 0;
  cr_assert_eq(w->ops->chat_find_private(w, a, b, &found), 0);
  cr_assert_eq(found, c.id);

  hd_chat_t g = {
      .type = HD_CHAT_GROUP, .title = "g", .username = "Group1", .owner_id = a, .created_at = 1};
  cr_assert_eq(w->ops->chat_insert(w, &g, 0, 0), 0);
  hd_chat_t g2 = g;
  g2.username = "group1";
  cr_assert_eq(w->ops->chat_insert(w, &g2, 0, 0), HD_ERR_USERNAME_TAKEN);
  cr_assert_eq(w->ops->username_taken(w, "GROUP1", &taken), 0);
  cr_assert(taken);
  cr_assert_eq(w->ops->username_taken(w, "nobody", &taken), 0);
  cr_assert_not(taken);

  cr_assert_eq(w->ops->member_insert(w, g.id, a, HD_ROLE_OWNER, 1), 0);
  cr_assert_eq(w->ops->member_insert(w, g.id, a, HD_ROLE_OWNER, 1), HD_ERR_ALREADY_MEMBER);
  cr_assert_eq(w->ops->member_insert(w, g.id, 777, HD_ROLE_MEMBER, 1), HD_ERR_USER_NOT_FOUND);
  cr_assert_eq(w->ops->member_delete(w, g.id, b), HD_ERR_NOT_MEMBER);

  hd_message_t m = {
      .chat_id = g.id, .id = 1, .sender_id = a, .random_id = 5, .date = 1, .text = "x"};
  cr_assert_eq(w->ops->message_insert(w, &m), 0);
  m.id = 2;
  cr_assert_eq(w->ops->message_insert(w, &m), HD_ERR_CONFLICT); /* same random_id */
  hd_store_close(w);
}

Test(sqlite, counters_and_logs_are_gapless) {
  hd_store_config_t cfg = {.data_dir = dir};
  hd_store_t *w;
  cr_assert_eq(hd_store_open(&cfg, 0, &w), 0);
  int64_t a = add_user(w, "alice");
  hd_chat_t g = {.type = HD_CHAT_GROUP, .title = "g", .owner_id = a, .created_at = 1};
  cr_assert_eq(w->ops->chat_insert(w, &g, 0, 0), 0);
  for (int64_t i = 1; i <= 50; i++) {
    int64_t id;
    cr_assert_eq(w->ops->chat_next_message_id(w, g.id, i, &id), 0);
    cr_assert_eq(id, i);
    hd_update_t u = {.type = HD_UPD_NEW_MESSAGE, .chat_id = g.id, .message_id = id};
    cr_assert_eq(w->ops->chat_update_append(w, &u), 0);
    cr_assert_eq(u.pts, i);
    hd_update_t v = {.type = HD_UPD_READ_INBOX, .chat_id = g.id, .message_id = id};
    cr_assert_eq(w->ops->user_update_append(w, a, &v), 0);
    cr_assert_eq(v.pts, i);
  }
  int64_t id;
  cr_assert_eq(w->ops->chat_next_message_id(w, 999, 1, &id), HD_ERR_CHAT_NOT_FOUND);
  hd_update_t *u;
  size_t n;
  cr_assert_eq(w->ops->chat_updates(w, g.id, 45, 100, &P, &u, &n), 0);
  cr_assert_eq(n, 5);
  cr_assert_eq(u[0].pts, 46);
  cr_assert_eq(u[0].chat_id, g.id);
  cr_assert_eq(w->ops->user_updates(w, a, 0, 10, &P, &u, &n), 0);
  cr_assert_eq(n, 10);
  cr_assert_eq(u[9].pts, 10);
  cr_assert_eq(u[9].type, HD_UPD_READ_INBOX);
  hd_store_close(w);
}

/* The write handle caches counters (db.c hd__sq_ctr_next); a rolled-back job or batch must
 * not leave a cached value ahead of the database, and a cached value must be written. */
Test(sqlite, cached_counters_follow_rollbacks) {
  hd_store_config_t cfg = {.data_dir = dir, .wal_manual = 1};
  hd_store_t *w;
  cr_assert_eq(hd_store_open(&cfg, 0, &w), 0);
  cr_assert_eq(pragma_int(w, "PRAGMA wal_autocheckpoint"), 0);
  int64_t a = add_user(w, "alice");
  hd_chat_t g = {.type = HD_CHAT_GROUP, .title = "g", .owner_id = a, .created_at = 1};
  cr_assert_eq(w->ops->chat_insert(w, &g, 0, 0), 0);
  int64_t id, expect_id = 0, expect_pts = 0;
  for (int round = 0; round < 6; round++) {
    cr_assert_eq(w->ops->begin(w), 0);
    for (int job = 0; job < 4; job++) {
      int fail = (round + job) % 3 == 0; /* every third job is rolled back */
      cr_assert_eq(w->ops->savepoint(w), 0);
      cr_assert_eq(w->ops->chat_next_message_id(w, g.id, 100 + round, &id), 0);
      cr_assert_eq(id, expect_id + 1, "round %d job %d", round, job);
      hd_update_t v = {.type = HD_UPD_READ_INBOX, .chat_id = g.id, .message_id = id};
      cr_assert_eq(w->ops->user_update_append(w, a, &v), 0);
      cr_assert_eq(v.pts, expect_pts + 1);
      if (fail) {
        cr_assert_eq(w->ops->rollback_to(w), 0);
      } else {
        cr_assert_eq(w->ops->release(w), 0);
        expect_id++, expect_pts++;
      }
    }
    if (round == 4) { /* a whole batch rolled back */
      cr_assert_eq(w->ops->rollback(w), 0);
      expect_id = pragma_int(w, "SELECT last_message_id FROM chats WHERE id = 1");
      expect_pts = pragma_int(w, "SELECT max(pts) FROM user_updates WHERE user_id = 1");
    } else {
      cr_assert_eq(w->ops->commit(w), 0);
    }
    cr_assert_eq(pragma_int(w, "SELECT last_message_id FROM chats WHERE id = 1"), expect_id);
    int64_t pts = -1;
    cr_assert_eq(w->ops->user_pts(w, a, &pts), 0);
    cr_assert_eq(pts, expect_pts);
    cr_assert_eq(pragma_int(w, "SELECT count(*) FROM user_updates WHERE user_id = 1"), expect_pts);
  }
  cr_assert_eq(pragma_int(w, "SELECT last_activity FROM chats WHERE id = 1"), 105);
  /* another connection (a tool on the same database) moves the counters: begin notices */
  hd_store_t *other;
  cr_assert_eq(hd_store_open(&cfg, 0, &other), 0);
  char sql[512];
  snprintf(sql, sizeof(sql),
           "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 10)"
           " INSERT INTO user_updates (user_id, pts, type, chat_id, date)"
           " SELECT 1, %lld + i, 1, 1, 0 FROM k;"
           " UPDATE chats SET last_message_id = last_message_id + 10",
           (long long)expect_pts);
  cr_assert_eq(sqlite3_exec(HD_SQ(other)->db, sql, NULL, NULL, NULL), SQLITE_OK);
  hd_store_close(other);
  cr_assert_eq(w->ops->begin(w), 0);
  cr_assert_eq(w->ops->chat_next_message_id(w, g.id, 200, &id), 0);
  cr_assert_eq(id, expect_id + 11);
  hd_update_t x = {.type = HD_UPD_READ_INBOX, .chat_id = g.id, .message_id = id};
  cr_assert_eq(w->ops->user_update_append(w, a, &x), 0);
  cr_assert_eq(x.pts, expect_pts + 11);
  cr_assert_eq(w->ops->commit(w), 0);
  int log = -1, done = -1;
  cr_assert_eq(w->ops->checkpoint(w, 0, &log, &done), 0);
  cr_assert_gt(log, 0);
  cr_assert_eq(done, log); /* nobody else reads: everything copied */
  cr_assert_eq(w->ops->checkpoint(w, 1, &log, &done), 0);
  hd_store_close(w);
}

/* The plan of a query, one detail per line. */
static void plan(hd_store_t *s, hd_sq_query_t q, char *out, size_t cap) {
  sqlite3_stmt *st = hd__sq_stmt(HD_SQ(s), q);
  cr_assert_not_null(st);
  char sql[2048];
  snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", sqlite3_sql(st));
  sqlite3_stmt *ex;
  cr_assert_eq(sqlite3_prepare_v2(HD_SQ(s)->db, sql, -1, &ex, NULL), SQLITE_OK);
  size_t o = 0;
  out[0] = '\0';
  while (sqlite3_step(ex) == SQLITE_ROW && o < cap) {
    int k = snprintf(out + o, cap - o, "%s\n", (const char *)sqlite3_column_text(ex, 3));
    if (k > 0)
      o += (size_t)k;
  }
  sqlite3_finalize(ex);
}

Test(sqlite, hot_reads_use_indexes) {
  hd_store_config_t cfg = {.data_dir = dir};
  hd_store_t *w;
  cr_assert_eq(hd_store_open(&cfg, 0, &w), 0);
  char p[1024];
  static const hd_sq_query_t lookups[] = {
      HD_Q_SESSION_RESOLVE,     HD_Q_CHAT_GET,          HD_Q_MEMBER_GET,   HD_Q_MESSAGE_PAGE_BEFORE,
      HD_Q_MESSAGE_PAGE_AFTER,  HD_Q_USER_UPDATES,      HD_Q_CHAT_UPDATES, HD_Q_USER_FIND,
      HD_Q_MESSAGE_FIND_RANDOM, HD_Q_CHAT_FIND_PRIVATE, HD_Q_MEMBER_LIST,  HD_Q_USER_PTS,
      HD_Q_USER_NEXT_PTS};
  for (size_t i = 0; i < HD_ARRAY_SIZE(lookups); i++) {
    plan(w, lookups[i], p, sizeof(p));
    cr_assert_null(strstr(p, "SCAN"), "query %zu scans:\n%s", i, p);
    cr_assert_null(strstr(p, "TEMP B-TREE"), "query %zu sorts:\n%s", i, p);
  }
  plan(w, HD_Q_DIALOG_CHATS, p, sizeof(p));
  cr_assert_not_null(strstr(p, "members_by_user"), "%s", p); /* driven by the user's rows */
  hd_store_close(w);
}

Test(sqlite, history_of_a_million_messages_pages_fast, .timeout = 60) {
  hd_store_config_t cfg = {.data_dir = dir, .sync_full = 0};
  hd_store_t *w, *r;
  cr_assert_eq(hd_store_open(&cfg, 0, &w), 0);
  int64_t a = add_user(w, "alice");
  hd_chat_t g = {.type = HD_CHAT_GROUP, .title = "g", .owner_id = a, .created_at = 1};
  cr_assert_eq(w->ops->chat_insert(w, &g, 0, 0), 0);
  const int64_t total = 1000000;
  /* bulk-load with one statement (the per-row path is exercised everywhere else) */
  char sql[512];
  snprintf(sql, sizeof(sql),
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %lld)"
           " INSERT INTO messages (chat_id, id, sender_id, random_id, date, text)"
           " SELECT %lld, i, %lld, i, i, 'a message of ordinary length, about forty bytes'"
           " FROM n",
           (long long)total, (long long)g.id, (long long)a);
  cr_assert_eq(sqlite3_exec(HD_SQ(w)->db, sql, NULL, NULL, NULL), SQLITE_OK, "%s",
               sqlite3_errmsg(HD_SQ(w)->db));
  cr_assert_eq(hd_store_open(&cfg, 1, &r), 0);

  hd_message_t *page;
  size_t n;
  int pages = 2000;
  uint64_t t0 = hd_time_mono_ns();
  for (int k = 0; k < pages; k++) {
    int64_t before = 1 + (int64_t)(((uint64_t)k * 2654435761u) % (uint64_t)total);
    hd_mem_pool_clear(&P);
    cr_assert_eq(r->ops->message_page(r, a, g.id, before, 0, 0, 50, &P, &page, &n), 0);
    cr_assert_eq(n, (size_t)HD_MIN(50, before - 1));
    if (n)
      cr_assert_eq(page[0].id, before - 1);
  }
  double per_page_us = (double)(hd_time_mono_ns() - t0) / 1000.0 / pages;
  cr_assert_eq(r->ops->message_page(r, a, g.id, 0, 0, 0, 50, &P, &page, &n), 0);
  cr_assert_eq(page[0].id, total);
  cr_assert_eq(r->ops->message_page(r, a, g.id, 0, 999990, 1, 50, &P, &page, &n), 0);
  cr_assert_eq(n, 10);
#if defined(__SANITIZE_ADDRESS__)
  double limit_us = 5000; /* sanitizers slow everything down several times */
#else
  double limit_us = 500;
#endif
  cr_log_info("history page of 50 over %lld messages: %.1f us", (long long)total, per_page_us);
  cr_assert_lt(per_page_us, limit_us, "%.1f us per page", per_page_us);
  hd_store_close(r);
  hd_store_close(w);
}

Test(sqlite, reopen_keeps_data) {
  hd_store_config_t cfg = {.data_dir = dir, .sync_full = 1};
  hd_store_t *w;
  cr_assert_eq(hd_store_open(&cfg, 0, &w), 0);
  cr_assert_eq(w->ops->begin(w), 0);
  int64_t a = add_user(w, "alice");
  cr_assert_eq(w->ops->commit(w), 0);
  cr_assert_eq(w->ops->begin(w), 0);
  add_user(w, "ghost");
  cr_assert_eq(w->ops->rollback(w), 0);
  hd_store_close(w);
  cr_assert_eq(hd_store_open(&cfg, 0, &w), 0);
  hd_user_t u;
  cr_assert_eq(w->ops->user_get(w, a, &P, &u), 0);
  cr_assert_str_eq(u.country, "DE");
  cr_assert_eq(w->ops->user_find(w, "ghost", &P, &u), HD_ERR_USER_NOT_FOUND);
  hd_store_close(w);
}

/* Schema step 9 drops users.pts: a database written by the previous version keeps every
 * user's position, now read from the log (db.c invariant 3). */
Test(sqlite, upgrade_from_v8_derives_pts_from_the_log) {
  hd_store_config_t cfg = {.data_dir = dir, .sync_full = 1};
  hd_store_t *w;
  cr_assert_eq(hd_store_open(&cfg, 0, &w), 0);
  int64_t a = add_user(w, "alice"), b = add_user(w, "bob");
  for (int i = 0; i < 7; i++) {
    hd_update_t v = {.type = HD_UPD_READ_INBOX, .chat_id = 1, .message_id = i};
    cr_assert_eq(w->ops->user_update_append(w, a, &v), 0);
  }
  /* back to the version-8 shape: users.pts holds the log position, no photo (step 10) */
  cr_assert_eq(
      sqlite3_exec(HD_SQ(w)->db,
                   "DROP INDEX users_by_photo; ALTER TABLE users DROP COLUMN photo_media_id;"
                   " ALTER TABLE users ADD COLUMN pts INTEGER NOT NULL DEFAULT 0;"
                   " UPDATE users SET pts = 7 WHERE id = 1; PRAGMA user_version = 8",
                   NULL, NULL, NULL),
      SQLITE_OK);
  hd_store_close(w);
  cr_assert_eq(hd_store_open(&cfg, 0, &w), 0);
  cr_assert_eq(pragma_int(w, "PRAGMA user_version"), HD_SQ_SCHEMA_VERSION);
  cr_assert_eq(pragma_int(w, "SELECT count(*) FROM pragma_table_info('users') WHERE name = 'pts'"),
               0);
  cr_assert_eq(pragma_int(w, "SELECT count(*) FROM pragma_table_info('users')"
                             " WHERE name = 'photo_media_id'"),
               1);
  int64_t pts = -1;
  cr_assert_eq(w->ops->user_pts(w, a, &pts), 0);
  cr_assert_eq(pts, 7);
  cr_assert_eq(w->ops->user_pts(w, b, &pts), 0);
  cr_assert_eq(pts, 0);
  cr_assert_eq(w->ops->user_pts(w, 999, &pts), HD_ERR_USER_NOT_FOUND);
  hd_update_t v = {.type = HD_UPD_READ_INBOX, .chat_id = 1};
  cr_assert_eq(w->ops->user_update_append(w, a, &v), 0);
  cr_assert_eq(v.pts, 8);
  cr_assert_eq(w->ops->user_update_append(w, b, &v), 0);
  cr_assert_eq(v.pts, 1);
  cr_assert_eq(w->ops->user_update_append(w, 999, &v), HD_ERR_USER_NOT_FOUND);
  hd_store_close(w);
}

static const char *vfs_name(hd_store_t *s) {
  sqlite3_vfs *vfs = NULL;
  cr_assert_eq(sqlite3_file_control(HD_SQ(s)->db, "main", SQLITE_FCNTL_VFS_POINTER, &vfs),
               SQLITE_OK);
  return vfs->zName;
}

/* The write handle of a FULL-sync store gathers log frames (walbuf.c): a commit far larger
 * than the buffer, made by a process that then dies without closing anything, is whole for
 * a read handle of another process and after reopening. */
Test(sqlite, buffered_log_commits_survive_exit_without_close) {
  hd_store_config_t cfg = {.data_dir = dir, .sync_full = 1};
  hd_store_t *w, *r;
  cr_assert_eq(hd_store_open(&cfg, 0, &w), 0);
  cr_assert_str_eq(vfs_name(w), HD_SQ_WALBUF_VFS);
  int64_t a = add_user(w, "alice");
  hd_store_close(w);
  hd_store_config_t normal = {.data_dir = dir, .sync_full = 0}; /* no sync per commit */
  cr_assert_eq(hd_store_open(&normal, 0, &w), 0);
  cr_assert_str_neq(vfs_name(w), HD_SQ_WALBUF_VFS);
  hd_store_close(w);
  fflush(NULL);
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) { /* child: 3 batches of 2,000 log rows (~1 MiB of frames each), then die */
    if (hd_store_open(&cfg, 0, &w) != 0)
      _exit(2);
    for (int batch = 0; batch < 3; batch++) {
      if (w->ops->begin(w) != 0)
        _exit(3);
      for (int i = 0; i < 2000; i++) {
        hd_update_t v = {.type = HD_UPD_READ_INBOX, .chat_id = 1, .message_id = i};
        if (w->ops->user_update_append(w, a, &v) != 0 || v.pts != batch * 2000 + i + 1)
          _exit(4);
      }
      if (w->ops->commit(w) != 0)
        _exit(5);
    }
    _exit(0); /* no close, no flush: the commits must already be in the log */
  }
  int status = 0;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
  cr_assert_eq(hd_store_open(&cfg, 1, &r), 0);
  int64_t pts = -1;
  cr_assert_eq(r->ops->user_pts(r, a, &pts), 0);
  cr_assert_eq(pts, 6000);
  hd_update_t *u;
  size_t n;
  cr_assert_eq(r->ops->user_updates(r, a, 5990, 100, &P, &u, &n), 0);
  cr_assert_eq(n, 10);
  cr_assert_eq(u[9].pts, 6000);
  cr_assert_eq(u[9].message_id, 1999);
  hd_store_close(r);
  cr_assert_eq(hd_store_open(&cfg, 0, &w), 0);
  cr_assert_eq(pragma_int(w, "SELECT count(*) FROM user_updates WHERE user_id = 1"), 6000);
  cr_assert_eq(pragma_int(w, "SELECT count(*) FROM pragma_integrity_check WHERE"
                             " integrity_check <> 'ok'"),
               0);
  hd_store_close(w);
}
