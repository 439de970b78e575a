/*
 * realtime.h — live delivery of updates to online WebSocket clients.
 *
 * After a write commits, its events (chat/types.h hd_events_t) are published:
 *
 *   loop A: hd_rt_publish(events) ──► bus (local: in-process; nats at scale)
 *        ──► every loop's queue (hd_loop_post) ──► loop's registry:
 *              user_id → [ws…]   (user-log updates)
 *              chat_id → [ws…]   (chat-log updates of groups/channels)
 *        ──► one pre-encoded frame per event, shared by every recipient on that loop
 *
 * A socket subscribes to its user at connect and to each group/channel it belongs to;
 * CHAT_JOINED/CHAT_LEFT events for its user adjust the chat subscriptions.
 */
#ifndef HD_API_REALTIME_H
#define HD_API_REALTIME_H

#include "api/app.h"

/* Per-loop registry lifecycle (called from the loop_start/loop_stop hooks). */
hd_rt_loop_t *hd_rt_loop_create(hd_loop_ctx_t *ctx);
void hd_rt_loop_destroy(hd_rt_loop_t *rt);

/* Publish the events of a committed write (call on any loop; events copied). */
void hd_rt_publish(hd_loop_ctx_t *ctx, const hd_events_t *events);

/* GET /v1/updates/ws — authenticate (Authorization header or ?token=) and upgrade. */
void hd_api_updates_ws(hd_call_t *call);
/* GET /v1/updates/state, GET /v1/updates/difference, GET /v1/chats/{id}/difference. */
void hd_api_updates_state(hd_call_t *call);
void hd_api_updates_difference(hd_call_t *call);
void hd_api_chat_difference(hd_call_t *call);

/* --- internal: shared by api/realtime.c (registry) and api/updates.c (handlers) ------- */
#include "net/ws.h"

typedef struct st_hd_rt_sub_t hd_rt_sub_t;
/* Create the record of an update socket about to be upgraded, for user and the chats it
 * belongs to (copied, duplicates dropped). Not yet registered. */
hd_rt_sub_t *hd__rt_sub_create(hd_rt_loop_t *rt, int64_t user_id, const int64_t *chat_ids,
                               size_t n);
/* Record the user's profile country (2-letter code; anything else: unknown) for the
 * per-country variants of withheld content (realtime.c invariant 6). Before the start. */
void hd__rt_sub_set_country(hd_rt_sub_t *sub, const char *country);
/* Free a record whose upgrade failed. */
void hd__rt_sub_destroy(hd_rt_sub_t *sub);
/* After a successful upgrade: register sub (its user and chats) and send the hello
 * {"type":"hello","user_id","pts"}. The record is owned by the socket from here on. */
void hd__rt_sub_start(hd_rt_sub_t *sub, hd_ws_t *ws, int64_t pts);
/* Callbacks of update sockets (ws data: the hd_rt_sub_t). */
extern const hd_ws_callbacks_t hd__rt_ws_callbacks;

#endif
