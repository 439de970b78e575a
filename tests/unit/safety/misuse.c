/* Tests src/safety/misuse.c (and sqlite/safety_misuse.c): the threshold rules, the sliding
 * window under a fake clock, the automatic suspension in the decision's job, lifting on
 * reversal, and deprioritised reporters adding no weight to a case's priority. */
#include "../chat/fixture.h"
#include "chat/moderation.h"
#include "safety/misuse.h"
#include "safety/reports.h"

TestSuite(misuse, .init = fx_setup, .fini = fx_teardown);

#define T0  1800000000LL /* 2027-01-15 */
#define DAY 86400LL

static const hd_misuse_cfg_t CFG = {.warn_at = 2,
                                    .suspend_at = 3,
                                    .window_days = 90,
                                    .suspend_days = 7,
                                    .unfounded_warn_at = 2,
                                    .unfounded_deprio_at = 3};

static void at(int64_t t) { hd_time_set_fake(t * 1000); }

Test(misuse, assess_thresholds) {
  /* illegal: warn once at 2, suspend at 3 and every strike after */
  cr_assert_eq(hd_misuse_assess(&CFG, HD_STRIKE_ILLEGAL, 1, 0, 0), HD_MISUSE_NONE);
  cr_assert_eq(hd_misuse_assess(&CFG, HD_STRIKE_ILLEGAL, 2, 0, 0), HD_MISUSE_WARN);
  cr_assert_eq(hd_misuse_assess(&CFG, HD_STRIKE_ILLEGAL, 2, 1, 0), HD_MISUSE_NONE);
  cr_assert_eq(hd_misuse_assess(&CFG, HD_STRIKE_ILLEGAL, 3, 1, 0), HD_MISUSE_SUSPEND);
  cr_assert_eq(hd_misuse_assess(&CFG, HD_STRIKE_ILLEGAL, 4, 1, 0), HD_MISUSE_SUSPEND);
  /* unfounded: warn once, then one deprioritisation notice per window */
  cr_assert_eq(hd_misuse_assess(&CFG, HD_STRIKE_UNFOUNDED, 1, 0, 0), HD_MISUSE_NONE);
  cr_assert_eq(hd_misuse_assess(&CFG, HD_STRIKE_UNFOUNDED, 2, 0, 0), HD_MISUSE_UNFOUNDED_WARN);
  cr_assert_eq(hd_misuse_assess(&CFG, HD_STRIKE_UNFOUNDED, 3, 1, 0), HD_MISUSE_DEPRIORITISE);
  cr_assert_eq(hd_misuse_assess(&CFG, HD_STRIKE_UNFOUNDED, 4, 1, 1), HD_MISUSE_NONE);
  /* defaults (NULL) are 2 / 3 and 5 / 10 */
  cr_assert_eq(hd_misuse_assess(NULL, HD_STRIKE_UNFOUNDED, 9, 1, 0), HD_MISUSE_NONE);
  cr_assert_eq(hd_misuse_assess(NULL, HD_STRIKE_UNFOUNDED, 10, 1, 0), HD_MISUSE_DEPRIORITISE);
}

Test(misuse, cfg_check) {
  hd_misuse_cfg_t c;
  hd_misuse_cfg_default(&c);
  cr_assert_eq(hd_misuse_cfg_check(&c), 0);
  cr_assert_eq(c.warn_at, 2);
  cr_assert_eq(c.suspend_at, 3);
  cr_assert_eq(c.window_days, 90);
  cr_assert_eq(c.suspend_days, 7);
  cr_assert_eq(c.unfounded_warn_at, 5);
  cr_assert_eq(c.unfounded_deprio_at, 10);
  c.suspend_at = c.warn_at; /* invariant 5 */
  cr_assert_eq(hd_misuse_cfg_check(&c), HD_ERR_BAD_REQUEST);
  hd_misuse_cfg_default(&c);
  c.unfounded_deprio_at = 4;
  cr_assert_eq(hd_misuse_cfg_check(&c), HD_ERR_BAD_REQUEST);
  cr_assert_eq(hd_misuse_window_start(&CFG, T0), T0 - 90 * DAY + 1);
}

/* One illegal-content removal decision (id did) against `user` at the fake now. */
static int removal(int64_t did, int64_t user, int64_t moderator, hd_misuse_decision_op_t *op) {
  static hd_store_case_t c;
  static hd_store_decision_t d;
  c = (hd_store_case_t){.id = did + 500,
                        .target_type = HD_TARGET_MESSAGE,
                        .user_id = user,
                        .reason = "violence",
                        .severity = 4,
                        .source = HD_SOURCE_USER,
                        .status = HD_CASE_DECIDED};
  d = (hd_store_decision_t){.id = did,
                            .case_id = c.id,
                            .moderator_id = moderator,
                            .action = HD_ACTION_REMOVE,
                            .ground = HD_GROUND_ILLEGAL,
                            .ground_text = "StGB 130",
                            .category = "STATEMENT_CATEGORY_VIOLENCE",
                            .keywords = "",
                            .territorial_scope = "",
                            .countries = "",
                            .facts = "x",
                            .created_at = hd_time_now()};
  *op = (hd_misuse_decision_op_t){.cfg = &CFG, .c = &c, .d = &d, .affected = user, .pool = &P};
  return TX(hd_misuse_on_decision(W, op));
}

static int64_t count(int64_t user, int kind) {
  int64_t n = 0;
  cr_assert_eq(
      R->ops->safety->strike_count(R, user, kind, hd_misuse_window_start(&CFG, hd_time_now()), &n),
      0);
  return n;
}

static int64_t notices(int64_t user, int kind) {
  int64_t n = 0;
  cr_assert_eq(R->ops->safety->misuse_notice_count(R, user, kind, 0, &n), 0);
  return n;
}

Test(misuse, warn_then_suspend_then_window_expires) {
  int64_t u = fx_user("poster"), mod = fx_user("mod");
  hd_misuse_decision_op_t op;
  at(T0);
  cr_assert_eq(removal(1, u, mod, &op), 0);
  cr_assert_eq(op.events.len, 0);
  cr_assert_eq(removal(1, u, mod, &op), 0); /* the same decision never counts twice */
  cr_assert_eq(count(u, HD_STRIKE_ILLEGAL), 1);
  at(T0 + 10 * DAY);
  cr_assert_eq(removal(2, u, mod, &op), 0);
  cr_assert_eq(notices(u, HD_MISUSE_WARN), 1);
  cr_assert_gt(op.events.len, 0, "the warning is a service message");
  cr_assert_eq(op.suspension_id, 0);
  cr_assert_eq(hd_moderation_account_check(R, u, hd_time_now()), 0);
  at(T0 + 20 * DAY);
  cr_assert_eq(removal(3, u, mod, &op), 0);
  cr_assert_gt(op.suspension_id, 0);
  cr_assert_eq(notices(u, HD_MISUSE_SUSPEND), 1);
  cr_assert_eq(hd_moderation_account_check(R, u, hd_time_now()), HD_ERR_ACCOUNT_SUSPENDED);
  cr_assert_eq(hd_moderation_account_check(R, u, hd_time_now() + 8 * DAY), 0, "7 days");
  hd_store_decision_t d;
  cr_assert_eq(R->ops->safety->decision_get(R, op.suspension_id, &P, &d), 0);
  cr_assert_eq(d.action, HD_ACTION_SUSPEND);
  cr_assert_eq(d.suspend_until, T0 + 27 * DAY);
  hd_store_statement_t st;
  cr_assert_eq(R->ops->safety->statement_get(R, 0, op.suspension_id, &P, &st), 0,
               "the suspension has a statement of reasons");
  cr_assert_eq(st.user_id, u);
  cr_assert_eq(st.delivered, 1);
  /* 95 days after the first strike only strikes 2 and 3 count; at day 130 none does */
  at(T0 + 95 * DAY);
  cr_assert_eq(count(u, HD_STRIKE_ILLEGAL), 2);
  at(T0 + 130 * DAY);
  cr_assert_eq(count(u, HD_STRIKE_ILLEGAL), 0);
  cr_assert_eq(removal(4, u, mod, &op), 0);
  cr_assert_eq(op.suspension_id, 0, "one strike in a fresh window");
  cr_assert_eq(op.events.len, 0);
  hd_time_set_fake(0);
}

Test(misuse, reversal_lifts_the_strike) {
  int64_t u = fx_user("poster"), mod = fx_user("mod");
  hd_misuse_decision_op_t op;
  at(T0);
  cr_assert_eq(removal(1, u, mod, &op), 0);
  cr_assert_eq(removal(2, u, mod, &op), 0);
  cr_assert_eq(count(u, HD_STRIKE_ILLEGAL), 2);
  cr_assert_eq(TX(hd_misuse_on_reversal(W, 2, mod)), 0);
  cr_assert_eq(count(u, HD_STRIKE_ILLEGAL), 1);
  cr_assert_eq(removal(3, u, mod, &op), 0);
  cr_assert_eq(op.suspension_id, 0, "two strikes after the reversal: no suspension");
  cr_assert_eq(notices(u, HD_MISUSE_WARN), 1, "warned once per window");
  hd_store_strike_t *s;
  size_t n;
  cr_assert_eq(R->ops->safety->strike_list(R, u, 10, &P, &s, &n), 0);
  cr_assert_eq(n, 3);
  cr_assert_eq(s[1].decision_id, 2);
  cr_assert_eq(s[1].active, 0);
  cr_assert_eq(s[1].lifted_at, T0);
  hd_time_set_fake(0);
}

Test(misuse, tos_and_other_actions_do_not_count) {
  int64_t u = fx_user("poster"), mod = fx_user("mod");
  hd_misuse_decision_op_t op;
  at(T0);
  cr_assert_eq(removal(1, u, mod, &op), 0);
  hd_store_decision_t d = *op.d;
  d.id = 2;
  d.ground = HD_GROUND_TOS;
  op.d = &d;
  cr_assert_eq(TX(hd_misuse_on_decision(W, &op)), 0);
  d.id = 3;
  d.ground = HD_GROUND_ILLEGAL;
  d.action = HD_ACTION_LABEL;
  cr_assert_eq(TX(hd_misuse_on_decision(W, &op)), 0);
  cr_assert_eq(count(u, HD_STRIKE_ILLEGAL), 1);
  hd_time_set_fake(0);
}

/* reporter files a spam report on user target; returns the case's priority. */
static int64_t report(int64_t reporter, int64_t target, hd_store_case_t *c) {
  hd_report_op_t op = {.reporter_id = reporter,
                       .source = HD_SOURCE_USER,
                       .target_type = HD_TARGET_USER,
                       .user_id = target,
                       .reason = "spam",
                       .misuse = &CFG,
                       .pool = &P};
  cr_assert_eq(TX(hd_report_file(W, &op)), 0);
  *c = op.c;
  return op.c.priority;
}

/* Decide case c "none" (decision id did). */
static void none(hd_store_case_t *c, int64_t did, int64_t mod, hd_misuse_decision_op_t *op) {
  static hd_store_decision_t d;
  d = (hd_store_decision_t){.id = did,
                            .case_id = c->id,
                            .moderator_id = mod,
                            .action = HD_ACTION_NONE,
                            .ground = HD_GROUND_TOS,
                            .category = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
                            .facts = "x",
                            .created_at = hd_time_now()};
  *op = (hd_misuse_decision_op_t){.cfg = &CFG, .c = c, .d = &d, .pool = &P};
  cr_assert_eq(TX(hd_misuse_on_decision(W, op)), 0);
  c->status = HD_CASE_DECIDED; /* so the next report on the target opens a new case */
  cr_assert_eq(TX(W->ops->safety->case_update(W, c)), 0);
}

Test(misuse, unfounded_reporter_warned_then_deprioritised) {
  int64_t rep = fx_user("reporter"), other = fx_user("other"), mod = fx_user("mod");
  int64_t t[5];
  char name[16];
  for (int i = 0; i < 5; i++) {
    snprintf(name, sizeof(name), "target%d", i);
    t[i] = fx_user(name);
  }
  hd_misuse_decision_op_t op;
  hd_store_case_t c;
  at(T0);
  int64_t base = report(rep, t[0], &c);
  cr_assert_eq(base, 110, "spam: 100·1 + 10·1 reporter");
  none(&c, 1, mod, &op);
  cr_assert_eq(op.events.len, 0);
  report(rep, t[1], &c);
  none(&c, 2, mod, &op);
  cr_assert_eq(notices(rep, HD_MISUSE_UNFOUNDED_WARN), 1);
  cr_assert_gt(op.events.len, 0);
  int d = 1;
  cr_assert_eq(hd_misuse_deprioritised(R, &CFG, rep, hd_time_now(), &d), 0);
  cr_assert_eq(d, 0, "warned, not yet deprioritised");
  cr_assert_eq(report(rep, t[2], &c), 110);
  none(&c, 3, mod, &op);
  cr_assert_eq(notices(rep, HD_MISUSE_DEPRIORITISE), 1);
  cr_assert_eq(hd_misuse_deprioritised(R, &CFG, rep, hd_time_now(), &d), 0);
  cr_assert_eq(d, 1);
  /* a deprioritised report adds no reporter weight; another user's report on it still does */
  cr_assert_eq(report(rep, t[3], &c), 100);
  cr_assert_eq(c.reporters, 1, "still counted as a reporter");
  cr_assert_eq(report(other, t[3], &c), 110);
  cr_assert_eq(c.reporters, 2);
  /* the window passes: weight is back */
  at(T0 + 91 * DAY);
  cr_assert_eq(hd_misuse_deprioritised(R, &CFG, rep, hd_time_now(), &d), 0);
  cr_assert_eq(d, 0);
  cr_assert_eq(report(rep, t[4], &c), 110);
  hd_time_set_fake(0);
}

Test(misuse, successful_reporter_appeal_removes_the_strike) {
  int64_t rep = fx_user("reporter"), mod = fx_user("mod"), t = fx_user("target");
  hd_misuse_decision_op_t op;
  hd_store_case_t c;
  at(T0);
  report(rep, t, &c);
  none(&c, 7, mod, &op);
  cr_assert_eq(count(rep, HD_STRIKE_UNFOUNDED), 1);
  cr_assert_eq(TX(hd_misuse_on_reversal(W, 7, mod)), 0);
  cr_assert_eq(count(rep, HD_STRIKE_UNFOUNDED), 0);
  hd_time_set_fake(0);
}
