/*
 * sor.c — statements of reasons: issue (store + service message) and the DSA form (sor.h).
 *
 *   hd_sor_issue ─► INSERT mod_statements (puid) ─► no_statement or no user? ─► done
 *                     └─► system account (create once) ─► private chat ─► hd_message_send
 *   hd_sor_build ─► action → decision_* keys ─► ground fields ─► content type/date
 *                  ─► keywords sorted/unique ─► territorial scope ∩ EEA, sorted/unique
 *
 * Invariants: those of sor.h.
 */
#include "safety/sor.h"

#include "chat/chats.h"
#include "chat/messages.h"
#include "chat/moderation.h"
#include "common/error.h"
#include "common/time.h"
#include "safety/cases.h"
#include "store/ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void hd_sor_date(int64_t t, char out[11]) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, m = (unsigned)(tm.tm_mon + 1) % 100u,
           dd = (unsigned)tm.tm_mday % 100u;
  char buf[16];
  snprintf(buf, sizeof(buf), "%04u-%02u-%02u", y, m, dd);
  memcpy(out, buf, 10);
  out[10] = '\0';
}

/* Copy src into dst[cap] cut at a UTF-8 character boundary. */
static void clip_utf8(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (n >= cap) {
    n = cap - 1;
    while (n && ((unsigned char)src[n] & 0xC0) == 0x80)
      n--;
  }
  memcpy(dst, src, n);
  dst[n] = '\0';
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Split csv into the keys of DSA set `field` (static storage), sorted and unique. */
static size_t split_keys(const char *field, const char *csv, const char **out, size_t max) {
  const hd_dsa_set_t *set = hd_dsa_set(field);
  size_t n = 0;
  for (const char *p = csv ? csv : ""; set && *p && n < max;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    for (size_t i = 0; i < set->n; i++)
      if (strlen(set->keys[i]) == len && memcmp(set->keys[i], p, len) == 0) {
        out[n++] = set->keys[i];
        break;
      }
    if (!e)
      break;
    p = e + 1;
  }
  qsort(out, n, sizeof(*out), cmp_str);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (k == 0 || strcmp(out[k - 1], out[i]) != 0)
      out[k++] = out[i];
  return k;
}

static void set_action(hd_sor_t *s, int action) {
  s->provision = s->account = -1;
  s->n_visibility = 0;
  switch (action) {
  case HD_ACTION_LABEL:
    s->visibility[s->n_visibility++] = HD_DSA_VIS_CONTENT_LABELLED;
    break;
  case HD_ACTION_RESTRICT:
    s->visibility[s->n_visibility++] = HD_DSA_VIS_CONTENT_INTERACTION_RESTRICTED;
    break;
  case HD_ACTION_WITHHOLD:
    s->visibility[s->n_visibility++] = HD_DSA_VIS_CONTENT_DISABLED;
    break;
  case HD_ACTION_REMOVE:
    s->visibility[s->n_visibility++] = HD_DSA_VIS_CONTENT_REMOVED;
    break;
  case HD_ACTION_BAN_CHAT:
    s->visibility[s->n_visibility++] = HD_DSA_VIS_CONTENT_DISABLED;
    s->provision = HD_DSA_PROV_PARTIAL_TERMINATION;
    break;
  case HD_ACTION_SUSPEND:
    s->account = HD_DSA_ACC_SUSPENDED;
    break;
  case HD_ACTION_TERMINATE:
    s->account = HD_DSA_ACC_TERMINATED;
    break;
  }
}

static hd_dsa_src_t source_of(int source) {
  switch (source) {
  case HD_SOURCE_FLAGGER:
    return HD_DSA_SRC_TRUSTED_FLAGGER;
  case HD_SOURCE_HASH_MATCH:
  case HD_SOURCE_RULE:
    return HD_DSA_SRC_VOLUNTARY;
  default:
    return HD_DSA_SRC_ARTICLE_16;
  }
}

int hd_sor_build(const hd_store_statement_t *st, const hd_store_decision_t *d,
                 const hd_store_case_t *c, const hd_sor_content_t *content, hd_sor_t *out) {
  memset(out, 0, sizeof(*out));
  if (d->action <= HD_ACTION_NONE || d->action >= HD_ACTION__COUNT)
    return HD_ERR_BAD_FIELD;
  snprintf(out->puid, sizeof(out->puid), "herald-sor-%lld", (long long)d->id);
  (void)st;
  set_action(out, d->action);
  const char *target = hd_target_type_name(c->target_type);
  out->ground = d->ground == HD_GROUND_ILLEGAL ? HD_DSA_GROUND_ILLEGAL_CONTENT
                                               : HD_DSA_GROUND_INCOMPATIBLE_CONTENT;
  clip_utf8(out->legal_ground, 501, d->ground_text); /* ≤ 500 (decisions.c checks it too) */
  snprintf(out->explanation, sizeof(out->explanation),
           "A %s reported for '%s' was assessed %s; action taken: %s.", target, c->reason,
           d->ground == HD_GROUND_ILLEGAL
               ? "as illegal content under the legal ground given"
               : "as incompatible with the terms of service clause given",
           hd_action_name(d->action));
  out->content_type = HD_DSA_CT_TEXT;
  if (c->target_type == HD_TARGET_MESSAGE && content->media == HD_MEDIA_PHOTO)
    out->content_type = HD_DSA_CT_IMAGE;
  else if (c->target_type != HD_TARGET_MESSAGE || content->media == HD_MEDIA_DOCUMENT) {
    out->content_type = HD_DSA_CT_OTHER;
    out->content_type_other = c->target_type == HD_TARGET_CHAT   ? "group or channel"
                              : c->target_type == HD_TARGET_USER ? "user account"
                                                                 : "file attachment";
  }
  out->category = d->category;
  out->n_spec = split_keys("category_specification", d->keywords, out->spec, HD_SOR_SPEC_MAX);
  const char *scope = d->territorial_scope;
  if (d->action == HD_ACTION_WITHHOLD)
    scope = d->countries;
  out->n_scope = split_keys("territorial_scope", scope, out->scope, HD_SOR_SCOPE_MAX);
  if (out->n_scope == 0) { /* a platform-wide decision applies in every EEA country */
    const hd_dsa_set_t *set = hd_dsa_set("territorial_scope");
    for (size_t i = 0; set && i < set->n && i < HD_SOR_SCOPE_MAX; i++)
      out->scope[out->n_scope++] = set->keys[i];
    qsort(out->scope, out->n_scope, sizeof(*out->scope), cmp_str);
  }
  int64_t cdate = content->date < 946684800 ? 946684800 : content->date; /* ≥ 2000-01-01 */
  hd_sor_date(cdate, out->content_date);
  hd_sor_date(d->created_at, out->application_date);
  if (d->action == HD_ACTION_SUSPEND && d->suspend_until)
    hd_sor_date(d->suspend_until, out->end_date_account);
  snprintf(out->facts, sizeof(out->facts),
           "Case opened from a %s (%s). The %s was reviewed by a moderator%s and the decision "
           "'%s' was taken under category %s.",
           hd_case_source_name(c->source), c->reason, target,
           d->automated_detection ? " after automated detection" : "", hd_action_name(d->action),
           d->category);
  out->source_type = source_of(c->source);
  out->automated_detection = d->automated_detection ? 1 : 0;
  out->automated_decision = (hd_dsa_auto_t)d->automated_decision;
  return 0;
}

int hd_sor_affected_user(hd_store_t *s, const hd_store_case_t *c, hd_mem_pool_t *pool,
                         int64_t *user_id) {
  *user_id = 0;
  if (c->target_type != HD_TARGET_CHAT) {
    *user_id = c->user_id;
    return 0;
  }
  hd_chat_t ch;
  int ret = s->ops->chat_get(s, c->chat_id, pool, &ch);
  if (ret == 0)
    *user_id = ch.owner_id;
  return ret == HD_ERR_CHAT_NOT_FOUND ? 0 : ret;
}

int hd_sor_load(hd_store_t *rd, const hd_store_statement_t *st, hd_mem_pool_t *pool,
                hd_store_decision_t *d, hd_store_case_t *c, hd_sor_t *out) {
  const hd_store_safety_ops_t *so = rd->ops->safety;
  int ret = so->decision_get(rd, st->decision_id, pool, d);
  if (ret == 0)
    ret = so->case_get(rd, st->case_id, pool, c);
  if (ret != 0)
    return ret;
  hd_sor_content_t content = {.date = c->created_at, .media = HD_MEDIA_NONE};
  if (c->target_type == HD_TARGET_MESSAGE) {
    hd_message_t m;
    int deleted = 0;
    if (rd->ops->message_get(rd, c->chat_id, c->message_id, pool, &m, &deleted) == 0) {
      content.date = m.date;
      content.media = m.media.kind;
    }
  } else if (c->target_type == HD_TARGET_CHAT) {
    hd_chat_t ch;
    if (rd->ops->chat_get(rd, c->chat_id, pool, &ch) == 0)
      content.date = ch.created_at;
  } else {
    hd_user_t u;
    if (rd->ops->user_get(rd, c->user_id, pool, &u) == 0)
      content.date = u.created_at;
  }
  return hd_sor_build(st, d, c, &content, out);
}

int hd_sor_system_account(hd_store_t *tx, hd_mem_pool_t *pool, int64_t *id) {
  hd_user_t u;
  int ret = tx->ops->user_find(tx, HD_SAFETY_ACCOUNT_NAME, pool, &u);
  if (ret == 0) {
    *id = u.id;
    return 0;
  }
  if (ret != HD_ERR_USER_NOT_FOUND)
    return ret;
  memset(&u, 0, sizeof(u));
  u.username = HD_SAFETY_ACCOUNT_NAME;
  u.display_name = "Herald Safety";
  u.bio = "Notices about moderation decisions on your content and account.";
  u.country = "IE";
  u.created_at = hd_time_now();
  /* "!" is no valid password hash: nobody can log in as the system account */
  if ((ret = tx->ops->user_insert(tx, &u, "!")) != 0)
    return ret;
  *id = u.id;
  return 0;
}

int hd_sor_issue(hd_store_t *tx, hd_sor_issue_op_t *op) {
  const hd_store_decision_t *d = op->d;
  hd_store_statement_t *st = &op->st;
  memset(st, 0, sizeof(*st));
  memset(&op->events, 0, sizeof(op->events));
  char puid[40];
  snprintf(puid, sizeof(puid), "herald-sor-%lld", (long long)d->id);
  st->decision_id = d->id;
  st->case_id = op->c->id;
  st->user_id = op->user_id;
  st->puid = hd_mem_pool_strndup(op->pool, puid, strlen(puid));
  st->delivered = !d->no_statement && op->user_id > 0;
  st->created_at = d->created_at;
  int ret = tx->ops->safety->statement_insert(tx, st);
  if (ret != 0 || !st->delivered)
    return ret;
  int64_t sys = 0;
  if ((ret = hd_sor_system_account(tx, op->pool, &sys)) != 0)
    return ret;
  if (sys == op->user_id)
    return 0;
  hd_private_open_op_t po = {.user_id = sys, .peer_id = op->user_id, .pool = op->pool};
  if ((ret = hd_private_open(tx, &po)) != 0)
    return ret;
  char facts[1201], text[2400];
  clip_utf8(facts, sizeof(facts), d->facts);
  snprintf(text, sizeof(text),
           "Statement of reasons #%lld. Action: %s on your %s (reason: %s). Ground: %s: %s. "
           "Facts: %s Automated detection: %s. You can appeal within 6 months: "
           "POST /v1/statements/%lld/appeal.",
           (long long)st->id, hd_action_name(d->action), hd_target_type_name(op->c->target_type),
           op->c->reason, d->ground == HD_GROUND_ILLEGAL ? "illegal content" : "terms of service",
           d->ground_text, facts, d->automated_detection ? "yes" : "no", (long long)st->id);
  hd_send_op_t so = {.user_id = sys,
                     .chat_id = po.chat.id,
                     .random_id = 0x5afe000000000000LL + st->id,
                     .text = text,
                     .pool = op->pool};
  if ((ret = hd_message_send(tx, &so)) != 0)
    return ret;
  op->events = so.events;
  return 0;
}

/* Append src's events to *dst (new array in pool). */
static void events_append(hd_events_t *dst, const hd_events_t *src, hd_mem_pool_t *pool) {
  if (src->len == 0)
    return;
  hd_event_t *a = hd_mem_pool_alloc(pool, (dst->len + src->len) * sizeof(*a));
  if (dst->len)
    memcpy(a, dst->items, dst->len * sizeof(*a));
  memcpy(a + dst->len, src->items, src->len * sizeof(*a));
  dst->items = a;
  dst->len += src->len;
}

int hd_sor_tell_reporters(hd_store_t *tx, const hd_store_case_t *c, const hd_store_decision_t *d,
                          hd_mem_pool_t *pool, hd_events_t *events) {
  hd_store_report_t *rs = NULL;
  size_t n = 0;
  int ret = tx->ops->safety->report_list(tx, c->id, HD_SOR_TELL_MAX, pool, &rs, &n);
  if (ret != 0 || n == 0)
    return ret;
  int64_t sys = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t who = rs[i].reporter_id;
    int seen = who <= 0;
    for (size_t j = 0; j < i && !seen; j++)
      seen = rs[j].reporter_id == who;
    if (seen)
      continue;
    if (sys == 0 && (ret = hd_sor_system_account(tx, pool, &sys)) != 0)
      return ret;
    hd_private_open_op_t po = {.user_id = sys, .peer_id = who, .pool = pool};
    if ((ret = hd_private_open(tx, &po)) != 0)
      return ret;
    char text[400];
    if (d->action == HD_ACTION_NONE)
      snprintf(text, sizeof(text),
               "Your report #%lld was reviewed: no action was taken (reason reported: %s). You "
               "can appeal within 6 months: POST /v1/reports/%lld/appeal.",
               (long long)rs[i].id, c->reason, (long long)rs[i].id);
    else
      snprintf(text, sizeof(text),
               "Your report #%lld was reviewed: action taken: %s (ground: %s). Thank you.",
               (long long)rs[i].id, hd_action_name(d->action),
               d->ground == HD_GROUND_ILLEGAL ? "illegal content" : "terms of service");
    hd_send_op_t so = {.user_id = sys,
                       .chat_id = po.chat.id,
                       .random_id = 0x5afe200000000000LL + rs[i].id,
                       .text = text,
                       .pool = pool};
    if ((ret = hd_message_send(tx, &so)) != 0)
      return ret;
    events_append(events, &so.events, pool);
  }
  return 0;
}
