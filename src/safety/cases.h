/*
 * cases.h — moderation cases: one per reported target, the moderator queue, claims and
 * decisions (DSA Art. 16–17; DESIGN.md "Trust & safety flow").
 *
 *   report (user · notice · flagger · later: hash_match · rule)
 *      └─► case of the target (merged while open) ─► queue ─► claim ─► decide
 *
 * State diagram (status column; the function performing each transition):
 *
 *              hd_report_file            hd_case_claim              hd_case_decide
 *   (none) ───────────────────► OPEN ─────────────────► CLAIMED ─────────────────► DECIDED
 *                                 ▲                       │ claim expires            │
 *                                 └───────────────────────┘ (claimed_until passed:   │
 *                                   another moderator may claim, hd_case_claim)      │
 *                        hd_appeal_file (appeals.h) ─► APPEALED ─► UPHELD / REVERSED ◄┘
 *
 * Priority (recomputed on every merged report, hd_case_priority):
 *
 *   priority = 100 · severity + 10 · min(reporters, 50) + 300 · flagger_reports
 *
 * reporters here is the weight: distinct reporters minus those whose reports were
 * deprioritised for repeat unfounded reporting when they filed (misuse.h, DSA Art. 23) — the
 * case's `reporters` column still counts every distinct reporter.
 * severity is the highest reason severity reported (1..5, reasons.h). The queue orders
 * urgent cases first (any urgent reason, or any trusted-flagger report), then priority
 * descending, then age (oldest first).
 *
 * Invariants:
 *  1. A target has at most one case in OPEN or CLAIMED (store-enforced); reports on a target
 *     whose case is decided open a new case.
 *  2. A case is CLAIMED by at most one moderator; a claim is valid while now < claimed_until,
 *     and only the holder of a valid claim may decide.
 *  3. Urgent cases whose reason is urgent (CSAM, terrorism) are decided only by
 *     senior_moderator or above.
 *  4. A reporter counts once per case however many times he reports it.
 */
#ifndef HD_SAFETY_CASES_H
#define HD_SAFETY_CASES_H

#include "common/mem.h"
#include "store/safety_ops.h"
#include "store/store.h"

#include <stdint.h>

#define HD_CLAIM_SECONDS_DEFAULT 900 /* a claim lasts 15 minutes unless renewed */
#define HD_REPORT_COMMENT_MAX    1024
#define HD_CASE_FACTS_MAX        5000 /* DSA decision_facts */
#define HD_GROUND_TEXT_MAX       500 /* DSA illegal_content_legal_ground / incompatible_…_ground */

typedef enum {
  HD_TARGET_MESSAGE = 1, /* (chat_id, message_id) */
  HD_TARGET_CHAT = 2,    /* chat_id: a group or channel */
  HD_TARGET_USER = 3     /* user_id: an account */
} hd_target_type_t;

typedef enum {
  HD_SOURCE_USER = 1,       /* a logged-in user's report (DSA SOURCE_ARTICLE_16) */
  HD_SOURCE_NOTICE = 2,     /* the public notice form (SOURCE_ARTICLE_16) */
  HD_SOURCE_FLAGGER = 3,    /* a trusted flagger (SOURCE_TRUSTED_FLAGGER) */
  HD_SOURCE_HASH_MATCH = 4, /* reserved: PDQ/SHA-256 bank match (SOURCE_VOLUNTARY) */
  HD_SOURCE_RULE = 5        /* reserved: rules engine over public text (SOURCE_VOLUNTARY) */
} hd_case_source_t;

typedef enum {
  HD_CASE_OPEN = 0,     /* waiting in the queue */
  HD_CASE_CLAIMED = 1,  /* a moderator holds it (until claimed_until) */
  HD_CASE_DECIDED = 2,  /* a decision is recorded */
  HD_CASE_APPEALED = 3, /* the decision is under appeal */
  HD_CASE_UPHELD = 4,   /* appeal decided: decision stands */
  HD_CASE_REVERSED = 5  /* appeal decided: decision reversed, effects undone */
} hd_case_status_t;

typedef enum {
  HD_ACTION_NONE = 0,      /* no action */
  HD_ACTION_LABEL = 1,     /* label the content */
  HD_ACTION_RESTRICT = 2,  /* restrict interaction */
  HD_ACTION_WITHHOLD = 3,  /* withhold in listed countries */
  HD_ACTION_REMOVE = 4,    /* remove the content for everyone */
  HD_ACTION_BAN_CHAT = 5,  /* ban the group/channel */
  HD_ACTION_SUSPEND = 6,   /* suspend the account until a date */
  HD_ACTION_TERMINATE = 7, /* terminate the account */
  HD_ACTION__COUNT = 8     /* number of actions */
} hd_action_t;

typedef enum {
  HD_GROUND_ILLEGAL = 1, /* illegal content: legal ground given */
  HD_GROUND_TOS = 2      /* incompatible with the terms of service: clause given */
} hd_ground_t;

/* Names used on the wire ("message", "user", "claimed", "ban_chat", "tos"), static storage;
 * the _parse functions return 0 or HD_ERR_BAD_FIELD. */
const char *hd_target_type_name(int t);
int hd_target_type_parse(const char *s, hd_target_type_t *out);
const char *hd_case_source_name(int s);
const char *hd_case_status_name(int s);
const char *hd_action_name(int a);
int hd_action_parse(const char *s, hd_action_t *out);
const char *hd_ground_name(int g);
int hd_ground_parse(const char *s, hd_ground_t *out);

/* The cases.h priority formula. */
int64_t hd_case_priority(int severity, int64_t reporters, int64_t flagger_reports);

/* Write-job helper: load the open case on this target into *c (*fresh = 0), or initialise a
 * new one in *c that is not stored yet (*fresh = 1): reason code and severity from the reason,
 * the given source, status open, created now. Other errors are returned as is. */
int hd_case_find_or_init(hd_store_t *tx, hd_target_type_t tt, int64_t chat_id, int64_t message_id,
                         int64_t user_id, const char *reason, int severity, hd_case_source_t source,
                         int64_t now, hd_mem_pool_t *pool, hd_store_case_t *c, int *fresh);

/* Read: the queue (open and claimed cases, invariant order), limit 1..100. */
int hd_case_queue(hd_store_t *rd, size_t limit, hd_mem_pool_t *pool, hd_store_case_t **out,
                  size_t *n);

typedef struct {
  /* in */
  int64_t case_id;
  int64_t moderator_id;
  int64_t now;           /* unix seconds */
  int64_t claim_seconds; /* lifetime of the claim */
  hd_mem_pool_t *pool;
  /* out */
  hd_store_case_t c; /* the case after the claim */
} hd_case_claim_op_t;
/* Write job: claim a case (invariant 2). Re-claiming one's own claim renews it.
 * CASE_NOT_FOUND, CASE_CLAIMED (someone else's valid claim), CASE_CLOSED (decided). */
int hd_case_claim(hd_store_t *tx, hd_case_claim_op_t *op);

#endif
