/* Tests src/libherald/json.c (dotted lookups, one-line output) and src/libherald/digest.c. */
#include "libherald/json.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

Test(json, dotted_paths_and_defaults) {
  json_t *v = json_loads("{\"chat\":{\"id\":7,\"title\":\"x\",\"pub\":true},\"n\":\"s\"}", 0, NULL);
  cr_assert_not_null(v);
  cr_assert_eq(herald_json_int(v, "chat.id", -1), 7);
  cr_assert_str_eq(herald_json_str(v, "chat.title", NULL), "x");
  cr_assert_eq(herald_json_bool(v, "chat.pub", 0), 1);
  cr_assert_eq(herald_json_int(v, "chat.title", -1), -1); /* wrong type: default */
  cr_assert_eq(herald_json_int(v, "chat.id.deeper", -2), -2);
  cr_assert_eq(herald_json_int(v, "missing.key", -3), -3);
  cr_assert_null(herald_json_str(v, "n.x", NULL));
  cr_assert_null(herald_json_at(v, "chat..id"));
  cr_assert_null(herald_json_at(NULL, "a"));
  json_decref(v);
}

Test(json, line_output_is_one_line) {
  json_t *v = json_pack("{s:s}", "text", "two\nlines");
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cr_assert_eq(herald_json_line(f, v), 0);
  fclose(f);
  cr_assert_str_eq(buf, "{\"text\":\"two\\nlines\"}\n");
  free(buf);
  json_decref(v);
}
