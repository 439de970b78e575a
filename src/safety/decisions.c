/*
 * decisions.c — recording decisions (see decisions.h).
 */
#include "safety/decisions.h"

#include "chat/moderation.h"
#include "common/error.h"
#include "common/time.h"
#include "safety/audit.h"
#include "safety/dsa_enums.h"
#include "safety/reasons.h"
#include "safety/sor.h"
#include "store/ops.h"

#include <stdio.h>
#include <string.h>

int hd_decision_check_keys(const char *field, const char *csv, int allow_empty) {
  const hd_dsa_set_t *set = hd_dsa_set(field);
  if (!set)
    return HD_ERR_INTERNAL;
  if (!csv || !csv[0])
    return allow_empty ? 0 : HD_ERR_BAD_FIELD;
  const char *p = csv;
  for (;;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    char key[96];
    if (len == 0 || len >= sizeof(key))
      return HD_ERR_BAD_FIELD;
    memcpy(key, p, len);
    key[len] = '\0';
    if (hd_dsa_find(set, key) < 0)
      return HD_ERR_BAD_FIELD;
    if (!e)
      return 0;
    p = e + 1;
  }
}

static int check_fields(hd_decide_op_t *op) {
  hd_store_decision_t *d = &op->d;
  if (d->action < 0 || d->action >= HD_ACTION__COUNT)
    return HD_ERR_BAD_FIELD;
  if (d->ground != HD_GROUND_ILLEGAL && d->ground != HD_GROUND_TOS)
    return HD_ERR_BAD_FIELD;
  if (!d->ground_text || !d->ground_text[0] || strlen(d->ground_text) > HD_GROUND_TEXT_MAX)
    return HD_ERR_BAD_FIELD;
  if (!d->facts || !d->facts[0] || strlen(d->facts) > HD_CASE_FACTS_MAX)
    return HD_ERR_BAD_FIELD;
  if (hd_decision_check_keys("category", d->category, 0) != 0 ||
      hd_decision_check_keys("category_specification", d->keywords, 1) != 0 ||
      hd_decision_check_keys("territorial_scope", d->territorial_scope, 1) != 0)
    return HD_ERR_BAD_FIELD;
  if (d->action == HD_ACTION_WITHHOLD && (!d->countries || !d->countries[0]))
    return HD_ERR_BAD_FIELD;
  if (d->action == HD_ACTION_SUSPEND && (op->suspend_days < 1 || op->suspend_days > 3650))
    return HD_ERR_BAD_FIELD;
  if (d->automated_decision < 0 || d->automated_decision >= HD_DSA_AUTO__COUNT)
    return HD_ERR_BAD_FIELD;
  return 0;
}

_Static_assert((int)HD_EFFECT_LABEL == (int)HD_ACTION_LABEL &&
                   (int)HD_EFFECT_RESTRICT == (int)HD_ACTION_RESTRICT &&
                   (int)HD_EFFECT_WITHHOLD == (int)HD_ACTION_WITHHOLD &&
                   (int)HD_EFFECT_REMOVE == (int)HD_ACTION_REMOVE &&
                   (int)HD_EFFECT_BAN_CHAT == (int)HD_ACTION_BAN_CHAT &&
                   (int)HD_EFFECT_SUSPEND == (int)HD_ACTION_SUSPEND &&
                   (int)HD_EFFECT_TERMINATE == (int)HD_ACTION_TERMINATE,
               "effect kinds are the decision actions");

/* The decision's effect on the case's target (chat/moderation.h): which ids it takes. */
static int apply_effect(hd_store_t *tx, hd_decide_op_t *op, int64_t affected) {
  const hd_store_case_t *c = &op->c;
  const hd_store_decision_t *d = &op->d;
  hd_moderation_op_t mo = {.decision_id = d->id,
                           .kind = (hd_effect_kind_t)d->action,
                           .countries = d->countries,
                           .label = op->label ? op->label : c->reason,
                           .until = d->suspend_until,
                           .pool = op->pool};
  switch (d->action) {
  case HD_ACTION_NONE:
    return 0;
  case HD_ACTION_SUSPEND:
  case HD_ACTION_TERMINATE:
    mo.user_id = affected;
    break;
  case HD_ACTION_REMOVE:
    if (c->target_type != HD_TARGET_MESSAGE)
      return HD_ERR_BAD_FIELD;
    /* fall through */
  default:
    if (c->target_type == HD_TARGET_USER)
      return HD_ERR_BAD_FIELD;
    mo.chat_id = c->chat_id;
    if (d->action != HD_ACTION_BAN_CHAT && d->action != HD_ACTION_RESTRICT)
      mo.message_id = c->message_id;
  }
  int ret = hd_moderation_apply(tx, &mo);
  op->events = mo.events;
  return ret;
}

/* mod_counters[day, category, action, country of the affected user] += 1. */
static int count_decision(hd_store_t *tx, hd_decide_op_t *op, int64_t affected) {
  char day[11];
  hd_sor_date(op->d.created_at, day);
  const char *country = "ZZ"; /* unknown */
  hd_user_t u;
  if (affected > 0 && tx->ops->user_get(tx, affected, op->pool, &u) == 0)
    country = u.country;
  return tx->ops->safety->counter_add(tx, day, op->d.category, hd_action_name(op->d.action),
                                      country, 1);
}

int hd_case_decide(hd_store_t *tx, hd_decide_op_t *op) {
  const hd_store_safety_ops_t *so = tx->ops->safety;
  hd_store_case_t *c = &op->c;
  int ret = so->case_get(tx, op->case_id, op->pool, c);
  if (ret != 0)
    return ret;
  int64_t now = hd_time_now();
  if (c->status >= HD_CASE_DECIDED)
    return HD_ERR_CASE_CLOSED;
  if (c->status != HD_CASE_CLAIMED || c->claimed_by != op->moderator_id || now >= c->claimed_until)
    return HD_ERR_CASE_CLAIMED; /* invariant 3 */
  const hd_reason_t *r = hd_reason_find(c->reason);
  if (r && r->urgent && op->role < HD_STAFF_SENIOR)
    return HD_ERR_SENIOR_REQUIRED;
  if ((ret = check_fields(op)) != 0)
    return ret;
  hd_store_decision_t *d = &op->d;
  d->case_id = c->id;
  d->moderator_id = op->moderator_id;
  d->created_at = now;
  if (d->action == HD_ACTION_SUSPEND)
    d->suspend_until = now + op->suspend_days * 86400;
  if ((ret = so->decision_insert(tx, d)) != 0)
    return ret;
  c->status = HD_CASE_DECIDED;
  c->decided_at = now;
  c->decision_id = d->id;
  c->claimed_until = 0;
  if ((ret = so->case_update(tx, c)) != 0)
    return ret;
  int64_t affected = 0;
  if ((ret = hd_sor_affected_user(tx, c, op->pool, &affected)) != 0 ||
      (ret = apply_effect(tx, op, affected)) != 0 || (ret = count_decision(tx, op, affected)) != 0)
    return ret;
  memset(&op->statement, 0, sizeof(op->statement));
  memset(&op->notice_events, 0, sizeof(op->notice_events));
  if (d->action != HD_ACTION_NONE) {
    hd_sor_issue_op_t so_op = {.c = c, .d = d, .user_id = affected, .pool = op->pool};
    if ((ret = hd_sor_issue(tx, &so_op)) != 0)
      return ret;
    op->statement = so_op.st;
    op->notice_events = so_op.events;
  }
  /* reporters are told the outcome (Art. 16(5)); their messages ride with the notice */
  if ((ret = hd_sor_tell_reporters(tx, c, d, op->pool, &op->notice_events)) != 0)
    return ret;
  char subject[48], after[96];
  snprintf(subject, sizeof(subject), "case:%lld", (long long)c->id);
  snprintf(after, sizeof(after), "decided:%s/%s", hd_action_name(d->action),
           hd_ground_name(d->ground));
  if ((ret = hd_audit_append(tx, op->moderator_id, "case.decide", subject, "claimed", after)) != 0)
    return ret;
  hd_misuse_decision_op_t mu = {
      .cfg = op->misuse, .c = c, .d = d, .affected = affected, .pool = op->pool};
  ret = hd_misuse_on_decision(tx, &mu); /* Art. 23, same job (misuse.h invariant 3) */
  op->misuse_suspension_id = mu.suspension_id;
  op->misuse_events = mu.events;
  return ret;
}
