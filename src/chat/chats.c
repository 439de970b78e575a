/*
 * chats.c — chats as a viewer sees them: access checks, private chats, group/channel
 * creation, lookup by @username, the dialog list and read markers (chats.h). Membership
 * changes are in members.c; both share the helpers declared in chat/internal.h.
 *
 *   private chat:  pair (lo, hi) = (min(a, b), max(a, b)) ──UNIQUE──► one chat per pair
 *   dialog list:   the user's member rows ──► their chats ordered by last activity
 *                  + last visible message (one index seek) + unread count (range count)
 *   read marker:   members.read_max_id only grows; READ_INBOX to the reader's log and, in a
 *                  private chat, READ_OUTBOX to the peer's log.
 *
 * Invariants:
 *  1. A private chat is visible to its two members only and has no username.
 *  2. read_max_id never decreases and never exceeds the chat's last_message_id.
 */
#include "chat/chats.h"

#include "chat/accounts.h"
#include "chat/internal.h"
#include "chat/moderation.h"
#include "common/error.h"
#include "common/time.h"

#include <string.h>

/* --- shared helpers (chat/internal.h) ---------------------------------------------------- */

int hd__chat_load(hd_store_t *s, int64_t user_id, int64_t chat_id, hd_mem_pool_t *pool,
                  hd_chat_t *chat) {
  int ret = s->ops->chat_get_as(s, chat_id, user_id, pool, chat);
  if (ret != 0)
    return ret;
  if (chat->my_role != HD_ROLE_NONE)             /* a member row always holds a role */
    return hd_moderation_chat_check(s, chat, 1); /* banned chats: moderation.h */
  if (chat->type == HD_CHAT_PRIVATE || chat->username == NULL)
    return HD_ERR_CHAT_NOT_FOUND;
  return hd_moderation_chat_check(s, chat, 0); /* banned or restricted: moderation.h */
}

int hd__chat_decorate(hd_store_t *s, int64_t user_id, hd_mem_pool_t *pool, hd_chat_t *chat) {
  if (chat->type != HD_CHAT_PRIVATE)
    return 0;
  int64_t pair[2];
  int ret = s->ops->private_members(s, chat->id, pair);
  if (ret != 0)
    return ret;
  chat->peer_user_id = pair[0] == user_id ? pair[1] : pair[0];
  hd_user_t peer;
  if ((ret = s->ops->user_get(s, chat->peer_user_id, pool, &peer)) != 0)
    return ret == HD_ERR_USER_NOT_FOUND ? HD_ERR_INTERNAL : ret;
  chat->title = peer.display_name;
  return 0;
}

int hd__chat_can_read(const hd_chat_t *chat) {
  return chat->my_role != HD_ROLE_NONE || (chat->type == HD_CHAT_CHANNEL && chat->username != NULL);
}

int hd__message_visible(hd_store_t *s, int64_t user_id, int64_t chat_id, int64_t id,
                        hd_mem_pool_t *pool, hd_message_t *out) {
  int deleted = 0, hidden = 0;
  if (id <= 0)
    return HD_ERR_MESSAGE_NOT_FOUND;
  int ret = s->ops->message_get(s, chat_id, id, pool, out, &deleted);
  if (ret != 0)
    return ret;
  if (deleted)
    return HD_ERR_MESSAGE_NOT_FOUND;
  if ((ret = s->ops->message_hidden(s, user_id, chat_id, id, &hidden)) != 0)
    return ret;
  return hidden ? HD_ERR_MESSAGE_NOT_FOUND : 0;
}

hd_update_t *hd__event_push(hd_events_t *ev, hd_mem_pool_t *pool, int64_t user_id) {
  if (ev->items == NULL) {
    ev->items = hd_mem_pool_alloc(pool, HD__EVENTS_MAX * sizeof(*ev->items));
    ev->len = 0;
  }
  HD_ASSERT(ev->len < HD__EVENTS_MAX);
  hd_event_t *e = &ev->items[ev->len++];
  memset(e, 0, sizeof(*e));
  e->user_id = user_id;
  return &e->update;
}

int hd__log_append(hd_store_t *s, hd_events_t *ev, hd_mem_pool_t *pool, int64_t user_id,
                   const hd_update_t *u) {
  hd_update_t row = *u;
  int ret = user_id > 0 ? s->ops->user_update_append(s, user_id, &row)
                        : s->ops->chat_update_append(s, &row);
  if (ret != 0)
    return ret;
  *hd__event_push(ev, pool, user_id) = row;
  return 0;
}

/* --- private chats and creation ---------------------------------------------------------- */

int hd_private_open(hd_store_t *tx, hd_private_open_op_t *op) {
  int ret;
  hd_user_t peer;
  op->created = 0;
  if (op->peer_id == op->user_id)
    return HD_ERR_BAD_REQUEST; /* no chat with oneself */
  if ((ret = tx->ops->user_get(tx, op->peer_id, op->pool, &peer)) != 0)
    return ret;
  int64_t lo = HD_MIN(op->user_id, op->peer_id), hi = HD_MAX(op->user_id, op->peer_id);
  int64_t chat_id = 0;
  ret = tx->ops->chat_find_private(tx, lo, hi, &chat_id);
  if (ret == HD_ERR_CHAT_NOT_FOUND) {
    hd_chat_t c = {.type = HD_CHAT_PRIVATE, .title = "", .about = "", .created_at = hd_time_now()};
    if ((ret = tx->ops->chat_insert(tx, &c, lo, hi)) != 0)
      return ret;
    chat_id = c.id;
    if ((ret = tx->ops->member_insert(tx, chat_id, lo, HD_ROLE_MEMBER, c.created_at)) != 0 ||
        (ret = tx->ops->member_insert(tx, chat_id, hi, HD_ROLE_MEMBER, c.created_at)) != 0 ||
        (ret = tx->ops->chat_add_members(tx, chat_id, 2)) != 0)
      return ret;
    op->created = 1;
  } else if (ret != 0) {
    return ret;
  }
  if ((ret = hd__chat_load(tx, op->user_id, chat_id, op->pool, &op->chat)) != 0)
    return ret;
  return hd__chat_decorate(tx, op->user_id, op->pool, &op->chat);
}

int hd_chat_create(hd_store_t *tx, hd_chat_create_op_t *op) {
  int ret, taken = 0;
  memset(&op->events, 0, sizeof(op->events));
  if (op->type != HD_CHAT_GROUP && op->type != HD_CHAT_CHANNEL)
    return HD_ERR_BAD_REQUEST;
  if (op->username) {
    if ((ret = hd_username_check(hd_iov(op->username, strlen(op->username)))) != 0)
      return ret;
    if ((ret = tx->ops->username_taken(tx, op->username, &taken)) != 0)
      return ret;
    if (taken)
      return HD_ERR_USERNAME_TAKEN;
  }
  hd_chat_t c = {.type = op->type,
                 .title = op->title,
                 .username = op->username,
                 .about = op->about ? op->about : "",
                 .owner_id = op->user_id,
                 .created_at = hd_time_now()};
  if ((ret = tx->ops->chat_insert(tx, &c, 0, 0)) != 0)
    return ret;
  if ((ret = tx->ops->member_insert(tx, c.id, op->user_id, HD_ROLE_OWNER, c.created_at)) != 0 ||
      (ret = tx->ops->chat_add_members(tx, c.id, 1)) != 0)
    return ret;
  hd_update_t u = {.type = HD_UPD_MEMBER_JOINED,
                   .chat_id = c.id,
                   .user_id = op->user_id,
                   .role = HD_ROLE_OWNER,
                   .date = c.created_at};
  if ((ret = hd__log_append(tx, &op->events, op->pool, 0, &u)) != 0)
    return ret;
  hd_update_t j = {
      .type = HD_UPD_CHAT_JOINED, .chat_id = c.id, .role = HD_ROLE_OWNER, .date = c.created_at};
  if ((ret = hd__log_append(tx, &op->events, op->pool, op->user_id, &j)) != 0)
    return ret;
  return hd__chat_load(tx, op->user_id, c.id, op->pool, &op->chat);
}

/* --- reads ------------------------------------------------------------------------------- */

int hd_chat_get(hd_store_t *rd, int64_t user_id, int64_t chat_id, hd_mem_pool_t *pool,
                hd_chat_t *out) {
  int ret = hd__chat_load(rd, user_id, chat_id, pool, out);
  if (ret != 0)
    return ret;
  return hd__chat_decorate(rd, user_id, pool, out);
}

int hd_chat_find(hd_store_t *rd, int64_t user_id, const char *username, hd_mem_pool_t *pool,
                 hd_chat_t *out) {
  if (username == NULL || hd_username_check(hd_iov(username, strlen(username))) != 0)
    return HD_ERR_CHAT_NOT_FOUND;
  hd_chat_t row;
  int ret = rd->ops->chat_find(rd, username, pool, &row);
  if (ret != 0)
    return ret;
  return hd__chat_load(rd, user_id, row.id, pool, out);
}

int hd_private_members(hd_store_t *rd, int64_t chat_id, int64_t out[2]) {
  return rd->ops->private_members(rd, chat_id, out);
}

int hd_dialog_list(hd_store_t *rd, int64_t user_id, size_t offset, size_t limit,
                   hd_mem_pool_t *pool, hd_dialog_t **out, size_t *n) {
  limit = HD_MAX(1, HD_MIN(limit, HD_PAGE_MAX));
  hd_chat_t *chats = NULL;
  size_t nchats = 0;
  int ret = rd->ops->dialog_chats(rd, user_id, offset, limit, pool, &chats, &nchats);
  if (ret != 0)
    return ret;
  hd_dialog_t *d = hd_mem_pool_alloc(pool, (nchats ? nchats : 1) * sizeof(*d));
  size_t k = 0;
  for (size_t j = 0; j < nchats; j++) {
    if (chats[j].type != HD_CHAT_PRIVATE) { /* banned chats are not listed (moderation.h) */
      ret = hd_moderation_chat_check(rd, &chats[j], 1);
      if (ret == HD_ERR_CHAT_NOT_FOUND)
        continue;
      if (ret != 0)
        return ret;
    }
    size_t i = k++;
    chats[i] = chats[j];
    d[i].chat = chats[i];
    if ((ret = hd__chat_decorate(rd, user_id, pool, &d[i].chat)) != 0)
      return ret;
    hd_message_t *last = NULL;
    size_t nlast = 0;
    if ((ret = rd->ops->message_page(rd, user_id, chats[i].id, 0, 0, 0, 1, pool, &last, &nlast)) !=
        0)
      return ret;
    d[i].last_message = nlast ? last : NULL;
    if ((ret = rd->ops->message_count_unread(rd, user_id, chats[i].id, chats[i].my_read_max_id,
                                             &d[i].unread_count)) != 0)
      return ret;
  }
  *out = d;
  *n = k; /* a page may hold fewer than limit when banned chats were dropped */
  return 0;
}

int hd_chat_mark_read(hd_store_t *tx, hd_read_op_t *op) {
  hd_chat_t chat;
  memset(&op->events, 0, sizeof(op->events));
  int ret = hd__chat_load(tx, op->user_id, op->chat_id, op->pool, &chat);
  if (ret != 0)
    return ret;
  if (chat.my_role == HD_ROLE_NONE)
    return HD_ERR_NOT_MEMBER;
  int64_t max_id = HD_MIN(op->max_id, chat.last_message_id);
  op->read_max_id = chat.my_read_max_id;
  if (max_id <= chat.my_read_max_id)
    return 0; /* never moves back (invariant 2) */
  if ((ret = tx->ops->member_set_read(tx, op->chat_id, op->user_id, max_id)) != 0)
    return ret;
  op->read_max_id = max_id;
  int64_t now = hd_time_now();
  hd_update_t in = {
      .type = HD_UPD_READ_INBOX, .chat_id = op->chat_id, .message_id = max_id, .date = now};
  if ((ret = hd__log_append(tx, &op->events, op->pool, op->user_id, &in)) != 0)
    return ret;
  if (chat.type == HD_CHAT_PRIVATE) {
    int64_t pair[2];
    if ((ret = tx->ops->private_members(tx, op->chat_id, pair)) != 0)
      return ret;
    int64_t peer = pair[0] == op->user_id ? pair[1] : pair[0];
    hd_update_t outbox = {.type = HD_UPD_READ_OUTBOX,
                          .chat_id = op->chat_id,
                          .message_id = max_id,
                          .user_id = op->user_id,
                          .date = now};
    if ((ret = hd__log_append(tx, &op->events, op->pool, peer, &outbox)) != 0)
      return ret;
  }
  return 0;
}
