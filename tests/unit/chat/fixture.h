/*
 * fixture.h — shared set-up for the chat unit tests: a real SQLite store in a fresh mkdtemp
 * directory, one write handle (W, driven inside BEGIN … COMMIT like the writer does) and one
 * read-only handle (R), a pool, and helpers to create users and chats.
 */
#ifndef HD_TEST_CHAT_FIXTURE_H
#define HD_TEST_CHAT_FIXTURE_H

#include "chat/accounts.h"
#include "chat/chats.h"
#include "chat/messages.h"
#include "chat/updates.h"
#include "common/error.h"
#include "common/log.h"
#include "common/time.h"
#include "store/ops.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fx_dir[64];
static hd_store_t *W, *R;
static hd_mem_pool_t P;
static hd_store_config_t fx_cfg;

static inline int fx_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

static inline void fx_open(void) {
  cr_assert_eq(hd_store_open(&fx_cfg, 0, &W), 0);
  cr_assert_eq(hd_store_open(&fx_cfg, 1, &R), 0);
}

static inline void fx_close(void) {
  hd_store_close(R);
  hd_store_close(W);
  R = W = NULL;
}

static inline void fx_setup(void) {
  hd_log_set_level(HD_LOG_WARN);
  snprintf(fx_dir, sizeof(fx_dir), "/tmp/hd_chat_XXXXXX");
  cr_assert_not_null(mkdtemp(fx_dir));
  fx_cfg = (hd_store_config_t){.data_dir = fx_dir, .sync_full = 0, .busy_timeout_ms = 1000};
  fx_open();
  hd_mem_pool_init(&P);
}

static inline void fx_teardown(void) {
  fx_close();
  hd_mem_pool_dispose(&P);
  nftw(fx_dir, fx_rm, 8, FTW_DEPTH | FTW_PHYS);
}

/* Finish the transaction a write job ran in, as the writer would. */
static inline int fx_end(int r) {
  if (r == 0)
    cr_assert_eq(W->ops->commit(W), 0);
  else
    cr_assert_eq(W->ops->rollback(W), 0);
  return r;
}
static inline void fx_begin(void) { cr_assert_eq(W->ops->begin(W), 0); }
#define TX(call) (fx_begin(), fx_end(call))

static inline const char *fx_hash(void) {
  static char h[HD_PWHASH_STR_LEN];
  if (h[0] == '\0')
    cr_assert_eq(hd_account_hash_password(HD_IOV_LIT("password1"), HD_PWHASH_MIN, h), 0);
  return h;
}

static inline int64_t fx_user(const char *name) {
  hd_register_op_t op = {
      .username = name, .display_name = name, .country = "de", .pw_hash = fx_hash(), .pool = &P};
  cr_assert_eq(TX(hd_account_register(W, &op)), 0, "register %s", name);
  return op.user.id;
}

static inline int64_t fx_chat(int64_t owner, hd_chat_type_t type, const char *username) {
  hd_chat_create_op_t op = {
      .user_id = owner, .type = type, .title = "Room", .username = username, .pool = &P};
  int r = TX(hd_chat_create(W, &op));
  cr_assert_eq(r, 0, "chat_create: %s", hd_strerror(r));
  return op.chat.id;
}

static inline int64_t fx_private(int64_t a, int64_t b) {
  hd_private_open_op_t op = {.user_id = a, .peer_id = b, .pool = &P};
  cr_assert_eq(TX(hd_private_open(W, &op)), 0);
  return op.chat.id;
}

static inline int fx_member(int (*fn)(hd_store_t *, hd_member_op_t *), int64_t user, int64_t chat,
                            int64_t target, hd_role_t role) {
  hd_member_op_t op = {
      .user_id = user, .chat_id = chat, .target_id = target, .role = role, .pool = &P};
  return TX(fn(W, &op));
}

static inline int fx_send_op(hd_send_op_t *op) { return TX(hd_message_send(W, op)); }

static inline int fx_send(int64_t user, int64_t chat, int64_t random_id, const char *text,
                          int64_t *id) {
  hd_send_op_t op = {
      .user_id = user, .chat_id = chat, .random_id = random_id, .text = text, .pool = &P};
  int r = fx_send_op(&op);
  if (r == 0 && id)
    *id = op.message.id;
  return r;
}

#endif
