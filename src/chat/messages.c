/*
 * messages.c — send, reply, forward, edit, delete, channel views, history (messages.h).
 *
 *   send(job) ── chat visible & member? ── random_id seen? ──yes──► original, duplicate = 1
 *                                              │ no
 *                may post? ─► reply/forward source visible? ─► id = last_message_id + 1
 *                ─► INSERT message ─► log: private → each participant's user log
 *                                          group/channel → the chat log
 *
 * Who may do what (chats.h, docs/api.md):
 *   post         private: both; group: any member; channel: owner and admins
 *   edit         the sender only
 *   delete all   private: either side; group/channel: the sender or an admin
 *   delete me    any message the caller can see
 *   read         members; anyone for a public channel
 *
 * Invariants:
 *  1. Message ids of a chat are 1, 2, 3, … without gaps: allocated from chats.last_message_id
 *     in the sending job, which the single writer serializes.
 *  2. (chat_id, sender_id, random_id) identifies a send: a retry appends nothing.
 *  3. A forward records the original origin: forwarding a forward copies its fwd_from_*.
 *  4. Every NEW/EDIT event carries the message as stored (update.message != NULL).
 *  5. Media sent to a public chat passes the safety hook (chat/media.h) in the insert's
 *     transaction; a quarantine verdict keeps the message with media.quarantined = 1.
 */
#include "chat/messages.h"

#include "chat/internal.h"
#include "chat/media.h"
#include "common/error.h"
#include "common/time.h"
#include "common/utf8.h"

#include <string.h>

int hd_message_text_check(hd_iovec_t text) {
  if (text.base == NULL || text.len == 0)
    return HD_ERR_MESSAGE_EMPTY;
  if (!hd_utf8_valid(text.base, text.len))
    return HD_ERR_BAD_UTF8;
  if (hd_utf8_count(text.base, text.len) > HD_MESSAGE_MAX)
    return HD_ERR_MESSAGE_TOO_LONG;
  return 0;
}

/* Append a message update to the right log(s): both users of a private chat, else the chat. */
static int log_message(hd_store_t *tx, const hd_chat_t *chat, hd_update_type_t type,
                       const hd_message_t *msg, int64_t message_id, int64_t date, hd_events_t *ev,
                       hd_mem_pool_t *pool) {
  int ret;
  hd_update_t u = {.type = type, .chat_id = chat->id, .message_id = message_id, .date = date};
  if (msg) { /* one pool copy shared by every event of this write (invariant 4) */
    hd_message_t *copy = hd_mem_pool_alloc(pool, sizeof(*copy));
    *copy = *msg;
    u.message = copy;
  }
  if (chat->type != HD_CHAT_PRIVATE)
    return hd__log_append(tx, ev, pool, 0, &u);
  int64_t pair[2] = {chat->pair[0], chat->pair[1]}; /* loaded with the chat row */
  if (pair[0] == 0 && (ret = tx->ops->private_members(tx, chat->id, pair)) != 0)
    return ret;
  for (int i = 0; i < 2; i++)
    if ((ret = hd__log_append(tx, ev, pool, pair[i], &u)) != 0)
      return ret;
  return 0;
}

/* Fill the forward fields and text of m from the source message the caller must see. */
static int take_forward(hd_store_t *tx, hd_send_op_t *op, hd_message_t *m) {
  hd_chat_t src_chat;
  hd_message_t src;
  int ret = hd__chat_load(tx, op->user_id, op->fwd_chat_id, op->pool, &src_chat);
  if (ret == HD_ERR_CHAT_NOT_FOUND || (ret == 0 && !hd__chat_can_read(&src_chat)))
    return HD_ERR_MESSAGE_NOT_FOUND;
  if (ret != 0)
    return ret;
  if ((ret = hd__message_visible(tx, op->user_id, op->fwd_chat_id, op->fwd_message_id, op->pool,
                                 &src)) != 0)
    return ret;
  m->text = src.text;
  m->media = src.media;       /* the media travels with the message (chat/media.h) */
  if (src.fwd_from_chat_id) { /* invariant 3 */
    m->fwd_from_chat_id = src.fwd_from_chat_id;
    m->fwd_from_message_id = src.fwd_from_message_id;
    m->fwd_from_user_id = src.fwd_from_user_id;
    m->fwd_date = src.fwd_date;
  } else {
    m->fwd_from_chat_id = src.chat_id;
    m->fwd_from_message_id = src.id;
    m->fwd_from_user_id = src.sender_id;
    m->fwd_date = src.date;
  }
  return 0;
}

int hd_message_send(hd_store_t *tx, hd_send_op_t *op) {
  hd_chat_t chat;
  int ret;
  memset(&op->events, 0, sizeof(op->events));
  op->duplicate = 0;
  if (op->random_id == 0)
    return HD_ERR_RANDOM_ID_INVALID;
  if ((ret = hd__chat_load(tx, op->user_id, op->chat_id, op->pool, &chat)) != 0)
    return ret;
  if (chat.my_role == HD_ROLE_NONE)
    return HD_ERR_CANNOT_POST; /* only public chats get here: their existence is public */
  op->chat_type = (int)chat.type;
  ret = tx->ops->message_find_random(tx, op->chat_id, op->user_id, op->random_id, op->pool,
                                     &op->message);
  if (ret == 0) { /* invariant 2 */
    op->duplicate = 1;
    return 0;
  }
  if (ret != HD_ERR_MESSAGE_NOT_FOUND)
    return ret;
  if (chat.type == HD_CHAT_CHANNEL && chat.my_role < HD_ROLE_ADMIN)
    return HD_ERR_CANNOT_POST;

  hd_message_t m = {.chat_id = op->chat_id,
                    .sender_id = op->user_id,
                    .random_id = op->random_id,
                    .date = hd_time_now(),
                    .text = op->text};
  if (op->reply_to_id) {
    hd_message_t parent;
    if ((ret = hd__message_visible(tx, op->user_id, op->chat_id, op->reply_to_id, op->pool,
                                   &parent)) != 0)
      return ret;
    m.reply_to_id = op->reply_to_id;
  }
  if (op->fwd_chat_id && (ret = take_forward(tx, op, &m)) != 0)
    return ret;
  if (op->media_id && !op->fwd_chat_id &&
      (ret = hd__media_attach(tx, op->user_id, op->media_id, op->pool, &m.media)) != 0)
    return ret;
  if (m.text == NULL)
    m.text = "";
  if (m.text[0] == '\0' && m.media.id == 0)
    return HD_ERR_MESSAGE_EMPTY;
  hd_media_t row = m.media; /* the safety hook sees the full row */
  m.media.sha256 = NULL;    /* the message carries the public fields only (types.h) */
  m.media.owner_id = m.media.created_at = 0;
  if ((ret = tx->ops->chat_next_message_id(tx, op->chat_id, m.date, &m.id)) != 0 ||
      (ret = tx->ops->message_insert(tx, &m)) != 0)
    return ret;
  if (m.media.id &&
      (ret = hd__media_screen(tx, &chat, &m, &row, op->pool, &m.media.quarantined)) != 0)
    return ret; /* same transaction as the insert (invariant 5) */
  size_t len = strlen(m.text);
  m.text = hd_mem_pool_strndup(op->pool, m.text, len); /* the result owns its text */
  op->message = m;
  return log_message(tx, &chat, HD_UPD_NEW_MESSAGE, &op->message, m.id, m.date, &op->events,
                     op->pool);
}

/* Load the chat and the target message for edit/delete; the caller must be a member. */
static int load_target(hd_store_t *tx, hd_message_op_t *op, hd_chat_t *chat, hd_message_t *m) {
  int ret = hd__chat_load(tx, op->user_id, op->chat_id, op->pool, chat);
  if (ret != 0)
    return ret;
  if (chat->my_role == HD_ROLE_NONE)
    return hd__chat_can_read(chat) ? HD_ERR_FORBIDDEN : HD_ERR_CHAT_NOT_FOUND;
  return hd__message_visible(tx, op->user_id, op->chat_id, op->message_id, op->pool, m);
}

int hd_message_edit(hd_store_t *tx, hd_message_op_t *op) {
  hd_chat_t chat;
  hd_message_t m;
  memset(&op->events, 0, sizeof(op->events));
  int ret = load_target(tx, op, &chat, &m);
  if (ret != 0)
    return ret;
  if (m.sender_id != op->user_id)
    return HD_ERR_FORBIDDEN;
  if (op->text == NULL || op->text[0] == '\0')
    return HD_ERR_MESSAGE_EMPTY;
  if (m.media.id && (ret = hd_media_caption_check(hd_iov(op->text, strlen(op->text)))) != 0)
    return ret;
  int64_t now = hd_time_now();
  if ((ret = tx->ops->message_set_text(tx, op->chat_id, op->message_id, op->text, now)) != 0)
    return ret;
  m.text = hd_mem_pool_strndup(op->pool, op->text, strlen(op->text));
  m.edit_date = now;
  op->message = m;
  return log_message(tx, &chat, HD_UPD_EDIT_MESSAGE, &op->message, m.id, now, &op->events,
                     op->pool);
}

int hd_message_delete(hd_store_t *tx, hd_message_op_t *op) {
  hd_chat_t chat;
  hd_message_t m;
  memset(&op->events, 0, sizeof(op->events));
  int ret = load_target(tx, op, &chat, &m);
  if (ret != 0)
    return ret;
  int64_t now = hd_time_now();
  if (!op->for_everyone) {
    if ((ret = tx->ops->message_hide(tx, op->user_id, op->chat_id, op->message_id)) != 0)
      return ret;
    hd_update_t u = {.type = HD_UPD_DELETE_MESSAGE,
                     .chat_id = op->chat_id,
                     .message_id = op->message_id,
                     .date = now};
    return hd__log_append(tx, &op->events, op->pool, op->user_id, &u);
  }
  if (chat.type != HD_CHAT_PRIVATE && m.sender_id != op->user_id && chat.my_role < HD_ROLE_ADMIN)
    return HD_ERR_FORBIDDEN;
  if ((ret = tx->ops->message_tombstone(tx, op->chat_id, op->message_id)) != 0)
    return ret;
  return log_message(tx, &chat, HD_UPD_DELETE_MESSAGE, NULL, op->message_id, now, &op->events,
                     op->pool);
}

int hd_message_views(hd_store_t *tx, hd_views_op_t *op) {
  hd_chat_t chat;
  if (op->nids > HD_PAGE_MAX)
    return HD_ERR_TOO_LARGE;
  int ret = hd__chat_load(tx, op->user_id, op->chat_id, op->pool, &chat);
  if (ret != 0)
    return ret;
  if (!hd__chat_can_read(&chat))
    return HD_ERR_CHAT_NOT_FOUND;
  op->views = hd_mem_pool_alloc(op->pool, (op->nids ? op->nids : 1) * sizeof(*op->views));
  for (size_t i = 0; i < op->nids; i++) {
    op->views[i] = 0;
    if (chat.type != HD_CHAT_CHANNEL || op->ids[i] <= 0)
      continue; /* only channel posts count views */
    if ((ret = tx->ops->message_view(tx, op->chat_id, op->ids[i], op->user_id, &op->views[i])) != 0)
      return ret;
  }
  return 0;
}

int hd_message_history(hd_store_t *rd, int64_t user_id, int64_t chat_id, int64_t before_id,
                       int64_t after_id, size_t limit, hd_mem_pool_t *pool, hd_message_t **out,
                       size_t *n) {
  hd_chat_t chat;
  int ret = hd__chat_load(rd, user_id, chat_id, pool, &chat);
  if (ret != 0)
    return ret;
  if (!hd__chat_can_read(&chat))
    return HD_ERR_CHAT_NOT_FOUND;
  limit = HD_MAX(1, HD_MIN(limit, HD_PAGE_MAX));
  return rd->ops->message_page(rd, user_id, chat_id, before_id, after_id,
                               before_id <= 0 && after_id >= 0, limit, pool, out, n);
}

int hd_message_get(hd_store_t *rd, int64_t user_id, int64_t chat_id, int64_t message_id,
                   hd_mem_pool_t *pool, hd_message_t *out) {
  hd_chat_t chat;
  int ret = hd__chat_load(rd, user_id, chat_id, pool, &chat);
  if (ret != 0)
    return ret;
  if (!hd__chat_can_read(&chat))
    return HD_ERR_CHAT_NOT_FOUND;
  return hd__message_visible(rd, user_id, chat_id, message_id, pool, out);
}
