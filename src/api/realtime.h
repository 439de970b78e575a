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

#endif
