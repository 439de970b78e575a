/*
 * chat/internal.h — helpers the chat modules share: access checks, the viewer's decoration
 * of a chat, message visibility and event building. Not part of the domain's public API.
 *
 *   hd__chat_load(viewer, chat_id)
 *     chat row ──► membership? ── yes ──► role, read marker
 *                      └── no ──► public (has @username)? ── yes ──► role NONE
 *                                          └── no ──► HD_ERR_CHAT_NOT_FOUND (no existence leak)
 *
 * Invariants:
 *  1. Every domain function that takes a chat id goes through hd__chat_load() first, so the
 *     "non-members see nothing" rule (chats.h rule 1) is enforced in one place.
 *  2. One write operation produces at most HD__EVENTS_MAX events.
 */
#ifndef HD_CHAT_INTERNAL_H
#define HD_CHAT_INTERNAL_H

#include "chat/types.h"
#include "common/mem.h"
#include "store/ops.h"

#define HD__EVENTS_MAX 4

/* Load chat_id as seen by user into *chat (my_role, my_read_max_id set). Returns
 * HD_ERR_CHAT_NOT_FOUND when absent, or when user is not a member and the chat is not
 * public. Strings live in pool. */
int hd__chat_load(hd_store_t *s, int64_t user_id, int64_t chat_id, hd_mem_pool_t *pool,
                  hd_chat_t *chat);
/* Fill the viewer-dependent parts of a private chat (peer_user_id, title = peer's name). */
int hd__chat_decorate(hd_store_t *s, int64_t user_id, hd_mem_pool_t *pool, hd_chat_t *chat);
/* Nonzero when user may read chat's history: members, or anyone for a public channel. */
int hd__chat_can_read(const hd_chat_t *chat);

/* Load message id of chat if user can see it: exists, not deleted, not hidden from user.
 * HD_ERR_MESSAGE_NOT_FOUND otherwise. Does not check chat access. */
int hd__message_visible(hd_store_t *s, int64_t user_id, int64_t chat_id, int64_t id,
                        hd_mem_pool_t *pool, hd_message_t *out);

/* Append an event for user_id (0: the chat log) and return its update to fill. */
hd_update_t *hd__event_push(hd_events_t *ev, hd_mem_pool_t *pool, int64_t user_id);
/* Append u to user_id's log (user_id > 0) or to u->chat_id's log (user_id == 0), and record
 * it as an event. */
int hd__log_append(hd_store_t *s, hd_events_t *ev, hd_mem_pool_t *pool, int64_t user_id,
                   const hd_update_t *u);

#endif
