/*
 * Tests src/safety/reasons.c and the priority formula of src/safety/cases.c: the reason table
 * invariants (unique codes, parents first, Telegram's eleven top-level reasons, urgent set)
 * and hd_case_priority.
 */
#include "safety/cases.h"
#include "safety/reasons.h"

#include <criterion/criterion.h>
#include <string.h>

Test(reasons, table_invariants) {
  size_t n;
  const hd_reason_t *r = hd_reasons(&n);
  for (size_t i = 0; i < n; i++) {
    for (size_t k = i + 1; k < n; k++)
      cr_assert_str_neq(r[i].code, r[k].code);
    cr_assert(r[i].severity >= 1 && r[i].severity <= 5, "%s", r[i].code);
    cr_assert_lt((int)r[i].category, HD_DSA_CAT__COUNT);
    cr_assert_lt((int)r[i].keyword, HD_DSA_KW__COUNT);
    if (r[i].parent) {
      const hd_reason_t *p = hd_reason_find(r[i].parent);
      cr_assert_not_null(p, "%s", r[i].code);
      cr_assert_lt(p, &r[i], "parent after child: %s", r[i].code);
      cr_assert_eq(strncmp(r[i].code, p->code, strlen(p->code)), 0);
    }
  }
  static const char *const top[] = {"spam",        "violence",      "pornography",
                                    "child_abuse", "illegal_drugs", "personal_details",
                                    "copyright",   "fake_account",  "terrorism",
                                    "scam",        "other"};
  for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
    const hd_reason_t *x = hd_reason_find(top[i]);
    cr_assert_not_null(x, "%s", top[i]);
    cr_assert_null(x->parent);
  }
  cr_assert(hd_reason_find("child_abuse")->urgent);
  cr_assert(hd_reason_find("terrorism")->urgent);
  cr_assert(!hd_reason_find("spam")->urgent);
  cr_assert_null(hd_reason_find("nope"));
  cr_assert_str_eq(hd_reason_for_category("STATEMENT_CATEGORY_PROTECTION_OF_MINORS")->code,
                   "child_abuse");
}

Test(cases, priority_formula) {
  cr_assert_eq(hd_case_priority(1, 1, 0), 110);
  cr_assert_eq(hd_case_priority(5, 3, 1), 500 + 30 + 300);
  cr_assert_eq(hd_case_priority(2, 500, 0), 200 + 500); /* reporters capped at 50 */
}

Test(cases, names_round_trip) {
  for (int a = 0; a < HD_ACTION__COUNT; a++) {
    hd_action_t out;
    cr_assert_eq(hd_action_parse(hd_action_name(a), &out), 0);
    cr_assert_eq((int)out, a);
  }
  hd_target_type_t t;
  cr_assert_eq(hd_target_type_parse("chat", &t), 0);
  cr_assert_eq(t, HD_TARGET_CHAT);
  cr_assert_neq(hd_target_type_parse("channel", &t), 0);
}
