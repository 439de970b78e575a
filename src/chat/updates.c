/*
 * updates.c — update-log reads for resync (updates.h) and the enum names of chat/types.h.
 *
 *   client pts = p ──► difference(p, limit) ──► entries p+1 … p+k (k <= limit), current pts
 *                      NEW/EDIT entries carry the message as it is now (NULL when deleted
 *                      since, or deleted for this user); the client pages until it reaches
 *                      the current pts.
 *
 * The logs are written by the write jobs in chats.c, members.c and messages.c through
 * hd__log_append(); this file only reads them, on a loop's read handle.
 *
 * Invariants:
 *  1. A page is one range scan of (user_id | chat_id, pts) plus one primary-key probe per
 *     message entry: cost is O(limit), independent of the log's length.
 *  2. The reported current pts is never below the last entry returned: it is read before
 *     the page and raised to the page's last pts if a commit landed in between.
 */
#include "chat/updates.h"

#include "chat/internal.h"
#include "common/error.h"
#include "common/time.h"

#include <string.h>

const char *hd_update_type_name(hd_update_type_t t) {
  switch (t) {
  case HD_UPD_NEW_MESSAGE:
    return "new_message";
  case HD_UPD_EDIT_MESSAGE:
    return "edit_message";
  case HD_UPD_DELETE_MESSAGE:
    return "delete_message";
  case HD_UPD_MEMBER_JOINED:
    return "member_joined";
  case HD_UPD_MEMBER_LEFT:
    return "member_left";
  case HD_UPD_CHAT_JOINED:
    return "chat_joined";
  case HD_UPD_CHAT_LEFT:
    return "chat_left";
  case HD_UPD_READ_INBOX:
    return "read_inbox";
  case HD_UPD_READ_OUTBOX:
    return "read_outbox";
  case HD_UPD_ROLE_CHANGED:
    return "role_changed";
  }
  return "unknown";
}

const char *hd_chat_type_name(hd_chat_type_t t) {
  switch (t) {
  case HD_CHAT_PRIVATE:
    return "private";
  case HD_CHAT_GROUP:
    return "group";
  case HD_CHAT_CHANNEL:
    return "channel";
  }
  return "unknown";
}

const char *hd_role_name(hd_role_t r) {
  switch (r) {
  case HD_ROLE_NONE:
    return "none";
  case HD_ROLE_MEMBER:
    return "member";
  case HD_ROLE_ADMIN:
    return "admin";
  case HD_ROLE_OWNER:
    return "owner";
  }
  return "unknown";
}

int hd_updates_state(hd_store_t *rd, int64_t user_id, hd_update_state_t *out) {
  out->date = hd_time_now();
  return rd->ops->user_pts(rd, user_id, &out->pts);
}

/* Attach the current message to NEW/EDIT entries (NULL when deleted or hidden from viewer). */
static int load_messages(hd_store_t *rd, int64_t viewer, hd_update_t *u, size_t n,
                         hd_mem_pool_t *pool) {
  for (size_t i = 0; i < n; i++) {
    u[i].message = NULL;
    if (u[i].type != HD_UPD_NEW_MESSAGE && u[i].type != HD_UPD_EDIT_MESSAGE)
      continue;
    hd_message_t *m = hd_mem_pool_alloc(pool, sizeof(*m));
    int ret = hd__message_visible(rd, viewer, u[i].chat_id, u[i].message_id, pool, m);
    if (ret == 0)
      u[i].message = m;
    else if (ret != HD_ERR_MESSAGE_NOT_FOUND)
      return ret;
  }
  return 0;
}

int hd_updates_user_difference(hd_store_t *rd, int64_t user_id, int64_t from_pts, size_t limit,
                               hd_mem_pool_t *pool, hd_update_t **out, size_t *n,
                               int64_t *cur_pts) {
  int ret = rd->ops->user_pts(rd, user_id, cur_pts);
  if (ret != 0)
    return ret;
  limit = HD_MAX(1, HD_MIN(limit, HD_PAGE_MAX));
  if ((ret = rd->ops->user_updates(rd, user_id, HD_MAX(from_pts, 0), limit, pool, out, n)) != 0)
    return ret;
  if (*n && (*out)[*n - 1].pts > *cur_pts) /* invariant 2 */
    *cur_pts = (*out)[*n - 1].pts;
  return load_messages(rd, user_id, *out, *n, pool);
}

int hd_updates_chat_difference(hd_store_t *rd, int64_t user_id, int64_t chat_id, int64_t from_pts,
                               size_t limit, hd_mem_pool_t *pool, hd_update_t **out, size_t *n,
                               int64_t *cur_pts) {
  hd_chat_t chat;
  int ret = hd__chat_load(rd, user_id, chat_id, pool, &chat);
  if (ret != 0)
    return ret;
  if (chat.type == HD_CHAT_PRIVATE)
    return HD_ERR_PRIVATE_CHAT;
  if (!hd__chat_can_read(&chat))
    return HD_ERR_CHAT_NOT_FOUND;
  *cur_pts = chat.pts;
  limit = HD_MAX(1, HD_MIN(limit, HD_PAGE_MAX));
  if ((ret = rd->ops->chat_updates(rd, chat_id, HD_MAX(from_pts, 0), limit, pool, out, n)) != 0)
    return ret;
  if (*n && (*out)[*n - 1].pts > *cur_pts) /* invariant 2 */
    *cur_pts = (*out)[*n - 1].pts;
  return load_messages(rd, user_id, *out, *n, pool);
}
