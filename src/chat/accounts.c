/*
 * accounts.c — validation of account fields, password hashing, bearer tokens, registration,
 * sessions and profiles (accounts.h).
 *
 *   register:  validate (api) ─► hash password (worker) ─► hd_account_register (writer)
 *   login:     hd_account_lookup_login (loop) ─► check password (worker)
 *              ─► hd_token_generate ─► hd_session_create (writer) ─► token to the client once
 *   request:   Bearer hex ─► hd_token_hash ─► hd_session_resolve (loop, one index probe)
 *
 * Invariants:
 *  1. The store never sees a token, only its SHA-256; a leaked database cannot log anyone in.
 *  2. Users and public chats share one username namespace: registration checks both tables
 *     inside the writer's transaction, and the UNIQUE index on users backs it up.
 *  3. Login failures are indistinguishable: unknown user and wrong password are both
 *     HD_ERR_BAD_CREDENTIALS.
 */
#include "chat/accounts.h"

#include "chat/internal.h"
#include "chat/media.h"
#include "chat/moderation.h"
#include "common/error.h"
#include "common/time.h"
#include "common/utf8.h"

#include <sodium.h>
#include <string.h>

int hd_username_check(hd_iovec_t name) {
  if (name.base == NULL || name.len < HD_USERNAME_MIN || name.len > HD_USERNAME_MAX)
    return HD_ERR_USERNAME_INVALID;
  for (size_t i = 0; i < name.len; i++) {
    unsigned char c = (unsigned char)name.base[i];
    int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    int ok = letter || (c >= '0' && c <= '9') || c == '_';
    if (!ok || (i == 0 && !letter))
      return HD_ERR_USERNAME_INVALID;
  }
  return 0;
}

/* Return nonzero when the valid UTF-8 s[0..n) contains a control character (C0, DEL, C1). */
static int has_control(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f)
      return 1;
    /* C1 controls U+0080..U+009F are encoded C2 80..C2 9F */
    if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] <= 0x9f)
      return 1;
  }
  return 0;
}

int hd_name_check(hd_iovec_t name) {
  if (name.base == NULL || name.len == 0 || !hd_utf8_valid(name.base, name.len))
    return HD_ERR_NAME_INVALID;
  size_t cps = hd_utf8_count(name.base, name.len);
  if (cps == 0 || cps > HD_NAME_MAX || has_control(name.base, name.len))
    return HD_ERR_NAME_INVALID;
  return 0;
}

int hd_country_check(hd_iovec_t cc) {
  if (cc.base == NULL || cc.len != 2)
    return HD_ERR_COUNTRY_INVALID;
  for (size_t i = 0; i < 2; i++) {
    unsigned char c = (unsigned char)cc.base[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
      return HD_ERR_COUNTRY_INVALID;
  }
  return 0;
}

int hd_password_check(hd_iovec_t pw) {
  if (pw.base == NULL || pw.len < HD_PASSWORD_MIN || pw.len > HD_PASSWORD_MAX)
    return HD_ERR_PASSWORD_INVALID;
  return 0;
}

int hd_account_hash_password(hd_iovec_t pw, hd_pwhash_level_t level, char out[HD_PWHASH_STR_LEN]) {
  _Static_assert(HD_PWHASH_STR_LEN >= crypto_pwhash_STRBYTES, "hash buffer too small");
  if (sodium_init() < 0)
    return HD_ERR_INTERNAL;
  unsigned long long ops =
      level == HD_PWHASH_MIN ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
  size_t mem =
      level == HD_PWHASH_MIN ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
  memset(out, 0, HD_PWHASH_STR_LEN);
  if (crypto_pwhash_str_alg(out, pw.base, pw.len, ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return HD_ERR_NOMEM; /* libsodium fails only when it cannot get the memory */
  return 0;
}

int hd_account_check_password(hd_iovec_t pw, const char *stored_hash) {
  if (sodium_init() < 0)
    return HD_ERR_INTERNAL;
  if (stored_hash == NULL || crypto_pwhash_str_verify(stored_hash, pw.base, pw.len) != 0)
    return HD_ERR_BAD_CREDENTIALS;
  return 0;
}

void hd_token_generate(char hex[HD_TOKEN_HEX_LEN + 1], uint8_t hash[32]) {
  uint8_t raw[32];
  HD_ASSERT(sodium_init() >= 0);
  randombytes_buf(raw, sizeof(raw));
  sodium_bin2hex(hex, HD_TOKEN_HEX_LEN + 1, raw, sizeof(raw));
  crypto_hash_sha256(hash, (const unsigned char *)hex, HD_TOKEN_HEX_LEN);
  sodium_memzero(raw, sizeof(raw));
}

void hd_token_hash(hd_iovec_t token, uint8_t hash[32]) {
  HD_ASSERT(sodium_init() >= 0);
  crypto_hash_sha256(hash, (const unsigned char *)token.base, token.len);
}

int hd_account_register(hd_store_t *tx, hd_register_op_t *op) {
  int taken = 0, ret;
  if ((ret = tx->ops->username_taken(tx, op->username, &taken)) != 0)
    return ret;
  if (taken || hd_moderation_reserved_name(op->username)) /* the system account's name */
    return HD_ERR_USERNAME_TAKEN;
  hd_user_t u = {
      .username = op->username,
      .display_name = op->display_name,
      .bio = "",
      .country = op->country,
      .created_at = hd_time_now(),
  };
  if ((ret = tx->ops->user_insert(tx, &u, op->pw_hash)) != 0)
    return ret;
  /* read back so the caller gets the stored form (country upper-cased) from its pool */
  return tx->ops->user_get(tx, u.id, op->pool, &op->user);
}

int hd_account_lookup_login(hd_store_t *rd, const char *username, hd_mem_pool_t *pool,
                            int64_t *user_id, const char **pw_hash) {
  if (username == NULL || hd_username_check(hd_iov(username, strlen(username))) != 0)
    return HD_ERR_BAD_CREDENTIALS;
  int ret = rd->ops->user_login(rd, username, pool, user_id, pw_hash);
  return ret == HD_ERR_USER_NOT_FOUND ? HD_ERR_BAD_CREDENTIALS : ret;
}

int hd_session_create(hd_store_t *tx, hd_session_create_op_t *op) {
  int64_t now = hd_time_now();
  hd_session_t *ses = &op->session;
  memset(ses, 0, sizeof(*ses));
  ses->user_id = op->user_id;
  ses->device = hd_mem_pool_strndup(op->pool, op->device ? op->device : "",
                                    op->device ? strlen(op->device) : 0);
  ses->ip = hd_mem_pool_strndup(op->pool, op->ip ? op->ip : "", op->ip ? strlen(op->ip) : 0);
  ses->created_at = now;
  ses->last_seen_at = now;
  int ret = hd_moderation_account_check(tx, op->user_id, now); /* suspended: moderation.h */
  if (ret != 0)
    return ret;
  return tx->ops->session_insert(tx, ses, op->token_hash);
}

int hd_session_resolve(hd_store_t *rd, const uint8_t token_hash[32], int64_t *user_id,
                       int64_t *session_id) {
  int ret = rd->ops->session_resolve(rd, token_hash, user_id, session_id);
  if (ret == 0) /* existing sessions of a suspended account are refused too (moderation.h) */
    ret = hd_moderation_account_check(rd, *user_id, hd_time_now());
  return ret;
}

int hd_session_list(hd_store_t *rd, int64_t user_id, hd_mem_pool_t *pool, hd_session_t **out,
                    size_t *n) {
  return rd->ops->session_list(rd, user_id, pool, out, n);
}

int hd_session_revoke(hd_store_t *tx, hd_session_revoke_op_t *op) {
  return tx->ops->session_delete(tx, op->user_id, op->session_id);
}

int hd_user_get(hd_store_t *rd, int64_t user_id, hd_mem_pool_t *pool, hd_user_t *out) {
  return rd->ops->user_get(rd, user_id, pool, out);
}

int hd_user_find(hd_store_t *rd, const char *username, hd_mem_pool_t *pool, hd_user_t *out) {
  if (username == NULL || hd_username_check(hd_iov(username, strlen(username))) != 0)
    return HD_ERR_USER_NOT_FOUND;
  return rd->ops->user_find(rd, username, pool, out);
}

/* Replace the profile photo (accounts.h): owner and kind checks, then the safety hook. An
 * already quarantined row stays so without a second case. */
static int set_photo(hd_store_t *tx, hd_profile_update_op_t *op) {
  hd_media_t m;
  int ret, quarantined = 0;
  int64_t held = 0;
  if (op->photo_media_id == 0)
    return tx->ops->user_set_photo(tx, op->user_id, 0);
  if ((ret = hd__media_attach(tx, op->user_id, op->photo_media_id, op->pool, &m)) != 0)
    return ret;
  if (m.kind != HD_MEDIA_PHOTO)
    return HD_ERR_BAD_FIELD;
  if ((ret = tx->ops->user_set_photo(tx, op->user_id, m.id)) != 0)
    return ret;
  if ((ret = tx->ops->safety->media_quarantined(tx, m.id, &held)) != 0 || held)
    return ret;
  return hd__media_screen_photo(tx, op->user_id, &m, op->pool, &quarantined);
}

int hd_profile_update(hd_store_t *tx, hd_profile_update_op_t *op) {
  int ret = tx->ops->user_update(tx, op->user_id, op->display_name, op->bio, op->country);
  if (ret == 0 && op->set_photo)
    ret = set_photo(tx, op);
  if (ret != 0)
    return ret;
  return tx->ops->user_get(tx, op->user_id, op->pool, &op->user);
}
