/* Tests src/store/writer.c: group commit from two threads, done() order and exactly-once,
 * per-job savepoints, a sabotaged batch, draining on destroy, and the stats. */
#include "store/writer.h"

#include "common/error.h"
#include "common/log.h"
#include "common/mem.h"
#include "store/ops.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static char dir[64];
static hd_store_config_t cfg;

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}
static void setup(void) {
  hd_log_set_level(HD_LOG_WARN);
  snprintf(dir, sizeof(dir), "/tmp/hd_writer_XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  cfg = (hd_store_config_t){.data_dir = dir, .sync_full = 1, .busy_timeout_ms = 1000};
}
static void teardown(void) { nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS); }

TestSuite(writer, .init = setup, .fini = teardown);

/* --- a job inserts a user; optional failure after the insert ------------------------------ */

typedef struct {
  char name[32];
  int fail_with; /* returned after a successful insert (0: succeed) */
  int sabotage;  /* roll the whole transaction back from inside the job */
  long seq;      /* submission order */
  int status;
  int done_calls;
} job_t;

static pthread_mutex_t order_mu = PTHREAD_MUTEX_INITIALIZER;
static long next_seq, last_done_seq = -1, order_errors;

static int job_run(hd_store_t *tx, void *arg) {
  job_t *j = arg;
  hd_user_t u = {
      .username = j->name, .display_name = j->name, .bio = "", .country = "DE", .created_at = 1};
  int r = tx->ops->user_insert(tx, &u, "hash");
  if (r != 0)
    return r;
  if (j->sabotage)
    tx->ops->rollback(tx);
  return j->fail_with;
}

static void job_done(void *arg, int status) {
  job_t *j = arg; /* runs on the writer thread only, so no lock for the order check */
  j->status = status;
  j->done_calls++;
  if (j->seq <= last_done_seq)
    order_errors++;
  last_done_seq = j->seq;
}

static void submit(hd_writer_t *w, job_t *j) {
  pthread_mutex_lock(&order_mu); /* makes seq the true submission order */
  j->seq = next_seq++;
  hd_writer_submit(w, job_run, job_done, j);
  pthread_mutex_unlock(&order_mu);
}

static int user_exists(const char *name) {
  hd_store_t *r;
  hd_mem_pool_t pool;
  hd_user_t u;
  cr_assert_eq(hd_store_open(&cfg, 1, &r), 0);
  hd_mem_pool_init(&pool);
  int ret = r->ops->user_find(r, name, &pool, &u);
  hd_mem_pool_dispose(&pool);
  hd_store_close(r);
  cr_assert(ret == 0 || ret == HD_ERR_USER_NOT_FOUND);
  return ret == 0;
}

/* --- a job that blocks the writer until released, to shape the next batch ---------------- */

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_entered;

static int gate_run(hd_store_t *tx, void *arg) {
  (void)tx, (void)arg;
  pthread_mutex_lock(&gate_mu);
  gate_entered = 1;
  pthread_cond_broadcast(&gate_cv);
  while (!gate_open)
    pthread_cond_wait(&gate_cv, &gate_mu);
  pthread_mutex_unlock(&gate_mu);
  return 0;
}
static void gate_done(void *arg, int status) { (void)arg, (void)status; }

static void gate_close_and_wait(hd_writer_t *w) {
  gate_open = gate_entered = 0;
  hd_writer_submit(w, gate_run, gate_done, NULL);
  pthread_mutex_lock(&gate_mu);
  while (!gate_entered)
    pthread_cond_wait(&gate_cv, &gate_mu);
  pthread_mutex_unlock(&gate_mu);
}
static void gate_release(void) {
  pthread_mutex_lock(&gate_mu);
  gate_open = 1;
  pthread_cond_broadcast(&gate_cv);
  pthread_mutex_unlock(&gate_mu);
}

/* Poll the stats until n jobs completed (10 s at most). */
static void wait_jobs(hd_writer_t *w, uint64_t n) {
  hd_writer_stats_t st;
  for (int spin = 0; spin < 10000; spin++) {
    hd_writer_stats(w, &st);
    if (st.jobs >= n)
      return;
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  cr_assert_fail("writer did not complete %llu jobs", (unsigned long long)n);
}

/* --- tests ------------------------------------------------------------------------------- */

#define PER_THREAD 400
typedef struct {
  hd_writer_t *w;
  job_t *jobs;
  int tid;
} feeder_t;

static void *feeder(void *p) {
  feeder_t *f = p;
  for (int i = 0; i < PER_THREAD; i++) {
    snprintf(f->jobs[i].name, sizeof(f->jobs[i].name), "user%d_%04d", f->tid, i);
    submit(f->w, &f->jobs[i]);
  }
  return NULL;
}

Test(writer, group_commit_from_two_threads) {
  hd_writer_t *w;
  cr_assert_eq(hd_writer_create(&cfg, 128, &w), 0);
  static job_t jobs[2][PER_THREAD];
  memset(jobs, 0, sizeof(jobs));
  feeder_t f[2] = {{w, jobs[0], 0}, {w, jobs[1], 1}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    cr_assert_eq(pthread_create(&t[i], NULL, feeder, &f[i]), 0);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  wait_jobs(w, 2 * PER_THREAD);
  hd_writer_stats_t st;
  hd_writer_stats(w, &st);
  cr_assert_eq(st.jobs, 2 * PER_THREAD);
  cr_assert_lt(st.batches, st.jobs, "jobs were never grouped (%llu batches)",
               (unsigned long long)st.batches);
  hd_writer_destroy(w);
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < PER_THREAD; i++) {
      cr_assert_eq(jobs[k][i].done_calls, 1);
      cr_assert_eq(jobs[k][i].status, 0);
    }
  cr_assert_eq(order_errors, 0, "done() out of submission order");
  cr_assert(user_exists("user0_0000"));
  cr_assert(user_exists("user1_0399"));
}

Test(writer, stats_histograms) {
  hd_writer_t *w;
  cr_assert_eq(hd_writer_create(&cfg, 16, &w), 0);
  static job_t jobs[100];
  memset(jobs, 0, sizeof(jobs));
  gate_close_and_wait(w);
  for (int i = 0; i < 100; i++) {
    snprintf(jobs[i].name, sizeof(jobs[i].name), "hist%04d", i);
    submit(w, &jobs[i]);
  }
  gate_release();
  hd_writer_stats_t st;
  wait_jobs(w, 101);
  hd_writer_stats(w, &st);
  cr_assert_eq(st.jobs, 101);
  /* batch 1: the gate alone; then 100 jobs in batches of at most 16 → 7 batches */
  cr_assert_eq(st.batches, 8);
  cr_assert_eq(st.batch_hist[0], 1); /* the gate alone */
  cr_assert_eq(st.batch_hist[4], 6); /* six full batches of 16 (bucket 16-63) */
  cr_assert_eq(st.batch_hist[2], 1); /* the remaining 4 (bucket 4-7) */
  uint64_t sum = 0, lat = 0;
  for (int i = 0; i < 8; i++) {
    sum += st.batch_hist[i];
    lat += st.commit_us_hist[i];
  }
  cr_assert_eq(sum, st.batches);
  cr_assert_eq(lat, st.batches);
  cr_assert_gt(st.commit_us_sum, 0);
  hd_writer_destroy(w);
}

Test(writer, failing_job_rolls_back_alone) {
  hd_writer_t *w;
  cr_assert_eq(hd_writer_create(&cfg, 64, &w), 0);
  static job_t j[4];
  memset(j, 0, sizeof(j));
  snprintf(j[0].name, sizeof(j[0].name), "first");
  snprintf(j[1].name, sizeof(j[1].name), "second");
  j[1].fail_with = HD_ERR_FORBIDDEN;               /* inserts, then fails: its insert must vanish */
  snprintf(j[2].name, sizeof(j[2].name), "FIRST"); /* sees job 0: duplicate name */
  snprintf(j[3].name, sizeof(j[3].name), "fourth");
  gate_close_and_wait(w); /* all four land in one batch */
  for (int i = 0; i < 4; i++)
    submit(w, &j[i]);
  gate_release();
  hd_writer_destroy(w);
  cr_assert_eq(j[0].status, 0);
  cr_assert_eq(j[1].status, HD_ERR_FORBIDDEN);
  cr_assert_eq(j[2].status, HD_ERR_USERNAME_TAKEN);
  cr_assert_eq(j[3].status, 0);
  cr_assert(user_exists("first"));
  cr_assert_not(user_exists("second"));
  cr_assert(user_exists("fourth"));
}

Test(writer, broken_transaction_fails_the_whole_batch) {
  hd_writer_t *w;
  cr_assert_eq(hd_writer_create(&cfg, 64, &w), 0);
  static job_t j[3];
  memset(j, 0, sizeof(j));
  snprintf(j[0].name, sizeof(j[0].name), "alpha");
  snprintf(j[1].name, sizeof(j[1].name), "bravo");
  j[1].sabotage = 1; /* ends the transaction under the writer's feet */
  snprintf(j[2].name, sizeof(j[2].name), "charlie");
  gate_close_and_wait(w);
  for (int i = 0; i < 3; i++)
    submit(w, &j[i]);
  gate_release();
  wait_jobs(w, 4); /* the gate and the three: the next job starts a new batch */
  static job_t after = {.name = "delta"};
  submit(w, &after);
  hd_writer_destroy(w);
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(j[i].status, HD_ERR_STORAGE, "job %d", i);
    cr_assert_eq(j[i].done_calls, 1);
  }
  cr_assert_not(user_exists("alpha")); /* nothing of the batch was acknowledged */
  cr_assert_not(user_exists("charlie"));
  cr_assert_eq(after.status, 0); /* the writer recovers for the next batch */
  cr_assert(user_exists("delta"));
}

Test(writer, create_fails_cleanly_on_bad_dir) {
  hd_writer_t *w = NULL;
  hd_store_config_t bad = {.data_dir = "/proc/hd_no_such_dir/x", .sync_full = 1};
  cr_assert_lt(hd_writer_create(&bad, 8, &w), 0);
  cr_assert_null(w);
}

/* --- the checkpoint thread (writer.h invariant 5) ------------------------------------------ */

static int big_run(hd_store_t *tx, void *arg) {
  job_t *j = arg;
  char bio[2048];
  memset(bio, 'b', sizeof(bio) - 1);
  bio[sizeof(bio) - 1] = '\0';
  hd_user_t u = {
      .username = j->name, .display_name = j->name, .bio = bio, .country = "DE", .created_at = 1};
  return tx->ops->user_insert(tx, &u, "hash");
}

static long file_size(const char *name) {
  char path[128];
  struct stat sb;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

Test(writer, checkpoints_bound_the_log_and_lose_nothing) {
  enum { N = 3000 };
  hd_store_config_t small = cfg;
  small.wal_restart_pages = 64; /* 256 KiB: many restarts for ~6 MB of rows */
  hd_writer_t *w;
  cr_assert_eq(hd_writer_create(&small, 16, &w), 0);
  static job_t j[N];
  memset(j, 0, sizeof(j));
  long wal_max = 0;
  for (int i = 0; i < N; i++) {
    snprintf(j[i].name, sizeof(j[i].name), "big%05d", i);
    hd_writer_submit(w, big_run, job_done, &j[i]);
    if (i % 100 == 99) { /* let a checkpoint run after every 100 rows (~300 KB of log) */
      wait_jobs(w, (uint64_t)i + 1);
      hd_writer_stats_t before, now;
      hd_writer_stats(w, &before);
      for (int spin = 0; spin < 2000; spin++) {
        hd_writer_stats(w, &now);
        if (now.checkpoints > before.checkpoints)
          break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
      }
      wal_max = HD_MAX(wal_max, file_size("herald.db-wal"));
    }
  }
  wait_jobs(w, N);
  hd_writer_stats_t st;
  for (int spin = 0; spin < 2000; spin++) { /* the last checkpoint may still be running */
    hd_writer_stats(w, &st);
    if (st.ckpt_restarts > 0 && st.ckpt_pages > 0)
      break;
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  cr_assert_gt(st.checkpoints, 0);
  cr_assert_gt(st.ckpt_restarts, 0, "the log was never restarted");
  cr_assert_gt(st.ckpt_pages, 0);
  /* without restarts the log would hold every page written: > 6 MB */
  cr_assert_lt(wal_max, 4L << 20, "log grew to %ld bytes", wal_max);
  hd_writer_destroy(w);
  for (int i = 0; i < N; i++)
    cr_assert_eq(j[i].status, 0, "job %d", i);
  cr_assert(user_exists("big00000"));
  cr_assert(user_exists("big02999"));
}

/* --- auth epoch (writer.h invariant 6) ------------------------------------------------------ */

typedef struct {
  hd_writer_t *w;
  int fail_with;
  uint64_t epoch_in_done; /* hd_writer_auth_epoch() as seen inside done() */
  int done_calls;
} epoch_job_t;

static pthread_mutex_t epoch_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t epoch_cv = PTHREAD_COND_INITIALIZER;
static int epoch_dones;

static int epoch_run(hd_store_t *tx, void *arg) {
  (void)tx;
  return ((epoch_job_t *)arg)->fail_with;
}

static void epoch_done(void *arg, int status) {
  epoch_job_t *j = arg;
  (void)status;
  pthread_mutex_lock(&epoch_mu);
  j->epoch_in_done = hd_writer_auth_epoch(j->w);
  j->done_calls++;
  epoch_dones++;
  pthread_cond_broadcast(&epoch_cv);
  pthread_mutex_unlock(&epoch_mu);
}

/* Wait until n epoch jobs have run done() (their fields are then safe to read). */
static void epoch_wait(int n) {
  pthread_mutex_lock(&epoch_mu);
  while (epoch_dones < n)
    pthread_cond_wait(&epoch_cv, &epoch_mu);
  pthread_mutex_unlock(&epoch_mu);
}

Test(writer, auth_epoch_bumped_before_done_except_for_neutral_jobs) {
  hd_writer_t *w;
  cr_assert_eq(hd_writer_create(&cfg, 64, &w), 0);
  epoch_dones = 0;
  uint64_t e0 = hd_writer_auth_epoch(w);
  static epoch_job_t n[3], plain, failing, mixed;
  memset(n, 0, sizeof(n));
  for (int i = 0; i < 3; i++) { /* neutral jobs alone: the epoch stays */
    n[i].w = w;
    hd_writer_submit_flags(w, epoch_run, epoch_done, &n[i], HD_WJOB_AUTH_NEUTRAL);
  }
  epoch_wait(3);
  for (int i = 0; i < 3; i++)
    cr_assert_eq(n[i].epoch_in_done, e0, "neutral job %d moved the epoch", i);
  cr_assert_eq(hd_writer_auth_epoch(w), e0);

  plain = (epoch_job_t){.w = w}; /* an ordinary job: bumped once, before its done() */
  hd_writer_submit(w, epoch_run, epoch_done, &plain);
  epoch_wait(4);
  cr_assert_eq(plain.done_calls, 1);
  cr_assert_eq(plain.epoch_in_done, e0 + 1);
  cr_assert_eq(hd_writer_auth_epoch(w), e0 + 1);

  /* one batch: a neutral job then a failing ordinary one. The gate's own batch bumps once
   * (e0 + 2), this batch once more, before the first done() of the batch: both see e0 + 3 */
  failing = (epoch_job_t){.w = w, .fail_with = HD_ERR_FORBIDDEN};
  mixed = (epoch_job_t){.w = w};
  gate_close_and_wait(w);
  hd_writer_submit_flags(w, epoch_run, epoch_done, &mixed, HD_WJOB_AUTH_NEUTRAL);
  hd_writer_submit(w, epoch_run, epoch_done, &failing);
  gate_release();
  epoch_wait(6);
  hd_writer_destroy(w);
  cr_assert_eq(failing.done_calls, 1);
  cr_assert_eq(mixed.epoch_in_done, e0 + 3, "the neutral job of a mixed batch saw %llu",
               (unsigned long long)mixed.epoch_in_done);
  cr_assert_eq(failing.epoch_in_done, e0 + 3);
}

/* --- pipelined commits (writer.h 7) -------------------------------------------------------- */

typedef struct {
  hd_writer_t *w;
  char name[32];
  uint64_t durable_in_done, visible_in_done;
  _Atomic int done_calls;
} seq_job_t;

static int seq_run(hd_store_t *tx, void *arg) {
  seq_job_t *j = arg;
  hd_user_t u = {
      .username = j->name, .display_name = j->name, .bio = "", .country = "DE", .created_at = 1};
  return tx->ops->user_insert(tx, &u, "hash");
}

static void seq_done(void *arg, int status) {
  seq_job_t *j = arg;
  cr_assert_eq(status, 0);
  j->visible_in_done = hd_writer_visible_seq(j->w);
  j->durable_in_done = hd_writer_durable_seq(j->w);
  atomic_fetch_add(&j->done_calls, 1);
}

static _Atomic uint64_t told_seq;
static _Atomic int told_backwards;
static void on_durable(void *ctx, uint64_t seq) {
  (void)ctx;
  if (seq < atomic_load(&told_seq))
    atomic_store(&told_backwards, 1);
  atomic_store(&told_seq, seq);
}

static void wait_done(seq_job_t *j) {
  for (int spin = 0; spin < 10000 && atomic_load(&j->done_calls) == 0; spin++)
    nanosleep(&(struct timespec){0, 1000000}, NULL);
  cr_assert_eq(atomic_load(&j->done_calls), 1, "done() not called once");
}

Test(writer, pipelined_commit_is_visible_before_durable_and_acked_after) {
  hd_store_config_t slow = cfg;
  slow.sync_delay_ms = 300; /* widen the window between commit and sync */
  hd_writer_t *w;
  cr_assert_eq(hd_writer_create(&slow, 16, &w), 0);
  hd_writer_on_durable(w, on_durable, NULL);
  static seq_job_t first, second;
  first = (seq_job_t){.w = w, .name = "pipe_first"};
  hd_writer_submit(w, seq_run, seq_done, &first); /* synchronous: it opens the log */
  wait_done(&first);
  cr_assert_eq(first.durable_in_done, first.visible_in_done);

  second = (seq_job_t){.w = w, .name = "pipe_second"};
  hd_writer_submit(w, seq_run, seq_done, &second);
  for (int spin = 0; spin < 5000 && !user_exists("pipe_second"); spin++)
    nanosleep(&(struct timespec){0, 1000000}, NULL);
  /* committed and readable, not yet synced: not acknowledged, and the sequence says so */
  cr_assert(user_exists("pipe_second"));
  cr_assert_eq(atomic_load(&second.done_calls), 0, "acknowledged before the sync");
  cr_assert_gt(hd_writer_visible_seq(w), hd_writer_durable_seq(w));
  wait_done(&second);
  cr_assert_geq(second.durable_in_done, second.visible_in_done,
                "done() ran before its batch was durable");
  cr_assert_eq(atomic_load(&told_seq), hd_writer_durable_seq(w));
  cr_assert_eq(atomic_load(&told_backwards), 0);
  hd_writer_destroy(w);
}

Test(writer, no_pipeline_keeps_commits_synchronous) {
  hd_store_config_t sync = cfg;
  sync.no_pipeline = 1;
  sync.sync_delay_ms = 5000; /* would stall every ack if the sync thread were used */
  hd_writer_t *w;
  cr_assert_eq(hd_writer_create(&sync, 16, &w), 0);
  static seq_job_t j[3];
  for (int i = 0; i < 3; i++) {
    j[i] = (seq_job_t){.w = w};
    snprintf(j[i].name, sizeof(j[i].name), "nopipe_%d", i);
    hd_writer_submit(w, seq_run, seq_done, &j[i]);
    wait_done(&j[i]);
    cr_assert_eq(j[i].durable_in_done, j[i].visible_in_done);
  }
  hd_writer_destroy(w);
}
