/* Tests src/safety/staff.c and src/safety/audit.c on a real SQLite store: role names, the
 * audited grant, authorization of the actor, the last-admin rule, audit filters and the
 * append-only table. */
#include "../chat/fixture.h"
#include "safety/audit.h"
#include "safety/staff.h"
#include "store/sqlite/internal.h"

TestSuite(staff, .init = fx_setup, .fini = fx_teardown);

static int grant(int64_t actor, int64_t user, hd_staff_role_t role, hd_staff_role_t *before) {
  hd_staff_grant_op_t op = {.actor_id = actor, .user_id = user, .role = role};
  int r = TX(hd_staff_grant(W, &op));
  if (before)
    *before = op.before;
  return r;
}

static hd_staff_role_t role_of(int64_t user) {
  hd_staff_role_t r = HD_STAFF_ADMIN;
  cr_assert_eq(hd_staff_role_get(R, user, &r), 0);
  return r;
}

Test(staff, names_round_trip) {
  for (int i = HD_STAFF_NONE; i <= HD_STAFF_ADMIN; i++) {
    hd_staff_role_t r;
    cr_assert_eq(hd_staff_role_parse(hd_staff_role_name((hd_staff_role_t)i), &r), 0);
    cr_assert_eq((int)r, i);
  }
  hd_staff_role_t r;
  cr_assert_str_eq(hd_staff_role_name(HD_STAFF_SENIOR), "senior_moderator");
  cr_assert_eq(hd_staff_role_parse("Admin", &r), HD_ERR_BAD_FIELD);
  cr_assert_eq(hd_staff_role_parse(NULL, &r), HD_ERR_BAD_FIELD);
}

Test(staff, grant_and_audit) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  hd_staff_role_t before;
  cr_assert_eq(role_of(a), HD_STAFF_NONE);
  cr_assert_eq(grant(0, a, HD_STAFF_ADMIN, &before), 0); /* set-up command */
  cr_assert_eq(before, HD_STAFF_NONE);
  cr_assert_eq(grant(a, b, HD_STAFF_MODERATOR, &before), 0);
  cr_assert_eq(grant(a, b, HD_STAFF_SENIOR, &before), 0);
  cr_assert_eq(before, HD_STAFF_MODERATOR);
  cr_assert_eq(role_of(b), HD_STAFF_SENIOR);

  hd_store_staff_t *v;
  size_t n;
  cr_assert_eq(hd_staff_list(R, &P, &v, &n), 0);
  cr_assert_eq(n, 2);
  cr_assert_str_eq(v[1].username, "bobby");
  cr_assert_eq(v[1].granted_by, a);

  hd_store_audit_t *rec;
  char subj[32];
  snprintf(subj, sizeof(subj), "user:%lld", (long long)b);
  cr_assert_eq(hd_audit_list(R, "staff.grant", subj, 0, 100, &P, &rec, &n), 0);
  cr_assert_eq(n, 2);
  cr_assert_str_eq(rec[0].before, "none");
  cr_assert_str_eq(rec[0].after, "moderator");
  cr_assert_str_eq(rec[1].before, "moderator");
  cr_assert_str_eq(rec[1].after, "senior_moderator");
  cr_assert_eq(rec[1].actor_id, a);
  cr_assert(rec[0].id < rec[1].id);

  /* revoke deletes the row */
  cr_assert_eq(grant(a, b, HD_STAFF_NONE, NULL), 0);
  cr_assert_eq(role_of(b), HD_STAFF_NONE);
  cr_assert_eq(hd_staff_list(R, &P, &v, &n), 0);
  cr_assert_eq(n, 1);
}

Test(staff, only_admins_grant) {
  int64_t a = fx_user("alice"), m = fx_user("mallory"), c = fx_user("carol");
  cr_assert_eq(grant(0, m, HD_STAFF_SENIOR, NULL), 0);
  cr_assert_eq(grant(m, c, HD_STAFF_MODERATOR, NULL), HD_ERR_FORBIDDEN);
  cr_assert_eq(grant(c, c, HD_STAFF_ADMIN, NULL), HD_ERR_FORBIDDEN);
  cr_assert_eq(role_of(c), HD_STAFF_NONE);
  cr_assert_eq(grant(0, 999999, HD_STAFF_ADMIN, NULL), HD_ERR_USER_NOT_FOUND);
  cr_assert_eq(grant(0, a, (hd_staff_role_t)7, NULL), HD_ERR_BAD_FIELD);
  /* nothing was audited for the failures (the transaction rolled back) */
  hd_store_audit_t *rec;
  size_t n;
  cr_assert_eq(hd_audit_list(R, NULL, NULL, 0, 100, &P, &rec, &n), 0);
  cr_assert_eq(n, 1);
}

Test(staff, last_admin_stays) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  cr_assert_eq(grant(0, a, HD_STAFF_ADMIN, NULL), 0);
  cr_assert_eq(grant(a, a, HD_STAFF_MODERATOR, NULL), HD_ERR_CONFLICT);
  cr_assert_eq(grant(a, b, HD_STAFF_ADMIN, NULL), 0);
  cr_assert_eq(grant(a, a, HD_STAFF_NONE, NULL), 0);
  cr_assert_eq(role_of(a), HD_STAFF_NONE);
  cr_assert_eq(grant(0, b, HD_STAFF_NONE, NULL), 0); /* the set-up command may */
}

Test(staff, audit_validation_and_append_only) {
  cr_assert_eq(TX(hd_audit_append(W, 1, "", "x", NULL, NULL)), HD_ERR_BAD_FIELD);
  char big[HD_AUDIT_TEXT_MAX + 2];
  memset(big, 'a', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  cr_assert_eq(TX(hd_audit_append(W, 1, "k", "s", big, NULL)), HD_ERR_BAD_FIELD);
  hd_time_set_fake(1700000000123);
  cr_assert_eq(TX(hd_audit_append(W, 5, "case.decide", "case:1", NULL, "removed")), 0);
  cr_assert_eq(TX(hd_audit_append(W, 5, "case.decide", "case:2", "", "")), 0);
  hd_time_set_fake(0);
  hd_store_audit_t *rec;
  size_t n;
  cr_assert_eq(hd_audit_list(R, "case.decide", NULL, 0, 10, &P, &rec, &n), 0);
  cr_assert_eq(n, 2);
  cr_assert_eq(rec[0].time_ms, 1700000000123);
  cr_assert_str_eq(rec[0].before, "");
  cr_assert_eq(hd_audit_list(R, NULL, NULL, rec[0].id, 10, &P, &rec, &n), 0);
  cr_assert_eq(n, 1);
  cr_assert_str_eq(rec[0].subject, "case:2");
  cr_assert_eq(hd_audit_list(R, NULL, NULL, 0, 0, &P, &rec, &n), HD_ERR_BAD_REQUEST);
  /* the table refuses changes */
  sqlite3 *db = HD_SQ(W)->db;
  cr_assert_neq(sqlite3_exec(db, "UPDATE audit_log SET after = 'x'", NULL, NULL, NULL), SQLITE_OK);
  cr_assert_neq(sqlite3_exec(db, "DELETE FROM audit_log", NULL, NULL, NULL), SQLITE_OK);
}
