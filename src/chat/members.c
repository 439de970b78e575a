/*
 * members.c — membership changes and member lists (chats.h: add, remove, join, leave,
 * set_role, member_list, member_chat_ids).
 *
 *    none ──add (group admin) / join (public)──► member ──set_role(owner)──► admin
 *      ▲                                           │ ◄────────set_role(owner)─┘
 *      └────────────leave (self) / remove (admin)──┘          owner: fixed, cannot leave
 *
 * Every transition writes, in the same job:
 *    members row insert/delete/update, chats.member_count,
 *    chat log  MEMBER_JOINED | MEMBER_LEFT | ROLE_CHANGED  (user_id = the affected user)
 *    user log  CHAT_JOINED | CHAT_LEFT                     (for the affected user)
 *
 * Invariants:
 *  1. A chat always has exactly one owner, who is a member (nobody removes the owner, the
 *     owner cannot leave, set_role only moves between MEMBER and ADMIN).
 *  2. member_count <= HD_GROUP_MAX_MEMBERS: joins and adds past it fail with HD_ERR_CHAT_FULL.
 *  3. Private chats have no membership changes (HD_ERR_PRIVATE_CHAT).
 */
#include "chat/chats.h"

#include "chat/internal.h"
#include "common/error.h"
#include "common/time.h"

#include <string.h>

/* Insert target as a member and log it (shared by add and join). */
static int enter(hd_store_t *tx, hd_member_op_t *op, const hd_chat_t *chat) {
  int ret;
  if (chat->member_count >= HD_GROUP_MAX_MEMBERS)
    return HD_ERR_CHAT_FULL;
  int64_t now = hd_time_now();
  if ((ret = tx->ops->member_insert(tx, chat->id, op->target_id, HD_ROLE_MEMBER, now)) != 0 ||
      (ret = tx->ops->chat_add_members(tx, chat->id, 1)) != 0)
    return ret;
  hd_update_t c = {.type = HD_UPD_MEMBER_JOINED,
                   .chat_id = chat->id,
                   .user_id = op->target_id,
                   .role = HD_ROLE_MEMBER,
                   .date = now};
  if ((ret = hd__log_append(tx, &op->events, op->pool, 0, &c)) != 0)
    return ret;
  hd_update_t u = {
      .type = HD_UPD_CHAT_JOINED, .chat_id = chat->id, .role = HD_ROLE_MEMBER, .date = now};
  return hd__log_append(tx, &op->events, op->pool, op->target_id, &u);
}

/* Delete target's membership and log it (shared by leave and remove). */
static int depart(hd_store_t *tx, hd_member_op_t *op, int64_t chat_id) {
  int ret;
  int64_t now = hd_time_now();
  if ((ret = tx->ops->member_delete(tx, chat_id, op->target_id)) != 0 ||
      (ret = tx->ops->chat_add_members(tx, chat_id, -1)) != 0)
    return ret;
  hd_update_t c = {
      .type = HD_UPD_MEMBER_LEFT, .chat_id = chat_id, .user_id = op->target_id, .date = now};
  if ((ret = hd__log_append(tx, &op->events, op->pool, 0, &c)) != 0)
    return ret;
  hd_update_t u = {.type = HD_UPD_CHAT_LEFT, .chat_id = chat_id, .date = now};
  return hd__log_append(tx, &op->events, op->pool, op->target_id, &u);
}

/* Reload the chat as the caller now sees it; a caller who lost access gets the bare row. */
static int result_chat(hd_store_t *tx, hd_member_op_t *op) {
  int ret = hd__chat_load(tx, op->user_id, op->chat_id, op->pool, &op->chat);
  if (ret == HD_ERR_CHAT_NOT_FOUND) {
    ret = tx->ops->chat_get(tx, op->chat_id, op->pool, &op->chat);
    op->chat.my_role = HD_ROLE_NONE;
  }
  return ret;
}

int hd_member_add(hd_store_t *tx, hd_member_op_t *op) {
  hd_chat_t chat;
  hd_user_t target;
  memset(&op->events, 0, sizeof(op->events));
  int ret = hd__chat_load(tx, op->user_id, op->chat_id, op->pool, &chat);
  if (ret != 0)
    return ret;
  if (chat.type == HD_CHAT_PRIVATE)
    return HD_ERR_PRIVATE_CHAT;
  if (chat.my_role == HD_ROLE_NONE)
    return HD_ERR_CHAT_NOT_FOUND; /* a public chat's outsiders add nobody */
  if (chat.type == HD_CHAT_CHANNEL)
    return HD_ERR_FORBIDDEN; /* subscribers join themselves (chats.h rule 2) */
  if (chat.my_role < HD_ROLE_ADMIN)
    return HD_ERR_NOT_ADMIN;
  if ((ret = tx->ops->user_get(tx, op->target_id, op->pool, &target)) != 0)
    return ret;
  if ((ret = enter(tx, op, &chat)) != 0)
    return ret;
  return result_chat(tx, op);
}

int hd_member_join(hd_store_t *tx, hd_member_op_t *op) {
  hd_chat_t chat;
  memset(&op->events, 0, sizeof(op->events));
  op->target_id = op->user_id;
  int ret = hd__chat_load(tx, op->user_id, op->chat_id, op->pool, &chat);
  if (ret != 0)
    return ret;
  if (chat.type == HD_CHAT_PRIVATE || chat.username == NULL)
    return HD_ERR_CHAT_NOT_FOUND; /* only public chats can be joined */
  if (chat.my_role != HD_ROLE_NONE)
    return HD_ERR_ALREADY_MEMBER;
  if ((ret = enter(tx, op, &chat)) != 0)
    return ret;
  return result_chat(tx, op);
}

int hd_member_leave(hd_store_t *tx, hd_member_op_t *op) {
  hd_chat_t chat;
  memset(&op->events, 0, sizeof(op->events));
  op->target_id = op->user_id;
  int ret = hd__chat_load(tx, op->user_id, op->chat_id, op->pool, &chat);
  if (ret != 0)
    return ret;
  if (chat.type == HD_CHAT_PRIVATE)
    return HD_ERR_PRIVATE_CHAT;
  if (chat.my_role == HD_ROLE_NONE)
    return HD_ERR_NOT_MEMBER;
  if (chat.my_role == HD_ROLE_OWNER)
    return HD_ERR_OWNER_CANNOT_LEAVE;
  if ((ret = depart(tx, op, op->chat_id)) != 0)
    return ret;
  return result_chat(tx, op);
}

int hd_member_remove(hd_store_t *tx, hd_member_op_t *op) {
  hd_chat_t chat;
  hd_store_membership_t target;
  memset(&op->events, 0, sizeof(op->events));
  if (op->target_id == op->user_id)
    return hd_member_leave(tx, op);
  int ret = hd__chat_load(tx, op->user_id, op->chat_id, op->pool, &chat);
  if (ret != 0)
    return ret;
  if (chat.type == HD_CHAT_PRIVATE)
    return HD_ERR_PRIVATE_CHAT;
  if (chat.my_role == HD_ROLE_NONE)
    return HD_ERR_CHAT_NOT_FOUND;
  if (chat.my_role < HD_ROLE_ADMIN)
    return HD_ERR_NOT_ADMIN;
  if ((ret = tx->ops->member_get(tx, op->chat_id, op->target_id, &target)) != 0)
    return ret; /* HD_ERR_NOT_MEMBER */
  if (target.role == HD_ROLE_OWNER)
    return HD_ERR_FORBIDDEN; /* invariant 1 */
  if ((ret = depart(tx, op, op->chat_id)) != 0)
    return ret;
  return result_chat(tx, op);
}

int hd_member_set_role(hd_store_t *tx, hd_member_op_t *op) {
  hd_chat_t chat;
  hd_store_membership_t target;
  memset(&op->events, 0, sizeof(op->events));
  int ret = hd__chat_load(tx, op->user_id, op->chat_id, op->pool, &chat);
  if (ret != 0)
    return ret;
  if (chat.type == HD_CHAT_PRIVATE)
    return HD_ERR_PRIVATE_CHAT;
  if (chat.my_role == HD_ROLE_NONE)
    return HD_ERR_CHAT_NOT_FOUND;
  if (chat.my_role != HD_ROLE_OWNER)
    return HD_ERR_NOT_OWNER;
  if (op->role != HD_ROLE_MEMBER && op->role != HD_ROLE_ADMIN)
    return HD_ERR_BAD_REQUEST;
  if ((ret = tx->ops->member_get(tx, op->chat_id, op->target_id, &target)) != 0)
    return ret;
  if (target.role == HD_ROLE_OWNER)
    return HD_ERR_FORBIDDEN; /* the owner's role is fixed (invariant 1) */
  if (target.role != op->role) {
    if ((ret = tx->ops->member_set_role(tx, op->chat_id, op->target_id, op->role)) != 0)
      return ret;
    hd_update_t c = {.type = HD_UPD_ROLE_CHANGED,
                     .chat_id = op->chat_id,
                     .user_id = op->target_id,
                     .role = op->role,
                     .date = hd_time_now()};
    if ((ret = hd__log_append(tx, &op->events, op->pool, 0, &c)) != 0)
      return ret;
  }
  return result_chat(tx, op);
}

int hd_member_list(hd_store_t *rd, int64_t user_id, int64_t chat_id, int64_t after_user_id,
                   size_t limit, hd_mem_pool_t *pool, hd_member_t **out, size_t *n) {
  hd_chat_t chat;
  int ret = hd__chat_load(rd, user_id, chat_id, pool, &chat);
  if (ret != 0)
    return ret;
  if (chat.my_role == HD_ROLE_NONE)
    return HD_ERR_CHAT_NOT_FOUND;
  if (chat.type == HD_CHAT_CHANNEL && chat.my_role < HD_ROLE_ADMIN)
    return HD_ERR_NOT_ADMIN;
  limit = HD_MAX(1, HD_MIN(limit, HD_PAGE_MAX));
  return rd->ops->member_list(rd, chat_id, after_user_id, limit, pool, out, n);
}

int hd_member_chat_ids(hd_store_t *rd, int64_t user_id, hd_mem_pool_t *pool, int64_t **out,
                       size_t *n) {
  return rd->ops->member_chat_ids(rd, user_id, pool, out, n);
}
