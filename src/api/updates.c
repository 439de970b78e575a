/*
 * updates.c — the updates surface of the client API (docs/api.md "Updates and resync"):
 *
 *   GET /v1/updates/ws            upgrade; subscribe to the user and its groups/channels
 *   GET /v1/updates/state         {"pts","chats":[{"chat_id","pts"}…]}
 *   GET /v1/updates/difference    ?pts=N&limit=L → {"updates":[…],"pts":current,"more":bool}
 *   GET /v1/chats/{id}/difference same, for a group's or channel's log
 *
 * The router has authenticated the caller (call->user_id != 0). All reads here are indexed
 * reads on the loop's read handle (ctx->rd); the registry lives in realtime.c.
 *
 * Invariants:
 *  1. Query numbers are validated, never asserted: pts >= 0 (default 0), 1 <= limit <= 100
 *     (default 50); anything else is 400 bad_request.
 *  2. "more" is true exactly when the page ends below the log's current pts, so a client
 *     that pages while more is true reaches the current pts (chat/updates.h invariant 2).
 *  3. The WebSocket's subscriptions and its user's country are read before the upgrade, while the
 * request (and its pool) still exists; after hd_ws_upgrade() succeeds, req and call are not
 * touched.
 */
#include "api/encode.h"
#include "api/moderation.h"
#include "api/realtime.h"
#include "chat/accounts.h"
#include "chat/chats.h"
#include "chat/updates.h"
#include "common/error.h"

#include <string.h>

#define DIFF_LIMIT_DEFAULT 50

/* Parse a decimal integer in [min, max] from a slice. Returns 0 or HD_ERR_BAD_REQUEST. */
static int parse_i64(hd_iovec_t v, int64_t min, int64_t max, int64_t *out) {
  if (v.len == 0 || v.len > 19)
    return HD_ERR_BAD_REQUEST;
  int64_t x = 0;
  for (size_t i = 0; i < v.len; i++) {
    char c = v.base[i];
    if (c < '0' || c > '9' || x > (INT64_MAX - (c - '0')) / 10)
      return HD_ERR_BAD_REQUEST;
    x = x * 10 + (c - '0');
  }
  if (x < min || x > max)
    return HD_ERR_BAD_REQUEST;
  *out = x;
  return 0;
}

/* Read ?pts= and ?limit= (invariant 1); on error respond and return nonzero. */
static int diff_params(hd_call_t *call, int64_t *pts, size_t *limit) {
  hd_iovec_t v;
  int64_t lim = DIFF_LIMIT_DEFAULT;
  *pts = 0;
  if (hd_http_query(call->req, "pts", &v) && parse_i64(v, 0, INT64_MAX, pts) != 0) {
    hd_api_error_msg(call, HD_ERR_BAD_REQUEST, "pts must be a non-negative integer");
    return -1;
  }
  if (hd_http_query(call->req, "limit", &v) && parse_i64(v, 1, HD_PAGE_MAX, &lim) != 0) {
    hd_api_error_msg(call, HD_ERR_BAD_REQUEST, "limit must be an integer from 1 to 100");
    return -1;
  }
  *limit = (size_t)lim;
  return 0;
}

/* Answer {"updates":[…],"pts":cur,"more":bool}; log_user_id as for hd_json_update(). */
static void diff_reply(hd_call_t *call, const hd_update_t *u, size_t n, int64_t cur_pts,
                       int64_t log_user_id) {
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *uj = hd_json_update(&u[i], log_user_id);
    json_t *mj = u[i].message ? json_object_get(uj, "message") : NULL;
    json_array_append_new(arr, uj);
    if (!mj)
      continue;
    json_t *one = json_array(); /* withheld / label / quarantine as this viewer sees it */
    json_array_append(one, mj);
    if (hd_api_mod_mark(call, u[i].message->chat_id, u[i].message, 1, one) != 0) {
      json_decref(arr); /* the call was answered */
      return;
    }
    json_decref(one);
  }
  int more = n > 0 && u[n - 1].pts < cur_pts;
  json_t *body = json_object();
  json_object_set_new(body, "updates", arr);
  json_object_set_new(body, "pts", json_integer(cur_pts));
  json_object_set_new(body, "more", json_boolean(more));
  hd_api_reply(call, 200, body);
}

/* Answer 503 when the loop has no read handle (it failed to open at start). */
static int need_store(hd_call_t *call) {
  if (call->ctx->rd != NULL)
    return 0;
  hd_api_error(call, HD_ERR_STORAGE);
  return -1;
}

void hd_api_updates_difference(hd_call_t *call) {
  int64_t pts, cur = 0;
  size_t limit, n = 0;
  hd_update_t *u = NULL;
  if (need_store(call) != 0 || diff_params(call, &pts, &limit) != 0)
    return;
  int rc = hd_updates_user_difference(call->ctx->rd, call->user_id, pts, limit, &call->req->pool,
                                      &u, &n, &cur);
  if (rc != 0) {
    hd_api_error(call, rc);
    return;
  }
  diff_reply(call, u, n, cur, call->user_id);
}

void hd_api_chat_difference(hd_call_t *call) {
  int64_t chat_id, pts, cur = 0;
  size_t limit, n = 0;
  hd_update_t *u = NULL;
  if (need_store(call) != 0)
    return;
  if (call->nparams < 1 || parse_i64(call->params[0], 1, INT64_MAX, &chat_id) != 0) {
    hd_api_error_msg(call, HD_ERR_BAD_REQUEST, "bad chat id");
    return;
  }
  if (diff_params(call, &pts, &limit) != 0)
    return;
  int rc = hd_updates_chat_difference(call->ctx->rd, call->user_id, chat_id, pts, limit,
                                      &call->req->pool, &u, &n, &cur);
  if (rc != 0) {
    hd_api_error(call, rc);
    return;
  }
  diff_reply(call, u, n, cur, 0);
}

void hd_api_updates_state(hd_call_t *call) {
  hd_store_t *rd = call->ctx->rd;
  hd_mem_pool_t *pool = &call->req->pool;
  hd_update_state_t st;
  int64_t *ids = NULL;
  size_t n = 0;
  if (need_store(call) != 0)
    return;
  int rc = hd_updates_state(rd, call->user_id, &st);
  if (rc == 0)
    rc = hd_member_chat_ids(rd, call->user_id, pool, &ids, &n);
  if (rc != 0) {
    hd_api_error(call, rc);
    return;
  }
  json_t *chats = json_array();
  for (size_t i = 0; i < n; i++) {
    hd_chat_t chat;
    rc = hd_chat_get(rd, call->user_id, ids[i], pool, &chat);
    if (rc == HD_ERR_CHAT_NOT_FOUND)
      continue; /* left between the two reads */
    if (rc != 0) {
      json_decref(chats);
      hd_api_error(call, rc);
      return;
    }
    json_t *c = json_object();
    json_object_set_new(c, "chat_id", json_integer(chat.id));
    json_object_set_new(c, "pts", json_integer(chat.pts));
    json_array_append_new(chats, c);
  }
  json_t *body = json_object();
  json_object_set_new(body, "pts", json_integer(st.pts));
  json_object_set_new(body, "chats", chats);
  hd_api_reply(call, 200, body);
}

void hd_api_updates_ws(hd_call_t *call) {
  hd_loop_ctx_t *ctx = call->ctx;
  hd_update_state_t st;
  int64_t *ids = NULL;
  size_t n = 0;
  hd_ws_t *ws = NULL;
  hd_rt_sub_t *sub = NULL;
  if (need_store(call) != 0)
    return;
  if (ctx->rt == NULL) {
    hd_api_error(call, HD_ERR_INTERNAL);
    return;
  }
  int rc = hd_updates_state(ctx->rd, call->user_id, &st);
  if (rc == 0)
    rc = hd_member_chat_ids(ctx->rd, call->user_id, &call->req->pool, &ids, &n);
  if (rc != 0)
    goto fail_read;
  hd_user_t me;
  rc = hd_user_get(ctx->rd, call->user_id, &call->req->pool, &me);
  if (rc != 0)
    goto fail_read;
  sub = hd__rt_sub_create(ctx->rt, call->user_id, ids, n);
  hd__rt_sub_set_country(sub, me.country); /* for withheld variants (realtime.c inv. 6) */
  rc = hd_ws_upgrade(call->req, &hd__rt_ws_callbacks, sub, &ws);
  if (rc != 0)
    goto fail_upgrade;
  hd__rt_sub_start(sub, ws, st.pts); /* invariant 3: call and req are gone */
  return;

fail_upgrade:
  hd__rt_sub_destroy(sub);
fail_read:
  hd_api_error(call, rc);
}
