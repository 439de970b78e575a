/*
 * safety_admin.c — flagger revocation and the counters read-out (safety_admin.h).
 *
 *   DELETE /v1/admin/flaggers/{id}
 *     write job: mod_flaggers.revoked_at = now (404 not_found when absent or revoked)
 *                + audit "flagger.revoke" ─► the key answers 401 from the next request
 *   GET /v1/admin/counters?from=YYYY-MM-DD&to=YYYY-MM-DD
 *     mod_counters rows in [from, to] (default: the last 30 days up to today, UTC)
 *
 * Invariants:
 *  1. A revoked key never authenticates again: flagger_by_key filters revoked rows, and
 *     the flagger's reports, cases and track record are kept.
 *  2. The counter window is at most HD_COUNTERS_MAX_DAYS long and both ends are real dates.
 */
#include "api/safety_admin.h"

#include "api/handler.h"
#include "api/staff.h"
#include "common/error.h"
#include "common/time.h"
#include "safety/audit.h"
#include "store/ops.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define HD_COUNTERS_MAX_DAYS 366
#define HD_COUNTERS_MAX_ROWS 10000

typedef struct {
  int64_t id, actor_id;
} revoke_t;

static int run_revoke(hd_store_t *tx, void *arg) {
  revoke_t *r = arg;
  int ret = tx->ops->safety->flagger_revoke(tx, r->id, hd_time_now());
  if (ret)
    return ret;
  char subject[40];
  snprintf(subject, sizeof(subject), "flagger:%lld", (long long)r->id);
  return hd_audit_append(tx, r->actor_id, "flagger.revoke", subject, "{\"revoked\":false}",
                         "{\"revoked\":true}");
}

static void revoke_done(hd_call_t *call, int status, void *arg) {
  (void)arg;
  if (status) {
    hd_api_error(call, status);
    return;
  }
  hd_api_ok(call);
}

void hd_api_flagger_revoke(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0)
    return;
  revoke_t *r = hd_mem_pool_alloc(&call->req->pool, sizeof(*r));
  r->id = hd_call_id(call, 0);
  r->actor_id = call->user_id;
  hd_api_write(call, run_revoke, r, revoke_done);
}

/* Parse YYYY-MM-DD into days since the epoch; -1 when not a real date. */
static int64_t day_number(hd_iovec_t v) {
  if (v.len != 10 || v.base[4] != '-' || v.base[7] != '-')
    return -1;
  int f[3] = {0, 0, 0}, w[3] = {4, 2, 2}, at = 0;
  for (int i = 0; i < 3; i++) {
    for (int j = 0; j < w[i]; j++) {
      char c = v.base[at++];
      if (c < '0' || c > '9')
        return -1;
      f[i] = f[i] * 10 + (c - '0');
    }
    at++;
  }
  struct tm tm = {.tm_year = f[0] - 1900, .tm_mon = f[1] - 1, .tm_mday = f[2], .tm_hour = 12};
  time_t t = timegm(&tm);
  if (f[0] < 2000 || f[0] > 9999 || t == (time_t)-1 || tm.tm_mday != f[2] || tm.tm_mon != f[1] - 1)
    return -1; /* timegm normalised an impossible date such as 2026-02-30 */
  return (int64_t)t / 86400;
}

static void day_string(int64_t day, char out[11]) {
  time_t t = (time_t)(day * 86400);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

void hd_api_counters(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0)
    return;
  int64_t today = hd_time_now() / 86400, from = today - 29, to = today;
  hd_iovec_t v;
  if (hd_http_query(call->req, "from", &v) && (from = day_number(v)) < 0) {
    hd_api_error_msg(call, HD_ERR_BAD_REQUEST, "from: a date YYYY-MM-DD");
    return;
  }
  if (hd_http_query(call->req, "to", &v) && (to = day_number(v)) < 0) {
    hd_api_error_msg(call, HD_ERR_BAD_REQUEST, "to: a date YYYY-MM-DD");
    return;
  }
  if (from > to || to - from + 1 > HD_COUNTERS_MAX_DAYS) { /* invariant 2 */
    hd_api_error_msg(call, HD_ERR_BAD_REQUEST, "from <= to, at most 366 days");
    return;
  }
  char f[11], t[11];
  day_string(from, f);
  day_string(to, t);
  hd_store_t *rd = call->ctx->rd;
  hd_store_counter_t *rows;
  size_t n;
  int rc =
      rd->ops->safety->counter_list(rd, f, t, HD_COUNTERS_MAX_ROWS, &call->req->pool, &rows, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:I}", "day", rows[i].day, "category",
                                       rows[i].category, "action", rows[i].action, "country",
                                       rows[i].country, "n", (json_int_t)rows[i].n));
  json_t *o = json_object();
  json_object_set_new(o, "from", json_string(f));
  json_object_set_new(o, "to", json_string(t));
  json_object_set_new(o, "counters", a);
  json_object_set_new(o, "truncated", json_boolean(n == HD_COUNTERS_MAX_ROWS));
  hd_api_reply(call, 200, o);
}
