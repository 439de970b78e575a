/* Tests src/common/utf8.c and src/common/error.c. */
#include "common/error.h"
#include "common/utf8.h"

#include <criterion/criterion.h>
#include <string.h>

static int valid(const char *s) { return hd_utf8_valid(s, strlen(s)); }

Test(utf8, accepts_valid) {
  cr_assert(valid("hello"));
  cr_assert(valid("gr\xc3\xbc\xc3\x9f"));
  cr_assert(valid("\xe2\x82\xac"));
  cr_assert(valid("\xf0\x9f\x98\x80"));
  cr_assert(valid("\xf4\x8f\xbf\xbf"));
}

Test(utf8, rejects_invalid) {
  cr_assert_not(valid("\xc0\xaf"));         /* overlong */
  cr_assert_not(valid("\xe0\x80\xaf"));     /* overlong */
  cr_assert_not(valid("\xed\xa0\x80"));     /* surrogate */
  cr_assert_not(valid("\xf4\x90\x80\x80")); /* > U+10FFFF */
  cr_assert_not(valid("\xe2\x82"));         /* truncated */
  cr_assert_not(valid("\x80"));             /* lone continuation */
  cr_assert_not(valid("\xff"));
}

Test(utf8, incremental_split_sequence) {
  hd_utf8_state_t st;
  hd_utf8_state_init(&st);
  cr_assert(hd_utf8_feed(&st, "\xf0\x9f", 2));
  cr_assert_not(hd_utf8_complete(&st));
  cr_assert(hd_utf8_feed(&st, "\x98\x80", 2));
  cr_assert(hd_utf8_complete(&st));
}

Test(utf8, counts_code_points) { cr_assert_eq(hd_utf8_count("a\xc3\xbc\xf0\x9f\x98\x80", 7), 3); }

Test(error, table_is_consistent) {
  for (int e = HD__ERR_FIRST + 1; e < HD__ERR_LAST; e++) {
    cr_assert(hd_err_status(e) >= 400 && hd_err_status(e) < 600);
    for (int f = e + 1; f < HD__ERR_LAST; f++)
      cr_assert_str_neq(hd_err_code(e), hd_err_code(f), "duplicate code %s", hd_err_code(e));
  }
  cr_assert_str_eq(hd_err_code(HD_ERR_CHAT_NOT_FOUND), "chat_not_found");
  cr_assert_eq(hd_err_status(HD_ERR_CHAT_NOT_FOUND), 404);
}
