/*
 * Tests the DSA export of statements of reasons (safety/sor.c + api/statements.c) against
 * ../shared/spec/dsa-sor-enums.json ($HD_SPEC), driven by the spec itself: for every
 * restricting action × ground × target type × media kind × source × automation, the built
 * object must satisfy required_fields, at_least_one_of, every conditional_requirements rule,
 * max_lengths, the enums (arrays element-wise), puid_regex, the date format and ranges, the
 * territorial_scope normalisation, and carry only fields the spec lists. Negative checks make
 * sure the validator itself rejects broken objects.
 */
#include "api/statements.h"
#include "safety/cases.h"
#include "safety/sor.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *spec(void) {
  char path[1024];
  const char *d = getenv("HD_SPEC");
  snprintf(path, sizeof(path), "%s/dsa-sor-enums.json", d ? d : "/work/shared/spec");
  json_error_t e;
  json_t *root = json_load_file(path, 0, &e);
  cr_assert_not_null(root, "%s: %s", path, e.text);
  return root;
}

static int in_array(json_t *arr, const char *s) {
  size_t i;
  json_t *v;
  json_array_foreach(arr, i,
                     v) if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) return 1;
  return 0;
}

static int present(json_t *o, const char *f) {
  json_t *v = json_object_get(o, f);
  if (!v || json_is_null(v))
    return 0;
  if (json_is_string(v))
    return json_string_length(v) > 0;
  if (json_is_array(v))
    return json_array_size(v) > 0;
  return 1;
}

static int is_date(const char *s, const char *min, const char *max) {
  if (!s || strlen(s) != 10)
    return 0;
  for (int i = 0; i < 10; i++)
    if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
      return 0;
  int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
  return m >= 1 && m <= 12 && d >= 1 && d <= 31 && strcmp(s, min) >= 0 && strcmp(s, max) <= 0;
}

static int puid_ok(const char *s) {
  if (!s || !*s)
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '-' || *s == '_'))
      return 0;
  return 1;
}

/* Returns NULL when o validates against sp, else a static description of the first failure. */
static const char *validate(json_t *sp, json_t *o) {
  static char why[256];
  size_t i;
  json_t *v;
  const char *k;
  json_array_foreach(json_object_get(sp, "required_fields"), i,
                     v) if (!present(o, json_string_value(v))) {
    snprintf(why, sizeof(why), "required %s", json_string_value(v));
    return why;
  }
  int any = 0;
  json_array_foreach(json_object_get(sp, "at_least_one_of"), i, v) any |=
      present(o, json_string_value(v));
  if (!any)
    return "at_least_one_of";
  json_array_foreach(json_object_get(sp, "conditional_requirements"), i, v) {
    json_t *when = json_object_get(v, "when");
    const char *key = NULL;
    json_t *want = NULL;
    json_object_foreach(when, key, want) break;
    char field[128];
    snprintf(field, sizeof(field), "%s", key);
    size_t fl = strlen(field);
    int hit;
    if (fl > 9 && strcmp(field + fl - 9, "_contains") == 0) {
      field[fl - 9] = '\0';
      json_t *arr = json_object_get(o, field);
      hit = json_is_array(arr) && in_array(arr, json_string_value(want));
    } else {
      json_t *got = json_object_get(o, field);
      hit = json_is_string(got) && strcmp(json_string_value(got), json_string_value(want)) == 0;
    }
    if (!hit)
      continue;
    size_t j;
    json_t *f;
    json_array_foreach(json_object_get(v, "require"), j, f) if (!present(o, json_string_value(f))) {
      snprintf(why, sizeof(why), "conditional require %s", json_string_value(f));
      return why;
    }
    json_array_foreach(json_object_get(v, "exclude"), j,
                       f) if (json_object_get(o, json_string_value(f))) {
      snprintf(why, sizeof(why), "conditional exclude %s", json_string_value(f));
      return why;
    }
  }
  json_object_foreach(json_object_get(sp, "max_lengths"), k, v) {
    json_t *s = json_object_get(o, k);
    if (s && (!json_is_string(s) || json_string_length(s) > (size_t)json_integer_value(v))) {
      snprintf(why, sizeof(why), "max_length %s", k);
      return why;
    }
  }
  json_t *fields = json_object_get(sp, "fields"), *enums = json_object_get(sp, "enums");
  json_object_foreach(o, k, v) {
    if (!json_object_get(fields, k)) {
      snprintf(why, sizeof(why), "unknown field %s", k);
      return why;
    }
    json_t *set = json_object_get(enums, k);
    if (!set)
      continue;
    if (json_is_array(v)) {
      size_t j;
      json_t *e;
      json_array_foreach(v, j, e) if (!json_is_string(e) || !in_array(set, json_string_value(e))) {
        snprintf(why, sizeof(why), "enum %s", k);
        return why;
      }
    } else if (!json_is_string(v) || !in_array(set, json_string_value(v))) {
      snprintf(why, sizeof(why), "enum %s", k);
      return why;
    }
  }
  if (!is_date(json_string_value(json_object_get(o, "content_date")), "2000-01-01", "2038-01-01"))
    return "content_date";
  if (!is_date(json_string_value(json_object_get(o, "application_date")), "2020-01-01",
               "2038-01-01"))
    return "application_date";
  json_t *end = json_object_get(o, "end_date_account_restriction");
  if (end && (!is_date(json_string_value(end), "2020-01-01", "2038-01-01") ||
              strcmp(json_string_value(end),
                     json_string_value(json_object_get(o, "application_date"))) < 0))
    return "end_date_account_restriction";
  if (!puid_ok(json_string_value(json_object_get(o, "puid"))))
    return "puid";
  json_t *scope = json_object_get(o, "territorial_scope"); /* server_normalisation */
  for (size_t j = 1; j < json_array_size(scope); j++)
    if (strcmp(json_string_value(json_array_get(scope, j - 1)),
               json_string_value(json_array_get(scope, j))) >= 0)
      return "territorial_scope not sorted/unique";
  json_t *spec_kw = json_object_get(o, "category_specification");
  for (size_t j = 1; j < json_array_size(spec_kw); j++)
    if (strcmp(json_string_value(json_array_get(spec_kw, j - 1)),
               json_string_value(json_array_get(spec_kw, j))) >= 0)
      return "category_specification not sorted/unique";
  return NULL;
}

static const char *long_text(char *buf, size_t n) {
  memset(buf, 'x', n - 1);
  buf[n - 1] = '\0';
  return buf;
}

Test(sor_export, every_combination_validates) {
  json_t *sp = spec();
  char ground500[501], facts5000[5001];
  long_text(ground500, sizeof(ground500));
  long_text(facts5000, sizeof(facts5000));
  const int sources[] = {HD_SOURCE_USER, HD_SOURCE_NOTICE, HD_SOURCE_FLAGGER, HD_SOURCE_HASH_MATCH,
                         HD_SOURCE_RULE};
  const char *keywords[] = {"", "KEYWORD_PHISHING", "KEYWORD_OTHER,KEYWORD_PHISHING,KEYWORD_OTHER"};
  const char *scopes[] = {"", "FR,DE,DE", "XX,EL,NO", "US"};
  size_t checked = 0, puid_seen = 0;
  json_t *puids = json_object();
  int64_t did = 1;
  for (int action = HD_ACTION_LABEL; action < HD_ACTION__COUNT; action++)
    for (int g = HD_GROUND_ILLEGAL; g <= HD_GROUND_TOS; g++)
      for (int t = HD_TARGET_MESSAGE; t <= HD_TARGET_USER; t++)
        for (int media = HD_MEDIA_NONE; media <= HD_MEDIA_DOCUMENT; media++)
          for (size_t si = 0; si < sizeof(sources) / sizeof(*sources); si++)
            for (size_t ki = 0; ki < 3; ki++)
              for (size_t sc = 0; sc < 4; sc++)
                for (int automated = 0; automated < HD_DSA_AUTO__COUNT; automated++) {
                  hd_store_case_t c = {.id = 9,
                                       .target_type = t,
                                       .reason = "scam.phishing",
                                       .source = sources[si],
                                       .created_at = 1700000000};
                  hd_store_decision_t d = {
                      .id = did++,
                      .action = action,
                      .ground = g,
                      .ground_text = (sc & 1) ? ground500 : "Criminal Code s. 263",
                      .category = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
                      .keywords = keywords[ki],
                      .territorial_scope = scopes[sc],
                      .countries = action == HD_ACTION_WITHHOLD ? scopes[(sc + 1) % 4] : "",
                      .suspend_until = action == HD_ACTION_SUSPEND ? 1760000000 : 0,
                      .facts = facts5000,
                      .automated_detection = automated & 1,
                      .automated_decision = automated,
                      .created_at = 1750000000};
                  hd_store_statement_t st = {.id = d.id, .decision_id = d.id};
                  hd_sor_content_t content = {.date = sc == 3 ? 0 : 1600000000,
                                              .media = (hd_media_kind_t)media};
                  hd_sor_t s;
                  cr_assert_eq(hd_sor_build(&st, &d, &c, &content, &s), 0);
                  json_t *o = hd_api_sor_json(&s);
                  const char *why = validate(sp, o);
                  cr_assert_null(why, "action %d ground %d target %d: %s", action, g, t, why);
                  const char *puid = json_string_value(json_object_get(o, "puid"));
                  cr_assert_null(json_object_get(puids, puid), "duplicate puid %s", puid);
                  json_object_set_new(puids, puid, json_true());
                  puid_seen++;
                  json_decref(o);
                  checked++;
                }
  cr_assert_eq(puid_seen, checked);
  cr_assert_gt(checked, 5000);
  json_decref(puids);
  json_decref(sp);
}

Test(sor_export, none_is_not_a_statement_and_validator_rejects_broken_objects) {
  json_t *sp = spec();
  hd_store_case_t c = {.target_type = HD_TARGET_MESSAGE, .reason = "spam", .source = 1};
  hd_store_decision_t d = {.id = 5,
                           .action = HD_ACTION_NONE,
                           .ground = HD_GROUND_TOS,
                           .ground_text = "x",
                           .category = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
                           .keywords = "",
                           .territorial_scope = "",
                           .countries = "",
                           .facts = "f",
                           .created_at = 1750000000};
  hd_store_statement_t st = {.id = 1};
  hd_sor_content_t content = {.date = 1700000000};
  hd_sor_t s;
  cr_assert_neq(hd_sor_build(&st, &d, &c, &content, &s), 0);
  d.action = HD_ACTION_REMOVE;
  cr_assert_eq(hd_sor_build(&st, &d, &c, &content, &s), 0);
  json_t *o = hd_api_sor_json(&s);
  cr_assert_null(validate(sp, o));
  /* the validator must catch each kind of breakage */
  json_t *b = json_deep_copy(o);
  json_object_del(b, "decision_visibility");
  cr_assert_not_null(validate(sp, b));
  json_decref(b);
  b = json_deep_copy(o);
  json_object_set_new(b, "illegal_content_legal_ground", json_string("x"));
  cr_assert_not_null(validate(sp, b));
  json_decref(b);
  b = json_deep_copy(o);
  json_object_set_new(b, "category",
                      json_string("STATEMENT_CATEGORY_PORNOGRAPHY_OR_"
                                  "SEXUALIZED_CONTENT"));
  cr_assert_not_null(validate(sp, b));
  json_decref(b);
  b = json_deep_copy(o);
  json_object_set_new(b, "content_date", json_string("2024-1-05"));
  cr_assert_not_null(validate(sp, b));
  json_decref(b);
  b = json_deep_copy(o);
  json_object_set_new(b, "puid", json_string("has space"));
  cr_assert_not_null(validate(sp, b));
  json_decref(b);
  b = json_deep_copy(o);
  json_object_set_new(b, "user_id", json_integer(3));
  cr_assert_not_null(validate(sp, b));
  json_decref(b);
  json_decref(o);
  json_decref(sp);
}

Test(sor_export, mapping_of_actions) {
  hd_store_case_t c = {.target_type = HD_TARGET_USER, .reason = "fake_account", .source = 3};
  hd_store_decision_t d = {.id = 77,
                           .action = HD_ACTION_SUSPEND,
                           .ground = HD_GROUND_TOS,
                           .ground_text = "ToS 2",
                           .category = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
                           .keywords = "",
                           .territorial_scope = "DE",
                           .countries = "",
                           .facts = "f",
                           .suspend_until = 1750000000 + 3 * 86400,
                           .created_at = 1750000000};
  hd_store_statement_t st = {.id = 1};
  hd_sor_content_t content = {.date = 1700000000};
  hd_sor_t s;
  cr_assert_eq(hd_sor_build(&st, &d, &c, &content, &s), 0);
  cr_assert_str_eq(s.puid, "herald-sor-77");
  cr_assert_eq(s.account, HD_DSA_ACC_SUSPENDED);
  cr_assert_str_eq(s.end_date_account, "2025-06-18");
  cr_assert_str_eq(s.application_date, "2025-06-15");
  cr_assert_eq(s.source_type, HD_DSA_SRC_TRUSTED_FLAGGER);
  cr_assert_eq(s.content_type, HD_DSA_CT_OTHER);
  d.action = HD_ACTION_WITHHOLD;
  d.countries = "FR,XX,BE,FR";
  cr_assert_eq(hd_sor_build(&st, &d, &c, &content, &s), 0);
  cr_assert_eq(s.n_scope, 2);
  cr_assert_str_eq(s.scope[0], "BE");
  cr_assert_str_eq(s.scope[1], "FR");
}
