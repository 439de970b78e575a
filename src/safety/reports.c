/*
 * reports.c — filing reports and merging them into cases (see reports.h).
 *
 * Every filed report appends one audit record in the same write job (audit.h):
 *   kind    "report.user" | "report.notice" | "report.flagger"
 *   actor   the reporter's user id; 0 for notices and flaggers (the flagger id is in the
 *           after text; a notice's name and e-mail never reach the audit log)
 *   subject "report:<id>", before "", after {"case":…,"target":…,"reason":…[,"flagger":…]}
 */
#include "safety/reports.h"

#include "chat/accounts.h"
#include "chat/chats.h"
#include "chat/messages.h"
#include "common/error.h"
#include "store/ops.h"
#include "common/time.h"
#include "safety/audit.h"
#include "safety/reasons.h"

#include <stdio.h>
#include <string.h>

static int nonempty(const char *s) { return s && s[0]; }

/* Check the reporter can see the target; fills the affected user for messages. */
static int check_target(hd_store_t *tx, hd_report_op_t *op) {
  hd_chat_t chat;
  hd_message_t m;
  hd_user_t u;
  int ret;
  switch (op->target_type) {
  case HD_TARGET_MESSAGE:
    if ((ret = hd_message_get(tx, op->reporter_id, op->chat_id, op->message_id, op->pool, &m)) != 0)
      return ret == HD_ERR_CHAT_NOT_FOUND ? HD_ERR_MESSAGE_NOT_FOUND : ret;
    op->user_id = m.sender_id;
    return 0;
  case HD_TARGET_CHAT:
    op->message_id = op->user_id = 0;
    if ((ret = hd_chat_get(tx, op->reporter_id, op->chat_id, op->pool, &chat)) != 0)
      return ret;
    if (chat.type == HD_CHAT_PRIVATE)
      return HD_ERR_PRIVATE_CHAT; /* report the user or a message instead */
    if (op->reporter_id == 0 && op->flagger_id == 0 && !chat.username)
      return HD_ERR_CHAT_NOT_FOUND;
    return 0;
  case HD_TARGET_USER:
    op->chat_id = op->message_id = 0;
    return hd_user_get(tx, op->user_id, op->pool, &u);
  }
  return HD_ERR_BAD_FIELD;
}

/* The audit record of a stored report (header comment): ids and codes only. */
static int audit_report(hd_store_t *tx, const hd_report_op_t *op) {
  const hd_store_report_t *rep = &op->report;
  const char *kind = op->flagger_id                   ? "report.flagger"
                     : op->source == HD_SOURCE_NOTICE ? "report.notice"
                                                      : "report.user";
  char subject[48], after[256], flagger[40] = "";
  snprintf(subject, sizeof(subject), "report:%lld", (long long)rep->id);
  if (op->flagger_id)
    snprintf(flagger, sizeof(flagger), ",\"flagger\":%lld", (long long)op->flagger_id);
  int n = snprintf(after, sizeof(after),
                   "{\"case\":%lld,\"target\":\"%s\",\"chat_id\":%lld,\"message_id\":%lld,"
                   "\"user_id\":%lld,\"reason\":\"%s\"%s}",
                   (long long)rep->case_id, hd_target_type_name(op->target_type),
                   (long long)op->chat_id, (long long)op->message_id, (long long)op->user_id,
                   rep->reason, flagger);
  if (n < 0 || (size_t)n >= sizeof(after))
    return HD_ERR_BAD_FIELD;
  return hd_audit_append(tx, op->reporter_id, kind, subject, "", after);
}

int hd_report_file(hd_store_t *tx, hd_report_op_t *op) {
  const hd_reason_t *r = hd_reason_find(op->reason);
  int ret;
  if (!r)
    return HD_ERR_REASON_INVALID;
  int notice = nonempty(op->legal_ground) || nonempty(op->notifier_name) ||
               nonempty(op->notifier_email) || op->source == HD_SOURCE_NOTICE;
  if (notice &&
      !(nonempty(op->legal_ground) && nonempty(op->notifier_name) && nonempty(op->notifier_email)))
    return HD_ERR_BAD_FIELD; /* invariant 2 */
  if ((ret = check_target(tx, op)) != 0)
    return ret;

  int64_t now = hd_time_now();
  const hd_store_safety_ops_t *so = tx->ops->safety;
  hd_store_case_t *c = &op->c;
  int fresh = 0;
  ret = hd_case_find_or_init(tx, op->target_type, op->chat_id, op->message_id, op->user_id, r->code,
                             r->severity, op->source, now, op->pool, c, &fresh);
  if (ret != 0)
    return ret;
  int64_t seen = 0;
  if (!fresh && op->reporter_id > 0 &&
      (ret = so->report_count_by(tx, c->id, op->reporter_id, &seen)) != 0)
    return ret;
  if (seen == 0) /* invariant 4 of cases.h */
    c->reporters++;
  int muted = 0; /* a deprioritised reporter adds no weight (misuse.h) */
  int64_t muted_before = 0;
  if (seen == 0 && op->reporter_id > 0 && op->flagger_id == 0 &&
      (ret = hd_misuse_deprioritised(tx, op->misuse, op->reporter_id, now, &muted)) != 0)
    return ret;
  if (!fresh && (ret = so->deprio_count(tx, c->id, &muted_before)) != 0)
    return ret;
  if (op->flagger_id)
    c->flagger_reports++;
  if (r->severity > c->severity) {
    c->severity = r->severity;
    c->reason = r->code;
  }
  if (r->urgent || op->flagger_id)
    c->urgent = 1;
  if (op->sla_seconds > 0 && (c->sla_due_at == 0 || now + op->sla_seconds < c->sla_due_at))
    c->sla_due_at = now + op->sla_seconds;
  c->priority =
      hd_case_priority(c->severity, c->reporters - muted_before - muted, c->flagger_reports);
  ret = fresh ? so->case_insert(tx, c) : so->case_update(tx, c);
  if (ret == 0 && muted)
    ret = so->deprio_insert(tx, c->id, op->reporter_id, now);
  if (ret != 0)
    return ret;

  hd_store_report_t *rep = &op->report;
  memset(rep, 0, sizeof(*rep));
  rep->case_id = c->id;
  rep->reporter_id = op->reporter_id;
  rep->flagger_id = op->flagger_id;
  rep->source = op->source;
  rep->reason = r->code;
  rep->comment = op->comment ? op->comment : "";
  rep->legal_ground = op->legal_ground ? op->legal_ground : "";
  rep->notifier_name = op->notifier_name ? op->notifier_name : "";
  rep->notifier_email = op->notifier_email ? op->notifier_email : "";
  rep->created_at = now;
  if ((ret = so->report_insert(tx, rep)) != 0)
    return ret;
  return audit_report(tx, op);
}

int hd_report_get(hd_store_t *rd, int64_t reporter_id, int64_t flagger_id, int64_t id,
                  hd_mem_pool_t *pool, hd_store_report_t *out, hd_store_case_t *c) {
  int ret = rd->ops->safety->report_get(rd, id, pool, out);
  if (ret != 0)
    return ret;
  if (reporter_id ? out->reporter_id != reporter_id : out->flagger_id != flagger_id)
    return HD_ERR_REPORT_NOT_FOUND;
  return rd->ops->safety->case_get(rd, out->case_id, pool, c);
}
