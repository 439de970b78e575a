/*
 * app.c — the request life cycle of the client API: the route table, dispatch (limits,
 * routing, authentication), replies and the access log, and the write path that hands a
 * domain write job to the writer thread and its completion back to the call's loop.
 *
 * Write path (hd_api_write):
 *
 *   loop:   handler ──► hd_writer_submit(job_run, job_done, job)      job in req->pool
 *   writer: job_run(tx) = run(tx, arg)  …group commit…  job_done(status)
 *               └──► hd_loop_post(call's loop, job_back)
 *   loop:   job_back ──► done(call, status, arg) ──► publish events, reply
 *
 * Invariants:
 *  1. Every call is answered exactly once; after hd_api_reply/hd_api_error the call and its
 *     request pool are gone and must not be touched.
 *  2. While a write job or a worker task is in flight, nothing on the loop touches the
 *     request pool, so the writer/worker thread may allocate op results from it; the
 *     mutex inside hd_loop_post orders those writes before done() reads them.
 *  3. Authentication happens before the handler runs: for HD_ROUTE_AUTH routes the handler
 *     always sees call->user_id > 0.
 *  4. Events are published only after the write committed (status 0), and never after the
 *     loop's realtime registry is gone (ctx->rt == NULL during shutdown).
 *  5. Once app->writer is NULL (shutdown, set by main on the thread that then destroys the
 *     server) hd_api_write answers storage_unavailable instead of submitting.
 *  6. Session cache (authenticate, ctx->auth): a slot holds one successful token check,
 *     tagged with the writer's auth epoch read before the store read, and expires after
 *     HD_AUTH_CACHE_TTL_MS. Every write job except those submitted through
 *     hd_api_write_auth_neutral (plain text sends) bumps the epoch after its commit and
 *     before its done() (store/writer.h invariant 6), so a logout, revoke or suspension
 *     invalidates every loop's slots before it is acknowledged: the revoked token is refused
 *     on the very next request. Refusals are never cached. The TTL bounds staleness only for
 *     changes made outside this process's writer (none today).
 */
#include "api/accounts.h"
#include "api/banks.h"
#include "api/chats.h"
#include "api/encode.h"
#include "api/flaggers.h"
#include "api/handler.h"
#include "api/health.h"
#include "api/media.h"
#include "api/messages.h"
#include "api/metrics.h"
#include "api/moderation.h"
#include "api/ratelimit.h"
#include "api/realtime.h"
#include "api/reports.h"
#include "api/rules.h"
#include "api/safety_admin.h"
#include "api/misuse.h"
#include "api/signals.h"
#include "api/staff.h"
#include "api/statements.h"
#include "chat/accounts.h"
#include "common/error.h"
#include "common/log.h"
#include "common/time.h"

#include <stdio.h>
#include <string.h>

_Static_assert(HD_MAX_PATH_PARAMS == HD_ROUTER_MAX_PARAMS, "capture arrays must agree");

#define A HD_ROUTE_AUTH
static const hd_route_t routes[] = {
    {"GET", "/healthz", hd_api_healthz, HD_ROUTE_PUBLIC},
    {"GET", "/metrics", hd_api_metrics, HD_ROUTE_PUBLIC},
    /* accounts and sessions */
    {"POST", "/v1/auth/register", hd_api_register, HD_ROUTE_PUBLIC},
    {"POST", "/v1/auth/login", hd_api_login, HD_ROUTE_PUBLIC},
    {"POST", "/v1/auth/logout", hd_api_logout, A},
    {"GET", "/v1/sessions", hd_api_sessions_list, A},
    {"DELETE", "/v1/sessions/{id}", hd_api_session_revoke, A},
    {"GET", "/v1/me", hd_api_me_get, A},
    {"PATCH", "/v1/me", hd_api_me_patch, A},
    {"GET", "/v1/users/{name}", hd_api_user_get, A},
    {"GET", "/v1/resolve/{name}", hd_api_resolve, A},
    /* chats */
    {"POST", "/v1/chats/private", hd_api_chat_private, A},
    {"POST", "/v1/chats", hd_api_chat_create, A},
    {"GET", "/v1/chats", hd_api_dialogs, A},
    {"GET", "/v1/chats/{id}", hd_api_chat_get, A},
    {"POST", "/v1/chats/join", hd_api_chat_join, A},
    {"POST", "/v1/chats/{id}/leave", hd_api_chat_leave, A},
    {"GET", "/v1/chats/{id}/members", hd_api_members_list, A},
    {"POST", "/v1/chats/{id}/members", hd_api_member_add, A},
    {"DELETE", "/v1/chats/{id}/members/{id}", hd_api_member_remove, A},
    {"PATCH", "/v1/chats/{id}/members/{id}", hd_api_member_role, A},
    {"POST", "/v1/chats/{id}/read", hd_api_chat_read, A},
    /* messages */
    {"POST", "/v1/chats/{id}/messages", hd_api_message_send, A},
    {"POST", "/v1/chats/{id}/forward", hd_api_message_forward, A},
    {"GET", "/v1/chats/{id}/messages", hd_api_history, A},
    {"GET", "/v1/chats/{id}/messages/{id}", hd_api_message_get, A},
    {"PATCH", "/v1/chats/{id}/messages/{id}", hd_api_message_edit, A},
    {"DELETE", "/v1/chats/{id}/messages/{id}", hd_api_message_delete, A},
    {"POST", "/v1/chats/{id}/views", hd_api_message_views, A},
    /* updates (realtime.c) */
    {"GET", "/v1/updates/ws", hd_api_updates_ws, A | HD_ROUTE_TOKEN_QUERY},
    {"GET", "/v1/updates/state", hd_api_updates_state, A},
    {"GET", "/v1/updates/difference", hd_api_updates_difference, A},
    {"GET", "/v1/chats/{id}/difference", hd_api_chat_difference, A},
    /* media (media.c; POST bodies are streamed through hd_api_body_sink) */
    {"POST", "/v1/media", hd_api_media_upload, A},
    {"GET", "/v1/media/{id}", hd_api_media_download, A},
    /* admin: staff roles and audit (staff.c) */
    {"GET", "/v1/admin/staff", hd_api_staff_list, A},
    {"PUT", "/v1/admin/staff/{name}", hd_api_staff_put, A},
    {"GET", "/v1/admin/audit", hd_api_audit_list, A},
    /* admin: hash banks (banks.c) */
    {"GET", "/v1/admin/banks", hd_api_banks_list, A},
    {"POST", "/v1/admin/banks", hd_api_bank_create, A},
    {"POST", "/v1/admin/banks/{name}/import", hd_api_bank_import, A},
    {"POST", "/v1/admin/pdq/match", hd_api_pdq_match, A},
    /* trust & safety: reports, notices, moderation (reports.c, moderation.c) */
    {"GET", "/v1/reports/reasons", hd_api_report_reasons, HD_ROUTE_PUBLIC},
    {"POST", "/v1/reports", hd_api_report_create, A},
    {"GET", "/v1/reports/{id}", hd_api_report_get, A},
    {"POST", "/v1/notices", hd_api_notice_create, HD_ROUTE_PUBLIC},
    {"GET", "/v1/mod/queue", hd_api_mod_queue, A},
    {"GET", "/v1/mod/cases/{id}", hd_api_mod_case, A},
    {"POST", "/v1/mod/cases/{id}/claim", hd_api_mod_claim, A},
    {"POST", "/v1/mod/cases/{id}/decide", hd_api_mod_decide, A},
    {"GET", "/v1/mod/appeals", hd_api_mod_appeals, A},
    {"POST", "/v1/mod/appeals/{id}/decide", hd_api_mod_appeal_decide, A},
    {"GET", "/v1/mod/dsa/statements", hd_api_dsa_statements, A},
    {"GET", "/v1/me/statements", hd_api_my_statements, A},
    {"GET", "/v1/statements/{id}", hd_api_statement_get, A},
    {"POST", "/v1/statements/{id}/appeal", hd_api_statement_appeal, A},
    {"POST", "/v1/reports/{id}/appeal", hd_api_report_appeal, A},
    {"GET", "/v1/admin/flaggers", hd_api_flaggers_list, A},
    {"POST", "/v1/admin/flaggers", hd_api_flagger_create, A},
    {"POST", "/v1/flagger/reports", hd_api_flagger_report_create, HD_ROUTE_PUBLIC},
    {"GET", "/v1/flagger/reports/{id}", hd_api_flagger_report_get, HD_ROUTE_PUBLIC},
    /* automated signals: rules over public text, hash-match stats (rules.c, signals.c) */
    {"GET", "/v1/admin/rules", hd_api_rules_list, A},
    {"POST", "/v1/admin/rules", hd_api_rules_create, A},
    {"DELETE", "/v1/admin/rules/{id}", hd_api_rules_delete, A},
    {"GET", "/v1/admin/signals", hd_api_signals_stats, A},
    {"DELETE", "/v1/admin/flaggers/{id}", hd_api_flagger_revoke, A}, /* safety_admin.c */
    {"GET", "/v1/admin/counters", hd_api_counters, A},
    {"GET", "/v1/admin/misuse/{id}", hd_api_misuse_get, A}, /* misuse.c */
};
#undef A

const hd_route_t *hd_api_routes(size_t *n) {
  *n = HD_ARRAY_SIZE(routes);
  return routes;
}

/* ---- replies ---------------------------------------------------------------------------- */

/* One JSON line per answer (--access-log on): route is the matched pattern, "unmatched"
 * or "net"; duration_ms is null when the net layer answered before a request existed. */
static void access_log(const hd_app_t *app, const hd_http_done_t *ev, const char *route,
                       int64_t user_id, int64_t dur_us) {
  if (!app->cfg.access_log || !hd_log_enabled(HD_LOG_INFO))
    return;
  char method[16], path[512], dur[32];
  hd_log_escape(method, sizeof(method), ev->method.base ? ev->method.base : "", ev->method.len);
  hd_log_escape(path, sizeof(path), ev->path.base ? ev->path.base : "", ev->path.len);
  if (dur_us >= 0)
    snprintf(dur, sizeof(dur), "%.3f", (double)dur_us / 1e3);
  else
    snprintf(dur, sizeof(dur), "null");
  hd_log(HD_LOG_INFO, "access",
         "\"method\":\"%s\",\"path\":\"%s\",\"route\":\"%s\",\"status\":%d,\"bytes\":%zu,"
         "\"duration_ms\":%s,\"user_id\":%lld",
         method, path, route, ev->status, ev->bytes, dur, (long long)user_id);
}

void hd_api_on_response(hd_loop_t *loop, const hd_http_done_t *ev, void *data) {
  hd_app_t *app = data;
  size_t row = HD_ARRAY_SIZE(routes) + 1; /* answered by the net layer */
  const char *route = "net";
  int64_t user_id = 0, dur_us = -1;
  if (ev->req) {
    hd_call_t *call = ev->req->user;
    row = call ? call->route_id : 0;
    route = row ? routes[row - 1].pattern : "unmatched";
    user_id = call ? call->user_id : 0;
    uint64_t now = hd_time_mono_ns();
    dur_us = now > ev->req->start_ns ? (int64_t)((now - ev->req->start_ns) / 1000) : 0;
  }
  if (app->metrics)
    hd_metrics_count(app->metrics, hd_loop_index(loop), row, ev->status, dur_us);
  access_log(app, ev, route, user_id, dur_us);
}

static int dump_cb(const char *buf, size_t size, void *data) {
  return hd_buf_append(data, buf, size) == 0 ? 0 : -1;
}

/* ---- replies held until durable (app.h hd_api_reply, writer.h 7) ------------------------- */

struct st_hd_parked_t {
  hd_parked_t *next;
  hd_call_t *call;
  int status;
  uint64_t need; /* durable_seq that covers everything the reply's reads could see */
  hd_buf_t body;
};

static void send_json(hd_call_t *call, int status, hd_buf_t *b) {
  hd_http_respond(call->req, status, "application/json", hd_iov(b->base, b->len));
  hd_buf_dispose(b);
}

/* Answer the parked replies that are durable now, oldest first (needs never decrease). */
static void parked_release(hd_loop_ctx_t *ctx) {
  uint64_t durable = hd_writer_durable_seq(ctx->app->writer);
  hd_parked_t *p;
  while ((p = ctx->parked_head) != NULL && p->need <= durable) {
    ctx->parked_head = p->next;
    if (ctx->parked_head == NULL) {
      ctx->parked_tail = NULL;
      atomic_store(&ctx->parked, 0);
    }
    send_json(p->call, p->status, &p->body);
    hd_mem_free(p);
  }
}

static void parked_wake(hd_loop_t *loop, void *arg) {
  (void)loop;
  hd_loop_ctx_t *ctx = arg;
  atomic_store(&ctx->wake_posted, 0);
  if (ctx->app->writer)
    parked_release(ctx);
}

void hd_api_on_durable(void *app, uint64_t durable_seq) {
  (void)durable_seq;
  hd_app_t *a = app;
  for (int i = 0; i < HD_APP_MAX_LOOPS; i++) {
    hd_loop_ctx_t *ctx = atomic_load(&a->loops[i]);
    /* seq_cst pairs with hd_api_reply: it sets parked, then reads durable_seq; the writer set
     * durable_seq, then reads parked here: one of the two sees the other */
    if (ctx && atomic_load(&ctx->parked) && !atomic_exchange(&ctx->wake_posted, 1))
      hd_loop_post(ctx->loop, parked_wake, ctx);
  }
}

void hd_api_loop_stop(hd_loop_ctx_t *ctx) {
  hd_parked_t *p;
  while ((p = ctx->parked_head) != NULL) {
    ctx->parked_head = p->next;
    hd_buf_dispose(&p->body);
    hd_buf_init(&p->body, 0);
    hd_buf_appendf(&p->body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
                   hd_err_code(HD_ERR_STORAGE), hd_strerror(HD_ERR_STORAGE));
    send_json(p->call, hd_err_status(HD_ERR_STORAGE), &p->body);
    hd_mem_free(p);
  }
  ctx->parked_tail = NULL;
  atomic_store(&ctx->parked, 0);
}

void hd_api_reply(hd_call_t *call, int status, json_t *body) {
  hd_buf_t b;
  hd_buf_init(&b, 0);
  if (body && json_dump_callback(body, dump_cb, &b, JSON_COMPACT) != 0) {
    b.len = 0;
    status = 500;
    hd_buf_appendf(&b, "{\"error\":{\"code\":\"internal\",\"message\":\"encoding failed\"}}");
  }
  json_decref(body);
  hd_api_reply_json_bytes(call, status, &b);
}

void hd_api_reply_json_bytes(hd_call_t *call, int status, hd_buf_t *body) {
  hd_buf_t b = *body;
  hd_buf_init(body, 0);
  hd_loop_ctx_t *ctx = call->ctx;
  hd_writer_t *w = ctx ? ctx->app->writer : NULL;
  if (call->durable || w == NULL) {
    send_json(call, status, &b);
    return;
  }
  uint64_t need = hd_writer_visible_seq(w); /* loaded after every read of this request */
  if (ctx->parked_head == NULL && hd_writer_durable_seq(w) >= need) {
    send_json(call, status, &b);
    return;
  }
  hd_parked_t *p = hd_mem_alloc(sizeof(*p));
  *p = (hd_parked_t){.call = call, .status = status, .need = need, .body = b};
  if (ctx->parked_tail)
    ctx->parked_tail->next = p;
  else
    ctx->parked_head = p;
  ctx->parked_tail = p;
  atomic_store(&ctx->parked, 1);
  parked_release(ctx); /* durable may have moved before the flag was visible */
}

void hd_api_error_msg(hd_call_t *call, int err, const char *message) {
  if (err >= 0 || hd_err_status(err) < 400)
    err = HD_ERR_INTERNAL;
  int status = hd_err_status(err);
  if (status >= 500)
    hd_log(HD_LOG_WARN, "request failed", "\"code\":\"%s\",\"status\":%d", hd_err_code(err),
           status);
  if (err == HD_ERR_UNAUTHORIZED)
    hd_http_add_header(call->req, "WWW-Authenticate", "Bearer");
  json_t *e = json_pack("{s:s,s:s}", "code", hd_err_code(err), "message",
                        message ? message : hd_strerror(err));
  if (!e) /* message not valid UTF-8: fall back to the table's text */
    e = json_pack("{s:s,s:s}", "code", hd_err_code(err), "message", hd_strerror(err));
  hd_api_reply(call, status, json_pack("{s:o}", "error", e));
}

void hd_api_error(hd_call_t *call, int err) { hd_api_error_msg(call, err, NULL); }

void hd_api_ok(hd_call_t *call) { hd_api_reply(call, 200, json_pack("{s:b}", "ok", 1)); }

void hd_api_reply1(hd_call_t *call, int status, const char *key, json_t *value) {
  json_t *o = json_object();
  json_object_set_new(o, key, value);
  hd_api_reply(call, status, o);
}

/* ---- the write path --------------------------------------------------------------------- */

typedef struct {
  hd_call_t *call;
  hd_wjob_run_t run;
  void *arg;
  hd_api_done_t done;
  int status;
} wjob_t;

static int job_run(hd_store_t *tx, void *p) {
  wjob_t *j = p;
  return j->run(tx, j->arg);
}

static void job_back(hd_loop_t *loop, void *p) {
  wjob_t *j = p;
  j->call->durable = 1; /* done() runs once the batch is durable (writer.h 1) */
  j->done(j->call, j->status, j->arg);
}

static void job_done(void *p, int status) {
  wjob_t *j = p;
  j->status = status;
  hd_loop_post(j->call->ctx->loop, job_back, j);
}

static void api_write(hd_call_t *call, hd_wjob_run_t run, void *arg, hd_api_done_t done,
                      unsigned flags) {
  if (!call->ctx->app->writer) { /* shutting down: the writer is gone, nothing was written */
    done(call, HD_ERR_STORAGE, arg);
    return;
  }
  wjob_t *j = hd_mem_pool_alloc(&call->req->pool, sizeof(*j));
  j->call = call;
  j->run = run;
  j->arg = arg;
  j->done = done;
  j->status = 0;
  hd_writer_submit_flags(call->ctx->app->writer, job_run, job_done, j, flags);
}

void hd_api_write(hd_call_t *call, hd_wjob_run_t run, void *arg, hd_api_done_t done) {
  api_write(call, run, arg, done, 0);
}

void hd_api_write_auth_neutral(hd_call_t *call, hd_wjob_run_t run, void *arg, hd_api_done_t done) {
  api_write(call, run, arg, done, HD_WJOB_AUTH_NEUTRAL);
}

void hd_api_publish(hd_call_t *call, const hd_events_t *events) {
  if (events && events->len && call->ctx->rt)
    hd_rt_publish(call->ctx, events);
}

int hd_api_published(hd_call_t *call, int status, const hd_events_t *events) {
  if (status) {
    hd_api_error(call, status);
    return 0;
  }
  hd_api_publish(call, events);
  return 1;
}

/* ---- request helpers -------------------------------------------------------------------- */

int hd_api_body(hd_call_t *call, hd_jin_t *in) {
  if (hd_jin_parse(in, call->req->body, &call->req->pool) == 0)
    return 0;
  return hd_api_fields(call, in);
}

int hd_api_fields(hd_call_t *call, hd_jin_t *in) {
  if (!in->err)
    return 0;
  int err = in->err;
  char msg[sizeof(in->msg)];
  memcpy(msg, in->msg, sizeof(msg));
  hd_jin_dispose(in);
  hd_api_error_msg(call, err, msg);
  return -1;
}

int64_t hd_call_id(hd_call_t *call, size_t i) {
  int64_t id = 0;
  HD_ASSERT(i < call->nparams);
  if (hd_parse_id(call->params[i], &id) != 0)
    return 0;
  return id;
}

const char *hd_call_str(hd_call_t *call, size_t i) {
  HD_ASSERT(i < call->nparams);
  return hd_mem_pool_strndup(&call->req->pool, call->params[i].base, call->params[i].len);
}

int hd_api_query_int(hd_call_t *call, const char *name, int64_t min, int64_t max, int64_t def,
                     int64_t *out) {
  hd_iovec_t v;
  *out = def;
  if (!hd_http_query(call->req, name, &v))
    return 0;
  int64_t x;
  if (hd_parse_id(v, &x) != 0 || x < min || x > max) {
    char msg[128];
    snprintf(msg, sizeof(msg), "query parameter '%s' must be an integer in %lld..%lld", name,
             (long long)min, (long long)max);
    hd_api_error_msg(call, HD_ERR_BAD_REQUEST, msg);
    return -1;
  }
  *out = x;
  return 0;
}

int hd_api_rate(hd_call_t *call, const char *kind, const char *subject, double rate, double burst) {
  hd_ratelimit_t *rl = call->ctx->app->limits;
  if (rate <= 0 || !rl)
    return 0;
  char key[HD_RATELIMIT_KEY_MAX + 1];
  snprintf(key, sizeof(key), "%s:%s", kind, subject);
  uint32_t retry = hd_ratelimit_take(rl, key, rate, burst, hd_time_now_ms());
  if (!retry)
    return 0;
  char ra[16];
  snprintf(ra, sizeof(ra), "%u", retry);
  hd_http_add_header(call->req, "Retry-After", ra);
  hd_api_error(call, HD_ERR_RATE_LIMITED);
  return -1;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

/* The presented token: "Authorization: Bearer <t>", or ?token=<t> where allowed. */
static int find_token(hd_call_t *call, unsigned flags, hd_iovec_t *tok) {
  hd_iovec_t h = hd_http_header(call->req, "Authorization");
  if (h.base) {
    if (h.len < 7 || !hd_iov_caseeq(hd_iov(h.base, 7), "Bearer "))
      return -1;
    *tok = hd_iov(h.base + 7, h.len - 7);
    while (tok->len && tok->base[0] == ' ') {
      tok->base++;
      tok->len--;
    }
    while (tok->len && (tok->base[tok->len - 1] == ' ' || tok->base[tok->len - 1] == '\t'))
      tok->len--;
    return tok->len ? 0 : -1;
  }
  if ((flags & HD_ROUTE_TOKEN_QUERY) && hd_http_query(call->req, "token", tok) && tok->len)
    return 0;
  return -1;
}

/* The store's answer for a token hash: sets call->user_id / session_id, or refuses. */
static int resolve(hd_call_t *call, const uint8_t hash[32]) {
  int rc = hd_session_resolve(call->ctx->rd, hash, &call->user_id, &call->session_id);
  if (rc == HD_ERR_STORAGE || rc == HD_ERR_NOMEM || rc == HD_ERR_ACCOUNT_SUSPENDED)
    return rc; /* suspended: chat/moderation.h */
  if (rc != 0 || call->user_id <= 0) {
    call->user_id = call->session_id = 0;
    return HD_ERR_UNAUTHORIZED;
  }
  return 0;
}

static int authenticate(hd_call_t *call, unsigned flags) {
  hd_iovec_t tok;
  if (find_token(call, flags, &tok) != 0 || tok.len > 256)
    return HD_ERR_UNAUTHORIZED;
  uint8_t hash[32];
  hd_token_hash(tok, hash);
  hd_writer_t *w = call->ctx->app->writer;
  if (!w) /* shutting down: no epoch to trust, ask the store */
    return resolve(call, hash);
  uint64_t epoch = hd_writer_auth_epoch(w); /* read BEFORE the store (writer.h 6) */
  uint64_t now = hd_time_mono_ns() / 1000000;
  uint64_t key;
  memcpy(&key, hash, sizeof(key));
  hd_auth_slot_t *set = call->ctx->auth[key % HD_AUTH_CACHE_SETS], *victim = &set[0];
  for (int i = 0; i < HD_AUTH_CACHE_WAYS; i++) {
    hd_auth_slot_t *sl = &set[i];
    int live = sl->user_id > 0 && sl->epoch == epoch && now < sl->until_ms;
    if (live && memcmp(sl->hash, hash, sizeof(hash)) == 0) {
      call->user_id = sl->user_id;
      call->session_id = sl->session_id;
      return 0;
    }
    if (!live) /* reuse a dead slot first, else the one expiring soonest */
      sl->until_ms = 0;
    if (sl->until_ms < victim->until_ms)
      victim = sl;
  }
  int rc = resolve(call, hash);
  if (rc != 0)
    return rc; /* only successes are cached: a refusal always asks the store again */
  memcpy(victim->hash, hash, sizeof(hash));
  victim->user_id = call->user_id;
  victim->session_id = call->session_id;
  victim->epoch = epoch;
  victim->until_ms = now + HD_AUTH_CACHE_TTL_MS;
  return 0;
}

void hd_api_handle(hd_http_req_t *req, void *data) {
  hd_call_t *call = hd_mem_pool_alloc(&req->pool, sizeof(*call));
  memset(call, 0, sizeof(*call));
  call->req = req;
  call->ctx = hd_loop_data(req->loop);
  req->user = call;
  if (!call->ctx || !call->ctx->rd) {
    hd_api_error_msg(call, HD_ERR_STORAGE, "this event loop has no store handle");
    return;
  }
  int rps = call->ctx->app->cfg.rate_ip_per_sec;
  if (rps > 0 && hd_api_rate(call, "ip", req->remote_ip, rps, 2.0 * rps) != 0)
    return;

  hd_route_match_t m;
  int rc = hd_router_match(routes, HD_ARRAY_SIZE(routes), req->method, req->path, &m);
  if (rc == HD_ERR_METHOD) {
    hd_http_add_header(req, "Allow", m.allow);
    hd_api_error(call, rc);
    return;
  }
  if (rc == HD_ERR_BAD_REQUEST) {
    hd_api_error_msg(call, rc, "a path parameter is not a valid id");
    return;
  }
  if (rc != 0) {
    hd_api_error(call, rc);
    return;
  }
  memcpy(call->params, m.params, sizeof(call->params));
  call->nparams = m.nparams;
  call->route_id = (size_t)(m.route - routes) + 1;
  if ((m.route->flags & HD_ROUTE_AUTH) && (rc = authenticate(call, m.route->flags)) != 0) {
    hd_api_error(call, rc);
    return;
  }
  m.route->handler(call);
}

int hd_api_body_sink(hd_http_req_t *req, void *data, hd_http_sink_t **sink) {
  (void)data;
  if (!hd_iov_eq(req->method, "POST") || !hd_iov_eq(req->path, "/v1/media"))
    return 0; /* cheap pre-check for every request with a body (a send, say) */
  hd_route_match_t m;
  if (hd_router_match(routes, HD_ARRAY_SIZE(routes), req->method, req->path, &m) != 0 ||
      m.route->handler != hd_api_media_upload)
    return 0; /* everything else is buffered and dispatched as usual */
  hd_call_t *call = hd_mem_pool_alloc(&req->pool, sizeof(*call));
  memset(call, 0, sizeof(*call));
  call->req = req;
  call->ctx = hd_loop_data(req->loop);
  call->route_id = (size_t)(m.route - routes) + 1;
  req->user = call;
  if (!call->ctx || !call->ctx->rd)
    return HD_ERR_STORAGE;
  int rps = call->ctx->app->cfg.rate_ip_per_sec;
  if (rps > 0 && call->ctx->app->limits) {
    char key[HD_RATELIMIT_KEY_MAX + 1];
    snprintf(key, sizeof(key), "ip:%s", req->remote_ip);
    if (hd_ratelimit_take(call->ctx->app->limits, key, rps, 2.0 * rps, hd_time_now_ms()))
      return HD_ERR_RATE_LIMITED;
  }
  int rc = authenticate(call, m.route->flags);
  if (rc != 0)
    return rc;
  return hd_api_media_sink(call, sink);
}
