/*
 * appeals.c — filing and deciding appeals (see appeals.h).
 */
#include "safety/appeals.h"

#include "chat/moderation.h"
#include "common/error.h"
#include "common/time.h"
#include "safety/audit.h"
#include "safety/cases.h"
#include "safety/misuse.h"
#include "safety/reasons.h"
#include "store/ops.h"

#include <stdio.h>
#include <string.h>

const char *hd_appeal_outcome_name(int o) {
  switch (o) {
  case HD_APPEAL_UPHELD:
    return "upheld";
  case HD_APPEAL_REVERSED:
    return "reversed";
  case HD_APPEAL_PARTLY_REVERSED:
    return "partly_reversed";
  }
  return "pending";
}

int hd_appeal_outcome_parse(const char *s, hd_appeal_outcome_t *out) {
  for (int o = HD_APPEAL_UPHELD; o <= HD_APPEAL_PARTLY_REVERSED; o++)
    if (s && strcmp(s, hd_appeal_outcome_name(o)) == 0) {
      *out = (hd_appeal_outcome_t)o;
      return 0;
    }
  return HD_ERR_BAD_FIELD;
}

int hd_appeal_file(hd_store_t *tx, hd_appeal_file_op_t *op) {
  const hd_store_safety_ops_t *so = tx->ops->safety;
  hd_store_case_t c;
  hd_store_decision_t d;
  int ret;
  if (!op->text || !op->text[0] || strlen(op->text) > HD_APPEAL_TEXT_MAX)
    return HD_ERR_BAD_FIELD;
  if (op->statement_id) { /* invariant 2: the affected user */
    hd_store_statement_t st;
    ret = so->statement_get(tx, op->statement_id, 0, op->pool, &st);
    if (ret == HD_ERR_NOT_FOUND || (ret == 0 && (st.user_id != op->user_id || !st.delivered)))
      return HD_ERR_STATEMENT_NOT_FOUND;
    if (ret == 0)
      ret = so->decision_get(tx, st.decision_id, op->pool, &d);
  } else { /* a reporter of a "none" decision */
    hd_store_report_t r;
    ret = so->report_get(tx, op->report_id, op->pool, &r);
    if (ret == 0 && r.reporter_id != op->user_id)
      ret = HD_ERR_REPORT_NOT_FOUND;
    if (ret == 0)
      ret = so->case_get(tx, r.case_id, op->pool, &c);
    if (ret == 0 && c.decision_id == 0)
      return HD_ERR_APPEAL_CLOSED; /* nothing decided yet */
    if (ret == 0)
      ret = so->decision_get(tx, c.decision_id, op->pool, &d);
    if (ret == 0 && d.action != 0)
      return HD_ERR_APPEAL_CLOSED; /* the reporter's remedy is for "no action" only */
  }
  if (ret == 0)
    ret = so->case_get(tx, d.case_id, op->pool, &c);
  if (ret != 0)
    return ret;
  int64_t now = hd_time_now();
  if (now - d.created_at > HD_APPEAL_WINDOW)
    return HD_ERR_APPEAL_EXPIRED;
  if (c.decision_id != d.id || (c.status != HD_CASE_DECIDED && c.status != HD_CASE_APPEALED))
    return HD_ERR_APPEAL_CLOSED; /* superseded, or already decided on appeal */
  hd_store_appeal_t *a = &op->appeal;
  memset(a, 0, sizeof(*a));
  a->decision_id = d.id;
  a->case_id = c.id;
  a->appellant_id = op->user_id;
  a->text = op->text;
  a->created_at = now;
  ret = so->appeal_insert(tx, a);
  if (ret == HD_ERR_CONFLICT)
    return HD_ERR_APPEAL_CLOSED;
  if (ret != 0)
    return ret;
  c.status = HD_CASE_APPEALED;
  if ((ret = so->case_update(tx, &c)) != 0)
    return ret;
  char subject[48];
  snprintf(subject, sizeof(subject), "appeal:%lld", (long long)a->id);
  return hd_audit_append(tx, op->user_id, "appeal.file", subject, "", "open");
}

int hd_appeal_decide(hd_store_t *tx, hd_appeal_decide_op_t *op) {
  const hd_store_safety_ops_t *so = tx->ops->safety;
  hd_store_appeal_t *a = &op->appeal;
  hd_store_decision_t d;
  hd_store_case_t *c = &op->c;
  memset(&op->events, 0, sizeof(op->events));
  int ret = so->appeal_get(tx, op->appeal_id, op->pool, a);
  if (ret == HD_ERR_NOT_FOUND)
    return HD_ERR_APPEAL_NOT_FOUND;
  if (ret == 0)
    ret = so->decision_get(tx, a->decision_id, op->pool, &d);
  if (ret == 0)
    ret = so->case_get(tx, a->case_id, op->pool, c);
  if (ret != 0)
    return ret;
  if (a->status != 0)
    return HD_ERR_APPEAL_CLOSED;
  if (op->moderator_id == d.moderator_id)
    return HD_ERR_SAME_MODERATOR; /* invariant 1 */
  const hd_reason_t *r = hd_reason_find(c->reason);
  if (r && r->urgent && op->role < HD_STAFF_SENIOR)
    return HD_ERR_SENIOR_REQUIRED;
  if (!op->reason || !op->reason[0] || strlen(op->reason) > HD_APPEAL_TEXT_MAX)
    return HD_ERR_BAD_FIELD;
  int64_t now = hd_time_now();
  const char *before = hd_case_status_name(c->status);
  if (op->outcome == HD_APPEAL_UPHELD) {
    c->status = HD_CASE_UPHELD;
  } else {
    hd_moderation_op_t mo = {.decision_id = d.id, .pool = op->pool};
    if ((ret = hd_moderation_lift(tx, &mo)) != 0)
      return ret;
    op->events = mo.events;
    if ((ret = hd_misuse_on_reversal(tx, d.id, op->moderator_id)) != 0)
      return ret; /* the decision's strikes no longer count (misuse.h invariant 2) */
    if (op->outcome == HD_APPEAL_PARTLY_REVERSED && c->chat_id && d.action != HD_ACTION_NONE) {
      hd_moderation_op_t lo = {.decision_id = d.id,
                               .kind = HD_EFFECT_LABEL,
                               .chat_id = c->chat_id,
                               .message_id = c->message_id,
                               .label = c->reason,
                               .pool = op->pool};
      if ((ret = hd_moderation_apply(tx, &lo)) != 0)
        return ret;
    }
    c->status = HD_CASE_REVERSED;
    if (d.action == HD_ACTION_NONE) { /* a reporter won: review the target again */
      c->status = HD_CASE_OPEN;
      c->claimed_by = c->claimed_until = 0;
    }
  }
  if ((ret = so->case_update(tx, c)) == HD_ERR_CONFLICT) { /* a newer open case exists */
    c->status = HD_CASE_REVERSED;
    ret = so->case_update(tx, c);
  }
  if (ret != 0)
    return ret;
  a->status = 1;
  a->outcome = op->outcome;
  a->reason = op->reason;
  a->decided_by = op->moderator_id;
  a->decided_at = now;
  if ((ret = so->appeal_update(tx, a)) != 0)
    return ret;
  char subject[48], after[HD_APPEAL_TEXT_MAX + 64];
  snprintf(subject, sizeof(subject), "appeal:%lld", (long long)a->id);
  snprintf(after, sizeof(after), "%s/case:%s: %s", hd_appeal_outcome_name(a->outcome),
           hd_case_status_name(c->status), op->reason);
  return hd_audit_append(tx, op->moderator_id, "appeal.decide", subject, before, after);
}
