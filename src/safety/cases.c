/*
 * cases.c — names, the priority formula, the queue and claims (see cases.h for the state
 * diagram and invariants).
 */
#include "safety/cases.h"

#include "common/error.h"
#include "store/ops.h"

#include <string.h>

static const char *const target_names[] = {NULL, "message", "chat", "user"};
static const char *const source_names[] = {NULL, "user", "notice", "flagger", "hash_match", "rule"};
static const char *const status_names[] = {"open",     "claimed", "decided",
                                           "appealed", "upheld",  "reversed"};
static const char *const action_names[] = {"none",   "label",    "restrict", "withhold",
                                           "remove", "ban_chat", "suspend",  "terminate"};
static const char *const ground_names[] = {NULL, "illegal", "tos"};

_Static_assert(sizeof(action_names) / sizeof(action_names[0]) == HD_ACTION__COUNT, "actions");

static const char *name_of(const char *const *names, size_t n, int v) {
  return v >= 0 && (size_t)v < n && names[v] ? names[v] : "unknown";
}

static int parse_of(const char *const *names, size_t n, const char *s, int *out) {
  for (size_t i = 0; s && i < n; i++)
    if (names[i] && strcmp(names[i], s) == 0) {
      *out = (int)i;
      return 0;
    }
  return HD_ERR_BAD_FIELD;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *hd_target_type_name(int t) { return name_of(target_names, N(target_names), t); }
const char *hd_case_source_name(int s) { return name_of(source_names, N(source_names), s); }
const char *hd_case_status_name(int s) { return name_of(status_names, N(status_names), s); }
const char *hd_action_name(int a) { return name_of(action_names, N(action_names), a); }
const char *hd_ground_name(int g) { return name_of(ground_names, N(ground_names), g); }

int hd_target_type_parse(const char *s, hd_target_type_t *out) {
  int v, ret = parse_of(target_names, N(target_names), s, &v);
  if (ret == 0)
    *out = (hd_target_type_t)v;
  return ret;
}

int hd_action_parse(const char *s, hd_action_t *out) {
  int v, ret = parse_of(action_names, N(action_names), s, &v);
  if (ret == 0)
    *out = (hd_action_t)v;
  return ret;
}

int hd_ground_parse(const char *s, hd_ground_t *out) {
  int v, ret = parse_of(ground_names, N(ground_names), s, &v);
  if (ret == 0)
    *out = (hd_ground_t)v;
  return ret;
}

int64_t hd_case_priority(int severity, int64_t reporters, int64_t flagger_reports) {
  if (reporters > 50)
    reporters = 50;
  return 100 * (int64_t)severity + 10 * reporters + 300 * flagger_reports;
}

int hd_case_find_or_init(hd_store_t *tx, hd_target_type_t tt, int64_t chat_id, int64_t message_id,
                         int64_t user_id, const char *reason, int severity, hd_case_source_t source,
                         int64_t now, hd_mem_pool_t *pool, hd_store_case_t *c, int *fresh) {
  int ret = tx->ops->safety->case_find_open(tx, tt, chat_id, message_id, user_id, pool, c);
  *fresh = ret == HD_ERR_CASE_NOT_FOUND;
  if (!*fresh)
    return ret;
  memset(c, 0, sizeof(*c));
  c->target_type = tt;
  c->chat_id = chat_id;
  c->message_id = message_id;
  c->user_id = user_id;
  c->reason = reason;
  c->severity = severity;
  c->source = source;
  c->status = HD_CASE_OPEN;
  c->created_at = now;
  return 0;
}

int hd_case_queue(hd_store_t *rd, size_t limit, hd_mem_pool_t *pool, hd_store_case_t **out,
                  size_t *n) {
  if (limit < 1 || limit > 100)
    return HD_ERR_BAD_REQUEST;
  return rd->ops->safety->case_queue(rd, limit, pool, out, n);
}

int hd_case_claim(hd_store_t *tx, hd_case_claim_op_t *op) {
  int ret = tx->ops->safety->case_get(tx, op->case_id, op->pool, &op->c);
  if (ret != 0)
    return ret;
  hd_store_case_t *c = &op->c;
  if (c->status >= HD_CASE_DECIDED)
    return HD_ERR_CASE_CLOSED;
  if (c->status == HD_CASE_CLAIMED && c->claimed_by != op->moderator_id &&
      op->now < c->claimed_until)
    return HD_ERR_CASE_CLAIMED; /* invariant 2 */
  c->status = HD_CASE_CLAIMED;
  c->claimed_by = op->moderator_id;
  c->claimed_until =
      op->now + (op->claim_seconds > 0 ? op->claim_seconds : HD_CLAIM_SECONDS_DEFAULT);
  return tx->ops->safety->case_update(tx, c);
}
