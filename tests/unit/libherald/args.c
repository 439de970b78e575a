/* Tests src/libherald/args.c (command-line option parsing). */
#include "common/error.h"
#include "libherald/args.h"

#include <criterion/criterion.h>
#include <string.h>

static const herald_opt_spec_t cmd_opts[] = {
    {"limit", 'n', 1, "N", "how many"},
    {"before", 0, 1, "ID", "older than"},
    {NULL, 0, 0, NULL, NULL},
};
static const herald_opt_spec_t glob_opts[] = {
    {"json", 'j', 0, NULL, "json"},
    {"server", 's', 1, "URL", "server"},
    {NULL, 0, 0, NULL, NULL},
};

static int parse_args(herald_args_t *a, int argc, char **argv) {
  const herald_opt_spec_t *tables[] = {cmd_opts, glob_opts};
  cr_assert_eq(herald_args_init(a, tables, 2), 0);
  return herald_args_parse(a, argc, argv);
}

Test(args, mixed_options_and_positionals) {
  char *argv[] = {"@bob", "--json",          "-n", "5", "hello", "--before=12",
                  "--",   "--not-an-option", "-"};
  herald_args_t a;
  cr_assert_eq(parse_args(&a, 9, argv), 0);
  cr_assert_eq(a.npos, 4);
  cr_assert_str_eq(a.pos[0], "@bob");
  cr_assert_str_eq(a.pos[1], "hello");
  cr_assert_str_eq(a.pos[2], "--not-an-option");
  cr_assert_str_eq(a.pos[3], "-");
  cr_assert_str_eq(herald_args_get(&a, "limit"), "5");
  cr_assert_str_eq(herald_args_get(&a, "before"), "12");
  cr_assert(herald_args_has(&a, "json"));
  cr_assert_not(herald_args_has(&a, "server"));
}

Test(args, value_may_start_with_dash) {
  char *argv[] = {"--server", "-weird"};
  herald_args_t a;
  cr_assert_eq(parse_args(&a, 2, argv), 0);
  cr_assert_str_eq(herald_args_get(&a, "server"), "-weird");
}

Test(args, errors) {
  herald_args_t a;
  char *unknown[] = {"--nope"};
  cr_assert_eq(parse_args(&a, 1, unknown), HD_ERR_BAD_REQUEST);
  cr_assert(strstr(a.err, "--nope"));
  char *missing[] = {"--limit"};
  cr_assert_eq(parse_args(&a, 1, missing), HD_ERR_BAD_REQUEST);
  char *flagval[] = {"--json=1"};
  cr_assert_eq(parse_args(&a, 1, flagval), HD_ERR_BAD_REQUEST);
  char *bundle[] = {"-jn"};
  cr_assert_eq(parse_args(&a, 1, bundle), HD_ERR_BAD_REQUEST);
}

Test(args, integers) {
  int64_t v;
  cr_assert_eq(herald_args_int("42", 1, 100, &v), 0);
  cr_assert_eq(v, 42);
  cr_assert_eq(herald_args_int("-7", -10, 10, &v), 0);
  cr_assert_eq(v, -7);
  cr_assert_eq(herald_args_int("9223372036854775807", 0, INT64_MAX, &v), 0);
  cr_assert_eq(v, INT64_MAX);
  const char *bad[] = {"", "-", "1x", " 1", "101", "0", "99999999999999999999", "+5"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    cr_assert_neq(herald_args_int(bad[i], 1, 100, &v), 0, "%s", bad[i]);
}
