/*
 * messages.h — sending, replying, forwarding, editing, deleting, history, channel views.
 *
 * Ids: each chat numbers its messages 1, 2, 3, … with no gaps (chats.last_message_id is
 * incremented in the same transaction as the insert; the single writer serializes this).
 * Idempotency: (chat_id, sender_id, random_id) is unique; a retried send returns the
 * original message with duplicate = 1 and appends no update.
 *
 * Deleting for everyone keeps the id (the row is tombstoned: text cleared, flagged deleted)
 * so paging by id never skips and resync can report the deletion. Delete for me hides the
 * message from one user only.
 */
#ifndef HD_CHAT_MESSAGES_H
#define HD_CHAT_MESSAGES_H

#include "chat/types.h"
#include "common/mem.h"
#include "store/store.h"

/* Validate message text: non-empty, valid UTF-8, <= HD_MESSAGE_MAX code points.
 * Returns 0, HD_ERR_MESSAGE_EMPTY, HD_ERR_BAD_UTF8 or HD_ERR_MESSAGE_TOO_LONG. */
int hd_message_text_check(hd_iovec_t text);

typedef struct {
  /* in */
  int64_t user_id;
  int64_t chat_id;
  int64_t random_id;      /* non-zero */
  const char *text;       /* validated */
  int64_t reply_to_id;    /* 0 or an existing, visible message of the same chat */
  int64_t fwd_chat_id;    /* forward: source chat (0 for a plain send) */
  int64_t fwd_message_id; /* forward: source message; text is taken from it */
  int64_t media_id;       /* 0, or the caller's upload to attach (text is then a caption,
                             possibly empty: hd_media_caption_check) */
  hd_mem_pool_t *pool;
  /* out */
  hd_message_t message;
  int duplicate; /* 1 when random_id was seen before: original returned */
  int chat_type; /* the chat's hd_chat_type_t, set on success (the ack needs no re-read) */
  hd_events_t events;
} hd_send_op_t;
/* Write job: send (or forward). Errors: CHAT_NOT_FOUND, CANNOT_POST, MESSAGE_NOT_FOUND
 * (reply/forward source invisible to the caller), MEDIA_NOT_FOUND (not the caller's upload).
 * Media the safety hook holds is stored with message.media.quarantined = 1 (chat/media.h). */
int hd_message_send(hd_store_t *tx, hd_send_op_t *op);

typedef struct {
  /* in */
  int64_t user_id;
  int64_t chat_id;
  int64_t message_id;
  const char *text; /* edit: validated new text */
  int for_everyone; /* delete: 1 for everyone, 0 for me only */
  hd_mem_pool_t *pool;
  /* out */
  hd_message_t message; /* edit: the edited message */
  hd_events_t events;
} hd_message_op_t;
/* Write job: edit own message (sets edit_date). FORBIDDEN when not the sender. */
int hd_message_edit(hd_store_t *tx, hd_message_op_t *op);
/* Write job: delete. For everyone: private chats either side; groups/channels the sender or
 * an admin. For me: any visible message. */
int hd_message_delete(hd_store_t *tx, hd_message_op_t *op);

typedef struct {
  /* in */
  int64_t user_id;
  int64_t chat_id;
  const int64_t *ids;
  size_t nids; /* <= HD_PAGE_MAX */
  hd_mem_pool_t *pool;
  /* out: views per id after counting this viewer once (0 for unknown ids) */
  int64_t *views;
} hd_views_op_t;
/* Write job: count the caller as a viewer of channel posts (once per user and post). */
int hd_message_views(hd_store_t *tx, hd_views_op_t *op);

/* Read: a page of history visible to user. before_id > 0: ids < before_id, newest first;
 * else after_id >= 0 with after mode: ids > after_id, oldest first; neither: newest page.
 * limit 1..HD_PAGE_MAX. Deleted messages and messages deleted-for-me are skipped. */
int hd_message_history(hd_store_t *rd, int64_t user_id, int64_t chat_id, int64_t before_id,
                       int64_t after_id, size_t limit, hd_mem_pool_t *pool, hd_message_t **out,
                       size_t *n);
/* Read: one message visible to user. */
int hd_message_get(hd_store_t *rd, int64_t user_id, int64_t chat_id, int64_t message_id,
                   hd_mem_pool_t *pool, hd_message_t *out);

#endif
