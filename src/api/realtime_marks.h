/*
 * realtime_marks.h — moderation marks (withhold / label / quarantine, docs/safety.md) on live
 * pushes. Internal to api/realtime.c.
 *
 *   publisher loop                                   every loop with recipients
 *   ──────────────                                   ──────────────────────────
 *   event with a message ─► hd__rt_mark()            rt_on_bus: MARKED payload
 *     effects read once per (chat, message)            └─► per socket: hd__rt_variants_pick(
 *     label / quarantine → applied to the update              v, sub->cc) → plain or withheld
 *     no withhold → *env NULL: the plain fast path
 *     withhold    → env {"plain":U,"withheld":[{"countries","update":U'}…]}
 *                     └─► hd__rt_variants_from_json(env): one frame per variant
 *
 * Invariants:
 *  1. A viewer sees the variant of the LAST withhold effect listing its country (chat-level
 *     effects first, then the message's), exactly as hd_moderation_marks folds them, so a
 *     push equals what the difference endpoint returns for the same viewer.
 *  2. Labels and quarantine apply to every variant; a withheld variant has no text/media.
 *  3. Unmarked events cost no allocation here and one effect read per distinct message
 *     of a publish (the cache), never a read per recipient.
 *  4. Clean chats: each loop remembers chats that had no active effect at all (chat- or
 *     message-level) together with the writer's auth epoch read BEFORE that store read.
 *     Every job that can add an effect is submitted without HD_WJOB_AUTH_NEUTRAL, so the
 *     epoch moves after its commit and before its done() (writer.h 6): an entry whose epoch
 *     still equals the current one proves the chat is still clean, and the event needs no
 *     effect read. A send into a clean chat therefore costs no store read at publish.
 */
#ifndef HD_API_REALTIME_MARKS_H
#define HD_API_REALTIME_MARKS_H

#include "chat/types.h"
#include "common/mem.h"
#include "net/ws.h"
#include "store/ops.h"
#include "store/store.h"

#include <jansson.h>

/* The frames of one marked event: plain for viewers outside every list, w[k] for viewers
 * whose country is listed by withhold effect k. */
typedef struct {
  hd_ws_frame_t *plain;
  size_t nw;
  struct {
    hd_ws_frame_t *frame;
    char *countries; /* comma-separated ISO codes */
  } w[];
} hd_rt_variants_t;

/* A loop's memory of clean chats (invariant 4): direct-mapped by chat id. */
#define HD_RT_CLEAN_SLOTS 4096
typedef struct {
  int64_t chat_id;
  uint64_t epoch;
} hd_rt_clean_t;

/* Effects of the last message looked up during one publish (pool owned by the caller). */
typedef struct {
  int64_t chat_id, message_id; /* 0: empty */
  hd_store_effect_t *es;
  size_t n;
  int64_t held; /* the message's media is quarantined */
  hd_mem_pool_t *pool;
  hd_rt_clean_t *clean; /* HD_RT_CLEAN_SLOTS entries, or NULL: always read */
  uint64_t epoch;       /* writer auth epoch read before this publish's first store read */
} hd_rt_mark_cache_t;

/* Apply label/quarantine of m to the update JSON upd; when m is withheld somewhere, *env =
 * the envelope of every variant (new reference), else NULL. Returns 0 or a store error. */
int hd__rt_mark(hd_store_t *rd, hd_rt_mark_cache_t *c, const hd_message_t *m, json_t *upd,
                json_t **env);
/* *needed = 1 when m's update needs hd__rt_mark (a label, a withhold, or quarantined media
 * not yet flagged in m); loads the cache as hd__rt_mark would. Returns 0 or a store error. */
int hd__rt_marks_needed(hd_store_t *rd, hd_rt_mark_cache_t *c, const hd_message_t *m, int *needed);
/* Build the frames of an envelope; NULL when it is malformed. */
hd_rt_variants_t *hd__rt_variants_from_json(const json_t *env);
/* The frame a viewer from country cc (2 bytes, zeros when unknown) receives. */
hd_ws_frame_t *hd__rt_variants_pick(const hd_rt_variants_t *v, const char cc[2]);
void hd__rt_variants_free(void *v);

/* Turn message object msg (may be NULL) into its withheld form — the one rendering shared by
 * history, the difference endpoints and live pushes: text and media removed,
 * "withheld":{"reason", "countries":[…]} added; countries is a comma-separated list. */
void hd_api_mark_withheld(json_t *msg, const char *reason, const char *countries);

#endif
