/*
 * reports.h — filing reports and notices (DSA Art. 16) and reading them back.
 *
 *   hd_report_file(tx, op)
 *     reason known? ─► target visible to the reporter? (public only, for notices)
 *       ─► open case of the target? ── yes ─► merge: reporters+1 (once per reporter),
 *                │                              severity = max, priority recomputed
 *                └─ no ──► new case (OPEN)
 *       ─► INSERT report (receipt: id, status "received")
 *
 * A reporter who cannot see the target gets the same not-found error a member would get
 * for an unknown id (no existence leak): MESSAGE_NOT_FOUND, CHAT_NOT_FOUND, USER_NOT_FOUND.
 *
 * Invariants:
 *  1. Every report belongs to exactly one case (cases.h invariant 1 decides which).
 *  2. An illegal-content notice carries legal_ground, notifier_name and notifier_email
 *     (Art. 16(2)); public notices (no account) always are such notices.
 *  3. The outcome a reporter sees is the status of the report's case and, once decided,
 *     the action — never the moderator or other reporters.
 */
#ifndef HD_SAFETY_REPORTS_H
#define HD_SAFETY_REPORTS_H

#include "common/mem.h"
#include "safety/cases.h"
#include "safety/misuse.h"
#include "store/store.h"

#include <stdint.h>

typedef struct {
  /* in */
  int64_t reporter_id; /* 0 for a public notice or a flagger */
  int64_t flagger_id;  /* trusted flagger filing, else 0 */
  hd_case_source_t source;
  hd_target_type_t target_type;
  int64_t chat_id, message_id, user_id;
  const char *reason;            /* a reasons.h code */
  const char *comment;           /* NULL or <= HD_REPORT_COMMENT_MAX code points, validated */
  const char *legal_ground;      /* NULL unless an illegal-content notice */
  const char *notifier_name;     /* ditto */
  const char *notifier_email;    /* ditto */
  int64_t sla_seconds;           /* flagger reports: SLA for the case, else 0 */
  const hd_misuse_cfg_t *misuse; /* repeat-misuse thresholds (misuse.h); NULL: defaults */
  hd_mem_pool_t *pool;
  /* out */
  hd_store_report_t report;
  hd_store_case_t c;
} hd_report_op_t;
/* Write job: file a report, creating or merging its case. Errors: REASON_INVALID,
 * BAD_FIELD (notice fields), MESSAGE/CHAT/USER_NOT_FOUND (invisible target). */
int hd_report_file(hd_store_t *tx, hd_report_op_t *op);

/* Read: report id as its reporter sees it, with its case (for status and outcome).
 * REPORT_NOT_FOUND unless reporter_id filed it (flagger_id likewise when reporter_id is 0). */
int hd_report_get(hd_store_t *rd, int64_t reporter_id, int64_t flagger_id, int64_t id,
                  hd_mem_pool_t *pool, hd_store_report_t *out, hd_store_case_t *c);

#endif
