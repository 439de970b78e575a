/*
 * writer.h — the single writer thread and its group commit (DESIGN.md "The write path").
 *
 *   loop threads ──submit(job)──► [queue] ──► writer thread:
 *        BEGIN IMMEDIATE
 *          for each pending job: SAVEPOINT j; run(tx, arg) → 0 ? RELEASE j : ROLLBACK TO j
 *        COMMIT (one fsync for the whole batch)
 *        for each job, in submission order: done(arg, status)
 *
 * Invariants:
 *  1. done() is called exactly once per submitted job, on the writer thread, and only after
 *     the job's changes are durable (status 0) or rolled back (status < 0).
 *  2. A failing job rolls back only its own savepoint; other jobs in the batch commit.
 *  3. If COMMIT fails, every job of the batch gets HD_ERR_STORAGE; nothing was acknowledged.
 *  4. Jobs run in submission order; a job sees the effects of all jobs submitted before it.
 *  5. Commits never checkpoint the log: a second thread on its own write handle copies log
 *     frames into the database (passive, at most every HD_WRITER_CKPT_MS after a commit) and,
 *     once the log holds HD_WRITER_CKPT_RESTART pages, pauses the writer between batches for a
 *     restart so the log stays bounded. Durability is unchanged: an ack still follows the
 *     commit's fsync of the log.
 *  6. Auth epoch: after a batch holding any job not submitted with HD_WJOB_AUTH_NEUTRAL has
 *     committed or rolled back, and before any done() of that batch runs, the epoch
 *     (hd_writer_auth_epoch) is incremented. Caches of authentication results (api/app.c)
 *     tag entries with the epoch read BEFORE their store read and drop any entry whose tag
 *     differs, so whatever a job changed (sessions, suspensions) is seen by every loop
 *     before the job is acknowledged. A job may be submitted HD_WJOB_AUTH_NEUTRAL only if it
 *     can change neither sessions nor account blocks (e.g. a plain text message send).
 *  7. Durability sequence: batches are numbered 1, 2, …. hd_writer_visible_seq() is at least
 *     the number of every batch whose changes a reader can see at the time of the call;
 *     hd_writer_durable_seq() = s means batches 1..s are on disk. With pipelined commits
 *     (the default when the store supports it) a batch is visible up to one fdatasync before
 *     it is durable; a reply built from reads must wait until durable >= the visible seq
 *     loaded after those reads (api/app.c does). Jobs are acknowledged only once durable.
 */
#ifndef HD_STORE_WRITER_H
#define HD_STORE_WRITER_H

#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct st_hd_writer_t hd_writer_t;

/* Checkpoint pacing: frames accumulate this long so a hot page is copied once, not per commit
 * (a chat's tail page is rewritten by every batch: at 100 ms the checkpoint thread used ~7 us
 * of CPU per private send, at 500 ms ~3 us). */
#define HD_WRITER_CKPT_MS      500
/* Log size (pages) at which the checkpoint thread restarts the log: 64 MiB of 1 KiB pages. */
#define HD_WRITER_CKPT_RESTART 65536

/* Run inside the batch transaction on the writer thread; return 0 or a negative hd_err_t. */
typedef int (*hd_wjob_run_t)(hd_store_t *tx, void *arg);
/* Called after the batch is durable or rolled back (on the writer or its sync thread); must be
 * quick (hand off to a loop). */
typedef void (*hd_wjob_done_t)(void *arg, int status);

typedef struct {
  uint64_t batches;           /* commits performed */
  uint64_t jobs;              /* jobs completed */
  uint64_t batch_hist[8];     /* batch sizes: 1, 2-3, 4-7, 8-15, 16-63, 64-255, 256-1023, 1024+ */
  uint64_t commit_us_hist[8]; /* commit latency: <100us, <250us, <500us, <1ms, <2.5ms, <10ms, <50ms,
                                 more */
  uint64_t commit_us_sum;
  uint64_t checkpoints;   /* background log checkpoints run (passive and restart) */
  uint64_t ckpt_restarts; /* of which restarts: the writer paused, the log started over */
  uint64_t ckpt_pages;    /* log frames copied into the database, summed */
} hd_writer_stats_t;

/* Open the write handle and start the thread. Returns 0 and sets *out, or an error. */
int hd_writer_create(const hd_store_config_t *cfg, size_t max_batch, hd_writer_t **out);
/* Queue a job (thread-safe). The writer owns nothing of arg; done() must release it. */
void hd_writer_submit(hd_writer_t *w, hd_wjob_run_t run, hd_wjob_done_t done, void *arg);

enum { HD_WJOB_AUTH_NEUTRAL = 1 << 0 /* changes no session or account block (invariant 6) */ };
/* hd_writer_submit with HD_WJOB_* flags. */
void hd_writer_submit_flags(hd_writer_t *w, hd_wjob_run_t run, hd_wjob_done_t done, void *arg,
                            unsigned flags);
/* The auth epoch (invariant 6; thread-safe, acquire ordering). */
uint64_t hd_writer_auth_epoch(hd_writer_t *w);
/* Durability sequence (invariant 7; thread-safe). */
uint64_t hd_writer_visible_seq(hd_writer_t *w);
uint64_t hd_writer_durable_seq(hd_writer_t *w);
/* Called (on a writer-owned thread, after the done() calls) each time durable_seq advances;
 * must be quick. Set once before traffic; NULL clears it. */
typedef void (*hd_writer_durable_fn)(void *ctx, uint64_t durable_seq);
void hd_writer_on_durable(hd_writer_t *w, hd_writer_durable_fn fn, void *ctx);
/* Copy the counters (thread-safe). */
void hd_writer_stats(hd_writer_t *w, hd_writer_stats_t *out);
/* Finish every queued job, stop the thread and close the handle. */
void hd_writer_destroy(hd_writer_t *w);

#endif
