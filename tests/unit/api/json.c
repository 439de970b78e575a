/* Tests src/api/json.c: body parsing and the typed, sticky field getters. */
#include "api/json.h"
#include "common/error.h"

#include <criterion/criterion.h>
#include <string.h>

static hd_mem_pool_t pool;
static hd_jin_t in;
static void setup(void) { hd_mem_pool_init(&pool); }
static void teardown(void) {
  hd_jin_dispose(&in);
  hd_mem_pool_dispose(&pool);
}
TestSuite(json, .init = setup, .fini = teardown);

static int parse(const char *s) { return hd_jin_parse(&in, hd_iov(s, strlen(s)), &pool); }

Test(json, parses_object) {
  cr_assert_eq(parse("{\"a\":1}"), 0);
  cr_assert_eq(in.err, 0);
  cr_assert(json_is_object(in.root));
}

Test(json, rejects_non_objects_and_syntax) {
  const char *bad[] = {"",         "[]",      "1",           "\"s\"",      "null",       "{",
                       "{\"a\":}", "{'a':1}", "{\"a\":1} x", "{\"a\":1,}", "{\"a\":NaN}"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cr_assert_eq(parse(bad[i]), HD_ERR_BAD_JSON, "%s", bad[i]);
    hd_jin_dispose(&in);
  }
}

Test(json, rejects_duplicate_keys) {
  cr_assert_eq(parse("{\"text\":\"a\",\"text\":\"b\"}"), HD_ERR_BAD_JSON);
}

Test(json, bad_utf8_before_parser) {
  cr_assert_eq(hd_jin_parse(&in, HD_IOV_LIT("{\"text\":\"\xc3\x28\"}"), &pool), HD_ERR_BAD_UTF8);
  hd_jin_dispose(&in);
  cr_assert_eq(hd_jin_parse(&in, HD_IOV_LIT("{\"t\":\"\xed\xa0\x80\"}"), &pool), HD_ERR_BAD_UTF8);
  hd_jin_dispose(&in);
  /* an escaped NUL is refused by the parser, so strings never contain one */
  cr_assert_eq(parse("{\"t\":\"a\\u0000b\"}"), HD_ERR_BAD_JSON);
}

Test(json, strings) {
  cr_assert_eq(parse("{\"s\":\"h\\u00e9llo\",\"n\":5,\"z\":null}"), 0);
  size_t len;
  const char *s = hd_jin_str(&in, "s", 1, &len);
  cr_assert_str_eq(s, "h\xc3\xa9llo");
  cr_assert_eq(len, 6);
  cr_assert_null(hd_jin_str(&in, "missing", 0, &len));
  cr_assert_null(hd_jin_str(&in, "z", 0, &len)); /* null counts as absent */
  cr_assert_eq(in.err, 0);
  cr_assert_null(hd_jin_str(&in, "n", 1, NULL));
  cr_assert_eq(in.err, HD_ERR_BAD_FIELD);
  cr_assert(strstr(in.msg, "'n'"), "%s", in.msg);
}

Test(json, missing_required_names_field) {
  cr_assert_eq(parse("{}"), 0);
  hd_jin_str(&in, "username", 1, NULL);
  cr_assert_eq(in.err, HD_ERR_BAD_FIELD);
  cr_assert(strstr(in.msg, "username"), "%s", in.msg);
}

Test(json, errors_are_sticky) {
  cr_assert_eq(parse("{\"a\":\"x\",\"b\":2}"), 0);
  hd_jin_int(&in, "a", 1, 0, 10, 0);
  cr_assert_eq(in.err, HD_ERR_BAD_FIELD);
  char first[sizeof(in.msg)];
  memcpy(first, in.msg, sizeof(first));
  cr_assert_eq(hd_jin_int(&in, "b", 1, 0, 10, 7), 7); /* no-op after an error */
  hd_jin_str(&in, "zzz", 1, NULL);
  cr_assert_str_eq(in.msg, first);
}

Test(json, integers_strict) {
  cr_assert_eq(parse("{\"i\":5,\"f\":1.0,\"s\":\"5\",\"b\":true,\"big\":9223372036854775807,"
                     "\"neg\":-3}"),
               0);
  cr_assert_eq(hd_jin_int(&in, "i", 1, 0, 10, -1), 5);
  cr_assert_eq(hd_jin_int(&in, "big", 1, 0, INT64_MAX, -1), INT64_MAX);
  cr_assert_eq(hd_jin_int(&in, "absent", 0, 0, 10, 42), 42);
  cr_assert_eq(in.err, 0);
  const char *bad[] = {"f", "s", "b"};
  for (size_t i = 0; i < 3; i++) {
    in.err = 0;
    hd_jin_int(&in, bad[i], 1, 0, 10, 0);
    cr_assert_eq(in.err, HD_ERR_BAD_FIELD, "%s", bad[i]);
  }
  in.err = 0;
  hd_jin_int(&in, "neg", 1, 0, 10, 0);
  cr_assert_eq(in.err, HD_ERR_BAD_FIELD);
  cr_assert(strstr(in.msg, "range"), "%s", in.msg);
}

Test(json, integer_overflow_is_bad_field) {
  cr_assert_eq(parse("{\"i\":9223372036854775808}"), HD_ERR_BAD_FIELD);
  cr_assert(strstr(in.msg, "64-bit"), "%s", in.msg);
  hd_jin_dispose(&in);
  cr_assert_eq(parse("{\"i\":-9223372036854775809}"), HD_ERR_BAD_FIELD);
  hd_jin_dispose(&in);
  cr_assert_eq(parse("{\"i\":-9223372036854775808}"), 0);
}

Test(json, random_id) {
  cr_assert_eq(parse("{\"random_id\":-5}"), 0);
  cr_assert_eq(hd_jin_random_id(&in), -5);
  cr_assert_eq(in.err, 0);
  hd_jin_dispose(&in);
  cr_assert_eq(parse("{\"random_id\":0}"), 0);
  hd_jin_random_id(&in);
  cr_assert_eq(in.err, HD_ERR_RANDOM_ID_INVALID);
  hd_jin_dispose(&in);
  cr_assert_eq(parse("{\"random_id\":\"7\"}"), 0);
  hd_jin_random_id(&in);
  cr_assert_eq(in.err, HD_ERR_BAD_FIELD);
  hd_jin_dispose(&in);
  cr_assert_eq(parse("{}"), 0);
  hd_jin_random_id(&in);
  cr_assert_eq(in.err, HD_ERR_BAD_FIELD);
}

Test(json, booleans) {
  cr_assert_eq(parse("{\"t\":true,\"n\":1}"), 0);
  cr_assert_eq(hd_jin_bool(&in, "t", 1, 0), 1);
  cr_assert_eq(hd_jin_bool(&in, "x", 0, 1), 1);
  hd_jin_bool(&in, "n", 1, 0);
  cr_assert_eq(in.err, HD_ERR_BAD_FIELD);
}

Test(json, int_arrays) {
  cr_assert_eq(parse("{\"ids\":[1,2,3],\"bad\":[1,\"2\"],\"obj\":{},\"big\":[1,2,3,4]}"), 0);
  int64_t *ids;
  cr_assert_eq(hd_jin_int_array(&in, "ids", 3, 1, 100, &ids), 3);
  cr_assert_eq(ids[0], 1);
  cr_assert_eq(ids[2], 3);
  cr_assert_eq(hd_jin_int_array(&in, "big", 3, 1, 100, &ids), 0);
  cr_assert_eq(in.err, HD_ERR_BAD_FIELD);
  cr_assert_null(ids);
  in.err = 0;
  hd_jin_int_array(&in, "bad", 3, 1, 100, &ids);
  cr_assert_eq(in.err, HD_ERR_BAD_FIELD);
  in.err = 0;
  hd_jin_int_array(&in, "obj", 3, 1, 100, &ids);
  cr_assert_eq(in.err, HD_ERR_BAD_FIELD);
}
