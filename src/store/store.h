/*
 * store.h — the store interface: opening a store and the handle type domain code receives.
 *
 * The store is a vtable (STYLE.md §3): hd_store_t carries a pointer to hd_store_ops_t
 * (store/ops.h) whose functions the domain calls; store/sqlite/ implements it today and pg/
 * will at scale. Nothing above src/store/ includes sqlite3.h.
 *
 * Threading: a handle is used by one thread at a time. Each event loop opens a read-only
 * handle for indexed reads; the writer thread (store/writer.h) owns the only write handle.
 */
#ifndef HD_STORE_STORE_H
#define HD_STORE_STORE_H

#include <stdint.h>

typedef struct st_hd_store_t hd_store_t;

typedef struct {
  const char *data_dir;  /* directory holding herald.db (created if missing) */
  int sync_full;         /* 1: synchronous=FULL (default, durable at ack); 0: NORMAL */
  int busy_timeout_ms;   /* how long a reader waits on a lock, default 5000 */
  int wal_manual;        /* 1: no automatic WAL checkpoints on this write handle; the writer's
                            checkpoint thread runs them (store/writer.c) */
  int wal_restart_pages; /* writer: restart the log once it holds this many pages
                            (0: HD_WRITER_CKPT_RESTART) */
  int no_pipeline;       /* writer: 1 keeps every commit synchronous (no sync thread overlap) */
  int sync_delay_ms;     /* writer: sleep before each pipelined log sync (tests only) */
} hd_store_config_t;

/* Open a handle. readonly=0 creates the database and migrates its schema. Returns 0 and sets
 * *out, or a negative hd_err_t. Close with hd_store_close(). */
int hd_store_open(const hd_store_config_t *cfg, int readonly, hd_store_t **out);
void hd_store_close(hd_store_t *s);

#endif
