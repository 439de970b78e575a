/*
 * writer.c — the single writer thread and its group commit (see writer.h for the contract).
 *
 *   submit() ─► [head … tail] (mutex + condvar) ─► writer thread takes up to max_batch jobs
 *
 *   batch state machine (writer thread, run_batch()):
 *
 *     IDLE ──jobs queued──► BEGIN IMMEDIATE ──fail──► every job: HD_ERR_STORAGE ──► DONE
 *                              │ ok
 *                              ▼
 *                 for each job: SAVEPOINT ─► run() ─0─► RELEASE        (job kept)
 *                                                 └<0─► ROLLBACK TO    (job undone alone)
 *                              │
 *                              ▼
 *                           COMMIT ──fail──► ROLLBACK, every job: HD_ERR_STORAGE
 *                              │ ok
 *                              ▼
 *                 DONE: done(arg, status) for each job in submission order ──► IDLE
 *
 *   pipelined commits (once the store supports it, store/ops.h log_defer_sync): COMMIT
 *   publishes the batch without waiting for the disk; the batch goes to the sync thread and
 *   the writer takes the next one while the disk works:
 *
 *     writer:  [run batch k][COMMIT k]─┬─[run batch k+1][COMMIT k+1]─┬─ …
 *     sync:                            └─ fdatasync ─► done(k) ────────┴─ fdatasync ─► done(k+1)
 *
 *   One fdatasync covers every batch queued when it starts. visible_seq is raised before a
 *   COMMIT and durable_seq after the sync that covers it, so a reader that loads visible_seq
 *   after its reads knows which durable_seq makes what it saw durable (api/app.c holds such
 *   replies until then: nothing a client receives can be lost by a crash).
 *
 *   checkpoint thread (ckpt_main(), its own write handle, wal_autocheckpoint off on both):
 *
 *     WAIT ──a commit happened──► PASSIVE (copies frames no snapshot needs; never blocks)
 *       ▲                           │ log ≥ HD_WRITER_CKPT_RESTART pages?
 *       │                           ├ no ──────────────────────────────┐
 *       │                           ▼ yes                              │
 *       │       HOLD: ckpt_hold = 1, wait until !in_batch (the writer  │
 *       │       stops between batches), RESTART, ckpt_hold = 0         │
 *       └──────────── sleep HD_WRITER_CKPT_MS ◄────────────────────────┘
 *
 * Invariants (numbered as in writer.h):
 *  1. done() runs once per job, after its batch is durable (COMMIT returned and, when
 *     pipelined, the sync thread's fdatasync covered it) or after rollback; in batch order.
 *  2. A job's failure touches only its savepoint.
 *  3. A failed COMMIT turns every status of the batch into HD_ERR_STORAGE.
 *  4. The queue is FIFO and one thread runs the jobs, so job k sees jobs 1..k-1.
 *  5. destroy() drains: the thread exits only when stop is set and the queue is empty.
 *  6. (auth epoch, writer.h 6) bumped once per batch with a non-neutral job, after its
 *     commit or rollback, before its done() calls.
 *  7. The writer takes no batch while ckpt_hold is set, and the checkpoint thread restarts the
 *     log only while in_batch is 0: a restart never waits on the writer's lock, and the
 *     writer waits at most one restart (a few ms, frames were copied by the passive run).
 *  8. (writer.h 7) visible_seq >= durable_seq; every batch whose changes a reader can see has
 *     seq <= visible_seq at that moment; durable_seq = s means batches 1..s are on disk.
 */
#include "store/writer.h"

#include "common/error.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/time.h"
#include "store/ops.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct st_hd_wjob_t {
  struct st_hd_wjob_t *next;
  hd_wjob_run_t run;
  hd_wjob_done_t done;
  void *arg;
  int status;
  unsigned flags; /* HD_WJOB_* */
} hd_wjob_t;

/* A batch on its way to the disk (pipelined commits). */
typedef struct st_hd_wbatch_t {
  struct st_hd_wbatch_t *next;
  hd_wjob_t *jobs;
  uint64_t seq;
  int committed; /* its frames are in the log and need the sync */
} hd_wbatch_t;

struct st_hd_writer_t {
  hd_store_t *store;
  size_t max_batch;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  hd_wjob_t *head, *tail;  /* queue, guarded by mu */
  int stop;                /* guarded by mu */
  hd_writer_stats_t stats; /* guarded by mu */
  /* checkpoint thread (invariant 7); all guarded by mu */
  hd_store_t *ckpt; /* its own write handle, used by that thread only */
  pthread_t ckpt_thread;
  pthread_cond_t ckpt_cv; /* signalled on commit, end of a batch and ckpt_stop */
  int ckpt_stop;
  int ckpt_hold;     /* a restart is pending: the writer takes no new batch */
  int in_batch;      /* the writer is between taking a batch and finishing its done() calls */
  int restart_pages; /* log size that triggers a restart (immutable) */
  _Atomic uint64_t auth_epoch; /* invariant 6: bumped by the writer thread only */
  /* pipelined commits (invariant 8) */
  int pipelined;     /* allowed by the configuration (immutable) */
  int sync_delay_ms; /* tests only (immutable) */
  int log_fd;        /* fdatasync target once pipelined, else -1 (writer thread sets it once) */
  uint64_t seq;      /* last batch number (writer thread) */
  pthread_t sync_thread;
  pthread_cond_t sync_cv;             /* guarded by mu */
  hd_wbatch_t *sync_head, *sync_tail; /* committed batches waiting for the disk; mu */
  int sync_stop;                      /* mu */
  hd_writer_durable_fn on_durable;    /* mu */
  void *on_durable_ctx;               /* mu */
  _Atomic uint64_t visible_seq, durable_seq;
};

static size_t batch_bucket(size_t n) {
  static const size_t upper[] = {1, 3, 7, 15, 63, 255, 1023};
  for (size_t i = 0; i < HD_ARRAY_SIZE(upper); i++)
    if (n <= upper[i])
      return i;
  return 7;
}

static size_t latency_bucket(uint64_t us) {
  static const uint64_t below[] = {100, 250, 500, 1000, 2500, 10000, 50000};
  for (size_t i = 0; i < HD_ARRAY_SIZE(below); i++)
    if (us < below[i])
      return i;
  return 7;
}

static void fail_all(hd_wjob_t *batch, int status) {
  for (hd_wjob_t *j = batch; j; j = j->next)
    j->status = status;
}

/* Run one batch inside a transaction; fills each job's status. Returns commit latency (us);
 * *committed = 1 when COMMIT succeeded. */
static uint64_t run_batch(hd_writer_t *w, hd_wjob_t *batch, int *committed) {
  hd_store_t *s = w->store;
  if (s->ops->begin(s) != 0) {
    fail_all(batch, HD_ERR_STORAGE);
    return 0;
  }
  for (hd_wjob_t *j = batch; j; j = j->next) {
    if (s->ops->savepoint(s) != 0) {
      j->status = HD_ERR_STORAGE;
      continue;
    }
    j->status = j->run(s, j->arg);
    if (j->status > 0) /* contract: 0 or negative; anything else is a bug reported as such */
      j->status = HD_ERR_INTERNAL;
    if (j->status == 0) {
      if (s->ops->release(s) != 0)
        j->status = HD_ERR_STORAGE;
    }
    if (j->status != 0 && s->ops->rollback_to(s) != 0) {
      /* the transaction is unusable: undo everything, nobody is acknowledged */
      s->ops->rollback(s);
      fail_all(batch, HD_ERR_STORAGE);
      return 0;
    }
  }
  uint64_t t0 = hd_time_mono_ns();
  if (w->log_fd >= 0) /* invariant 8: raised before the commit can become visible */
    atomic_store(&w->visible_seq, w->seq);
  if (s->ops->commit(s) != 0) {
    s->ops->rollback(s);
    fail_all(batch, HD_ERR_STORAGE);
    hd_log(HD_LOG_ERROR, "writer: commit failed, batch rolled back", NULL);
  } else {
    *committed = 1;
  }
  return (hd_time_mono_ns() - t0) / 1000;
}

/* done() for every job of a finished batch, in submission order (invariant 1). */
static void finish_jobs(hd_wjob_t *batch) {
  for (hd_wjob_t *j = batch, *next; j; j = next) {
    next = j->next;
    j->done(j->arg, j->status);
    hd_mem_free(j);
  }
}

static void tell_durable(hd_writer_t *w, uint64_t seq) {
  pthread_mutex_lock(&w->mu);
  hd_writer_durable_fn fn = w->on_durable;
  void *ctx = w->on_durable_ctx;
  pthread_mutex_unlock(&w->mu);
  if (fn)
    fn(ctx, seq);
}

/* The sync thread: one fdatasync for every batch queued, then their done() calls. */
static void *sync_main(void *p) {
  hd_writer_t *w = p;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (w->sync_head == NULL && !w->sync_stop)
      pthread_cond_wait(&w->sync_cv, &w->mu);
    if (w->sync_head == NULL)
      break; /* stopping and drained */
    hd_wbatch_t *b = w->sync_head;
    w->sync_head = w->sync_tail = NULL;
    pthread_mutex_unlock(&w->mu);
    int need = 0, rc = 0;
    for (hd_wbatch_t *x = b; x; x = x->next)
      need |= x->committed;
    if (need && w->sync_delay_ms > 0) /* tests: widen the visible-not-durable window */
      nanosleep(&(struct timespec){w->sync_delay_ms / 1000, (w->sync_delay_ms % 1000) * 1000000L},
                NULL);
    if (need) {
      while ((rc = fdatasync(w->log_fd)) != 0 && errno == EINTR)
        ;
      if (rc != 0) /* visible but maybe not durable: nobody of these batches is acknowledged */
        hd_log(HD_LOG_ERROR, "writer: log sync failed", "\"errno\":%d", errno);
    }
    uint64_t last = 0;
    for (hd_wbatch_t *x = b, *next; x; x = next) {
      next = x->next;
      if (rc != 0 && x->committed)
        fail_all(x->jobs, HD_ERR_STORAGE);
      atomic_store(&w->durable_seq, x->seq);
      last = x->seq;
      finish_jobs(x->jobs);
      hd_mem_free(x);
    }
    tell_durable(w, last);
    pthread_mutex_lock(&w->mu);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

static void *writer_main(void *p) {
  hd_writer_t *w = p;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while ((w->head == NULL && !w->stop) || w->ckpt_hold)
      pthread_cond_wait(&w->cv, &w->mu);
    if (w->head == NULL && w->stop)
      break;
    w->in_batch = 1;
    /* take up to max_batch jobs off the queue */
    hd_wjob_t *batch = w->head, *last = w->head;
    size_t n = 1;
    while (last->next && n < w->max_batch) {
      last = last->next;
      n++;
    }
    w->head = last->next;
    if (w->head == NULL)
      w->tail = NULL;
    last->next = NULL;
    pthread_mutex_unlock(&w->mu);

    w->seq++;
    int committed = 0;
    uint64_t us = run_batch(w, batch, &committed);

    pthread_mutex_lock(&w->mu);
    w->stats.batches++;
    w->stats.jobs += n;
    w->stats.batch_hist[batch_bucket(n)]++;
    w->stats.commit_us_hist[latency_bucket(us)]++;
    w->stats.commit_us_sum += us;
    pthread_cond_signal(&w->ckpt_cv); /* frames to copy */
    pthread_mutex_unlock(&w->mu);

    for (hd_wjob_t *j = batch; j; j = j->next)
      if (!(j->flags & HD_WJOB_AUTH_NEUTRAL)) { /* invariant 6: before any done() */
        atomic_fetch_add_explicit(&w->auth_epoch, 1, memory_order_acq_rel);
        break;
      }
    if (w->log_fd >= 0) { /* pipelined: the sync thread acknowledges once the disk has it */
      hd_wbatch_t *b = hd_mem_calloc(sizeof(*b));
      b->jobs = batch;
      b->seq = w->seq;
      b->committed = committed;
      pthread_mutex_lock(&w->mu);
      if (w->sync_tail)
        w->sync_tail->next = b;
      else
        w->sync_head = b;
      w->sync_tail = b;
      pthread_cond_signal(&w->sync_cv);
      pthread_mutex_unlock(&w->mu);
    } else { /* the commit synced itself */
      atomic_store(&w->visible_seq, w->seq);
      atomic_store(&w->durable_seq, w->seq);
      finish_jobs(batch);
      tell_durable(w, w->seq);
      if (committed && w->pipelined && w->store->ops->log_defer_sync) /* the log is open now */
        w->log_fd = w->store->ops->log_defer_sync(w->store);
    }
    pthread_mutex_lock(&w->mu);
    w->in_batch = 0;
    if (w->ckpt_hold)
      pthread_cond_signal(&w->ckpt_cv);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* Restart the log with the writer parked between batches (invariant 7). Called with mu held. */
static int ckpt_restart(hd_writer_t *w, int *log_pages, int *done_pages) {
  w->ckpt_hold = 1;
  while (w->in_batch)
    pthread_cond_wait(&w->ckpt_cv, &w->mu);
  pthread_mutex_unlock(&w->mu);
  int ret = w->ckpt->ops->checkpoint(w->ckpt, 1, log_pages, done_pages);
  pthread_mutex_lock(&w->mu);
  w->ckpt_hold = 0;
  pthread_cond_signal(&w->cv);
  return ret;
}

static void *ckpt_main(void *p) {
  hd_writer_t *w = p;
  uint64_t seen = 0;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (w->stats.batches == seen && !w->ckpt_stop)
      pthread_cond_wait(&w->ckpt_cv, &w->mu);
    if (w->ckpt_stop)
      break;
    seen = w->stats.batches;
    pthread_mutex_unlock(&w->mu);
    int log = 0, done = 0, restarted = 0;
    int ret = w->ckpt->ops->checkpoint(w->ckpt, 0, &log, &done);
    pthread_mutex_lock(&w->mu);
    if (ret == 0 && log >= w->restart_pages && !w->ckpt_stop) {
      ret = ckpt_restart(w, &log, &done);
      restarted = ret == 0 && done == log; /* a busy reader makes SQLite give up: retry later */
    }
    w->stats.checkpoints++;
    w->stats.ckpt_restarts += (uint64_t)restarted;
    w->stats.ckpt_pages += done > 0 ? (uint64_t)done : 0;
    if (ret != 0)
      hd_log(HD_LOG_WARN, "writer: log checkpoint failed", NULL);
    /* let frames accumulate: a page rewritten by many commits is copied once per period */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += HD_WRITER_CKPT_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    while (!w->ckpt_stop && pthread_cond_timedwait(&w->ckpt_cv, &w->mu, &until) == 0)
      ;
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

int hd_writer_create(const hd_store_config_t *cfg, size_t max_batch, hd_writer_t **out) {
  int ret;
  hd_writer_t *w = hd_mem_calloc(sizeof(*w));
  w->max_batch = max_batch ? max_batch : 1;
  w->restart_pages = cfg->wal_restart_pages > 0 ? cfg->wal_restart_pages : HD_WRITER_CKPT_RESTART;
  w->log_fd = -1;
  w->pipelined = !cfg->no_pipeline;
  w->sync_delay_ms = cfg->sync_delay_ms;
  hd_store_config_t manual = *cfg;
  manual.wal_manual = 1; /* invariant 5: commits never checkpoint */
  if ((ret = hd_store_open(&manual, 0, &w->store)) != 0)
    goto fail_free;
  if ((ret = hd_store_open(&manual, 0, &w->ckpt)) != 0)
    goto fail_store;
  if (pthread_mutex_init(&w->mu, NULL) != 0) {
    ret = HD_ERR_INTERNAL;
    goto fail_ckpt_store;
  }
  if (pthread_cond_init(&w->cv, NULL) != 0) {
    ret = HD_ERR_INTERNAL;
    goto fail_mutex;
  }
  if (pthread_cond_init(&w->ckpt_cv, NULL) != 0) {
    ret = HD_ERR_INTERNAL;
    goto fail_cond;
  }
  if (pthread_cond_init(&w->sync_cv, NULL) != 0) {
    ret = HD_ERR_INTERNAL;
    goto fail_ckpt_cond;
  }
  if (pthread_create(&w->ckpt_thread, NULL, ckpt_main, w) != 0) {
    ret = HD_ERR_INTERNAL;
    goto fail_sync_cond;
  }
  if (pthread_create(&w->sync_thread, NULL, sync_main, w) != 0) {
    ret = HD_ERR_INTERNAL;
    goto fail_ckpt_thread;
  }
  if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
    ret = HD_ERR_INTERNAL;
    goto fail_sync_thread;
  }
  *out = w;
  return 0;

fail_sync_thread:
  pthread_mutex_lock(&w->mu);
  w->sync_stop = 1;
  pthread_cond_signal(&w->sync_cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->sync_thread, NULL);
fail_ckpt_thread:
  pthread_mutex_lock(&w->mu);
  w->ckpt_stop = 1;
  pthread_cond_signal(&w->ckpt_cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->ckpt_thread, NULL);
fail_sync_cond:
  pthread_cond_destroy(&w->sync_cv);
fail_ckpt_cond:
  pthread_cond_destroy(&w->ckpt_cv);
fail_cond:
  pthread_cond_destroy(&w->cv);
fail_mutex:
  pthread_mutex_destroy(&w->mu);
fail_ckpt_store:
  hd_store_close(w->ckpt);
fail_store:
  hd_store_close(w->store);
fail_free:
  hd_mem_free(w);
  return ret;
}

void hd_writer_submit(hd_writer_t *w, hd_wjob_run_t run, hd_wjob_done_t done, void *arg) {
  hd_writer_submit_flags(w, run, done, arg, 0);
}

uint64_t hd_writer_visible_seq(hd_writer_t *w) { return atomic_load(&w->visible_seq); }

uint64_t hd_writer_durable_seq(hd_writer_t *w) { return atomic_load(&w->durable_seq); }

void hd_writer_on_durable(hd_writer_t *w, hd_writer_durable_fn fn, void *ctx) {
  pthread_mutex_lock(&w->mu);
  w->on_durable = fn;
  w->on_durable_ctx = ctx;
  pthread_mutex_unlock(&w->mu);
}

uint64_t hd_writer_auth_epoch(hd_writer_t *w) {
  return atomic_load_explicit(&w->auth_epoch, memory_order_acquire);
}

void hd_writer_submit_flags(hd_writer_t *w, hd_wjob_run_t run, hd_wjob_done_t done, void *arg,
                            unsigned flags) {
  HD_ASSERT(run != NULL && done != NULL);
  hd_wjob_t *j = hd_mem_calloc(sizeof(*j));
  j->run = run;
  j->done = done;
  j->arg = arg;
  j->flags = flags;
  pthread_mutex_lock(&w->mu);
  HD_ASSERT(!w->stop); /* submitting after destroy() began is a lifecycle bug */
  if (w->tail)
    w->tail->next = j;
  else
    w->head = j;
  w->tail = j;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

void hd_writer_stats(hd_writer_t *w, hd_writer_stats_t *out) {
  pthread_mutex_lock(&w->mu);
  *out = w->stats;
  pthread_mutex_unlock(&w->mu);
}

void hd_writer_destroy(hd_writer_t *w) {
  if (w == NULL)
    return;
  pthread_mutex_lock(&w->mu);
  w->stop = 1;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->thread, NULL);
  pthread_mutex_lock(&w->mu); /* every batch is committed: let the sync thread drain */
  w->sync_stop = 1;
  pthread_cond_signal(&w->sync_cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->sync_thread, NULL);
  pthread_mutex_lock(&w->mu); /* the queue is drained: stop checkpointing */
  w->ckpt_stop = 1;
  pthread_cond_signal(&w->ckpt_cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->ckpt_thread, NULL);
  pthread_cond_destroy(&w->ckpt_cv);
  pthread_cond_destroy(&w->sync_cv);
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  hd_store_close(w->ckpt);
  hd_store_close(w->store);
  hd_mem_free(w);
}
