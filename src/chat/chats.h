/*
 * chats.h — chats and membership: private chats, groups, channels, roles, joining by
 * @username, dialog list, read markers.
 *
 * Membership states and the functions that move between them:
 *
 *    none ──create/add/join──► member ──promote──► admin      owner (creator, fixed)
 *      ▲                         │ ◄──demote────────┘
 *      └─────leave/remove────────┘   (owner cannot leave; admins cannot remove the owner)
 *
 * Authorization rules (enforced here, tested in tests/pytest/test_authz.py):
 *  1. Anyone who is not a member gets HD_ERR_CHAT_NOT_FOUND for a chat, unless the chat is
 *     public (has a @username), in which case it may read its info (and channel history).
 *  2. Groups: admins and owner add/remove members; channels: members join themselves only.
 *  3. Only the owner changes roles.
 */
#ifndef HD_CHAT_CHATS_H
#define HD_CHAT_CHATS_H

#include "chat/types.h"
#include "common/mem.h"
#include "store/store.h"

typedef struct {
  /* in */
  int64_t user_id; /* the caller */
  int64_t peer_id; /* the other user */
  hd_mem_pool_t *pool;
  /* out */
  hd_chat_t chat;
  int created; /* 1 if new, 0 if it already existed */
} hd_private_open_op_t;
/* Write job: get or create the private chat between user and peer. HD_ERR_USER_NOT_FOUND. */
int hd_private_open(hd_store_t *tx, hd_private_open_op_t *op);

typedef struct {
  /* in (validated) */
  int64_t user_id;
  hd_chat_type_t type; /* GROUP or CHANNEL */
  const char *title;
  const char *username; /* NULL for a private group/channel */
  const char *about;    /* NULL or text */
  hd_mem_pool_t *pool;
  /* out */
  hd_chat_t chat;
  hd_events_t events;
} hd_chat_create_op_t;
/* Write job: create a group or channel owned by user. HD_ERR_USERNAME_TAKEN. */
int hd_chat_create(hd_store_t *tx, hd_chat_create_op_t *op);

/* Read: a chat as seen by user (role, read marker). HD_ERR_CHAT_NOT_FOUND if the user may not
 * see it (rule 1). */
int hd_chat_get(hd_store_t *rd, int64_t user_id, int64_t chat_id, hd_mem_pool_t *pool,
                hd_chat_t *out);
/* Read: a public chat by @username (case-insensitive), as seen by user. */
int hd_chat_find(hd_store_t *rd, int64_t user_id, const char *username, hd_mem_pool_t *pool,
                 hd_chat_t *out);

typedef struct {
  /* in */
  int64_t user_id; /* the caller */
  int64_t chat_id;
  int64_t target_id; /* the user to add/remove/change; for join/leave: the caller */
  hd_role_t role;    /* set_role: new role (MEMBER or ADMIN) */
  hd_mem_pool_t *pool;
  /* out */
  hd_chat_t chat;
  hd_events_t events;
} hd_member_op_t;
/* Write jobs. add: group admin adds target. remove: admin removes target. join: caller joins
 * a public group or channel (chat_id resolved by the caller from @username). leave: caller
 * leaves. set_role: owner promotes/demotes. */
int hd_member_add(hd_store_t *tx, hd_member_op_t *op);
int hd_member_remove(hd_store_t *tx, hd_member_op_t *op);
int hd_member_join(hd_store_t *tx, hd_member_op_t *op);
int hd_member_leave(hd_store_t *tx, hd_member_op_t *op);
int hd_member_set_role(hd_store_t *tx, hd_member_op_t *op);

/* Read: members of a chat the user belongs to (channels: admins only may list), ordered by
 * user id, starting after after_user_id, at most limit (<= HD_PAGE_MAX). */
int hd_member_list(hd_store_t *rd, int64_t user_id, int64_t chat_id, int64_t after_user_id,
                   size_t limit, hd_mem_pool_t *pool, hd_member_t **out, size_t *n);
/* Read: the ids of the groups and channels user belongs to (for real-time subscriptions). */
int hd_member_chat_ids(hd_store_t *rd, int64_t user_id, hd_mem_pool_t *pool, int64_t **out,
                       size_t *n);
/* Read: the ids of the members of a private chat (exactly 2) — fan-out targets. */
int hd_private_members(hd_store_t *rd, int64_t chat_id, int64_t out[2]);

/* Read: the user's dialog list, most recent activity first, at most limit, offset paging. */
int hd_dialog_list(hd_store_t *rd, int64_t user_id, size_t offset, size_t limit,
                   hd_mem_pool_t *pool, hd_dialog_t **out, size_t *n);

typedef struct {
  /* in */
  int64_t user_id;
  int64_t chat_id;
  int64_t max_id; /* read up to and including this id (clamped to the last id) */
  hd_mem_pool_t *pool;
  /* out */
  int64_t read_max_id;
  hd_events_t events;
} hd_read_op_t;
/* Write job: move the caller's read marker forward (never back). */
int hd_chat_mark_read(hd_store_t *tx, hd_read_op_t *op);

#endif
