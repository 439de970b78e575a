/*
 * signals.h — the API side of automated signals (safety/signals.h, safety/rules.h): the
 * pre-hash step of sends into public chats, the admin rules surface and the signal stats.
 *
 *   send/forward ──► hd_api_signals_prepare: public chat? photo? PDQ cached?
 *                       │ no work                 │ hash needed
 *                       ▼                         ▼
 *                    caller continues       worker: hd_signals_hash ──► after: cont(call)
 *
 * Invariants:
 *  1. Media bound for a private chat or a private group is never handed to the hasher
 *     (signals.h invariant 1); the stats' hash_runs counter lets tests prove it.
 */
#ifndef HD_API_SIGNALS_H
#define HD_API_SIGNALS_H

#include "api/app.h"

/* Create app->signals and app->rules (loading the rules from a read handle opened from sc)
 * and register the media hook. 0 or a store error. */
int hd_api_signals_start(hd_app_t *app, const hd_store_config_t *sc);
void hd_api_signals_stop(hd_app_t *app);

typedef void (*hd_api_cont_t)(hd_call_t *call, void *arg);
/* Before a send with media_id (or a forward of fwd_chat_id/fwd_message_id) into chat_id:
 * when the chat is public and the media a photo whose PDQ hash is not cached, hash it on the
 * worker pool and call cont(call, arg) back on the loop; returns 1 then. Returns 0 when
 * there is nothing to wait for (the caller continues itself). */
int hd_api_signals_prepare(hd_call_t *call, int64_t chat_id, int64_t media_id, int64_t fwd_chat_id,
                           int64_t fwd_message_id, hd_api_cont_t cont, void *arg);
/* The same for media_id about to become the caller's profile photo (PATCH /v1/me): hashed
 * when it is the caller's own photo upload and not cached yet. */
int hd_api_signals_prepare_photo(hd_call_t *call, int64_t media_id, hd_api_cont_t cont, void *arg);

void hd_api_signals_stats(hd_call_t *call); /* GET /v1/admin/signals */

#endif
