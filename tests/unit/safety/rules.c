/* Tests src/safety/rules.c and the rules half of src/store/sqlite/safety_signals.c:
 * validation (invalid regex → RULE_INVALID), keyword and regex matching, disabled rules,
 * the match limit stopping a catastrophic pattern, add/remove/load, and case opening
 * (source rule, one case per message, one report per rule, never urgent for non-urgent
 * reasons). */
#include "../chat/fixture.h"
#include "safety/cases.h"
#include "safety/rules.h"

TestSuite(rules, .init = fx_setup, .fini = fx_teardown);

static hd_rule_compiled_t *compile(hd_rule_kind_t k, const char *pat, const char *cat) {
  hd_rule_compiled_t *c = NULL;
  char err[200];
  cr_assert_eq(hd_rule_compile(k, pat, cat, err, sizeof(err), &c), 0, "%s", err);
  return c;
}

static void add(hd_rules_t *rs, int64_t id, int enabled, hd_rule_kind_t k, const char *pat,
                const char *cat) {
  hd_store_rule_t r = {.id = id, .kind = k, .pattern = pat, .category = cat, .enabled = enabled};
  hd_rules_add(rs, &r, compile(k, pat, cat));
}

static size_t eval(hd_rules_t *rs, const char *text, int64_t *ids) {
  char *cats[HD_RULE_HITS_MAX];
  size_t n = hd_rules_eval(rs, text, strlen(text), ids, cats, HD_RULE_HITS_MAX);
  for (size_t i = 0; i < n; i++)
    hd_mem_free(cats[i]);
  return n;
}

Test(rules, compile_validates) {
  hd_rule_compiled_t *c = NULL;
  char err[200];
  cr_assert_eq(hd_rule_compile(HD_RULE_REGEX, "(open", "spam", err, sizeof(err), &c),
               HD_ERR_RULE_INVALID);
  cr_assert(strstr(err, "offset") != NULL, "%s", err);
  cr_assert_eq(hd_rule_compile(HD_RULE_KEYWORD, "x", "nope", err, sizeof(err), &c),
               HD_ERR_REASON_INVALID);
  cr_assert_eq(hd_rule_compile(HD_RULE_KEYWORD, "", "spam", err, sizeof(err), &c),
               HD_ERR_BAD_FIELD);
  cr_assert_eq(hd_rule_compile(HD_RULE_KEYWORD, "\xff\xfe", "spam", err, sizeof(err), &c),
               HD_ERR_BAD_FIELD);
  char big[HD_RULE_PATTERN_MAX + 2];
  memset(big, 'a', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  cr_assert_eq(hd_rule_compile(HD_RULE_KEYWORD, big, "spam", err, sizeof(err), &c),
               HD_ERR_BAD_FIELD);
  hd_rule_kind_t k;
  cr_assert_eq(hd_rule_kind_parse("regex", &k), 0);
  cr_assert_eq(k, HD_RULE_REGEX);
  cr_assert_eq(hd_rule_kind_parse("glob", &k), HD_ERR_BAD_FIELD);
}

Test(rules, keyword_regex_disabled_and_remove) {
  hd_rules_t *rs = hd_rules_create();
  add(rs, 3, 1, HD_RULE_REGEX, "buy\\s+\\d+\\s*g\\b", "illegal_drugs");
  add(rs, 1, 1, HD_RULE_KEYWORD, "FreeCoins", "scam");
  add(rs, 2, 0, HD_RULE_KEYWORD, "hello", "spam");
  add(rs, 1, 1, HD_RULE_KEYWORD, "dup", "scam"); /* same id: ignored */
  cr_assert_eq(hd_rules_count(rs), 2);
  int64_t ids[HD_RULE_HITS_MAX];
  cr_assert_eq(eval(rs, "hello there", ids), 0); /* disabled */
  cr_assert_eq(eval(rs, "get freecoins", ids), 1);
  cr_assert_eq(ids[0], 1);
  cr_assert_eq(eval(rs, "get FREECOINS and BUY 10 g", ids), 2);
  cr_assert_eq(ids[0], 1); /* id order */
  cr_assert_eq(ids[1], 3);
  cr_assert_eq(eval(rs, "buy 10 grams", ids), 0); /* \b */
  cr_assert_eq(eval(rs, "Ünïcode buy 2g", ids), 1);
  hd_rules_remove(rs, 1);
  cr_assert_eq(eval(rs, "freecoins", ids), 0);
  hd_rules_stats_t st;
  hd_rules_stats(rs, &st);
  cr_assert_eq(st.runs, 6);
  cr_assert_eq(st.matches, 4);
  hd_rules_destroy(rs);
}

Test(rules, catastrophic_pattern_is_bounded) {
  hd_rules_t *rs = hd_rules_create();
  add(rs, 1, 1, HD_RULE_REGEX, "^(a+)+$", "spam");
  char text[5000];
  memset(text, 'a', sizeof(text) - 2);
  text[sizeof(text) - 2] = 'b';
  text[sizeof(text) - 1] = '\0';
  int64_t ids[HD_RULE_HITS_MAX];
  cr_assert_eq(eval(rs, text, ids), 0);
  hd_rules_stats_t st;
  hd_rules_stats(rs, &st);
  cr_assert_eq(st.limit_hits, 1);
  cr_assert_eq(eval(rs, "aaaa", ids), 1);
  hd_rules_destroy(rs);
}

static int64_t store_rule(hd_rule_kind_t k, const char *pat, const char *cat) {
  hd_store_rule_t r = {.kind = k, .pattern = pat, .category = cat, .enabled = 1, .created_by = 1};
  cr_assert_eq(TX(W->ops->safety->rule_insert(W, &r)), 0);
  return r.id;
}

Test(rules, store_load_delete) {
  int64_t a = store_rule(HD_RULE_KEYWORD, "spamword", "spam");
  int64_t b = store_rule(HD_RULE_REGEX, "x{2,}y", "other");
  hd_rules_t *rs = hd_rules_create();
  cr_assert_eq(hd_rules_load(rs, R), 0);
  cr_assert_eq(hd_rules_count(rs), 2);
  int64_t ids[HD_RULE_HITS_MAX];
  cr_assert_eq(eval(rs, "SPAMWORD xxxy", ids), 2);
  cr_assert_eq(ids[0], a);
  cr_assert_eq(ids[1], b);
  cr_assert_eq(TX(W->ops->safety->rule_delete(W, a)), 0);
  cr_assert_eq(TX(W->ops->safety->rule_delete(W, a)), HD_ERR_RULE_NOT_FOUND);
  hd_store_rule_t *v;
  size_t n;
  cr_assert_eq(R->ops->safety->rule_list(R, &P, &v, &n), 0);
  cr_assert_eq(n, 1);
  cr_assert_str_eq(v[0].pattern, "x{2,}y");
  hd_rules_destroy(rs);
}

Test(rules, open_cases_merges_per_message) {
  int64_t u = fx_user("alice");
  int64_t ch = fx_chat(u, HD_CHAT_CHANNEL, "pubchan");
  int64_t mid = 0;
  cr_assert_eq(fx_send(u, ch, 1, "text", &mid), 0);
  hd_rules_cases_op_t op = {.chat_id = ch, .message_id = mid, .user_id = u, .n = 2, .pool = &P};
  op.ids[0] = 7;
  op.ids[1] = 9;
  op.cats[0] = "spam";
  op.cats[1] = "scam";
  cr_assert_eq(TX(hd_rules_open_cases(W, &op)), 0);
  hd_store_case_t c;
  cr_assert_eq(R->ops->safety->case_find_open(R, HD_TARGET_MESSAGE, ch, mid, u, &P, &c), 0);
  cr_assert_eq(c.source, HD_SOURCE_RULE);
  cr_assert_eq(c.urgent, 0);
  cr_assert_str_eq(c.reason, "scam"); /* the most severe */
  hd_store_report_t *rs;
  size_t n;
  cr_assert_eq(R->ops->safety->report_list(R, c.id, 10, &P, &rs, &n), 0);
  cr_assert_eq(n, 2);
  cr_assert_str_eq(rs[0].comment, "{\"rule_id\":7}");
  cr_assert_str_eq(rs[1].comment, "{\"rule_id\":9}");
}
