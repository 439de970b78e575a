/*
 * staff.c — authorization of staff-only endpoints and the admin staff surface.
 *
 *   hd_api_require_staff(call, min)
 *     no user ──► 401 unauthorized
 *     role(user) on the loop's read handle < min ──► 403 forbidden
 *     else 0: the handler proceeds
 *
 *   PUT /v1/admin/staff/{username}  require admin ─► parse role ─► find user (read)
 *        ─► write job hd_staff_grant (re-checks the actor is admin inside the transaction,
 *           appends the audit record) ─► {user_id, username, role, before}
 *
 * Invariants:
 *  1. The role check reads committed state; the grant re-checks inside its transaction, so
 *     a demotion racing with a grant cannot let a former admin grant.
 *  2. Every grant is audited (safety/staff.c); this file holds no business rule.
 */
#include "api/staff.h"

#include "api/handler.h"
#include "chat/accounts.h"
#include "common/error.h"
#include "safety/audit.h"

#include <string.h>

int hd_api_require_staff(hd_call_t *call, hd_staff_role_t min) {
  if (call->user_id <= 0) {
    hd_api_error(call, HD_ERR_UNAUTHORIZED);
    return HD_ERR_UNAUTHORIZED;
  }
  hd_staff_role_t role = HD_STAFF_NONE;
  int rc = hd_staff_role_get(call->ctx->rd, call->user_id, &role);
  if (rc) {
    hd_api_error(call, rc);
    return rc;
  }
  if (role < min) {
    char msg[96];
    snprintf(msg, sizeof(msg), "this requires the %s role", hd_staff_role_name(min));
    hd_api_error_msg(call, HD_ERR_FORBIDDEN, msg);
    return HD_ERR_FORBIDDEN;
  }
  return 0;
}

static json_t *staff_json(const hd_store_staff_t *s) {
  return json_pack("{s:I,s:s,s:s,s:I,s:I}", "user_id", (json_int_t)s->user_id, "username",
                   s->username, "role", hd_staff_role_name((hd_staff_role_t)s->role), "granted_by",
                   (json_int_t)s->granted_by, "granted_at", (json_int_t)s->granted_at);
}

void hd_api_staff_list(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0)
    return;
  hd_store_staff_t *v;
  size_t n;
  int rc = hd_staff_list(call->ctx->rd, &call->req->pool, &v, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(arr, staff_json(&v[i]));
  hd_api_reply1(call, 200, "staff", arr);
}

typedef struct {
  hd_staff_grant_op_t op;
  const char *username;
} grant_t;

static int run_grant(hd_store_t *tx, void *arg) {
  return hd_staff_grant(tx, &((grant_t *)arg)->op);
}

static void grant_done(hd_call_t *call, int status, void *arg) {
  grant_t *g = arg;
  if (status == HD_ERR_CONFLICT) {
    hd_api_error_msg(call, status, "the last admin cannot be demoted");
    return;
  }
  if (status) {
    hd_api_error(call, status);
    return;
  }
  hd_api_reply(call, 200,
               json_pack("{s:I,s:s,s:s,s:s}", "user_id", (json_int_t)g->op.user_id, "username",
                         g->username, "role", hd_staff_role_name(g->op.role), "before",
                         hd_staff_role_name(g->op.before)));
}

void hd_api_staff_put(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0)
    return;
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  grant_t *g = hd_mem_pool_alloc(&call->req->pool, sizeof(*g));
  memset(g, 0, sizeof(*g));
  const char *role = hd_jin_str(&in, "role", 1, NULL);
  if (!in.err && hd_staff_role_parse(role, &g->op.role) != 0)
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "role: must be moderator, senior_moderator, admin or none");
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  hd_user_t u;
  const char *name = hd_call_str(call, 0);
  int rc = hd_user_find(call->ctx->rd, name, &call->req->pool, &u);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  g->username = u.username;
  g->op.actor_id = call->user_id;
  g->op.user_id = u.id;
  hd_api_write(call, run_grant, g, grant_done);
}

void hd_api_audit_list(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0)
    return;
  int64_t after, limit;
  if (hd_api_query_int(call, "after", 0, INT64_MAX, 0, &after) != 0 ||
      hd_api_query_int(call, "limit", 1, 1000, 100, &limit) != 0)
    return;
  const char *filt[2] = {NULL, NULL};
  const char *names[2] = {"kind", "subject"};
  for (int i = 0; i < 2; i++) {
    hd_iovec_t v;
    if (hd_http_query(call->req, names[i], &v) && v.len)
      filt[i] = hd_mem_pool_strndup(&call->req->pool, v.base, v.len);
  }
  hd_store_audit_t *v;
  size_t n;
  int rc = hd_audit_list(call->ctx->rd, filt[0], filt[1], after, (size_t)limit, &call->req->pool,
                         &v, &n);
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *o =
        json_pack("{s:I,s:I,s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)v[i].id, "time_ms",
                  (json_int_t)v[i].time_ms, "actor_id", (json_int_t)v[i].actor_id, "kind",
                  v[i].kind, "subject", v[i].subject, "before", v[i].before, "after", v[i].after);
    if (o)
      json_array_append_new(arr, o);
  }
  hd_api_reply1(call, 200, "records", arr);
}
