/*
 * misuse.c — repeat misuse (DSA Art. 23): strikes, warnings, automatic suspensions and
 * deprioritised reporters (see misuse.h for the flow and invariants).
 *
 *   hd_misuse_on_decision ─► strike(s) ─► count in window ─► hd_misuse_assess
 *        ├─ WARN / UNFOUNDED_WARN / DEPRIORITISE ─► notice row ─► service message ─► audit
 *        └─ SUSPEND ─► user case (DECIDED) ─► SUSPEND decision ─► effect ─► counter
 *                     ─► statement of reasons (sor.h: row + service message) ─► notice ─► audit
 */
#include "safety/misuse.h"

#include "chat/chats.h"
#include "chat/messages.h"
#include "chat/moderation.h"
#include "common/error.h"
#include "common/time.h"
#include "safety/audit.h"
#include "safety/cases.h"
#include "safety/dsa_enums.h"
#include "safety/sor.h"
#include "store/ops.h"

#include <stdio.h>
#include <string.h>

#define MISUSE_REPORTS_MAX 1000 /* reports of one case examined for unfounded strikes */
#define MISUSE_GROUND      "Terms of service: repeat misuse policy (DSA Art. 23(1))"

static const hd_misuse_cfg_t defaults = {.warn_at = 2,
                                         .suspend_at = 3,
                                         .window_days = 90,
                                         .suspend_days = 7,
                                         .unfounded_warn_at = 5,
                                         .unfounded_deprio_at = 10};

void hd_misuse_cfg_default(hd_misuse_cfg_t *cfg) { *cfg = defaults; }

int hd_misuse_cfg_check(const hd_misuse_cfg_t *cfg) {
  if (cfg->warn_at < 1 || cfg->suspend_at <= cfg->warn_at || cfg->unfounded_warn_at < 1 ||
      cfg->unfounded_deprio_at <= cfg->unfounded_warn_at)
    return HD_ERR_BAD_REQUEST; /* invariant 5 */
  if (cfg->window_days < 1 || cfg->window_days > 3650 || cfg->suspend_days < 1 ||
      cfg->suspend_days > 3650)
    return HD_ERR_BAD_REQUEST;
  return 0;
}

static const hd_misuse_cfg_t *cfg_or_default(const hd_misuse_cfg_t *cfg) {
  return cfg ? cfg : &defaults;
}

int64_t hd_misuse_window_start(const hd_misuse_cfg_t *cfg, int64_t now) {
  return now - (int64_t)cfg_or_default(cfg)->window_days * 86400 + 1;
}

const char *hd_strike_kind_name(int kind) {
  return kind == HD_STRIKE_ILLEGAL     ? "illegal_content"
         : kind == HD_STRIKE_UNFOUNDED ? "unfounded_reports"
                                       : "unknown";
}

const char *hd_misuse_notice_name(int kind) {
  static const char *const names[] = {"none", "warning", "suspension", "unfounded_warning",
                                      "deprioritised"};
  return kind >= 0 && kind < HD_MISUSE__COUNT ? names[kind] : "unknown";
}

hd_misuse_notice_kind_t hd_misuse_assess(const hd_misuse_cfg_t *cfg, hd_strike_kind_t kind,
                                         int64_t strikes, int warned, int told) {
  cfg = cfg_or_default(cfg);
  if (kind == HD_STRIKE_ILLEGAL) {
    if (strikes >= cfg->suspend_at)
      return HD_MISUSE_SUSPEND; /* invariant 4: every strike past the line suspends */
    if (strikes >= cfg->warn_at && !warned)
      return HD_MISUSE_WARN;
    return HD_MISUSE_NONE;
  }
  if (strikes >= cfg->unfounded_deprio_at)
    return told ? HD_MISUSE_NONE : HD_MISUSE_DEPRIORITISE;
  if (strikes >= cfg->unfounded_warn_at && !warned)
    return HD_MISUSE_UNFOUNDED_WARN;
  return HD_MISUSE_NONE;
}

/* dst += src (both arrays in pool). */
static void events_append(hd_mem_pool_t *pool, hd_events_t *dst, const hd_events_t *src) {
  if (!src->len)
    return;
  hd_event_t *a = hd_mem_pool_alloc(pool, (dst->len + src->len) * sizeof(*a));
  if (dst->len)
    memcpy(a, dst->items, dst->len * sizeof(*a));
  memcpy(a + dst->len, src->items, src->len * sizeof(*a));
  dst->items = a;
  dst->len += src->len;
}

/* Send text from the system account to user_id in their private chat (sor.h). */
static int notify(hd_store_t *tx, int64_t user_id, int64_t random_id, const char *text,
                  hd_mem_pool_t *pool, hd_events_t *events) {
  int64_t sys = 0;
  int ret = hd_sor_system_account(tx, pool, &sys);
  if (ret != 0 || sys == user_id)
    return ret;
  hd_private_open_op_t po = {.user_id = sys, .peer_id = user_id, .pool = pool};
  if ((ret = hd_private_open(tx, &po)) != 0)
    return ret;
  hd_send_op_t so = {
      .user_id = sys, .chat_id = po.chat.id, .random_id = random_id, .text = text, .pool = pool};
  if ((ret = hd_message_send(tx, &so)) != 0)
    return ret;
  events_append(pool, events, &so.events);
  return 0;
}

static int audit(hd_store_t *tx, int64_t actor, const char *kind, int64_t user_id,
                 const char *before, const char *after) {
  char subject[40];
  snprintf(subject, sizeof(subject), "user:%lld", (long long)user_id);
  return hd_audit_append(tx, actor, kind, subject, before, after);
}

/* Record notice `kind` for user_id and, when delivered, tell him. */
static int warn(hd_store_t *tx, hd_misuse_decision_op_t *op, int64_t user_id, int kind,
                int64_t strikes) {
  const hd_misuse_cfg_t *cfg = cfg_or_default(op->cfg);
  hd_store_misuse_notice_t m = {.user_id = user_id,
                                .kind = kind,
                                .strikes = strikes,
                                .decision_id = op->d->id,
                                .delivered = !op->d->no_statement,
                                .created_at = op->d->created_at};
  int ret = tx->ops->safety->misuse_notice_insert(tx, &m);
  if (ret != 0)
    return ret;
  char text[800];
  if (kind == HD_MISUSE_WARN)
    snprintf(text, sizeof(text),
             "Warning #%lld: %lld decisions within %d days found content you posted manifestly "
             "illegal (latest: decision #%lld). At %d your account will be suspended for %d days "
             "(repeat misuse policy, DSA Art. 23). A decision reversed on appeal no longer counts.",
             (long long)m.id, (long long)strikes, cfg->window_days, (long long)op->d->id,
             cfg->suspend_at, cfg->suspend_days);
  else if (kind == HD_MISUSE_UNFOUNDED_WARN)
    snprintf(text, sizeof(text),
             "Warning #%lld: %lld of your reports within %d days were found unfounded (latest: "
             "decision #%lld). At %d your reports will be reviewed with lower priority (repeat "
             "misuse policy, DSA Art. 23). You can appeal a \"no action\" decision: "
             "POST /v1/reports/{id}/appeal.",
             (long long)m.id, (long long)strikes, cfg->window_days, (long long)op->d->id,
             cfg->unfounded_deprio_at);
  else
    snprintf(text, sizeof(text),
             "Notice #%lld: %lld of your reports within %d days were found unfounded. Until fewer "
             "than %d remain within %d days, your new reports are still reviewed but no longer "
             "raise a case's priority (repeat misuse policy, DSA Art. 23).",
             (long long)m.id, (long long)strikes, cfg->window_days, cfg->unfounded_deprio_at,
             cfg->window_days);
  if (m.delivered &&
      (ret = notify(tx, user_id, 0x5afe100000000000LL + m.id, text, op->pool, &op->events)) != 0)
    return ret;
  char after[96];
  snprintf(after, sizeof(after), "%s:%lld/decision:%lld", hd_misuse_notice_name(kind),
           (long long)strikes, (long long)op->d->id);
  return audit(tx, op->d->moderator_id, "misuse.notice", user_id, "", after);
}

/* The automatic suspension: a decided user case with a SUSPEND decision, its effect, counter,
 * statement of reasons and audit record (what decisions.c does for a moderator's decision). */
static int suspend(hd_store_t *tx, hd_misuse_decision_op_t *op, int64_t strikes) {
  const hd_misuse_cfg_t *cfg = cfg_or_default(op->cfg);
  const hd_store_safety_ops_t *so = tx->ops->safety;
  const hd_store_decision_t *trig = op->d;
  int64_t now = trig->created_at;
  hd_store_case_t c = {.target_type = HD_TARGET_USER,
                       .user_id = op->affected,
                       .reason = op->c->reason,
                       .severity = op->c->severity,
                       .source = op->c->source,
                       .status = HD_CASE_DECIDED,
                       .priority = hd_case_priority(op->c->severity, 0, 0),
                       .created_at = now,
                       .decided_at = now};
  int ret = so->case_insert(tx, &c);
  if (ret != 0)
    return ret;
  char facts[600];
  snprintf(facts, sizeof(facts),
           "Repeat misuse: %lld decisions within %d days found content of this account "
           "manifestly illegal (latest: decision #%lld). The account is suspended for %d days "
           "under the repeat misuse policy after a prior warning.",
           (long long)strikes, cfg->window_days, (long long)trig->id, cfg->suspend_days);
  hd_store_decision_t *d = hd_mem_pool_alloc(op->pool, sizeof(*d));
  *d = (hd_store_decision_t){.case_id = c.id,
                             .moderator_id = trig->moderator_id,
                             .action = HD_ACTION_SUSPEND,
                             .ground = HD_GROUND_TOS,
                             .ground_text = MISUSE_GROUND,
                             .category = trig->category,
                             .keywords = trig->keywords,
                             .territorial_scope = "",
                             .countries = "",
                             .suspend_until = now + (int64_t)cfg->suspend_days * 86400,
                             .facts = hd_mem_pool_strndup(op->pool, facts, strlen(facts)),
                             .automated_detection = 1,
                             .automated_decision = HD_DSA_AUTO_PARTIALLY,
                             .no_statement = trig->no_statement,
                             .created_at = now};
  if ((ret = so->decision_insert(tx, d)) != 0)
    return ret;
  c.decision_id = d->id;
  if ((ret = so->case_update(tx, &c)) != 0)
    return ret;
  hd_moderation_op_t mo = {.decision_id = d->id,
                           .kind = HD_EFFECT_SUSPEND,
                           .user_id = op->affected,
                           .until = d->suspend_until,
                           .pool = op->pool};
  if ((ret = hd_moderation_apply(tx, &mo)) != 0)
    return ret;
  events_append(op->pool, &op->events, &mo.events);
  char day[11];
  hd_sor_date(now, day);
  const char *country = "ZZ";
  hd_user_t u;
  if (tx->ops->user_get(tx, op->affected, op->pool, &u) == 0)
    country = u.country;
  if ((ret = so->counter_add(tx, day, d->category, "suspend", country, 1)) != 0)
    return ret;
  hd_sor_issue_op_t si = {.c = &c, .d = d, .user_id = op->affected, .pool = op->pool};
  if ((ret = hd_sor_issue(tx, &si)) != 0)
    return ret;
  events_append(op->pool, &op->events, &si.events);
  hd_store_misuse_notice_t m = {.user_id = op->affected,
                                .kind = HD_MISUSE_SUSPEND,
                                .strikes = strikes,
                                .decision_id = d->id,
                                .delivered = si.st.delivered,
                                .created_at = now};
  if ((ret = so->misuse_notice_insert(tx, &m)) != 0)
    return ret;
  op->suspension_id = d->id;
  char after[96];
  snprintf(after, sizeof(after), "suspended_until:%lld/decision:%lld/case:%lld",
           (long long)d->suspend_until, (long long)d->id, (long long)c.id);
  char before[48];
  snprintf(before, sizeof(before), "strikes:%lld", (long long)strikes);
  return audit(tx, trig->moderator_id, "misuse.suspend", op->affected, before, after);
}

/* Add one strike; act on the thresholds when it is new. */
static int strike(hd_store_t *tx, hd_misuse_decision_op_t *op, int64_t user_id,
                  hd_strike_kind_t kind) {
  const hd_store_safety_ops_t *so = tx->ops->safety;
  int64_t now = op->d->created_at, since = hd_misuse_window_start(op->cfg, now);
  hd_store_strike_t s = {.user_id = user_id,
                         .kind = kind,
                         .decision_id = op->d->id,
                         .case_id = op->c->id,
                         .created_at = now};
  int ret = so->strike_insert(tx, &s);
  if (ret == HD_ERR_CONFLICT)
    return 0; /* invariant 1: this decision already counted for the user */
  int64_t n = 0, warned = 0, told = 0;
  int warn_kind = kind == HD_STRIKE_ILLEGAL ? HD_MISUSE_WARN : HD_MISUSE_UNFOUNDED_WARN;
  if (ret != 0 || (ret = so->strike_count(tx, user_id, kind, since, &n)) != 0 ||
      (ret = so->misuse_notice_count(tx, user_id, warn_kind, since, &warned)) != 0)
    return ret;
  if (kind == HD_STRIKE_UNFOUNDED &&
      (ret = so->misuse_notice_count(tx, user_id, HD_MISUSE_DEPRIORITISE, since, &told)) != 0)
    return ret;
  hd_misuse_notice_kind_t act = hd_misuse_assess(op->cfg, kind, n, warned > 0, told > 0);
  if (act == HD_MISUSE_NONE)
    return 0;
  return act == HD_MISUSE_SUSPEND ? suspend(tx, op, n) : warn(tx, op, user_id, act, n);
}

int hd_misuse_on_decision(hd_store_t *tx, hd_misuse_decision_op_t *op) {
  const hd_store_decision_t *d = op->d;
  op->suspension_id = 0;
  memset(&op->events, 0, sizeof(op->events));
  if (d->action == HD_ACTION_REMOVE || d->action == HD_ACTION_BAN_CHAT) {
    if (d->ground != HD_GROUND_ILLEGAL || op->affected <= 0)
      return 0;
    return strike(tx, op, op->affected, HD_STRIKE_ILLEGAL);
  }
  if (d->action != HD_ACTION_NONE)
    return 0;
  hd_store_report_t *r;
  size_t n = 0;
  int ret = tx->ops->safety->report_list(tx, op->c->id, MISUSE_REPORTS_MAX, op->pool, &r, &n);
  for (size_t i = 0; ret == 0 && i < n; i++)
    if (r[i].reporter_id > 0 && r[i].flagger_id == 0 && r[i].source == HD_SOURCE_USER)
      ret = strike(tx, op, r[i].reporter_id, HD_STRIKE_UNFOUNDED);
  return ret;
}

int hd_misuse_on_reversal(hd_store_t *tx, int64_t decision_id, int64_t actor) {
  int64_t n = 0;
  int ret = tx->ops->safety->strike_lift(tx, decision_id, hd_time_now(), &n);
  if (ret != 0 || n == 0)
    return ret;
  char subject[48], after[64];
  snprintf(subject, sizeof(subject), "decision:%lld", (long long)decision_id);
  snprintf(after, sizeof(after), "lifted:%lld", (long long)n);
  return hd_audit_append(tx, actor, "misuse.lift", subject, "active", after);
}

int hd_misuse_deprioritised(hd_store_t *s, const hd_misuse_cfg_t *cfg, int64_t user_id, int64_t now,
                            int *out) {
  cfg = cfg_or_default(cfg);
  int64_t n = 0;
  *out = 0;
  int ret = s->ops->safety->strike_count(s, user_id, HD_STRIKE_UNFOUNDED,
                                         hd_misuse_window_start(cfg, now), &n);
  if (ret == 0)
    *out = n >= cfg->unfounded_deprio_at;
  return ret;
}
