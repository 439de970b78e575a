/*
 * moderation.c — decision effects on chats, messages and accounts (see moderation.h).
 *
 *   apply(kind, target)
 *     remove    message row ─► effect{original_text} ─► tombstone ─► DELETE update
 *     ban/restrict          ─► group/channel? ─► effect{chat}
 *     withhold/label        ─► message or chat exists? ─► effect{countries, label}
 *     suspend/terminate     ─► user exists? ─► effect{user, until}
 *   lift(decision)
 *     each active effect ─► inactive; remove: restore text, EDIT update with the message
 *
 * Invariants: those of moderation.h. The updates use the same logs as a user's delete
 * (private chats: both participants' logs; groups/channels: the chat log).
 */
#include "chat/moderation.h"

#include "chat/internal.h"
#include "common/error.h"
#include "common/time.h"

#include <string.h>

/* Log an update about message_id of chat to the logs its members read. */
static int log_chat(hd_store_t *tx, const hd_chat_t *chat, hd_update_type_t type,
                    const hd_message_t *msg, int64_t message_id, hd_events_t *ev,
                    hd_mem_pool_t *pool) {
  hd_update_t u = {
      .type = type, .chat_id = chat->id, .message_id = message_id, .date = hd_time_now()};
  if (msg) {
    hd_message_t *copy = hd_mem_pool_alloc(pool, sizeof(*copy));
    *copy = *msg;
    u.message = copy;
  }
  if (chat->type != HD_CHAT_PRIVATE)
    return hd__log_append(tx, ev, pool, 0, &u);
  int64_t pair[2];
  int ret = tx->ops->private_members(tx, chat->id, pair);
  for (int i = 0; ret == 0 && i < 2; i++)
    ret = hd__log_append(tx, ev, pool, pair[i], &u);
  return ret;
}

static int check_label(const char *s) {
  return (s && strlen(s) > HD_MODERATION_LABEL_MAX) ? HD_ERR_BAD_FIELD : 0;
}

int hd_moderation_apply(hd_store_t *tx, hd_moderation_op_t *op) {
  const hd_store_safety_ops_t *so = tx->ops->safety;
  hd_store_effect_t e = {.decision_id = op->decision_id,
                         .kind = op->kind,
                         .chat_id = op->chat_id,
                         .message_id = op->message_id,
                         .countries = op->countries ? op->countries : "",
                         .label = op->label ? op->label : "",
                         .created_at = hd_time_now()};
  hd_chat_t chat;
  hd_message_t m;
  hd_user_t u;
  int deleted = 0, ret;
  memset(&op->events, 0, sizeof(op->events));
  if ((ret = check_label(op->label)) != 0)
    return ret;
  switch (op->kind) {
  case HD_EFFECT_REMOVE:
    if (!op->message_id)
      return HD_ERR_BAD_FIELD;
    if ((ret = tx->ops->chat_get(tx, op->chat_id, op->pool, &chat)) != 0 ||
        (ret = tx->ops->message_get(tx, op->chat_id, op->message_id, op->pool, &m, &deleted)) != 0)
      return ret;
    e.label = "";
    if (deleted) /* already gone: nothing to restore later */
      return so->effect_insert(tx, &e);
    e.original_text = m.text; /* invariant 1 */
    if ((ret = so->effect_insert(tx, &e)) != 0 ||
        (ret = tx->ops->message_tombstone(tx, op->chat_id, op->message_id)) != 0)
      return ret;
    return log_chat(tx, &chat, HD_UPD_DELETE_MESSAGE, NULL, op->message_id, &op->events, op->pool);
  case HD_EFFECT_BAN_CHAT:
  case HD_EFFECT_RESTRICT:
    if ((ret = tx->ops->chat_get(tx, op->chat_id, op->pool, &chat)) != 0)
      return ret;
    if (chat.type == HD_CHAT_PRIVATE) /* invariant 3 */
      return HD_ERR_BAD_FIELD;
    e.message_id = 0;
    return so->effect_insert(tx, &e);
  case HD_EFFECT_WITHHOLD:
  case HD_EFFECT_LABEL:
    if (!op->chat_id || (op->kind == HD_EFFECT_WITHHOLD && !e.countries[0]))
      return HD_ERR_BAD_FIELD;
    if (op->message_id)
      ret = tx->ops->message_get(tx, op->chat_id, op->message_id, op->pool, &m, &deleted);
    else
      ret = tx->ops->chat_get(tx, op->chat_id, op->pool, &chat);
    if (ret != 0)
      return ret;
    return so->effect_insert(tx, &e);
  case HD_EFFECT_SUSPEND:
  case HD_EFFECT_TERMINATE:
    if (!op->user_id || (op->kind == HD_EFFECT_SUSPEND && op->until <= 0))
      return HD_ERR_BAD_FIELD;
    if ((ret = tx->ops->user_get(tx, op->user_id, op->pool, &u)) != 0)
      return ret;
    e.chat_id = e.message_id = 0;
    e.user_id = op->user_id;
    e.until = op->kind == HD_EFFECT_SUSPEND ? op->until : 0;
    return so->effect_insert(tx, &e);
  }
  return HD_ERR_BAD_FIELD;
}

int hd_moderation_lift(hd_store_t *tx, hd_moderation_op_t *op) {
  const hd_store_safety_ops_t *so = tx->ops->safety;
  hd_store_effect_t *es;
  size_t n;
  memset(&op->events, 0, sizeof(op->events));
  int ret = so->effect_of_decision(tx, op->decision_id, op->pool, &es, &n);
  int64_t now = hd_time_now();
  for (size_t i = 0; ret == 0 && i < n; i++) {
    if ((ret = so->effect_lift(tx, es[i].id, now)) != 0)
      break;
    if (es[i].kind != HD_EFFECT_REMOVE || !es[i].original_text)
      continue;
    hd_chat_t chat;
    hd_message_t m;
    int deleted = 0;
    if ((ret = so->message_restore(tx, es[i].chat_id, es[i].message_id, es[i].original_text)) !=
            0 ||
        (ret = tx->ops->chat_get(tx, es[i].chat_id, op->pool, &chat)) != 0 ||
        (ret = tx->ops->message_get(tx, es[i].chat_id, es[i].message_id, op->pool, &m, &deleted)) !=
            0)
      break;
    ret = log_chat(tx, &chat, HD_UPD_EDIT_MESSAGE, &m, m.id, &op->events, op->pool);
  }
  return ret;
}

int hd_moderation_account_check(hd_store_t *s, int64_t user_id, int64_t now) {
  int64_t until = 0;
  int ret = s->ops->safety->account_block(s, user_id, &until);
  if (ret != 0)
    return ret;
  return now < until ? HD_ERR_ACCOUNT_SUSPENDED : 0;
}

int hd_moderation_chat_check(hd_store_t *s, const hd_chat_t *chat, int is_member) {
  if (chat->type == HD_CHAT_PRIVATE)
    return 0;
  hd_mem_pool_t pool;
  hd_mem_pool_init(&pool);
  hd_store_effect_t *es;
  size_t n;
  int ret = s->ops->safety->effect_in_chat(s, chat->id, 0, 0, &pool, &es, &n);
  for (size_t i = 0; ret == 0 && i < n; i++)
    if (es[i].kind == HD_EFFECT_BAN_CHAT || (es[i].kind == HD_EFFECT_RESTRICT && !is_member))
      ret = HD_ERR_CHAT_NOT_FOUND;
  hd_mem_pool_dispose(&pool);
  return ret;
}

int hd_moderation_reserved_name(const char *username) {
  const char *r = HD_SAFETY_ACCOUNT_NAME;
  size_t i = 0;
  for (; username && username[i] && r[i]; i++)
    if ((username[i] | 32) != r[i] && username[i] != r[i])
      return 0;
  return username && !username[i] && !r[i];
}

int hd_moderation_country_listed(const char *csv, const char *cc) {
  if (!csv || !cc || strlen(cc) != 2)
    return 0;
  for (const char *p = csv; *p;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == 2 && (p[0] | 32) == (cc[0] | 32) && (p[1] | 32) == (cc[1] | 32))
      return 1;
    if (!e)
      break;
    p = e + 1;
  }
  return 0;
}

/* Fold effect e into mark k for a viewer from country cc. */
static void mark_one(hd_moderation_mark_t *k, const hd_store_effect_t *e, const char *cc) {
  if (e->kind == HD_EFFECT_LABEL)
    k->label = e->label;
  else if (e->kind == HD_EFFECT_WITHHOLD && hd_moderation_country_listed(e->countries, cc)) {
    k->withheld = 1;
    k->reason = e->label;
    k->countries = e->countries;
  }
}

int hd_moderation_marks(hd_store_t *rd, int64_t viewer, int64_t chat_id, const hd_message_t *m,
                        size_t n, hd_mem_pool_t *pool, hd_moderation_mark_t **out) {
  *out = NULL;
  if (n == 0)
    return 0;
  int64_t lo = m[0].id, hi = m[0].id;
  for (size_t i = 1; i < n; i++) {
    lo = HD_MIN(lo, m[i].id);
    hi = HD_MAX(hi, m[i].id);
  }
  hd_store_effect_t *chat_es, *msg_es;
  size_t nc, nm;
  int ret = rd->ops->safety->effect_in_chat(rd, chat_id, 0, 0, pool, &chat_es, &nc);
  if (ret == 0)
    ret = rd->ops->safety->effect_in_chat(rd, chat_id, HD_MAX(lo, 1), hi, pool, &msg_es, &nm);
  if (ret != 0 || nc + nm == 0)
    return ret;
  const char *cc = "";
  hd_user_t u;
  if (viewer > 0 && rd->ops->user_get(rd, viewer, pool, &u) == 0)
    cc = u.country;
  hd_moderation_mark_t *k = hd_mem_pool_alloc(pool, n * sizeof(*k));
  memset(k, 0, n * sizeof(*k));
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < nc; j++)
      mark_one(&k[i], &chat_es[j], cc);
    for (size_t j = 0; j < nm; j++)
      if (msg_es[j].message_id == m[i].id)
        mark_one(&k[i], &msg_es[j], cc);
  }
  *out = k;
  return 0;
}
