/*
 * rules.c — the live rule set and its evaluation (see rules.h).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "safety/rules.h"

#include "common/error.h"
#include "common/log.h"
#include "common/time.h"
#include "common/utf8.h"
#include "safety/cases.h"
#include "safety/reasons.h"
#include "store/ops.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

struct st_hd_rule_compiled_t {
  int kind;
  char *keyword; /* lower-cased ASCII, keywords */
  pcre2_code *re;
  char category[64];
};

typedef struct {
  int64_t id;
  int enabled;
  hd_rule_compiled_t *c;
} live_t;

struct st_hd_rules_t {
  pthread_rwlock_t lock;
  live_t *v;
  size_t n, cap;
  _Atomic uint64_t runs, matches, limit_hits;
};

int hd_rule_kind_parse(const char *s, hd_rule_kind_t *out) {
  if (s && strcmp(s, "keyword") == 0)
    *out = HD_RULE_KEYWORD;
  else if (s && strcmp(s, "regex") == 0)
    *out = HD_RULE_REGEX;
  else
    return HD_ERR_BAD_FIELD;
  return 0;
}

const char *hd_rule_kind_name(int kind) { return kind == HD_RULE_REGEX ? "regex" : "keyword"; }

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

int hd_rule_compile(hd_rule_kind_t kind, const char *pattern, const char *category, char *err,
                    size_t errcap, hd_rule_compiled_t **out) {
  size_t len = pattern ? strlen(pattern) : 0;
  if (errcap)
    err[0] = '\0';
  if (len == 0 || len > HD_RULE_PATTERN_MAX || !hd_utf8_valid(pattern, len))
    return HD_ERR_BAD_FIELD;
  const hd_reason_t *r = category ? hd_reason_find(category) : NULL;
  if (!r)
    return HD_ERR_REASON_INVALID;
  hd_rule_compiled_t *c = hd_mem_calloc(sizeof(*c));
  c->kind = kind;
  snprintf(c->category, sizeof(c->category), "%s", r->code);
  if (kind == HD_RULE_KEYWORD) {
    c->keyword = hd_strdup(pattern);
    for (char *p = c->keyword; *p; p++)
      *p = lower(*p);
  } else {
    int code;
    PCRE2_SIZE off;
    c->re = pcre2_compile((PCRE2_SPTR)pattern, len, PCRE2_UTF | PCRE2_CASELESS, &code, &off, NULL);
    if (!c->re) {
      PCRE2_UCHAR msg[160];
      pcre2_get_error_message(code, msg, sizeof(msg));
      if (errcap)
        snprintf(err, errcap, "pattern: %s at offset %zu", (const char *)msg, (size_t)off);
      hd_mem_free(c);
      return HD_ERR_RULE_INVALID;
    }
    pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE); /* on failure the interpreter runs */
  }
  *out = c;
  return 0;
}

void hd_rule_compiled_free(hd_rule_compiled_t *c) {
  if (!c)
    return;
  if (c->re)
    pcre2_code_free(c->re);
  hd_mem_free(c->keyword);
  hd_mem_free(c);
}

hd_rules_t *hd_rules_create(void) {
  hd_rules_t *rs = hd_mem_calloc(sizeof(*rs));
  pthread_rwlock_init(&rs->lock, NULL);
  return rs;
}

void hd_rules_destroy(hd_rules_t *rs) {
  if (!rs)
    return;
  for (size_t i = 0; i < rs->n; i++)
    hd_rule_compiled_free(rs->v[i].c);
  hd_mem_free(rs->v);
  pthread_rwlock_destroy(&rs->lock);
  hd_mem_free(rs);
}

void hd_rules_add(hd_rules_t *rs, const hd_store_rule_t *r, hd_rule_compiled_t *c) {
  pthread_rwlock_wrlock(&rs->lock);
  for (size_t i = 0; i < rs->n; i++)
    if (rs->v[i].id == r->id) { /* already live: keep one */
      pthread_rwlock_unlock(&rs->lock);
      hd_rule_compiled_free(c);
      return;
    }
  if (rs->n == rs->cap) {
    rs->cap = rs->cap ? 2 * rs->cap : 16;
    rs->v = hd_mem_realloc(rs->v, rs->cap * sizeof(*rs->v));
  }
  size_t at = rs->n; /* keep id order */
  while (at > 0 && rs->v[at - 1].id > r->id)
    at--;
  memmove(&rs->v[at + 1], &rs->v[at], (rs->n - at) * sizeof(*rs->v));
  rs->v[at] = (live_t){.id = r->id, .enabled = r->enabled, .c = c};
  rs->n++;
  pthread_rwlock_unlock(&rs->lock);
}

void hd_rules_remove(hd_rules_t *rs, int64_t id) {
  hd_rule_compiled_t *gone = NULL;
  pthread_rwlock_wrlock(&rs->lock);
  for (size_t i = 0; i < rs->n; i++)
    if (rs->v[i].id == id) {
      gone = rs->v[i].c;
      memmove(&rs->v[i], &rs->v[i + 1], (rs->n - i - 1) * sizeof(*rs->v));
      rs->n--;
      break;
    }
  pthread_rwlock_unlock(&rs->lock);
  hd_rule_compiled_free(gone);
}

int hd_rules_load(hd_rules_t *rs, hd_store_t *rd) {
  hd_mem_pool_t pool;
  hd_mem_pool_init(&pool);
  hd_store_rule_t *v;
  size_t n;
  int ret = rd->ops->safety->rule_list(rd, &pool, &v, &n);
  for (size_t i = 0; ret == 0 && i < n; i++) {
    hd_rule_compiled_t *c;
    char err[200];
    if (hd_rule_compile((hd_rule_kind_t)v[i].kind, v[i].pattern, v[i].category, err, sizeof(err),
                        &c) != 0) {
      hd_log(HD_LOG_WARN, "stored rule does not compile, skipped", "\"rule_id\":%lld",
             (long long)v[i].id);
      continue;
    }
    hd_rules_add(rs, &v[i], c);
  }
  hd_mem_pool_dispose(&pool);
  return ret;
}

size_t hd_rules_count(hd_rules_t *rs) {
  size_t k = 0;
  if (!rs)
    return 0;
  pthread_rwlock_rdlock(&rs->lock);
  for (size_t i = 0; i < rs->n; i++)
    k += rs->v[i].enabled != 0;
  pthread_rwlock_unlock(&rs->lock);
  return k;
}

/* Case-insensitive (ASCII) substring search of kw (already lower-case) in text. */
static int keyword_in(const char *kw, const char *text, size_t len) {
  size_t k = strlen(kw);
  if (k == 0 || k > len)
    return 0;
  for (size_t i = 0; i + k <= len; i++) {
    size_t j = 0;
    while (j < k && lower(text[i + j]) == kw[j])
      j++;
    if (j == k)
      return 1;
  }
  return 0;
}

/* 1 match, 0 no match, -1 a limit stopped it. */
static int regex_in(const pcre2_code *re, const char *text, size_t len, pcre2_match_context *mc) {
  pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
  if (!md)
    return 0;
  int rc = pcre2_match(re, (PCRE2_SPTR)text, len, 0, 0, md, mc);
  pcre2_match_data_free(md);
  if (rc >= 0)
    return 1;
  return (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
          rc == PCRE2_ERROR_JIT_STACKLIMIT)
             ? -1
             : 0;
}

size_t hd_rules_eval(hd_rules_t *rs, const char *text, size_t len, int64_t *ids, char **cats,
                     size_t max) {
  size_t k = 0;
  if (!rs || !text || len == 0 || !hd_utf8_valid(text, len))
    return 0;
  atomic_fetch_add(&rs->runs, 1);
  pcre2_match_context *mc = pcre2_match_context_create(NULL);
  if (mc) {
    pcre2_set_match_limit(mc, HD_RULE_MATCH_LIMIT);
    pcre2_set_depth_limit(mc, HD_RULE_DEPTH_LIMIT);
  }
  pthread_rwlock_rdlock(&rs->lock);
  for (size_t i = 0; i < rs->n && k < max; i++) {
    const live_t *l = &rs->v[i];
    if (!l->enabled)
      continue;
    int hit = l->c->kind == HD_RULE_KEYWORD ? keyword_in(l->c->keyword, text, len)
                                            : regex_in(l->c->re, text, len, mc);
    if (hit < 0)
      atomic_fetch_add(&rs->limit_hits, 1);
    if (hit <= 0)
      continue;
    ids[k] = l->id;
    cats[k] = hd_strdup(l->c->category);
    k++;
  }
  pthread_rwlock_unlock(&rs->lock);
  pcre2_match_context_free(mc);
  atomic_fetch_add(&rs->matches, k);
  return k;
}

void hd_rules_stats(hd_rules_t *rs, hd_rules_stats_t *out) {
  memset(out, 0, sizeof(*out));
  if (!rs)
    return;
  out->runs = atomic_load(&rs->runs);
  out->matches = atomic_load(&rs->matches);
  out->limit_hits = atomic_load(&rs->limit_hits);
}

int hd_rules_open_cases(hd_store_t *tx, hd_rules_cases_op_t *op) {
  const hd_store_safety_ops_t *so = tx->ops->safety;
  int64_t now = hd_time_now();
  int ret = 0;
  for (size_t i = 0; ret == 0 && i < op->n; i++) {
    const hd_reason_t *r = hd_reason_find(op->cats[i]);
    if (!r)
      continue; /* the reasons tree changed since the rule was made */
    hd_store_case_t c;
    int fresh = 0;
    ret = hd_case_find_or_init(tx, HD_TARGET_MESSAGE, op->chat_id, op->message_id, op->user_id,
                               r->code, r->severity, HD_SOURCE_RULE, now, op->pool, &c, &fresh);
    if (ret != 0)
      return ret;
    if (r->severity > c.severity) {
      c.severity = r->severity;
      c.reason = r->code;
    }
    if (r->urgent)
      c.urgent = 1;
    c.priority = hd_case_priority(c.severity, c.reporters, c.flagger_reports);
    if ((ret = fresh ? so->case_insert(tx, &c) : so->case_update(tx, &c)) != 0)
      return ret;
    char *evidence = hd_mem_pool_alloc(op->pool, 64);
    snprintf(evidence, 64, "{\"rule_id\":%lld}", (long long)op->ids[i]);
    hd_store_report_t rep = {.case_id = c.id,
                             .source = HD_SOURCE_RULE,
                             .reason = r->code,
                             .comment = evidence,
                             .legal_ground = "",
                             .notifier_name = "",
                             .notifier_email = "",
                             .created_at = now};
    ret = so->report_insert(tx, &rep);
  }
  return ret;
}
