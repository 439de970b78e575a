/*
 * health.c — GET /healthz: liveness, store readability and writability (see health.h).
 *
 *   healthz ─► read probe on the loop's handle (user id 0, which never exists)
 *     ├─ fails ───────────────────────────────────────────────────────────► 503
 *     ├─ a write probe has been pending for HD_HEALTH_STUCK_MS ────────────► 503 (writer stuck)
 *     └─► write probe: hd_api_write(health_touch) ─► group commit ─► done
 *                                                       ├─ status 0 ────► 200 {"ok":true}
 *                                                       └─ error ───────► 503
 *
 * The write probe is an ordinary writer job (store/sqlite/health.c upserts the one health
 * row), so it proves the whole write path: writer thread alive, write lock obtainable, a page
 * changed and committed. A lock held elsewhere makes BEGIN IMMEDIATE fail after the store's
 * busy timeout (5 s), which bounds the answer; a writer wedged in I/O never completes, so
 * later probes answer 503 at once instead of queueing behind it.
 *
 * Invariants:
 *  1. pending_since is 0 or the monotonic time (ms) a probe was submitted while none was
 *     known to be pending; any probe completing (either way) resets it to 0, because a
 *     completion proves the writer is moving.
 *  2. The call is answered exactly once: by the read probe, the stuck check, or done().
 */
#include "api/health.h"
#include "api/handler.h"
#include "chat/accounts.h"
#include "common/error.h"
#include "common/time.h"
#include "store/ops.h"

#define HD_HEALTH_STUCK_MS 10000 /* a write probe pending longer than this: unhealthy */

static _Atomic uint64_t pending_since; /* invariant 1 */

typedef struct {
  int64_t now_ms;
  int64_t probes;
} probe_t;

static int probe_run(hd_store_t *tx, void *arg) {
  probe_t *p = arg;
  return tx->ops->health_touch(tx, p->now_ms, &p->probes);
}

static void probe_done(hd_call_t *call, int status, void *arg) {
  (void)arg;
  atomic_store(&pending_since, 0);
  if (status != 0) {
    hd_api_error_msg(call, status == HD_ERR_NOMEM ? status : HD_ERR_STORAGE,
                     "the store did not commit a write");
    return;
  }
  hd_api_ok(call);
}

void hd_api_healthz(hd_call_t *call) {
  hd_user_t u;
  int rc = hd_user_get(call->ctx->rd, 0, &call->req->pool, &u);
  if (rc != 0 && rc != HD_ERR_USER_NOT_FOUND) {
    hd_api_error_msg(call, rc == HD_ERR_NOMEM ? rc : HD_ERR_STORAGE, "the store cannot be read");
    return;
  }
  uint64_t now = hd_time_mono_ms(), since = atomic_load(&pending_since);
  if (since && now > since && now - since > HD_HEALTH_STUCK_MS) {
    hd_api_error_msg(call, HD_ERR_STORAGE, "the writer has not completed a write for 10 s");
    return;
  }
  uint64_t zero = 0;
  atomic_compare_exchange_strong(&pending_since, &zero, now ? now : 1);
  probe_t *p = hd_mem_pool_alloc(&call->req->pool, sizeof(*p));
  p->now_ms = hd_time_now_ms();
  p->probes = 0;
  hd_api_write(call, probe_run, p, probe_done);
}
