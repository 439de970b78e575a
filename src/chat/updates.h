/*
 * updates.h — update logs and resync (Telegram's pts contract, DESIGN.md "Updates and resync").
 *
 *   user log  (user_id, pts)  private-chat messages, own membership, read markers
 *   chat log  (chat_id, pts)  group/channel messages, edits, deletions, membership
 *
 * A client keeps its user pts and one pts per group/channel. Real-time pushes may drop; a
 * client that sees pts jump by more than one, or reconnects, calls the difference functions
 * and gets exactly the entries after its pts, in order.
 *
 * Invariants:
 *  1. pts values of one log are 1, 2, 3, … in commit order, without gaps.
 *  2. A difference returns entries with pts > from_pts in increasing order, at most limit,
 *     and the log's current pts, so a client pages until it reaches it.
 */
#ifndef HD_CHAT_UPDATES_H
#define HD_CHAT_UPDATES_H

#include "chat/types.h"
#include "common/mem.h"
#include "store/store.h"

typedef struct {
  int64_t pts; /* the user's log */
  int64_t date;
} hd_update_state_t;

/* Read: the user's current pts. */
int hd_updates_state(hd_store_t *rd, int64_t user_id, hd_update_state_t *out);
/* Read: user-log entries after from_pts (limit <= HD_PAGE_MAX, messages loaded).
 * *cur_pts receives the log's current pts. */
int hd_updates_user_difference(hd_store_t *rd, int64_t user_id, int64_t from_pts, size_t limit,
                               hd_mem_pool_t *pool, hd_update_t **out, size_t *n, int64_t *cur_pts);
/* Read: chat-log entries after from_pts, for a member (or anyone, for a public channel).
 * HD_ERR_CHAT_NOT_FOUND otherwise; HD_ERR_PRIVATE_CHAT for private chats. */
int hd_updates_chat_difference(hd_store_t *rd, int64_t user_id, int64_t chat_id, int64_t from_pts,
                               size_t limit, hd_mem_pool_t *pool, hd_update_t **out, size_t *n,
                               int64_t *cur_pts);

#endif
