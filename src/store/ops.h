/*
 * ops.h — the store vtable: every operation the domain performs on persistent state.
 *
 * The domain (src/chat/) reaches storage only through these function pointers (STYLE.md §3),
 * so a second back-end (PostgreSQL, keyed by chat_id / user_id for distribution) can provide
 * the same table of functions. store/sqlite/ is the only implementation today and the only
 * place that contains SQL.
 *
 *   chat/…c ──► s->ops->message_insert(s, …) ──► sqlite/messages.c ──► cached statement
 *
 * The operations are entity-level (insert a user, allocate the next message id of a chat,
 * append to an update log) and carry no authorization: the domain decides who may do what,
 * the store only persists and fetches. Rows travel in the domain's plain value structs from
 * chat/types.h (a header of structs, no code), so nothing needs translating.
 *
 * Conventions:
 *  1. Every function returns 0 or a negative hd_err_t. A storage failure is HD_ERR_STORAGE;
 *     "no such row" is the specific not-found code named in the comment.
 *  2. Strings returned live in the pool passed in; nothing else is allocated for the caller.
 *  3. Writes (functions that change rows) are only called on a write handle inside a
 *     transaction opened by the writer (begin … commit, one savepoint per job).
 *  4. Counters that must be gapless (chats.last_message_id, a user's pts, chats.pts) are
 *     incremented and read back in one call, inside the caller's transaction; the single
 *     writer serializes them.
 */
#ifndef HD_STORE_OPS_H
#define HD_STORE_OPS_H

#include "chat/types.h"
#include "common/mem.h"
#include "store/admin_rows.h"
#include "store/safety_ops.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

/* A user's membership row in one chat. */
typedef struct {
  hd_role_t role;
  int64_t joined_at;
  int64_t read_max_id;
} hd_store_membership_t;

typedef struct st_hd_store_ops_t {
  const char *name; /* "sqlite" */
  void (*close)(hd_store_t *s);

  /* --- transactions (writer thread only) ------------------------------------------------ */
  int (*begin)(hd_store_t *s); /* BEGIN IMMEDIATE */
  int (*commit)(hd_store_t *s);
  int (*rollback)(hd_store_t *s);
  int (*savepoint)(hd_store_t *s);   /* open the per-job savepoint */
  int (*release)(hd_store_t *s);     /* keep the job's changes */
  int (*rollback_to)(hd_store_t *s); /* undo the job's changes and release */

  /* --- names: users and public chats share one namespace -------------------------------- */
  /* Set *taken to 1 when username (any case) names a user or a chat. */
  int (*username_taken)(hd_store_t *s, const char *username, int *taken);

  /* --- users ------------------------------------------------------------------------------ */
  /* Insert u (id ignored; u->id set). HD_ERR_USERNAME_TAKEN on a duplicate name. */
  int (*user_insert)(hd_store_t *s, hd_user_t *u, const char *pw_hash);
  /* HD_ERR_USER_NOT_FOUND when absent. */
  int (*user_get)(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_user_t *out);
  int (*user_find)(hd_store_t *s, const char *username, hd_mem_pool_t *pool, hd_user_t *out);
  /* Id and password hash for login; HD_ERR_USER_NOT_FOUND when absent. */
  int (*user_login)(hd_store_t *s, const char *username, hd_mem_pool_t *pool, int64_t *id,
                    const char **pw_hash);
  /* NULL arguments leave the column unchanged. HD_ERR_USER_NOT_FOUND. */
  int (*user_update)(hd_store_t *s, int64_t id, const char *display_name, const char *bio,
                     const char *country);

  /* --- sessions --------------------------------------------------------------------------- */
  /* Insert ses (id set). */
  int (*session_insert)(hd_store_t *s, hd_session_t *ses, const uint8_t token_hash[32]);
  /* HD_ERR_UNAUTHORIZED when the hash is unknown. */
  int (*session_resolve)(hd_store_t *s, const uint8_t token_hash[32], int64_t *user_id,
                         int64_t *session_id);
  /* Newest first. */
  int (*session_list)(hd_store_t *s, int64_t user_id, hd_mem_pool_t *pool, hd_session_t **out,
                      size_t *n);
  /* HD_ERR_SESSION_NOT_FOUND unless (user_id, session_id) existed. */
  int (*session_delete)(hd_store_t *s, int64_t user_id, int64_t session_id);

  /* --- chats ------------------------------------------------------------------------------ */
  /* Insert c (type, title, username, about, owner_id, created_at; counters start at 0) and
   * set c->id. Private chats pass their ordered pair (lo < hi), others 0, 0.
   * HD_ERR_USERNAME_TAKEN / HD_ERR_CONFLICT (pair exists) on a unique violation. */
  int (*chat_insert)(hd_store_t *s, hd_chat_t *c, int64_t pair_lo, int64_t pair_hi);
  /* The stored row (viewer fields zero). HD_ERR_CHAT_NOT_FOUND. */
  int (*chat_get)(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_chat_t *out);
  /* The stored row with user_id's membership in one read: my_role / my_read_max_id are the
   * member row's, or HD_ROLE_NONE / 0 when user_id is not a member. HD_ERR_CHAT_NOT_FOUND. */
  int (*chat_get_as)(hd_store_t *s, int64_t id, int64_t user_id, hd_mem_pool_t *pool,
                     hd_chat_t *out);
  /* By public username, any case. HD_ERR_CHAT_NOT_FOUND. */
  int (*chat_find)(hd_store_t *s, const char *username, hd_mem_pool_t *pool, hd_chat_t *out);
  /* The private chat of the ordered pair. HD_ERR_CHAT_NOT_FOUND. */
  int (*chat_find_private)(hd_store_t *s, int64_t lo, int64_t hi, int64_t *chat_id);
  /* last_message_id += 1, last activity = date; *id receives the new id. */
  int (*chat_next_message_id)(hd_store_t *s, int64_t chat_id, int64_t date, int64_t *id);
  /* chats.pts += 1; *pts receives the new value. */
  int (*chat_next_pts)(hd_store_t *s, int64_t chat_id, int64_t *pts);
  /* member_count += delta. */
  int (*chat_add_members)(hd_store_t *s, int64_t chat_id, int64_t delta);

  /* --- members ---------------------------------------------------------------------------- */
  /* HD_ERR_NOT_MEMBER when user is not in chat. */
  int (*member_get)(hd_store_t *s, int64_t chat_id, int64_t user_id, hd_store_membership_t *out);
  /* HD_ERR_ALREADY_MEMBER on a duplicate. */
  int (*member_insert)(hd_store_t *s, int64_t chat_id, int64_t user_id, hd_role_t role,
                       int64_t joined_at);
  /* HD_ERR_NOT_MEMBER when absent. */
  int (*member_delete)(hd_store_t *s, int64_t chat_id, int64_t user_id);
  int (*member_set_role)(hd_store_t *s, int64_t chat_id, int64_t user_id, hd_role_t role);
  int (*member_set_read)(hd_store_t *s, int64_t chat_id, int64_t user_id, int64_t read_max_id);
  /* Members ordered by user id after after_user_id, at most limit, with names. */
  int (*member_list)(hd_store_t *s, int64_t chat_id, int64_t after_user_id, size_t limit,
                     hd_mem_pool_t *pool, hd_member_t **out, size_t *n);
  /* Group and channel ids the user belongs to. */
  int (*member_chat_ids)(hd_store_t *s, int64_t user_id, hd_mem_pool_t *pool, int64_t **out,
                         size_t *n);
  /* The two participants of a private chat (ascending). HD_ERR_CHAT_NOT_FOUND. */
  int (*private_members)(hd_store_t *s, int64_t chat_id, int64_t out[2]);
  /* The user's chats by last activity (newest first): raw chat rows with my_role and
   * my_read_max_id filled. */
  int (*dialog_chats)(hd_store_t *s, int64_t user_id, size_t offset, size_t limit,
                      hd_mem_pool_t *pool, hd_chat_t **out, size_t *n);

  /* --- messages --------------------------------------------------------------------------- */
  /* Insert m exactly as given (id already allocated). */
  int (*message_insert)(hd_store_t *s, const hd_message_t *m);
  /* The row, tombstones included (*deleted set). HD_ERR_MESSAGE_NOT_FOUND. */
  int (*message_get)(hd_store_t *s, int64_t chat_id, int64_t id, hd_mem_pool_t *pool,
                     hd_message_t *out, int *deleted);
  /* The message (chat, sender, random_id) if any. HD_ERR_MESSAGE_NOT_FOUND. */
  int (*message_find_random)(hd_store_t *s, int64_t chat_id, int64_t sender_id, int64_t random_id,
                             hd_mem_pool_t *pool, hd_message_t *out);
  int (*message_set_text)(hd_store_t *s, int64_t chat_id, int64_t id, const char *text,
                          int64_t edit_date);
  /* Delete for everyone: keep the id, clear the text, set the deleted flag. */
  int (*message_tombstone)(hd_store_t *s, int64_t chat_id, int64_t id);
  /* Delete for one user. */
  int (*message_hide)(hd_store_t *s, int64_t user_id, int64_t chat_id, int64_t id);
  int (*message_hidden)(hd_store_t *s, int64_t user_id, int64_t chat_id, int64_t id, int *hidden);
  /* A page of live messages not hidden from viewer: before_id > 0 → ids < before_id newest
   * first; else ids > after_id oldest first when after_mode; else the newest page. */
  int (*message_page)(hd_store_t *s, int64_t viewer, int64_t chat_id, int64_t before_id,
                      int64_t after_id, int after_mode, size_t limit, hd_mem_pool_t *pool,
                      hd_message_t **out, size_t *n);
  /* Live messages after after_id not sent by viewer and not hidden from viewer. */
  int (*message_count_unread)(hd_store_t *s, int64_t viewer, int64_t chat_id, int64_t after_id,
                              int64_t *n);
  /* Count viewer once for (chat, id); *views gets the total (0 for unknown/deleted ids). */
  int (*message_view)(hd_store_t *s, int64_t chat_id, int64_t id, int64_t viewer, int64_t *views);

  /* --- update logs ------------------------------------------------------------------------ */
  /* Append u to user_id's log: u->pts = the log's last pts + 1 (no users column). */
  int (*user_update_append)(hd_store_t *s, int64_t user_id, hd_update_t *u);
  /* Append u to the log of u->chat_id: chats.pts += 1, u->pts = new pts. */
  int (*chat_update_append)(hd_store_t *s, hd_update_t *u);
  int (*user_pts)(hd_store_t *s, int64_t user_id, int64_t *pts);
  /* Entries with pts > from_pts, ascending, at most limit (messages not loaded). */
  int (*user_updates)(hd_store_t *s, int64_t user_id, int64_t from_pts, size_t limit,
                      hd_mem_pool_t *pool, hd_update_t **out, size_t *n);
  int (*chat_updates)(hd_store_t *s, int64_t chat_id, int64_t from_pts, size_t limit,
                      hd_mem_pool_t *pool, hd_update_t **out, size_t *n);

  /* --- staff roles and the audit log (safety/staff.c, safety/audit.c) --------------------- */
  /* The user's role (0 when not staff). */
  int (*staff_role_get)(hd_store_t *s, int64_t user_id, int *role);
  /* Set the role (0 deletes the row). HD_ERR_USER_NOT_FOUND when the user does not exist. */
  int (*staff_role_set)(hd_store_t *s, int64_t user_id, int role, int64_t granted_by,
                        int64_t granted_at);
  /* Every staff member with username, by user id. */
  int (*staff_list)(hd_store_t *s, hd_mem_pool_t *pool, hd_store_staff_t **out, size_t *n);
  /* Append a record (a->id ignored); *id receives the new id (may be NULL). */
  int (*audit_append)(hd_store_t *s, const hd_store_audit_t *a, int64_t *id);
  /* Records with id > after_id, ascending, at most limit; kind/subject NULL match any. */
  int (*audit_list)(hd_store_t *s, const char *kind, const char *subject, int64_t after_id,
                    size_t limit, hd_mem_pool_t *pool, hd_store_audit_t **out, size_t *n);

  /* --- hash banks (safety/banksvc.c) ------------------------------------------------------ */
  /* Insert b (name, source, category, created_at, created_by); sets b->id.
   * HD_ERR_BANK_EXISTS on a duplicate name. */
  int (*bank_insert)(hd_store_t *s, hd_store_bank_t *b);
  /* HD_ERR_BANK_NOT_FOUND when absent (counts left 0). */
  int (*bank_find)(hd_store_t *s, const char *name, hd_mem_pool_t *pool, hd_store_bank_t *out);
  /* Every bank by name, with entry counts per signal type. */
  int (*bank_list)(hd_store_t *s, hd_mem_pool_t *pool, hd_store_bank_t **out, size_t *n);
  /* Insert one entry; *added = 0 when (bank, signal, value) already exists. */
  int (*bank_entry_insert)(hd_store_t *s, int64_t bank_id, int signal, const uint8_t *value,
                           size_t len, const char *metadata, int64_t added_at, int *added);
  /* Call cb for every entry of bank_id (all banks when bank_id is 0). */
  int (*bank_entries_each)(hd_store_t *s, int64_t bank_id, hd_store_entry_cb cb, void *arg);

  /* --- log maintenance (store/writer.c's checkpoint thread, on its own write handle) ------ */
  /* Copy committed log frames into the database. restart=0 never blocks the writer (frames
   * still read by an open snapshot stay); restart=1 waits for the writer and readers, copies
   * everything and makes the next commit start the log from its beginning. *log_pages and
   * *done_pages (may be NULL) receive the log's size and the frames now in the database. */
  int (*checkpoint)(hd_store_t *s, int restart, int *log_pages, int *done_pages);
  /* Pipelined commits (store/writer.c): from now on a commit publishes its changes without
   * waiting for the disk; the caller must fdatasync() the returned descriptor before it
   * acknowledges anything committed after this call. Returns -1 when the handle cannot
   * (nothing changes: commits stay synchronous). Writer thread only; NULL if unsupported. */
  int (*log_defer_sync)(hd_store_t *s);

  /* --- trust & safety: reports, cases, decisions (store/safety_ops.h, safety/) ----------- */
  const hd_store_safety_ops_t *safety;

  /* --- media (sqlite/media.c) ------------------------------------------------------------- */
  /* Insert m (id ignored; m->id set). */
  int (*media_insert)(hd_store_t *s, hd_media_t *m);
  /* HD_ERR_MEDIA_NOT_FOUND when absent. */
  int (*media_get)(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_media_t *out);
  /* *allowed = 1 when a live message carrying media_id is in a chat user_id is a member of,
   * or in a public channel. */
  int (*media_access)(hd_store_t *s, int64_t media_id, int64_t user_id, int *allowed);

  /* --- health (api/health.c): one write job per GET /healthz ----------------------------- */
  /* Upsert the single health row (probed_at = now_ms, probes + 1); *probes (may be NULL)
   * receives the new count. A real page write, so a commit after it proves durability. */
  int (*health_touch)(hd_store_t *s, int64_t now_ms, int64_t *probes);

  /* --- profile photos (sqlite/users.c; chat/accounts.c) ---------------------------------- */
  /* Set (media_id > 0) or clear (0) user_id's profile photo. USER_NOT_FOUND when absent. */
  int (*user_set_photo)(hd_store_t *s, int64_t user_id, int64_t media_id);
  /* *yes = 1 when media_id is some account's current profile photo. */
  int (*media_is_profile_photo)(hd_store_t *s, int64_t media_id, int *yes);
} hd_store_ops_t;

/* Every back-end's handle starts with this member, so domain code can dispatch. */
struct st_hd_store_t {
  const hd_store_ops_t *ops;
};

#endif
