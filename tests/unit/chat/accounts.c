/* Tests src/chat/accounts.c: field rules, passwords, tokens, registration, sessions, profiles,
 * and persistence of accounts across a reopen. */
#include "fixture.h"

TestSuite(accounts, .init = fx_setup, .fini = fx_teardown);

static int uname(const char *s) { return hd_username_check(hd_iov(s, strlen(s))); }
static int name(const char *s) { return hd_name_check(hd_iov(s, strlen(s))); }

Test(accounts, username_rules) {
  cr_assert_eq(uname("alice"), 0);
  cr_assert_eq(uname("Alice_01"), 0);
  cr_assert_eq(uname("a2345678901234567890123456789012"), 0);                        /* 32 */
  cr_assert_eq(uname("a23456789012345678901234567890123"), HD_ERR_USERNAME_INVALID); /* 33 */
  cr_assert_eq(uname("abcd"), HD_ERR_USERNAME_INVALID);
  cr_assert_eq(uname("1alice"), HD_ERR_USERNAME_INVALID);
  cr_assert_eq(uname("_alice"), HD_ERR_USERNAME_INVALID);
  cr_assert_eq(uname("ali-ce"), HD_ERR_USERNAME_INVALID);
  cr_assert_eq(uname("alice bob"), HD_ERR_USERNAME_INVALID);
  cr_assert_eq(uname("al\xc3\xbc"
                     "ce"),
               HD_ERR_USERNAME_INVALID);
  cr_assert_eq(hd_username_check(hd_iov("alice\0x", 7)), HD_ERR_USERNAME_INVALID);
}

Test(accounts, name_country_password_rules) {
  cr_assert_eq(name("Alice"), 0);
  cr_assert_eq(name("J\xc3\xbcrgen \xf0\x9f\x98\x80"), 0);
  cr_assert_eq(name(""), HD_ERR_NAME_INVALID);
  cr_assert_eq(name("a\nb"), HD_ERR_NAME_INVALID);
  cr_assert_eq(name("a\x7f"), HD_ERR_NAME_INVALID);
  cr_assert_eq(name("a\xc2\x85"), HD_ERR_NAME_INVALID); /* U+0085, a C1 control */
  cr_assert_eq(name("\xc3\x28"), HD_ERR_NAME_INVALID);
  char long_name[3 * 65 + 1] = {0};
  for (int i = 0; i < 64; i++)
    memcpy(long_name + 3 * i, "\xe2\x82\xac", 3); /* 64 euro signs: 64 code points */
  cr_assert_eq(name(long_name), 0);
  memcpy(long_name + 3 * 64, "\xe2\x82\xac", 3);
  cr_assert_eq(name(long_name), HD_ERR_NAME_INVALID);
  cr_assert_eq(hd_country_check(HD_IOV_LIT("de")), 0);
  cr_assert_eq(hd_country_check(HD_IOV_LIT("DE")), 0);
  cr_assert_eq(hd_country_check(HD_IOV_LIT("D1")), HD_ERR_COUNTRY_INVALID);
  cr_assert_eq(hd_country_check(HD_IOV_LIT("DEU")), HD_ERR_COUNTRY_INVALID);
  cr_assert_eq(hd_password_check(HD_IOV_LIT("1234567")), HD_ERR_PASSWORD_INVALID);
  cr_assert_eq(hd_password_check(HD_IOV_LIT("12345678")), 0);
  char pw[258];
  memset(pw, 'x', sizeof(pw));
  cr_assert_eq(hd_password_check(hd_iov(pw, 256)), 0);
  cr_assert_eq(hd_password_check(hd_iov(pw, 257)), HD_ERR_PASSWORD_INVALID);
}

Test(accounts, password_hash_and_verify) {
  char h[HD_PWHASH_STR_LEN];
  cr_assert_eq(hd_account_hash_password(HD_IOV_LIT("correct horse"), HD_PWHASH_MIN, h), 0);
  cr_assert(strncmp(h, "$argon2id$", 10) == 0, "%s", h);
  cr_assert_eq(hd_account_check_password(HD_IOV_LIT("correct horse"), h), 0);
  cr_assert_eq(hd_account_check_password(HD_IOV_LIT("correct horsE"), h), HD_ERR_BAD_CREDENTIALS);
  cr_assert_eq(hd_account_check_password(HD_IOV_LIT("x"), "garbage"), HD_ERR_BAD_CREDENTIALS);
}

Test(accounts, tokens) {
  char hex[HD_TOKEN_HEX_LEN + 1], hex2[HD_TOKEN_HEX_LEN + 1];
  uint8_t h[32], h2[32], again[32];
  hd_token_generate(hex, h);
  hd_token_generate(hex2, h2);
  cr_assert_eq(strlen(hex), 64);
  for (int i = 0; i < 64; i++)
    cr_assert(strchr("0123456789abcdef", hex[i]) != NULL);
  cr_assert_str_neq(hex, hex2);
  hd_token_hash(hd_iov(hex, 64), again);
  cr_assert_eq(memcmp(h, again, 32), 0);
  hd_token_hash(hd_iov(hex2, 64), again);
  cr_assert_neq(memcmp(h, again, 32), 0);
}

Test(accounts, register_and_lookup) {
  hd_register_op_t op = {.username = "Alice_01",
                         .display_name = "Alice",
                         .country = "de",
                         .pw_hash = fx_hash(),
                         .pool = &P};
  cr_assert_eq(TX(hd_account_register(W, &op)), 0);
  cr_assert_gt(op.user.id, 0);
  cr_assert_str_eq(op.user.username, "Alice_01");
  cr_assert_str_eq(op.user.country, "DE");
  cr_assert_str_eq(op.user.bio, "");

  hd_register_op_t dup = op;
  dup.username = "alice_01";
  cr_assert_eq(TX(hd_account_register(W, &dup)), HD_ERR_USERNAME_TAKEN);

  hd_user_t u;
  cr_assert_eq(hd_user_find(R, "ALICE_01", &P, &u), 0);
  cr_assert_eq(u.id, op.user.id);
  cr_assert_str_eq(u.username, "Alice_01");
  cr_assert_eq(hd_user_get(R, op.user.id, &P, &u), 0);
  cr_assert_eq(hd_user_get(R, 999, &P, &u), HD_ERR_USER_NOT_FOUND);
  cr_assert_eq(hd_user_find(R, "nobody1", &P, &u), HD_ERR_USER_NOT_FOUND);
  cr_assert_eq(hd_user_find(R, "bad name", &P, &u), HD_ERR_USER_NOT_FOUND);

  int64_t id;
  const char *hash;
  cr_assert_eq(hd_account_lookup_login(R, "alice_01", &P, &id, &hash), 0);
  cr_assert_eq(id, op.user.id);
  cr_assert_eq(hd_account_check_password(HD_IOV_LIT("password1"), hash), 0);
  cr_assert_eq(hd_account_lookup_login(R, "nobody1", &P, &id, &hash), HD_ERR_BAD_CREDENTIALS);
}

Test(accounts, username_namespace_shared_with_chats) {
  int64_t a = fx_user("alice");
  fx_chat(a, HD_CHAT_CHANNEL, "Newsroom");
  hd_register_op_t op = {.username = "newsroom",
                         .display_name = "N",
                         .country = "FR",
                         .pw_hash = fx_hash(),
                         .pool = &P};
  cr_assert_eq(TX(hd_account_register(W, &op)), HD_ERR_USERNAME_TAKEN);
  hd_chat_create_op_t c = {
      .user_id = a, .type = HD_CHAT_GROUP, .title = "G", .username = "ALICE", .pool = &P};
  cr_assert_eq(TX(hd_chat_create(W, &c)), HD_ERR_USERNAME_TAKEN);
  c.username = "NEWSROOM";
  cr_assert_eq(TX(hd_chat_create(W, &c)), HD_ERR_USERNAME_TAKEN);
}

Test(accounts, session_lifecycle) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  char hex[HD_TOKEN_HEX_LEN + 1];
  hd_session_create_op_t s1 = {.user_id = a, .device = "laptop", .ip = "127.0.0.1", .pool = &P};
  hd_token_generate(hex, s1.token_hash);
  cr_assert_eq(TX(hd_session_create(W, &s1)), 0);
  hd_session_create_op_t s2 = {.user_id = a, .device = NULL, .ip = "::1", .pool = &P};
  hd_token_generate(hex, s2.token_hash);
  cr_assert_eq(TX(hd_session_create(W, &s2)), 0);
  cr_assert_str_eq(s2.session.device, "");

  uint8_t h[32];
  hd_token_hash(hd_iov(hex, 64), h);
  int64_t uid = 0, sid = 0;
  cr_assert_eq(hd_session_resolve(R, h, &uid, &sid), 0);
  cr_assert_eq(uid, a);
  cr_assert_eq(sid, s2.session.id);
  h[0] ^= 1;
  cr_assert_eq(hd_session_resolve(R, h, &uid, &sid), HD_ERR_UNAUTHORIZED);

  hd_session_t *list;
  size_t n;
  cr_assert_eq(hd_session_list(R, a, &P, &list, &n), 0);
  cr_assert_eq(n, 2);
  cr_assert_eq(list[0].id, s2.session.id); /* newest first */
  cr_assert_str_eq(list[1].device, "laptop");
  cr_assert_str_eq(list[1].ip, "127.0.0.1");

  hd_session_revoke_op_t wrong = {.user_id = b, .session_id = s1.session.id};
  cr_assert_eq(TX(hd_session_revoke(W, &wrong)), HD_ERR_SESSION_NOT_FOUND);
  hd_session_revoke_op_t rv = {.user_id = a, .session_id = s2.session.id};
  cr_assert_eq(TX(hd_session_revoke(W, &rv)), 0);
  h[0] ^= 1;
  cr_assert_eq(hd_session_resolve(R, h, &uid, &sid), HD_ERR_UNAUTHORIZED);
  cr_assert_eq(TX(hd_session_revoke(W, &rv)), HD_ERR_SESSION_NOT_FOUND);
  cr_assert_eq(hd_session_list(R, a, &P, &list, &n), 0);
  cr_assert_eq(n, 1);
}

Test(accounts, many_sessions_list_grows) {
  int64_t a = fx_user("alice");
  char hex[HD_TOKEN_HEX_LEN + 1];
  for (int i = 0; i < 20; i++) {
    hd_session_create_op_t s = {.user_id = a, .device = "d", .ip = "i", .pool = &P};
    hd_token_generate(hex, s.token_hash);
    cr_assert_eq(TX(hd_session_create(W, &s)), 0);
  }
  hd_session_t *list;
  size_t n;
  cr_assert_eq(hd_session_list(R, a, &P, &list, &n), 0);
  cr_assert_eq(n, 20);
  for (size_t i = 1; i < n; i++)
    cr_assert_gt(list[i - 1].id, list[i].id);
}

Test(accounts, profile_update) {
  int64_t a = fx_user("alice");
  hd_profile_update_op_t op = {.user_id = a, .bio = "hello", .country = "fr", .pool = &P};
  cr_assert_eq(TX(hd_profile_update(W, &op)), 0);
  cr_assert_str_eq(op.user.display_name, "alice"); /* unchanged */
  cr_assert_str_eq(op.user.bio, "hello");
  cr_assert_str_eq(op.user.country, "FR");
  hd_profile_update_op_t op2 = {.user_id = a, .display_name = "Alice A.", .pool = &P};
  cr_assert_eq(TX(hd_profile_update(W, &op2)), 0);
  cr_assert_str_eq(op2.user.display_name, "Alice A.");
  cr_assert_str_eq(op2.user.bio, "hello");
  hd_profile_update_op_t bad = {.user_id = 4242, .bio = "x", .pool = &P};
  cr_assert_eq(TX(hd_profile_update(W, &bad)), HD_ERR_USER_NOT_FOUND);
}

Test(accounts, reopen_keeps_everything) {
  int64_t a = fx_user("alice");
  hd_session_create_op_t s = {.user_id = a, .device = "phone", .ip = "10.0.0.1", .pool = &P};
  char hex[HD_TOKEN_HEX_LEN + 1];
  hd_token_generate(hex, s.token_hash);
  cr_assert_eq(TX(hd_session_create(W, &s)), 0);
  fx_close();
  fx_open();
  hd_user_t u;
  cr_assert_eq(hd_user_find(R, "alice", &P, &u), 0);
  cr_assert_eq(u.id, a);
  uint8_t h[32];
  hd_token_hash(hd_iov(hex, 64), h);
  int64_t uid, sid;
  cr_assert_eq(hd_session_resolve(R, h, &uid, &sid), 0);
  cr_assert_eq(sid, s.session.id);
  cr_assert_eq(fx_user("bobby"), a + 1);
}
