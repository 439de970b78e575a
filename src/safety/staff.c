/*
 * staff.c — staff roles: names, lookup and the audited grant (see staff.h for the levels).
 *
 *   grant(actor, user, role)
 *     ├ actor != 0: actor's role must be admin            else HD_ERR_FORBIDDEN
 *     ├ before = current role of user
 *     ├ store: staff_role_set (role none deletes the row)  HD_ERR_USER_NOT_FOUND
 *     └ audit: "staff.grant" subject "user:<id>" before → after   (same transaction)
 *
 * Invariants:
 *  1. A grant and its audit record commit together (one write job).
 *  2. The last admin cannot be demoted by an admin through the API path (actor != 0), so
 *     the server is never left without anyone who can grant roles; the set-up command
 *     (actor 0) may do anything.
 */
#include "safety/staff.h"

#include "common/error.h"
#include "common/time.h"
#include "safety/audit.h"
#include "store/ops.h"

#include <stdio.h>
#include <string.h>

static const char *const role_names[] = {"none", "moderator", "senior_moderator", "admin"};

const char *hd_staff_role_name(hd_staff_role_t r) {
  if ((int)r < 0 || (size_t)r >= HD_ARRAY_SIZE(role_names))
    return "none";
  return role_names[r];
}

int hd_staff_role_parse(const char *s, hd_staff_role_t *out) {
  if (s == NULL)
    return HD_ERR_BAD_FIELD;
  for (size_t i = 0; i < HD_ARRAY_SIZE(role_names); i++)
    if (strcmp(s, role_names[i]) == 0) {
      *out = (hd_staff_role_t)i;
      return 0;
    }
  return HD_ERR_BAD_FIELD;
}

int hd_staff_role_get(hd_store_t *rd, int64_t user_id, hd_staff_role_t *out) {
  int role = 0;
  *out = HD_STAFF_NONE;
  if (user_id <= 0)
    return 0;
  int ret = rd->ops->staff_role_get(rd, user_id, &role);
  if (ret)
    return ret;
  if (role < HD_STAFF_NONE || role > HD_STAFF_ADMIN)
    return HD_ERR_STORAGE; /* the CHECK constraint makes this a damaged database */
  *out = (hd_staff_role_t)role;
  return 0;
}

int hd_staff_list(hd_store_t *rd, hd_mem_pool_t *pool, hd_store_staff_t **out, size_t *n) {
  return rd->ops->staff_list(rd, pool, out, n);
}

/* Count admins other than user_id, for invariant 2. */
static int other_admins(hd_store_t *tx, int64_t user_id, size_t *n) {
  hd_mem_pool_t pool;
  hd_store_staff_t *v;
  size_t len;
  hd_mem_pool_init(&pool);
  int ret = hd_staff_list(tx, &pool, &v, &len);
  *n = 0;
  for (size_t i = 0; ret == 0 && i < len; i++)
    if (v[i].role == HD_STAFF_ADMIN && v[i].user_id != user_id)
      (*n)++;
  hd_mem_pool_dispose(&pool);
  return ret;
}

int hd_staff_grant(hd_store_t *tx, hd_staff_grant_op_t *op) {
  int ret;
  if ((int)op->role < HD_STAFF_NONE || op->role > HD_STAFF_ADMIN || op->user_id <= 0)
    return HD_ERR_BAD_FIELD;
  if (op->actor_id != 0) {
    hd_staff_role_t actor;
    if ((ret = hd_staff_role_get(tx, op->actor_id, &actor)) != 0)
      return ret;
    if (actor < HD_STAFF_ADMIN)
      return HD_ERR_FORBIDDEN;
  }
  if ((ret = hd_staff_role_get(tx, op->user_id, &op->before)) != 0)
    return ret;
  if (op->actor_id != 0 && op->before == HD_STAFF_ADMIN && op->role != HD_STAFF_ADMIN) {
    size_t others = 0;
    if ((ret = other_admins(tx, op->user_id, &others)) != 0)
      return ret;
    if (others == 0)
      return HD_ERR_CONFLICT;
  }
  ret = tx->ops->staff_role_set(tx, op->user_id, (int)op->role, op->actor_id, hd_time_now());
  if (ret)
    return ret;
  char subject[32];
  snprintf(subject, sizeof(subject), "user:%lld", (long long)op->user_id);
  return hd_audit_append(tx, op->actor_id, "staff.grant", subject, hd_staff_role_name(op->before),
                         hd_staff_role_name(op->role));
}
