/*
 * moderation.h — the real effects of moderation decisions on chats, messages and accounts,
 * applied through the chat domain so every read and write path sees them.
 *
 *   decision (safety/decisions.c, same write job)
 *     └─► hd_moderation_apply ─► mod_effects row (+ the original, for a removal)
 *            remove    tombstone the message, DELETE update to its chat's members
 *            ban_chat  the group/channel answers chat_not_found to everyone (members too)
 *            restrict  a public group/channel cannot be found or joined by non-members
 *            withhold  viewers whose profile country is listed see {"withheld":…}
 *            label     the content carries {"label":…}
 *            suspend   login, every request and sends answer account_suspended until T
 *            terminate the same, without end
 *   appeal reversed (safety/appeals.c)
 *     └─► hd_moderation_lift ─► effects inactive; a removed message gets its text back
 *                               (EDIT update carrying the restored message)
 *
 * Where the checks sit: hd__chat_load (ban, restrict), hd_session_resolve and
 * hd_session_create (suspend, terminate), and the API's message encoders (withhold, label)
 * through hd_moderation_marks.
 *
 * Invariants:
 *  1. The message row holds exactly what a user deletion would leave; the original text is
 *     kept in mod_effects only (store/safety_ops.h), so lifting restores exactly it.
 *  2. Effects are applied and lifted inside the caller's write job (one transaction with the
 *     decision or appeal, its audit record and counters).
 *  3. Private chats are never banned or restricted; a message effect needs a message target.
 */
#ifndef HD_CHAT_MODERATION_H
#define HD_CHAT_MODERATION_H

#include "chat/types.h"
#include "common/mem.h"
#include "store/store.h"

#include <stdint.h>

/* Effect kinds: numerically equal to the decision actions of safety/cases.h. */
typedef enum {
  HD_EFFECT_LABEL = 1,
  HD_EFFECT_RESTRICT = 2,
  HD_EFFECT_WITHHOLD = 3,
  HD_EFFECT_REMOVE = 4,
  HD_EFFECT_BAN_CHAT = 5,
  HD_EFFECT_SUSPEND = 6,
  HD_EFFECT_TERMINATE = 7
} hd_effect_kind_t;

#define HD_MODERATION_LABEL_MAX 200 /* bytes of a label / withheld reason */

typedef struct {
  /* in */
  int64_t decision_id;
  hd_effect_kind_t kind; /* apply only */
  int64_t chat_id;       /* message/chat targets */
  int64_t message_id;    /* message targets, else 0 */
  int64_t user_id;       /* suspend/terminate: the account */
  const char *countries; /* withhold: comma-separated ISO codes */
  const char *label;     /* label/withhold: the text shown */
  int64_t until;         /* suspend: unix seconds */
  hd_mem_pool_t *pool;
  /* out */
  hd_events_t events; /* updates to publish after commit */
} hd_moderation_op_t;

/* Write job part: apply one effect. BAD_FIELD when the kind does not fit the target
 * (invariant 3), MESSAGE_NOT_FOUND / CHAT_NOT_FOUND / USER_NOT_FOUND for a vanished target. */
int hd_moderation_apply(hd_store_t *tx, hd_moderation_op_t *op);
/* Write job part: lift every active effect of op->decision_id (restoring removed messages). */
int hd_moderation_lift(hd_store_t *tx, hd_moderation_op_t *op);

/* Read: 0, or ACCOUNT_SUSPENDED while user_id is suspended (now < until) or terminated. */
int hd_moderation_account_check(hd_store_t *s, int64_t user_id, int64_t now);
/* Read: chat-level effects for a group/channel being loaded by a viewer: CHAT_NOT_FOUND when
 * banned, or restricted and the viewer is not a member; 0 otherwise. */
int hd_moderation_chat_check(hd_store_t *s, const hd_chat_t *chat, int is_member);

/* What a viewer sees of one message. */
typedef struct {
  int withheld;          /* 1: replace the content by {"withheld":{reason, countries}} */
  const char *reason;    /* withheld: the reason */
  const char *countries; /* withheld: comma-separated ISO codes */
  const char *label;     /* NULL, or the label to show with the content */
} hd_moderation_mark_t;

/* Read: marks for messages m[0..n) of chat_id as viewer sees them (chat-level effects
 * apply to every message). *out is NULL when nothing is marked (the common case), else an
 * array of n in pool. */
int hd_moderation_marks(hd_store_t *rd, int64_t viewer, int64_t chat_id, const hd_message_t *m,
                        size_t n, hd_mem_pool_t *pool, hd_moderation_mark_t **out);

/* The system account that sends statements of reasons (created on demand by safety/sor.c);
 * nobody may register it (hd_account_register). */
#define HD_SAFETY_ACCOUNT_NAME "herald_safety"
int hd_moderation_reserved_name(const char *username);

/* Nonzero when the comma-separated ISO list csv contains code cc (2 letters). */
int hd_moderation_country_listed(const char *csv, const char *cc);

#endif
