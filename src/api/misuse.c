/*
 * misuse.c — the staff view of an account's repeat-misuse record (misuse.h).
 *
 *   GET /v1/admin/misuse/{user_id}   (moderator and above)
 *     read handle: user exists? ─► active strikes in the window per kind
 *                  ─► deprioritised? ─► the last 100 strikes and notices
 *     {"user_id", "window_days", "illegal_content": {strikes, warn_at, suspend_at},
 *      "unfounded_reports": {strikes, warn_at, deprioritise_at, deprioritised},
 *      "strikes": [...], "notices": [...]}
 *
 * Invariants:
 *  1. Read-only: nothing here changes a strike; counts use the same window as the write path
 *     (hd_misuse_window_start), so what staff see is what the thresholds see.
 */
#include "api/misuse.h"

#include "api/handler.h"
#include "api/staff.h"
#include "common/error.h"
#include "common/time.h"
#include "safety/misuse.h"
#include "store/ops.h"

#define MISUSE_LIST_MAX 100

void hd_api_misuse_get(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_MODERATOR) != 0)
    return;
  const hd_misuse_cfg_t *cfg = &call->ctx->app->cfg.misuse;
  hd_store_t *rd = call->ctx->rd;
  const hd_store_safety_ops_t *so = rd->ops->safety;
  hd_mem_pool_t *pool = &call->req->pool;
  int64_t user_id = hd_call_id(call, 0), now = hd_time_now();
  int64_t since = hd_misuse_window_start(cfg, now), illegal = 0, unfounded = 0;
  hd_store_strike_t *st = NULL;
  hd_store_misuse_notice_t *nt = NULL;
  size_t n_st = 0, n_nt = 0;
  int deprio = 0;
  hd_user_t u;
  int rc = rd->ops->user_get(rd, user_id, pool, &u);
  if (rc == 0)
    rc = so->strike_count(rd, user_id, HD_STRIKE_ILLEGAL, since, &illegal);
  if (rc == 0)
    rc = so->strike_count(rd, user_id, HD_STRIKE_UNFOUNDED, since, &unfounded);
  if (rc == 0)
    rc = hd_misuse_deprioritised(rd, cfg, user_id, now, &deprio);
  if (rc == 0)
    rc = so->strike_list(rd, user_id, MISUSE_LIST_MAX, pool, &st, &n_st);
  if (rc == 0)
    rc = so->misuse_notice_list(rd, user_id, MISUSE_LIST_MAX, pool, &nt, &n_nt);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *strikes = json_array();
  for (size_t i = 0; i < n_st; i++)
    json_array_append_new(
        strikes,
        json_pack("{s:I,s:s,s:I,s:I,s:b,s:b,s:I,s:I}", "id", (json_int_t)st[i].id, "kind",
                  hd_strike_kind_name(st[i].kind), "decision_id", (json_int_t)st[i].decision_id,
                  "case_id", (json_int_t)st[i].case_id, "active", st[i].active, "in_window",
                  st[i].active && st[i].created_at >= since, "created_at",
                  (json_int_t)st[i].created_at, "lifted_at", (json_int_t)st[i].lifted_at));
  json_t *notices = json_array();
  for (size_t i = 0; i < n_nt; i++)
    json_array_append_new(
        notices, json_pack("{s:I,s:s,s:I,s:I,s:b,s:I}", "id", (json_int_t)nt[i].id, "kind",
                           hd_misuse_notice_name(nt[i].kind), "strikes", (json_int_t)nt[i].strikes,
                           "decision_id", (json_int_t)nt[i].decision_id, "delivered",
                           nt[i].delivered, "created_at", (json_int_t)nt[i].created_at));
  json_t *o = json_object();
  json_object_set_new(o, "user_id", json_integer(user_id));
  json_object_set_new(o, "window_days", json_integer(cfg->window_days));
  json_object_set_new(o, "illegal_content",
                      json_pack("{s:I,s:i,s:i,s:i}", "strikes", (json_int_t)illegal, "warn_at",
                                cfg->warn_at, "suspend_at", cfg->suspend_at, "suspend_days",
                                cfg->suspend_days));
  json_object_set_new(o, "unfounded_reports",
                      json_pack("{s:I,s:i,s:i,s:b}", "strikes", (json_int_t)unfounded, "warn_at",
                                cfg->unfounded_warn_at, "deprioritise_at", cfg->unfounded_deprio_at,
                                "deprioritised", deprio));
  json_object_set_new(o, "strikes", strikes);
  json_object_set_new(o, "notices", notices);
  hd_api_reply(call, 200, o);
}
