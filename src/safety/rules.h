/*
 * rules.h — admin-managed rules over public text: a keyword or a PCRE2 regular expression,
 * a category (a reasons.h code), enabled or not. A match opens a case (source rule) with the
 * rule id as evidence; a rule never acts on content by itself.
 *
 *   POST /v1/admin/rules ─► hd_rule_compile (loop; invalid regex → HD_ERR_RULE_INVALID)
 *        ─► write job rule_insert ─commit─► hd_rules_add (compiled once, JIT)
 *   new message in a public group/channel, committed
 *        ─► worker: hd_rules_eval(text) ─► ids of matching rules
 *        ─► write job hd_rules_open_cases (one case per message, one report per rule)
 *
 *   hd_rules_t ┌ rwlock (evaluation: read; add/remove: write)
 *              └ rules[] { id, kind, category, enabled, keyword | pcre2 code (+ JIT) }
 *
 * Matching: keywords are case-insensitive (ASCII folding) substrings; regular expressions
 * are compiled with PCRE2_UTF | PCRE2_CASELESS and matched under a match limit
 * (HD_RULE_MATCH_LIMIT) and a depth limit: a pattern that hits a limit counts as no match
 * (and in stats.limit_hits), so a pathological rule cannot stall a worker.
 *
 * Invariants:
 *  1. The live set holds exactly the committed rows: rules are added after their insert
 *     committed and removed after their delete committed.
 *  2. Evaluation never runs on the loop or the writer thread (api/rules.c uses the worker
 *     pool), and a compiled pattern is shared read-only by every evaluating thread.
 */
#ifndef HD_SAFETY_RULES_H
#define HD_SAFETY_RULES_H

#include "common/mem.h"
#include "store/safety_ops.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

#define HD_RULE_PATTERN_MAX 1024   /* bytes */
#define HD_RULE_COUNT_MAX   1000   /* live rules */
#define HD_RULE_MATCH_LIMIT 100000 /* PCRE2 match limit per rule and message */
#define HD_RULE_DEPTH_LIMIT 1000   /* PCRE2 depth limit */
#define HD_RULE_HITS_MAX    16     /* rule ids reported per message */

typedef enum {
  HD_RULE_KEYWORD = 0, /* case-insensitive substring */
  HD_RULE_REGEX = 1    /* PCRE2 pattern */
} hd_rule_kind_t;

typedef struct st_hd_rules_t hd_rules_t;
typedef struct st_hd_rule_compiled_t hd_rule_compiled_t;

typedef struct {
  uint64_t runs;       /* messages evaluated */
  uint64_t matches;    /* rule matches */
  uint64_t limit_hits; /* regex evaluations stopped by a limit */
} hd_rules_stats_t;

/* "keyword" / "regex" → kind; 0 or HD_ERR_BAD_FIELD. */
int hd_rule_kind_parse(const char *s, hd_rule_kind_t *out);
const char *hd_rule_kind_name(int kind);

/* Validate and compile a rule (pattern non-empty, <= HD_RULE_PATTERN_MAX, valid UTF-8;
 * category a reasons.h code). Returns 0 with *out (free with hd_rule_compiled_free or hand
 * to hd_rules_add), HD_ERR_BAD_FIELD, HD_ERR_REASON_INVALID or HD_ERR_RULE_INVALID with the
 * PCRE2 message and offset in err. */
int hd_rule_compile(hd_rule_kind_t kind, const char *pattern, const char *category, char *err,
                    size_t errcap, hd_rule_compiled_t **out);
void hd_rule_compiled_free(hd_rule_compiled_t *c);

hd_rules_t *hd_rules_create(void);
void hd_rules_destroy(hd_rules_t *rs);
/* Load and compile every stored rule (call once, at start; a stored rule that no longer
 * compiles is skipped with a log line). */
int hd_rules_load(hd_rules_t *rs, hd_store_t *rd);
/* After commit: add the committed row r with its compiled form (consumed). */
void hd_rules_add(hd_rules_t *rs, const hd_store_rule_t *r, hd_rule_compiled_t *c);
/* After commit: drop rule id (no-op when absent). */
void hd_rules_remove(hd_rules_t *rs, int64_t id);
/* Number of live enabled rules. */
size_t hd_rules_count(hd_rules_t *rs);

/* Worker: ids of the enabled rules matching text[0..len) (at most max, in id order) and the
 * matched rules' categories (pointers valid until the caller frees cats with hd_mem_free,
 * copies). Returns the count. */
size_t hd_rules_eval(hd_rules_t *rs, const char *text, size_t len, int64_t *ids, char **cats,
                     size_t max);
void hd_rules_stats(hd_rules_t *rs, hd_rules_stats_t *out);

/* Write job: open (or merge into) the case of message (chat_id, message_id) sent by
 * user_id: one report per matching rule (source rule, evidence {"rule_id","kind":"rule"}). */
typedef struct {
  int64_t chat_id, message_id, user_id;
  size_t n;
  int64_t ids[HD_RULE_HITS_MAX];
  char *cats[HD_RULE_HITS_MAX]; /* reason codes */
  hd_mem_pool_t *pool;
} hd_rules_cases_op_t;
int hd_rules_open_cases(hd_store_t *tx, hd_rules_cases_op_t *op);

#endif
