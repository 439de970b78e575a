/*
 * accounts.c — accounts and sessions surface (see api/accounts.h, docs/api.md).
 *
 * Register:  validate ─► worker: hash ─► loop: write hd_account_register ─► 201 {user}
 * Login:     lookup (read) ─► worker: verify (or hash a dummy when the user does not exist,
 *            so both failures cost the same) ─► loop: token + write hd_session_create
 *            ─► {token, session, user}
 * Profile:   PATCH /v1/me ─► photo_media_id? hd_api_signals_prepare_photo (PDQ on a worker)
 *            ─► write hd_profile_update (the bank match runs in that job) ─► {user}
 *
 * Invariants:
 *  1. Login failures are indistinguishable: the same status, code, message and (roughly)
 *     the same time whether the username exists or the password is wrong.
 *  2. The plaintext token leaves the server once, in the login response; only its SHA-256
 *     is written (hd_session_create_op_t.token_hash).
 *  3. Passwords are never logged and never stored outside the request pool.
 */
#include "api/accounts.h"
#include "api/encode.h"
#include "api/handler.h"
#include "api/signals.h"
#include "chat/accounts.h"
#include "chat/chats.h"
#include "common/error.h"
#include "common/utf8.h"

#include <string.h>

#define DEVICE_MAX 64 /* code points of the free-text device name */

HD_WJOB(run_session_revoke, hd_session_revoke, hd_session_revoke_op_t)
HD_WJOB(run_profile_update, hd_profile_update, hd_profile_update_op_t)

/* Upper-case a validated two-letter country code into the pool. */
static const char *country_upper(hd_mem_pool_t *pool, const char *cc) {
  char *s = hd_mem_pool_strndup(pool, cc, strlen(cc));
  for (char *p = s; *p; p++)
    if (*p >= 'a' && *p <= 'z')
      *p = (char)(*p - 'a' + 'A');
  return s;
}

static void check(hd_jin_t *in, const char *field, int rc) {
  if (rc)
    hd_jin_fail(in, rc, "%s: %s", field, hd_strerror(rc));
}

/* Bio / about: at most HD_BIO_MAX code points (the text is valid UTF-8 from the parser). */
static int bio_check(const char *s, size_t n) {
  return hd_utf8_valid(s, n) && hd_utf8_count(s, n) <= HD_BIO_MAX ? 0 : HD_ERR_NAME_INVALID;
}

int hd_api_register_parse(hd_jin_t *in, hd_register_req_t *r) {
  memset(r, 0, sizeof(*r));
  size_t ulen, nlen, clen;
  r->username = hd_jin_str(in, "username", 1, &ulen);
  r->password = hd_jin_str(in, "password", 1, &r->password_len);
  r->display_name = hd_jin_str(in, "display_name", 1, &nlen);
  const char *cc = hd_jin_str(in, "country", 1, &clen);
  if (in->err)
    return in->err;
  check(in, "username", hd_username_check(hd_iov(r->username, ulen)));
  check(in, "password", hd_password_check(hd_iov(r->password, r->password_len)));
  check(in, "display_name", hd_name_check(hd_iov(r->display_name, nlen)));
  check(in, "country", hd_country_check(hd_iov(cc, clen)));
  if (!in->err)
    r->country = country_upper(in->pool, cc);
  return in->err;
}

/* ---- register ------------------------------------------------------------------------- */

typedef struct {
  hd_call_t *call;
  hd_register_req_t r;
  hd_pwhash_level_t level;
  int rc;
  char hash[HD_PWHASH_STR_LEN];
  hd_register_op_t op;
} reg_t;

static int run_register(hd_store_t *tx, void *arg) {
  return hd_account_register(tx, &((reg_t *)arg)->op);
}

static void reg_done(hd_call_t *call, int status, void *arg) {
  reg_t *g = arg;
  if (status) {
    hd_api_error(call, status);
    return;
  }
  hd_api_reply1(call, 201, "user", hd_json_user(&g->op.user, 1));
}

static void reg_hash(void *arg) {
  reg_t *g = arg;
  g->rc = hd_account_hash_password(hd_iov(g->r.password, g->r.password_len), g->level, g->hash);
}

static void reg_hashed(hd_loop_t *loop, void *arg, int status) {
  reg_t *g = arg;
  if (status || g->rc) {
    hd_api_error(g->call, status ? status : g->rc);
    return;
  }
  g->op.username = g->r.username;
  g->op.display_name = g->r.display_name;
  g->op.country = g->r.country;
  g->op.pw_hash = g->hash;
  g->op.pool = &g->call->req->pool;
  hd_api_write(g->call, run_register, g, reg_done);
}

void hd_api_register(hd_call_t *call) {
  const hd_config_t *cfg = &call->ctx->app->cfg;
  int n = cfg->rate_register_per_min;
  if (hd_api_rate(call, "reg", call->req->remote_ip, n / 60.0, n) != 0)
    return;
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  reg_t *g = hd_mem_pool_alloc(&call->req->pool, sizeof(*g));
  memset(g, 0, sizeof(*g));
  g->call = call;
  g->level = cfg->pwhash;
  hd_api_register_parse(&in, &g->r);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  hd_loop_work(call->ctx->loop, reg_hash, reg_hashed, g);
}

/* ---- login ---------------------------------------------------------------------------- */

typedef struct {
  hd_call_t *call;
  const char *password;
  size_t password_len;
  int64_t user_id; /* 0: no such user */
  const char *stored_hash;
  hd_pwhash_level_t level;
  int rc;
  char token[HD_TOKEN_HEX_LEN + 1];
  hd_session_create_op_t op;
} login_t;

static int run_session_create(hd_store_t *tx, void *arg) {
  return hd_session_create(tx, &((login_t *)arg)->op);
}

static void login_done(hd_call_t *call, int status, void *arg) {
  login_t *l = arg;
  if (status) {
    hd_api_error(call, status);
    return;
  }
  hd_user_t u;
  int rc = hd_user_get(call->ctx->rd, l->user_id, &call->req->pool, &u);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *o = json_object();
  json_object_set_new(o, "token", json_string(l->token));
  json_object_set_new(o, "session", hd_json_session(&l->op.session, l->op.session.id));
  json_object_set_new(o, "user", hd_json_user(&u, 1));
  hd_api_reply(call, 200, o);
}

static void login_verify(void *arg) {
  login_t *l = arg;
  hd_iovec_t pw = hd_iov(l->password, l->password_len);
  if (l->user_id) {
    l->rc = hd_account_check_password(pw, l->stored_hash);
  } else {
    char dummy[HD_PWHASH_STR_LEN];
    hd_account_hash_password(pw, l->level, dummy);
    l->rc = HD_ERR_BAD_CREDENTIALS;
  }
}

static void login_verified(hd_loop_t *loop, void *arg, int status) {
  login_t *l = arg;
  if (status || l->rc) {
    hd_api_error(l->call, status ? status : HD_ERR_BAD_CREDENTIALS);
    return;
  }
  hd_token_generate(l->token, l->op.token_hash);
  l->op.user_id = l->user_id;
  l->op.ip = l->call->req->remote_ip;
  l->op.pool = &l->call->req->pool;
  hd_api_write(l->call, run_session_create, l, login_done);
}

void hd_api_login(hd_call_t *call) {
  const hd_config_t *cfg = &call->ctx->app->cfg;
  int n = cfg->rate_login_per_min;
  if (hd_api_rate(call, "login-ip", call->req->remote_ip, n / 60.0, n) != 0)
    return;
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  login_t *l = hd_mem_pool_alloc(&call->req->pool, sizeof(*l));
  memset(l, 0, sizeof(*l));
  l->call = call;
  l->level = cfg->pwhash;
  size_t ulen, dlen;
  const char *username = hd_jin_str(&in, "username", 1, &ulen);
  l->password = hd_jin_str(&in, "password", 1, &l->password_len);
  const char *device = hd_jin_str(&in, "device", 0, &dlen);
  if (device && hd_utf8_count(device, dlen) > DEVICE_MAX)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "field 'device' is longer than %d characters", DEVICE_MAX);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  l->op.device = device ? device : "";

  char acct[HD_USERNAME_MAX + 1];
  size_t alen = HD_MIN(ulen, (size_t)HD_USERNAME_MAX);
  for (size_t i = 0; i < alen; i++)
    acct[i] = (username[i] >= 'A' && username[i] <= 'Z') ? (char)(username[i] + 32) : username[i];
  acct[alen] = '\0';
  if (hd_api_rate(call, "login-acct", acct, n / 60.0, n) != 0)
    return;

  if (l->password_len > HD_PASSWORD_MAX || hd_username_check(hd_iov(username, ulen)) != 0) {
    hd_api_error(call, HD_ERR_BAD_CREDENTIALS); /* no account can match: nothing to hide */
    return;
  }
  int rc = hd_account_lookup_login(call->ctx->rd, username, &call->req->pool, &l->user_id,
                                   &l->stored_hash);
  if (rc == HD_ERR_BAD_CREDENTIALS) {
    l->user_id = 0;
  } else if (rc) {
    hd_api_error(call, rc);
    return;
  }
  hd_loop_work(call->ctx->loop, login_verify, login_verified, l);
}

/* ---- sessions ------------------------------------------------------------------------- */

static void ok_done(hd_call_t *call, int status, void *arg) {
  if (status)
    hd_api_error(call, status);
  else
    hd_api_ok(call);
}

static void revoke(hd_call_t *call, int64_t session_id) {
  hd_session_revoke_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  op->user_id = call->user_id;
  op->session_id = session_id;
  hd_api_write(call, run_session_revoke, op, ok_done);
}

void hd_api_logout(hd_call_t *call) { revoke(call, call->session_id); }

void hd_api_session_revoke(hd_call_t *call) { revoke(call, hd_call_id(call, 0)); }

void hd_api_sessions_list(hd_call_t *call) {
  hd_session_t *s;
  size_t n;
  int rc = hd_session_list(call->ctx->rd, call->user_id, &call->req->pool, &s, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, hd_json_session(&s[i], call->session_id));
  hd_api_reply1(call, 200, "sessions", a);
}

/* ---- profile and lookup --------------------------------------------------------------- */

void hd_api_me_get(hd_call_t *call) {
  hd_user_t u;
  int rc = hd_user_get(call->ctx->rd, call->user_id, &call->req->pool, &u);
  if (rc)
    hd_api_error(call, rc);
  else
    hd_api_reply1(call, 200, "user", hd_json_user(&u, 1));
}

static void profile_done(hd_call_t *call, int status, void *arg) {
  hd_profile_update_op_t *op = arg;
  if (status)
    hd_api_error(call, status);
  else
    hd_api_reply1(call, 200, "user", hd_json_user(&op->user, 1));
}

static void profile_go(hd_call_t *call, void *arg) {
  hd_api_write(call, run_profile_update, arg, profile_done);
}

void hd_api_me_patch(hd_call_t *call) {
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_profile_update_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  op->user_id = call->user_id;
  op->pool = &call->req->pool;
  size_t nlen, blen, clen;
  op->display_name = hd_jin_str(&in, "display_name", 0, &nlen);
  op->bio = hd_jin_str(&in, "bio", 0, &blen);
  const char *cc = hd_jin_str(&in, "country", 0, &clen);
  op->set_photo = in.root && json_object_get(in.root, "photo_media_id") != NULL; /* null: remove */
  op->photo_media_id = hd_jin_int(&in, "photo_media_id", 0, 1, INT64_MAX, 0);
  if (op->display_name)
    check(&in, "display_name", hd_name_check(hd_iov(op->display_name, nlen)));
  if (op->bio)
    check(&in, "bio", bio_check(op->bio, blen));
  if (cc)
    check(&in, "country", hd_country_check(hd_iov(cc, clen)));
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  op->country = cc ? country_upper(op->pool, cc) : NULL;
  if (hd_api_signals_prepare_photo(call, op->photo_media_id, profile_go, op) == 0)
    profile_go(call, op); /* else the PDQ hash is computed first (api/signals.h) */
}

void hd_api_user_get(hd_call_t *call) {
  const char *name = hd_call_str(call, 0);
  hd_user_t u;
  int rc = hd_username_check(call->params[0]) != 0
               ? HD_ERR_USER_NOT_FOUND
               : hd_user_find(call->ctx->rd, name, &call->req->pool, &u);
  if (rc)
    hd_api_error(call, rc);
  else
    hd_api_reply1(call, 200, "user", hd_json_user(&u, u.id == call->user_id));
}

void hd_api_resolve(hd_call_t *call) {
  const char *name = hd_call_str(call, 0);
  if (hd_username_check(call->params[0]) != 0) {
    hd_api_error(call, HD_ERR_USER_NOT_FOUND);
    return;
  }
  hd_user_t u;
  int rc = hd_user_find(call->ctx->rd, name, &call->req->pool, &u);
  if (rc == 0) {
    hd_api_reply1(call, 200, "user", hd_json_user(&u, u.id == call->user_id));
    return;
  }
  if (rc != HD_ERR_USER_NOT_FOUND) {
    hd_api_error(call, rc);
    return;
  }
  hd_chat_t c;
  rc = hd_chat_find(call->ctx->rd, call->user_id, name, &call->req->pool, &c);
  if (rc == HD_ERR_CHAT_NOT_FOUND)
    rc = HD_ERR_USER_NOT_FOUND; /* one namespace: "nobody has this name" */
  if (rc)
    hd_api_error(call, rc);
  else
    hd_api_reply1(call, 200, "chat", hd_json_chat(&c));
}
