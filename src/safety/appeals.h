/*
 * appeals.h — internal complaint handling (DSA Art. 20): appeals against decisions.
 *
 *   affected user: POST /v1/statements/{id}/appeal ─┐
 *   reporter ("none" decision): POST /v1/reports/{id}/appeal ─┤
 *                                                             ▼
 *   hd_appeal_file ─► within 6 months of the decision? ─► one per appellant and decision
 *                  ─► appeal OPEN, case APPEALED ─► audit "appeal.file"
 *   hd_appeal_decide ─► open? ─► decider ≠ original decider (SAME_MODERATOR)
 *                    ─► urgent category (CSAM/terror) needs senior_moderator
 *                    ─► upheld            case UPHELD, effects stay
 *                       reversed          effects lifted (content/chat/account restored);
 *                                         a "none" decision's case is reopened for review
 *                       partly_reversed   effects lifted, the content keeps a label
 *                    ─► case REVERSED/UPHELD ─► audit "appeal.decide" (why, before/after)
 *
 * Appeal states: OPEN (status 0) ─► DECIDED (status 1, outcome, reason, decided_by, time).
 *
 * Invariants:
 *  1. An appeal is decided by a human other than the moderator of the appealed decision.
 *  2. Only the affected user (statement) or a reporter of the case ("none" decisions) files.
 *  3. Decision times are kept: the appeal's created_at and decided_at, and the decision's.
 */
#ifndef HD_SAFETY_APPEALS_H
#define HD_SAFETY_APPEALS_H

#include "chat/types.h"
#include "common/mem.h"
#include "safety/staff.h"
#include "store/safety_ops.h"
#include "store/store.h"

#define HD_APPEAL_TEXT_MAX 2000 /* bytes */
#define HD_APPEAL_WINDOW   (183 * 86400)

typedef enum {
  HD_APPEAL_UPHELD = 1,         /* the decision stands */
  HD_APPEAL_REVERSED = 2,       /* the decision is undone */
  HD_APPEAL_PARTLY_REVERSED = 3 /* undone, the content keeps a label */
} hd_appeal_outcome_t;

/* "upheld" …; parse returns 0 or HD_ERR_BAD_FIELD. */
const char *hd_appeal_outcome_name(int o);
int hd_appeal_outcome_parse(const char *s, hd_appeal_outcome_t *out);

typedef struct {
  /* in */
  int64_t user_id;      /* the appellant */
  int64_t statement_id; /* appeal by the affected user, or */
  int64_t report_id;    /* appeal by a reporter of a "none" decision */
  const char *text;     /* 1..HD_APPEAL_TEXT_MAX bytes, validated UTF-8 */
  hd_mem_pool_t *pool;
  /* out */
  hd_store_appeal_t appeal;
} hd_appeal_file_op_t;
/* Write job. STATEMENT_NOT_FOUND / REPORT_NOT_FOUND (not yours), APPEAL_CLOSED (already
 * appealed by you, or a report whose case did not end in "none"), APPEAL_EXPIRED. */
int hd_appeal_file(hd_store_t *tx, hd_appeal_file_op_t *op);

typedef struct {
  /* in */
  int64_t appeal_id;
  int64_t moderator_id;
  hd_staff_role_t role;
  hd_appeal_outcome_t outcome;
  const char *reason; /* why: 1..2000 bytes */
  hd_mem_pool_t *pool;
  /* out */
  hd_store_appeal_t appeal;
  hd_store_case_t c;
  hd_events_t events; /* restored content's updates */
} hd_appeal_decide_op_t;
/* Write job. APPEAL_NOT_FOUND, APPEAL_CLOSED (decided), SAME_MODERATOR, SENIOR_REQUIRED. */
int hd_appeal_decide(hd_store_t *tx, hd_appeal_decide_op_t *op);

#endif
