/*
 * Tests src/safety/dsa_enums.h against ../shared/spec/dsa-sor-enums.json ($HD_SPEC): every
 * enumerated set declared in C equals the spec's list, value for value and in order, so a
 * schema change upstream fails here. (In tests/unit/api/ because it needs jansson.)
 */
#include "safety/dsa_enums.h"

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

Test(dsa, every_set_matches_the_spec) {
  json_t *root = spec();
  json_t *enums = json_object_get(root, "enums");
  size_t n;
  const hd_dsa_set_t *sets = hd_dsa_sets(&n);
  cr_assert_geq(n, 12);
  for (size_t i = 0; i < n; i++) {
    json_t *a = json_object_get(enums, sets[i].field);
    cr_assert(json_is_array(a), "spec has no enum %s", sets[i].field);
    cr_assert_eq(json_array_size(a), sets[i].n, "%s: spec %zu values, C %zu", sets[i].field,
                 json_array_size(a), sets[i].n);
    for (size_t k = 0; k < sets[i].n; k++)
      cr_assert_str_eq(json_string_value(json_array_get(a, k)), sets[i].keys[k], "%s[%zu]",
                       sets[i].field, k);
  }
  json_decref(root);
}

Test(dsa, lookup) {
  const hd_dsa_set_t *cat = hd_dsa_set("category");
  cr_assert_not_null(cat);
  cr_assert_eq(hd_dsa_find(cat, "STATEMENT_CATEGORY_VIOLENCE"), HD_DSA_CAT_VIOLENCE);
  cr_assert_eq(hd_dsa_find(cat, "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"), -1);
  cr_assert_str_eq(hd_dsa_kw_key(HD_DSA_KW_TERRORIST_CONTENT), "KEYWORD_TERRORIST_CONTENT");
  cr_assert_null(hd_dsa_set("nope"));
}
