/*
 * accounts.h — accounts and sessions: registration, login, tokens, profiles.
 *
 * Passwords are hashed with argon2id (libsodium crypto_pwhash). Hashing is slow on purpose,
 * so the api layer runs hd_account_hash_password()/hd_account_check_password() on a worker
 * thread, never on an event loop and never on the writer thread. Bearer tokens are 32 random
 * bytes, given to the client once as 64 hex characters; the store keeps only their SHA-256.
 *
 * Usernames (Telegram's rules): 5–32 characters, a–z 0–9 and '_', starting with a letter,
 * unique case-insensitively, capitalisation kept for display. Users and public chats share
 * one username namespace.
 *
 * Functions taking `hd_store_t *tx` are write jobs (run on the writer thread); those taking
 * `hd_store_t *rd` are indexed reads (run on a loop's read handle).
 */
#ifndef HD_CHAT_ACCOUNTS_H
#define HD_CHAT_ACCOUNTS_H

#include "chat/types.h"
#include "common/mem.h"
#include "store/store.h"

#define HD_TOKEN_HEX_LEN  64
#define HD_PWHASH_STR_LEN 128

typedef enum {
  HD_PWHASH_INTERACTIVE = 0, /* libsodium's interactive limits (production default) */
  HD_PWHASH_MIN = 1          /* minimum limits: test suites only, documented as such */
} hd_pwhash_level_t;

/* Validate a username; returns 0 or HD_ERR_USERNAME_INVALID. */
int hd_username_check(hd_iovec_t name);
/* Validate a display name / title (1..HD_NAME_MAX code points, valid UTF-8, no control chars). */
int hd_name_check(hd_iovec_t name);
/* Validate an ISO 3166-1 alpha-2 country code (two ASCII letters, any case). */
int hd_country_check(hd_iovec_t cc);
/* Validate a password length (HD_PASSWORD_MIN..HD_PASSWORD_MAX bytes). */
int hd_password_check(hd_iovec_t pw);

/* Hash pw into out (HD_PWHASH_STR_LEN bytes, NUL-terminated). Slow: worker thread only. */
int hd_account_hash_password(hd_iovec_t pw, hd_pwhash_level_t level, char out[HD_PWHASH_STR_LEN]);
/* Return 0 if pw matches the stored hash, HD_ERR_BAD_CREDENTIALS otherwise. Slow. */
int hd_account_check_password(hd_iovec_t pw, const char *stored_hash);

/* Create a token: fills hex (65 bytes incl. NUL) and its SHA-256 hash (32 bytes). */
void hd_token_generate(char hex[HD_TOKEN_HEX_LEN + 1], uint8_t hash[32]);
/* Hash a presented token (any bytes) for lookup. */
void hd_token_hash(hd_iovec_t token, uint8_t hash[32]);

typedef struct {
  /* in */
  const char *username, *display_name, *country; /* already validated */
  const char *pw_hash;                           /* from hd_account_hash_password */
  hd_mem_pool_t *pool;
  /* out */
  hd_user_t user;
} hd_register_op_t;
/* Write job: create the user. HD_ERR_USERNAME_TAKEN if the name (users or chats) exists. */
int hd_account_register(hd_store_t *tx, hd_register_op_t *op);

/* Read: the stored password hash and user id for a username (case-insensitive).
 * HD_ERR_BAD_CREDENTIALS when no such user (do not reveal which part was wrong). */
int hd_account_lookup_login(hd_store_t *rd, const char *username, hd_mem_pool_t *pool,
                            int64_t *user_id, const char **pw_hash);

typedef struct {
  /* in */
  int64_t user_id;
  const char *device, *ip;
  uint8_t token_hash[32];
  hd_mem_pool_t *pool;
  /* out */
  hd_session_t session;
} hd_session_create_op_t;
/* Write job: store a new session for a checked login. */
int hd_session_create(hd_store_t *tx, hd_session_create_op_t *op);

/* Read: resolve a token hash to (user id, session id). HD_ERR_UNAUTHORIZED if unknown,
 * ACCOUNT_SUSPENDED while the account is suspended or terminated (chat/moderation.h). */
int hd_session_resolve(hd_store_t *rd, const uint8_t token_hash[32], int64_t *user_id,
                       int64_t *session_id);
/* Read: the user's sessions, newest first (array in pool). */
int hd_session_list(hd_store_t *rd, int64_t user_id, hd_mem_pool_t *pool, hd_session_t **out,
                    size_t *n);

typedef struct {
  int64_t user_id;
  int64_t session_id; /* the session to revoke */
} hd_session_revoke_op_t;
/* Write job: delete a session of this user. HD_ERR_SESSION_NOT_FOUND if not theirs. */
int hd_session_revoke(hd_store_t *tx, hd_session_revoke_op_t *op);

/* Read: a user by id or by username (case-insensitive). HD_ERR_USER_NOT_FOUND. */
int hd_user_get(hd_store_t *rd, int64_t user_id, hd_mem_pool_t *pool, hd_user_t *out);
int hd_user_find(hd_store_t *rd, const char *username, hd_mem_pool_t *pool, hd_user_t *out);

typedef struct {
  /* in: NULL fields stay unchanged; non-NULL ones are already validated */
  int64_t user_id;
  const char *display_name, *bio, *country;
  int set_photo;          /* nonzero: photo_media_id replaces the profile photo */
  int64_t photo_media_id; /* a JPEG/PNG the caller uploaded; 0 removes the photo */
  hd_mem_pool_t *pool;
  /* out */
  hd_user_t user;
} hd_profile_update_op_t;
/* Write job: update the caller's profile. A new photo must be the caller's own upload
 * (else MEDIA_NOT_FOUND) and a photo (else BAD_FIELD); it is screened against the hash banks
 * like public-chat media (chat/media.h hook) in the same job: a match quarantines it. */
int hd_profile_update(hd_store_t *tx, hd_profile_update_op_t *op);

#endif
