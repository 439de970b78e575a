/*
 * sqlite/health.c — the write probe behind GET /healthz (api/health.c).
 *
 * The health table holds exactly one row (id = 1, enforced by a CHECK), upserted by every
 * probe. The probe runs as an ordinary job of the group-commit writer, so its success proves
 * what a message send needs: the writer thread runs, the write lock can be taken, a page can
 * be changed and the commit (with its fsync) reaches the log.
 *
 *   health (id = 1, probed_at, probes)  ◄── INSERT … ON CONFLICT DO UPDATE … RETURNING probes
 *
 * The statement is prepared per probe rather than cached in the handle: probes come every
 * few seconds at most, so a prepare (microseconds) is cheaper than a statement slot kept for
 * the life of every handle.
 *
 * Invariants:
 *  1. The table never has more than one row; a probe changes it (probes grows by one), so
 *     the commit always has a page to write.
 *  2. The statement is finalized on every path.
 */
#include "store/sqlite/internal.h"

#define HEALTH_TOUCH_SQL                                                                           \
  "INSERT INTO health (id, probed_at, probes) VALUES (1, ?1, 1)"                                   \
  " ON CONFLICT (id) DO UPDATE SET probed_at = ?1, probes = probes + 1 RETURNING probes"

int hd__sq_health_touch(hd_store_t *s, int64_t now_ms, int64_t *probes) {
  hd_sqlite_t *q = HD_SQ(s);
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(q->db, HEALTH_TOUCH_SQL, -1, &st, NULL);
  if (rc != SQLITE_OK)
    return hd__sq_fail(q, rc, "health_touch");
  sqlite3_bind_int64(st, 1, now_ms);
  int64_t n = 0;
  int ret = hd__sq_int64(q, st, HD_ERR_STORAGE, &n, "health_touch");
  sqlite3_finalize(st);
  if (ret == 0 && probes)
    *probes = n;
  return ret;
}
