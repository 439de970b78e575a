/*
 * chats.c — chats surface (see api/chats.h, docs/api.md "Chats").
 *
 * Reads (chat, dialogs, members) run on the loop's read handle; every change is a write
 * job through hd_api_write, and its events are published after commit. Authorization is
 * the domain's (chat/chats.h rules 1-3): this file only translates.
 *
 * Invariants:
 *  1. A chat the caller may not see answers exactly like a missing one (404 chat_not_found):
 *     this file never produces a distinguishing answer of its own.
 *  2. Everything a write job reads from its op (strings included) lives in the request pool.
 */
#include "api/chats.h"
#include "api/encode.h"
#include "api/handler.h"
#include "chat/accounts.h"
#include "chat/chats.h"
#include "common/error.h"
#include "common/utf8.h"

#include <string.h>

HD_WJOB(run_private_open, hd_private_open, hd_private_open_op_t)
HD_WJOB(run_chat_create, hd_chat_create, hd_chat_create_op_t)
HD_WJOB(run_member_add, hd_member_add, hd_member_op_t)
HD_WJOB(run_member_remove, hd_member_remove, hd_member_op_t)
HD_WJOB(run_member_join, hd_member_join, hd_member_op_t)
HD_WJOB(run_member_leave, hd_member_leave, hd_member_op_t)
HD_WJOB(run_member_set_role, hd_member_set_role, hd_member_op_t)
HD_WJOB(run_mark_read, hd_chat_mark_read, hd_read_op_t)

static hd_member_op_t *member_op(hd_call_t *call) {
  hd_member_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  op->user_id = call->user_id;
  op->pool = &call->req->pool;
  return op;
}

/* Completion for member writes: publish, then {"chat"} or {"ok":true}. */
static void member_done_chat(hd_call_t *call, int status, void *arg) {
  hd_member_op_t *op = arg;
  if (!hd_api_published(call, status, &op->events))
    return;
  hd_api_reply1(call, 200, "chat", hd_json_chat(&op->chat));
}

static void member_done_ok(hd_call_t *call, int status, void *arg) {
  hd_member_op_t *op = arg;
  if (!hd_api_published(call, status, &op->events))
    return;
  hd_api_ok(call);
}

/* ---- private chats and creation --------------------------------------------------------- */

static void private_done(hd_call_t *call, int status, void *arg) {
  hd_private_open_op_t *op = arg;
  if (status) {
    hd_api_error(call, status);
    return;
  }
  json_t *o = json_object();
  json_object_set_new(o, "chat", hd_json_chat(&op->chat));
  json_object_set_new(o, "created", json_boolean(op->created));
  hd_api_reply(call, 200, o);
}

void hd_api_chat_private(hd_call_t *call) {
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  int has_name = hd_jin_has(&in, "username"), has_id = hd_jin_has(&in, "user_id");
  if (has_name == has_id)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "give exactly one of 'username' and 'user_id'");
  size_t ulen;
  const char *username = hd_jin_str(&in, "username", 0, &ulen);
  int64_t peer = hd_jin_int(&in, "user_id", 0, 1, INT64_MAX, 0);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  if (username) {
    hd_user_t u;
    int rc = hd_username_check(hd_iov(username, ulen)) != 0
                 ? HD_ERR_USER_NOT_FOUND
                 : hd_user_find(call->ctx->rd, username, &call->req->pool, &u);
    if (rc) {
      hd_api_error(call, rc);
      return;
    }
    peer = u.id;
  }
  hd_private_open_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  op->user_id = call->user_id;
  op->peer_id = peer;
  op->pool = &call->req->pool;
  hd_api_write(call, run_private_open, op, private_done);
}

static void create_done(hd_call_t *call, int status, void *arg) {
  hd_chat_create_op_t *op = arg;
  if (!hd_api_published(call, status, &op->events))
    return;
  hd_api_reply1(call, 201, "chat", hd_json_chat(&op->chat));
}

void hd_api_chat_create(hd_call_t *call) {
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_chat_create_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  op->user_id = call->user_id;
  op->pool = &call->req->pool;
  size_t tlen, ulen, alen;
  const char *type = hd_jin_str(&in, "type", 1, NULL);
  op->title = hd_jin_str(&in, "title", 1, &tlen);
  op->username = hd_jin_str(&in, "username", 0, &ulen);
  op->about = hd_jin_str(&in, "about", 0, &alen);
  if (type && !strcmp(type, "group"))
    op->type = HD_CHAT_GROUP;
  else if (type && !strcmp(type, "channel"))
    op->type = HD_CHAT_CHANNEL;
  else if (type)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "field 'type' must be \"group\" or \"channel\"");
  int rc;
  if (!in.err && (rc = hd_name_check(hd_iov(op->title, tlen))) != 0)
    hd_jin_fail(&in, rc, "title: %s", hd_strerror(rc));
  if (!in.err && op->username && (rc = hd_username_check(hd_iov(op->username, ulen))) != 0)
    hd_jin_fail(&in, rc, "username: %s", hd_strerror(rc));
  if (!in.err && op->about && hd_utf8_count(op->about, alen) > HD_BIO_MAX)
    hd_jin_fail(&in, HD_ERR_NAME_INVALID, "about: at most %d characters", HD_BIO_MAX);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  hd_api_write(call, run_chat_create, op, create_done);
}

/* ---- reads -------------------------------------------------------------------------------- */

void hd_api_chat_get(hd_call_t *call) {
  hd_chat_t c;
  int rc = hd_chat_get(call->ctx->rd, call->user_id, hd_call_id(call, 0), &call->req->pool, &c);
  if (rc)
    hd_api_error(call, rc);
  else
    hd_api_reply1(call, 200, "chat", hd_json_chat(&c));
}

void hd_api_dialogs(hd_call_t *call) {
  int64_t offset, limit;
  if (hd_api_query_int(call, "offset", 0, INT32_MAX, 0, &offset) != 0 ||
      hd_api_query_int(call, "limit", 1, HD_PAGE_MAX, 50, &limit) != 0)
    return;
  hd_dialog_t *d;
  size_t n;
  int rc = hd_dialog_list(call->ctx->rd, call->user_id, (size_t)offset, (size_t)limit,
                          &call->req->pool, &d, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "chat", hd_json_chat(&d[i].chat));
    json_object_set_new(o, "last_message",
                        d[i].last_message ? hd_json_message(d[i].last_message) : json_null());
    json_object_set_new(o, "unread_count", json_integer(d[i].unread_count));
    json_array_append_new(a, o);
  }
  hd_api_reply1(call, 200, "dialogs", a);
}

void hd_api_members_list(hd_call_t *call) {
  int64_t after, limit;
  if (hd_api_query_int(call, "after", 0, INT64_MAX, 0, &after) != 0 ||
      hd_api_query_int(call, "limit", 1, HD_PAGE_MAX, 50, &limit) != 0)
    return;
  hd_member_t *m;
  size_t n;
  int rc = hd_member_list(call->ctx->rd, call->user_id, hd_call_id(call, 0), after, (size_t)limit,
                          &call->req->pool, &m, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, hd_json_member(&m[i]));
  hd_api_reply1(call, 200, "members", a);
}

/* ---- membership ------------------------------------------------------------------------- */

void hd_api_chat_join(hd_call_t *call) {
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  size_t ulen;
  const char *username = hd_jin_str(&in, "username", 1, &ulen);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  hd_chat_t c;
  int rc = hd_username_check(hd_iov(username, ulen)) != 0
               ? HD_ERR_CHAT_NOT_FOUND
               : hd_chat_find(call->ctx->rd, call->user_id, username, &call->req->pool, &c);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  hd_member_op_t *op = member_op(call);
  op->chat_id = c.id;
  op->target_id = call->user_id;
  hd_api_write(call, run_member_join, op, member_done_chat);
}

void hd_api_chat_leave(hd_call_t *call) {
  hd_member_op_t *op = member_op(call);
  op->chat_id = hd_call_id(call, 0);
  op->target_id = call->user_id;
  hd_api_write(call, run_member_leave, op, member_done_ok);
}

void hd_api_member_add(hd_call_t *call) {
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  size_t ulen;
  const char *username = hd_jin_str(&in, "username", 1, &ulen);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  int64_t chat_id = hd_call_id(call, 0);
  /* the chat first: an outsider must learn nothing about users from this endpoint */
  hd_chat_t c;
  int rc = hd_chat_get(call->ctx->rd, call->user_id, chat_id, &call->req->pool, &c);
  hd_user_t u;
  if (!rc)
    rc = hd_username_check(hd_iov(username, ulen)) != 0
             ? HD_ERR_USER_NOT_FOUND
             : hd_user_find(call->ctx->rd, username, &call->req->pool, &u);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  hd_member_op_t *op = member_op(call);
  op->chat_id = chat_id;
  op->target_id = u.id;
  hd_api_write(call, run_member_add, op, member_done_chat);
}

void hd_api_member_remove(hd_call_t *call) {
  hd_member_op_t *op = member_op(call);
  op->chat_id = hd_call_id(call, 0);
  op->target_id = hd_call_id(call, 1);
  hd_api_write(call, run_member_remove, op, member_done_ok);
}

void hd_api_member_role(hd_call_t *call) {
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  const char *role = hd_jin_str(&in, "role", 1, NULL);
  hd_member_op_t *op = member_op(call);
  if (role && !strcmp(role, "admin"))
    op->role = HD_ROLE_ADMIN;
  else if (role && !strcmp(role, "member"))
    op->role = HD_ROLE_MEMBER;
  else if (role)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "field 'role' must be \"admin\" or \"member\"");
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  op->chat_id = hd_call_id(call, 0);
  op->target_id = hd_call_id(call, 1);
  hd_api_write(call, run_member_set_role, op, member_done_ok);
}

static void read_done(hd_call_t *call, int status, void *arg) {
  hd_read_op_t *op = arg;
  if (!hd_api_published(call, status, &op->events))
    return;
  hd_api_reply1(call, 200, "read_max_id", json_integer(op->read_max_id));
}

void hd_api_chat_read(hd_call_t *call) {
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_read_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  op->max_id = hd_jin_int(&in, "max_id", 1, 0, INT64_MAX, 0);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  op->user_id = call->user_id;
  op->chat_id = hd_call_id(call, 0);
  op->pool = &call->req->pool;
  hd_api_write(call, run_mark_read, op, read_done);
}
