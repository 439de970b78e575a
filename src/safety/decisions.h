/*
 * decisions.h — a moderator's decision on a claimed case (DSA Art. 17 fields recorded).
 *
 *   hd_case_decide(tx, op)
 *     case CLAIMED by me (valid claim)? ─► urgent CSAM/terror? senior required
 *       ─► validate: ground text ≤ 500, facts 1..5000, category ∈ DSA enum, keywords ∈ DSA
 *          enum, countries (withhold) non-empty, suspend_days (suspend) 1..3650
 *       ─► INSERT decision ─► case DECIDED (decided_at, decision_id)
 *       ─► effect (chat/moderation.h) ─► counters ─► statement of reasons (safety/sor.h)
 *       ─► audit "case.decide" ─► repeat-misuse strikes, warnings, suspension (safety/misuse.h)
 *
 * Invariants:
 *  1. A decision is immutable once written; an appeal adds a new record, never edits one.
 *  2. Every decision appends exactly one audit record in the same transaction.
 *  3. Only the moderator holding the case's valid claim decides it (cases.h invariant 2).
 */
#ifndef HD_SAFETY_DECISIONS_H
#define HD_SAFETY_DECISIONS_H

#include "chat/types.h"
#include "common/mem.h"
#include "safety/cases.h"
#include "safety/misuse.h"
#include "safety/staff.h"
#include "store/store.h"

typedef struct {
  /* in */
  int64_t case_id;
  int64_t moderator_id;
  hd_staff_role_t role;  /* the moderator's role, looked up by the caller */
  hd_store_decision_t d; /* action … no_statement; ids and created_at set here */
  int64_t suspend_days;  /* suspend: 1..3650 */
  const char *label;     /* label/withhold: text shown (≤ 200 bytes); NULL: the case's reason */
  hd_mem_pool_t *pool;
  /* out */
  hd_store_case_t c;
  hd_store_statement_t statement; /* restricting decisions: the statement (id 0 otherwise) */
  hd_events_t events;             /* the effect's updates (chat/moderation.h) */
  hd_events_t notice_events;      /* service messages: the statement, and outcomes to reporters */
  /* repeat misuse (safety/misuse.h) */
  const hd_misuse_cfg_t *misuse; /* in: thresholds; NULL: defaults */
  int64_t misuse_suspension_id;  /* out: an automatic suspension decision, 0 if none */
  hd_events_t misuse_events;     /* out: warnings and the suspension's statement */
} hd_decide_op_t;
/* Write job: record a decision, apply its effect (chat/moderation.h), count it
 * (mod_counters: day × category × action × country of the affected user), issue its statement
 * of reasons (safety/sor.h) and append the audit record — all in this one job. Errors:
 * CASE_NOT_FOUND, CASE_CLOSED, CASE_CLAIMED (no valid claim of mine), SENIOR_REQUIRED, BAD_FIELD
 * (message via the returned code only). */
int hd_case_decide(hd_store_t *tx, hd_decide_op_t *op);

/* Validate a comma-separated list of keys of DSA set `field` (may be empty when
 * allow_empty); returns 0 or HD_ERR_BAD_FIELD. */
int hd_decision_check_keys(const char *field, const char *csv, int allow_empty);

#endif
