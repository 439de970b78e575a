/*
 * messages.c — messages surface (see api/messages.h, docs/api.md "Messages").
 *
 *   send/forward/edit ──► per-account bucket "send:<uid>" (429 + Retry-After)
 *        ──► write job (hd_message_send / _edit) ──► publish events ──► reply
 *
 * Channel posts always carry "views" (0 included), other messages never do; hd_message_t
 * does not know its chat's type, so replies that contain messages look the chat up once
 * on the read handle (after the commit, for writes) and add the member here.
 *
 * Invariants:
 *  1. app->messages_sent counts committed, non-duplicate sends and forwards only.
 *  2. A duplicate (same random_id) answers 200 with the original message and publishes
 *     nothing: the domain appends no update for it.
 */
#include "api/messages.h"

#include "api/encode.h"
#include "api/handler.h"
#include "api/moderation.h"
#include "api/rules.h"
#include "api/signals.h"
#include "chat/chats.h"
#include "chat/media.h"
#include "chat/messages.h"
#include "common/error.h"

#include <stdio.h>
#include <string.h>

HD_WJOB(run_send, hd_message_send, hd_send_op_t)
HD_WJOB(run_edit, hd_message_edit, hd_message_op_t)
HD_WJOB(run_delete, hd_message_delete, hd_message_op_t)
HD_WJOB(run_views, hd_message_views, hd_views_op_t)

int hd_api_send_parse(hd_jin_t *in, hd_send_req_t *r) {
  memset(r, 0, sizeof(*r));
  size_t tlen = 0;
  r->media_id = hd_jin_int(in, "media_id", 0, 1, INT64_MAX, 0);
  r->text = hd_jin_str(in, "text", r->media_id == 0, &tlen);
  r->random_id = hd_jin_random_id(in);
  r->reply_to_id = hd_jin_int(in, "reply_to_id", 0, 1, INT64_MAX, 0);
  if (!in->err) {
    int rc = r->media_id ? hd_media_caption_check(hd_iov(r->text, tlen))
                         : hd_message_text_check(hd_iov(r->text, tlen));
    if (rc)
      hd_jin_fail(in, rc, "text: %s", hd_strerror(rc));
  }
  return in->err;
}

/* 1 when chat_id is a channel the caller can see (decides the "views" member). */
static int is_channel(hd_call_t *call, int64_t chat_id) {
  hd_chat_t c;
  return hd_chat_get(call->ctx->rd, call->user_id, chat_id, &call->req->pool, &c) == 0 &&
         c.type == HD_CHAT_CHANNEL;
}

static json_t *message_json(const hd_message_t *m, int channel) {
  json_t *o = hd_json_message(m);
  if (channel && !json_object_get(o, "views"))
    json_object_set_new(o, "views", json_integer(m->views));
  return o;
}

static int send_limited(hd_call_t *call) {
  int n = call->ctx->app->cfg.rate_send_per_sec;
  char uid[24];
  snprintf(uid, sizeof(uid), "%lld", (long long)call->user_id);
  return hd_api_rate(call, "send", uid, n, 2.0 * n);
}

static hd_send_op_t *send_op(hd_call_t *call) {
  hd_send_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  op->user_id = call->user_id;
  op->chat_id = hd_call_id(call, 0);
  op->pool = &call->req->pool;
  return op;
}

static void send_done(hd_call_t *call, int status, void *arg) {
  hd_send_op_t *op = arg;
  if (status) {
    hd_api_error(call, status);
    return;
  }
  if (!op->duplicate) {
    atomic_fetch_add(&call->ctx->app->messages_sent, 1);
    hd_api_publish(call, &op->events);
    hd_api_rules_after_send(call, &op->message); /* public text: api/rules.h */
  }
  hd_buf_t b; /* the hot path: encoded directly, the same bytes as message_json's tree */
  hd_buf_init(&b, 0);
  hd_buf_append(&b, "{\"message\":", 11);
  hd_enc_message(&b, &op->message, op->chat_type == HD_CHAT_CHANNEL);
  hd_buf_appendf(&b, ",\"duplicate\":%s}", op->duplicate ? "true" : "false");
  hd_api_reply_json_bytes(call, 200, &b);
}

/* A send without media changes no session or account block: it keeps the loops' session
 * caches valid (app.h hd_api_write_auth_neutral); media may go through the safety hook. */
static void send_go(hd_call_t *call, void *arg) {
  hd_send_op_t *op = arg;
  if (op->media_id == 0 && op->fwd_chat_id == 0)
    hd_api_write_auth_neutral(call, run_send, op, send_done);
  else
    hd_api_write(call, run_send, op, send_done);
}

void hd_api_message_send(hd_call_t *call) {
  if (send_limited(call) != 0)
    return;
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_send_req_t r;
  hd_api_send_parse(&in, &r);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  hd_send_op_t *op = send_op(call);
  op->random_id = r.random_id;
  op->text = r.text;
  op->reply_to_id = r.reply_to_id;
  op->media_id = r.media_id;
  if (hd_api_signals_prepare(call, op->chat_id, op->media_id, 0, 0, send_go, op) == 0)
    send_go(call, op); /* else the PDQ hash is computed first (api/signals.h) */
}

void hd_api_message_forward(hd_call_t *call) {
  if (send_limited(call) != 0)
    return;
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_send_op_t *op = send_op(call);
  op->fwd_chat_id = hd_jin_int(&in, "from_chat_id", 1, 1, INT64_MAX, 0);
  op->fwd_message_id = hd_jin_int(&in, "message_id", 1, 1, INT64_MAX, 0);
  op->random_id = hd_jin_random_id(&in);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  if (hd_api_signals_prepare(call, op->chat_id, 0, op->fwd_chat_id, op->fwd_message_id, send_go,
                             op) == 0)
    send_go(call, op);
}

void hd_api_history(hd_call_t *call) {
  int64_t before, after, limit;
  if (hd_api_query_int(call, "before", 1, INT64_MAX, 0, &before) != 0 ||
      hd_api_query_int(call, "after", 0, INT64_MAX, -1, &after) != 0 ||
      hd_api_query_int(call, "limit", 1, HD_PAGE_MAX, 50, &limit) != 0)
    return;
  if (before > 0 && after >= 0) {
    hd_api_error_msg(call, HD_ERR_BAD_REQUEST, "give at most one of 'before' and 'after'");
    return;
  }
  int64_t chat_id = hd_call_id(call, 0);
  hd_message_t *m;
  size_t n;
  int rc = hd_message_history(call->ctx->rd, call->user_id, chat_id, before, after, (size_t)limit,
                              &call->req->pool, &m, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  int channel = is_channel(call, chat_id);
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, message_json(&m[i], channel));
  if (hd_api_mod_mark(call, chat_id, m, n, a) != 0) /* withheld / labelled: moderation.h */
    return;
  hd_api_reply1(call, 200, "messages", a);
}

void hd_api_message_get(hd_call_t *call) {
  int64_t chat_id = hd_call_id(call, 0);
  hd_message_t m;
  int rc = hd_message_get(call->ctx->rd, call->user_id, chat_id, hd_call_id(call, 1),
                          &call->req->pool, &m);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *a = json_array(); /* withheld / labelled: moderation.h */
  json_array_append_new(a, message_json(&m, is_channel(call, chat_id)));
  if (hd_api_mod_mark(call, chat_id, &m, 1, a) != 0)
    return;
  hd_api_reply1(call, 200, "message", json_incref(json_array_get(a, 0)));
  json_decref(a);
}

static hd_message_op_t *message_op(hd_call_t *call) {
  hd_message_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  op->user_id = call->user_id;
  op->chat_id = hd_call_id(call, 0);
  op->message_id = hd_call_id(call, 1);
  op->pool = &call->req->pool;
  return op;
}

static void edit_done(hd_call_t *call, int status, void *arg) {
  hd_message_op_t *op = arg;
  if (!hd_api_published(call, status, &op->events))
    return;
  hd_api_reply1(call, 200, "message", message_json(&op->message, is_channel(call, op->chat_id)));
}

void hd_api_message_edit(hd_call_t *call) {
  if (send_limited(call) != 0)
    return;
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_message_op_t *op = message_op(call);
  size_t tlen;
  op->text = hd_jin_str(&in, "text", 1, &tlen);
  int rc;
  if (!in.err && (rc = hd_message_text_check(hd_iov(op->text, tlen))) != 0)
    hd_jin_fail(&in, rc, "text: %s", hd_strerror(rc));
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  hd_api_write(call, run_edit, op, edit_done);
}

static void delete_done(hd_call_t *call, int status, void *arg) {
  hd_message_op_t *op = arg;
  if (!hd_api_published(call, status, &op->events))
    return;
  hd_api_ok(call);
}

void hd_api_message_delete(hd_call_t *call) {
  hd_iovec_t v;
  int everyone = 1;
  if (hd_http_query(call->req, "for", &v)) {
    if (hd_iov_eq(v, "me")) {
      everyone = 0;
    } else if (!hd_iov_eq(v, "everyone")) {
      hd_api_error_msg(call, HD_ERR_BAD_REQUEST, "query parameter 'for' must be me or everyone");
      return;
    }
  }
  hd_message_op_t *op = message_op(call);
  op->for_everyone = everyone;
  hd_api_write(call, run_delete, op, delete_done);
}

static void views_done(hd_call_t *call, int status, void *arg) {
  hd_views_op_t *op = arg;
  if (status) {
    hd_api_error(call, status);
    return;
  }
  json_t *a = json_array();
  for (size_t i = 0; i < op->nids; i++)
    json_array_append_new(a, json_integer(op->views ? op->views[i] : 0));
  hd_api_reply1(call, 200, "views", a);
}

void hd_api_message_views(hd_call_t *call) {
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_views_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  int64_t *ids;
  op->nids = hd_jin_int_array(&in, "ids", HD_PAGE_MAX, 1, INT64_MAX, &ids);
  op->ids = ids;
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  op->user_id = call->user_id;
  op->chat_id = hd_call_id(call, 0);
  op->pool = &call->req->pool;
  hd_api_write(call, run_views, op, views_done);
}
