/*
 * misuse.h — repeat misuse (DSA Art. 23): strikes against accounts that repeatedly post
 * manifestly illegal content or file manifestly unfounded reports, and what follows from them.
 *
 *   hd_case_decide (decisions.c, same write job) ─► hd_misuse_on_decision
 *     illegal ground + remove/ban_chat, affected user U   ─► strike ILLEGAL(U, decision)
 *         n = U's active ILLEGAL strikes within the window
 *         n ≥ suspend_at            ─► automatic suspension: a user case + a SUSPEND decision
 *                                      (effect, counter, statement of reasons, audit) —
 *                                      appealable like any decision
 *         n ≥ warn_at, not warned   ─► warning: misuse_notices row + service message
 *     action none                   ─► strike UNFOUNDED(R, decision) for every reporting user R
 *                                      of the case (trusted flaggers and notices excluded)
 *         n ≥ unfounded_deprio_at, not yet told ─► "reports deprioritised" notice
 *         n ≥ unfounded_warn_at, not warned     ─► warning notice
 *   hd_appeal_decide reversed / partly_reversed ─► hd_misuse_on_reversal: the decision's
 *                                      strikes (both kinds) are lifted (active = 0)
 *   hd_report_file (reports.c) ─► hd_misuse_deprioritised(R): while R holds ≥
 *                                      unfounded_deprio_at active UNFOUNDED strikes in the
 *                                      window, R's report adds no reporter weight to the
 *                                      case's priority (misuse_deprioritised row per case)
 *
 * The window slides: a strike counts while created_at > now − window_days·86400, so a
 * deprioritised reporter recovers by himself once his strikes age out.
 *
 * Invariants:
 *  1. A decision gives a user at most one strike of a kind (UNIQUE decision, kind, user).
 *  2. Strikes are never deleted; a reversal on appeal lifts them (active = 0, lifted_at).
 *  3. Everything happens in the caller's write job: a decision and the strikes, warnings and
 *     suspension it causes commit or roll back together.
 *  4. Within one window a user receives at most one warning of each kind; every strike at or
 *     past suspend_at suspends again (suspend_days from the strike).
 *  5. Thresholds satisfy 1 ≤ warn < suspend and 1 ≤ unfounded_warn < unfounded_deprio
 *     (hd_misuse_cfg_check), so a warning always precedes the consequence.
 */
#ifndef HD_SAFETY_MISUSE_H
#define HD_SAFETY_MISUSE_H

#include "chat/types.h"
#include "common/mem.h"
#include "store/safety_ops.h"
#include "store/store.h"

#include <stdint.h>

typedef struct {
  int warn_at;             /* --misuse-warn N: illegal-content strikes before a warning (2) */
  int suspend_at;          /* --misuse-suspend N: strikes before a suspension (3) */
  int window_days;         /* --misuse-window DAYS: how long a strike counts (90) */
  int suspend_days;        /* --misuse-suspend-days DAYS: suspension length (7) */
  int unfounded_warn_at;   /* --unfounded-warn N: unfounded reports before a warning (5) */
  int unfounded_deprio_at; /* --unfounded-deprioritise N: before deprioritising (10) */
} hd_misuse_cfg_t;

typedef enum {
  HD_STRIKE_ILLEGAL = 1,  /* manifestly illegal content removed / chat banned */
  HD_STRIKE_UNFOUNDED = 2 /* a report whose case was decided "none" */
} hd_strike_kind_t;

typedef enum {
  HD_MISUSE_NONE = 0,           /* nothing to do */
  HD_MISUSE_WARN = 1,           /* illegal content: warning */
  HD_MISUSE_SUSPEND = 2,        /* illegal content: time-limited suspension */
  HD_MISUSE_UNFOUNDED_WARN = 3, /* unfounded reports: warning */
  HD_MISUSE_DEPRIORITISE = 4,   /* unfounded reports: reports deprioritised */
  HD_MISUSE__COUNT = 5          /* number of notice kinds */
} hd_misuse_notice_kind_t;

/* Fill cfg with the defaults above. */
void hd_misuse_cfg_default(hd_misuse_cfg_t *cfg);
/* 0 when cfg satisfies invariant 5 and every value is positive, else HD_ERR_BAD_REQUEST. */
int hd_misuse_cfg_check(const hd_misuse_cfg_t *cfg);
/* The earliest created_at that still counts at now. */
int64_t hd_misuse_window_start(const hd_misuse_cfg_t *cfg, int64_t now);
/* Wire names: "illegal_content" / "unfounded_reports"; "warning", "suspension", … */
const char *hd_strike_kind_name(int kind);
const char *hd_misuse_notice_name(int kind);

/* Pure: what a new strike of `kind` leads to, given the user's active strikes of that kind in
 * the window (the new one included) and whether he already received, within the window, the
 * warning (warned) or the deprioritisation notice (told). Invariants 4–5. */
hd_misuse_notice_kind_t hd_misuse_assess(const hd_misuse_cfg_t *cfg, hd_strike_kind_t kind,
                                         int64_t strikes, int warned, int told);

typedef struct {
  /* in */
  const hd_misuse_cfg_t *cfg; /* NULL: defaults */
  const hd_store_case_t *c;   /* the decided case */
  const hd_store_decision_t *d;
  int64_t affected; /* the affected user (hd_sor_affected_user), 0 if none */
  hd_mem_pool_t *pool;
  /* out */
  int64_t suspension_id; /* the automatic SUSPEND decision, 0 if none */
  hd_events_t events;    /* service messages (warnings, the suspension's statement) */
} hd_misuse_decision_op_t;
/* Write job part (hd_case_decide): record the decision's strikes and act on thresholds. */
int hd_misuse_on_decision(hd_store_t *tx, hd_misuse_decision_op_t *op);

/* Write job part (hd_appeal_decide, reversed or partly reversed): lift every strike decision_id
 * gave (invariant 2), with an audit record "misuse.lift" by actor when any was active. */
int hd_misuse_on_reversal(hd_store_t *tx, int64_t decision_id, int64_t actor);

/* Read or write handle: *out = 1 while user_id's reports are deprioritised at now. */
int hd_misuse_deprioritised(hd_store_t *s, const hd_misuse_cfg_t *cfg, int64_t user_id, int64_t now,
                            int *out);

#endif
