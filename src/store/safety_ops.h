/*
 * safety_ops.h — the trust & safety half of the store vtable: plain row structs for reports,
 * cases and decisions, and the operations src/safety/ performs on them. Reached through
 * s->ops->safety (one pointer appended to hd_store_ops_t), implemented by sqlite/safety.c.
 *
 *   mod_reports >── mod_cases (one open case per target) ──< mod_decisions
 *      (reporter or notifier)      (status, priority, claim)       (action, ground, …)
 *   mod_decisions ──< mod_effects (what changed, and the original to restore)
 *                 ──  mod_statements (Art. 17) ──< mod_appeals (Art. 20)
 *   mod_flaggers (Art. 22) ──< mod_reports.flagger_id        mod_counters (transparency)
 *
 * Conventions are those of ops.h: 0 or a negative hd_err_t, strings in the caller's pool,
 * writes only on the writer's handle inside its transaction. No authorization here.
 *
 * Invariants:
 *  1. At most one case per target has status open or claimed (a partial UNIQUE index); the
 *     domain merges a new report into it (safety/reports.c).
 *  2. Rows are never deleted; a case's history is its reports and decisions. Effects are
 *     lifted (active = 0), never removed.
 */
#ifndef HD_STORE_SAFETY_OPS_H
#define HD_STORE_SAFETY_OPS_H

#include "common/mem.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int64_t id;
  int target_type;    /* hd_target_type_t (safety/cases.h) */
  int64_t chat_id;    /* message/chat targets */
  int64_t message_id; /* message targets */
  int64_t user_id;    /* user targets; for messages the sender (the affected user) */
  const char *reason; /* reason code of the most severe report */
  int severity;       /* 1..5 */
  int urgent;         /* 1: urgent queue */
  int source;         /* hd_case_source_t of the first report */
  int status;         /* hd_case_status_t */
  int64_t priority;   /* cases.h formula */
  int64_t reporters;  /* distinct reporting users and notices */
  int64_t flagger_reports;
  int64_t claimed_by;    /* moderator holding the claim, 0 if none */
  int64_t claimed_until; /* unix seconds; a claim past it is void */
  int64_t created_at;
  int64_t sla_due_at;  /* 0 when no SLA clock (non-flagger cases) */
  int64_t decided_at;  /* 0 until decided */
  int64_t decision_id; /* the latest decision, 0 if none */
} hd_store_case_t;

typedef struct {
  int64_t id;
  int64_t case_id;
  int64_t reporter_id; /* 0 for a public notice or a flagger report */
  int64_t flagger_id;  /* 0 unless a trusted flagger filed it */
  int source;          /* hd_case_source_t */
  const char *reason;
  const char *comment;        /* "" when none */
  const char *legal_ground;   /* illegal-content notices (Art. 16(2)); "" otherwise */
  const char *notifier_name;  /* "" otherwise */
  const char *notifier_email; /* "" otherwise */
  int64_t created_at;
} hd_store_report_t;

typedef struct {
  int64_t id;
  int64_t case_id;
  int64_t moderator_id;
  int action;                    /* hd_action_t (safety/cases.h) */
  int ground;                    /* hd_ground_t */
  const char *ground_text;       /* legal ground or ToS clause */
  const char *category;          /* DSA category key */
  const char *keywords;          /* comma-separated DSA KEYWORD_* keys, "" when none */
  const char *territorial_scope; /* comma-separated ISO codes */
  const char *countries;         /* withhold: comma-separated ISO codes, "" otherwise */
  int64_t suspend_until;         /* suspend: unix seconds, 0 otherwise */
  const char *facts;
  int automated_detection;
  int automated_decision; /* hd_dsa_auto_t */
  int no_statement;
  int64_t created_at;
} hd_store_decision_t;

/* A decision's effect on one target (chat/moderation.h), kept apart from the message/chat/
 * user rows so that a reversal restores exactly what was there. */
typedef struct {
  int64_t id;
  int64_t decision_id;
  int kind;                  /* hd_effect_kind_t (chat/moderation.h) */
  int64_t chat_id;           /* message and chat effects */
  int64_t message_id;        /* message effects; 0 for a chat-level effect */
  int64_t user_id;           /* account effects (suspend/terminate) */
  const char *countries;     /* withhold: comma-separated ISO codes, else "" */
  const char *label;         /* label / withhold: the reason shown, else "" */
  int64_t until;             /* suspend: unix seconds; 0 otherwise */
  const char *original_text; /* remove: the text before the tombstone; NULL otherwise */
  int active;                /* 1 in force, 0 lifted by an appeal */
  int64_t created_at;
  int64_t lifted_at;
} hd_store_effect_t;

/* A statement of reasons (DSA Art. 17) for one restricting decision. */
typedef struct {
  int64_t id;
  int64_t decision_id;
  int64_t case_id;
  int64_t user_id;  /* the affected user, 0 when none could be identified */
  const char *puid; /* platform unique id, stable forever */
  int delivered;    /* 1: shown to the user (not no_statement) */
  int64_t created_at;
} hd_store_statement_t;

/* An appeal against a decision (DSA Art. 20). */
typedef struct {
  int64_t id;
  int64_t decision_id;
  int64_t case_id;
  int64_t appellant_id;
  const char *text;
  int status;  /* 0 open, 1 decided */
  int outcome; /* hd_appeal_outcome_t (safety/appeals.h), 0 while open */
  const char *reason;
  int64_t decided_by;
  int64_t created_at;
  int64_t decided_at;
} hd_store_appeal_t;

/* A trusted flagger (DSA Art. 22) and its track record. */
typedef struct {
  int64_t id;
  const char *name;
  const char *country;    /* ISO 3166-1 alpha-2 */
  const char *categories; /* comma-separated reason codes it is accredited for */
  int64_t created_by;
  int64_t created_at;
  int64_t reports;    /* list only: reports filed */
  int64_t decided;    /* list only: reports whose case was decided */
  int64_t upheld;     /* list only: decided with an action that was not reversed */
  int64_t revoked_at; /* 0 while the key works */
} hd_store_flagger_t;

/* One transparency counter row: day × category × action × country. */
typedef struct {
  const char *day; /* YYYY-MM-DD (UTC) */
  const char *category;
  const char *action;
  const char *country;
  int64_t n;
} hd_store_counter_t;

/* An admin-managed rule over public text (safety/rules.h). */
typedef struct {
  int64_t id;
  int kind;             /* hd_rule_kind_t: 0 keyword, 1 regular expression */
  const char *pattern;  /* the keyword or the PCRE2 pattern */
  const char *category; /* a reasons.h code: the case's reason on a match */
  int enabled;
  int64_t created_by;
  int64_t created_at;
} hd_store_rule_t;

/* A repeat-misuse strike (safety/misuse.h) and a notice it led to. */
typedef struct {
  int64_t id;
  int64_t user_id;
  int kind; /* hd_strike_kind_t */
  int64_t decision_id;
  int64_t case_id;
  int active; /* 0 once lifted by a reversal on appeal */
  int64_t created_at;
  int64_t lifted_at;
} hd_store_strike_t;

typedef struct {
  int64_t id;
  int64_t user_id;
  int kind;            /* hd_misuse_notice_kind_t */
  int64_t strikes;     /* active strikes in the window when it was issued */
  int64_t decision_id; /* suspension: the automatic decision; else the triggering one */
  int delivered;       /* 1: a service message was sent */
  int64_t created_at;
} hd_store_misuse_notice_t;

typedef struct st_hd_store_safety_ops_t {
  /* The open/claimed case of a target. HD_ERR_CASE_NOT_FOUND when none. */
  int (*case_find_open)(hd_store_t *s, int target_type, int64_t chat_id, int64_t message_id,
                        int64_t user_id, hd_mem_pool_t *pool, hd_store_case_t *out);
  /* Insert c (id ignored; c->id set). */
  int (*case_insert)(hd_store_t *s, hd_store_case_t *c);
  /* HD_ERR_CASE_NOT_FOUND when absent. */
  int (*case_get)(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_store_case_t *out);
  /* Write every mutable column of c (reason … decision_id). */
  int (*case_update)(hd_store_t *s, const hd_store_case_t *c);
  /* Open and claimed cases: urgent first, then priority, then age; at most limit. */
  int (*case_queue)(hd_store_t *s, size_t limit, hd_mem_pool_t *pool, hd_store_case_t **out,
                    size_t *n);
  /* Insert r (id set). */
  int (*report_insert)(hd_store_t *s, hd_store_report_t *r);
  /* HD_ERR_REPORT_NOT_FOUND when absent. */
  int (*report_get)(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_store_report_t *out);
  /* Reports of a case, oldest first, at most limit. */
  int (*report_list)(hd_store_t *s, int64_t case_id, size_t limit, hd_mem_pool_t *pool,
                     hd_store_report_t **out, size_t *n);
  /* *n = reports on case_id by reporter_id (> 0). */
  int (*report_count_by)(hd_store_t *s, int64_t case_id, int64_t reporter_id, int64_t *n);
  /* Insert d (id set). */
  int (*decision_insert)(hd_store_t *s, hd_store_decision_t *d);
  /* HD_ERR_NOT_FOUND when absent. */
  int (*decision_get)(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_store_decision_t *out);

  /* --- decision effects (chat/moderation.c) --- */
  /* Insert e (id set). */
  int (*effect_insert)(hd_store_t *s, hd_store_effect_t *e);
  /* Active effects of a decision, oldest first (at most 16). */
  int (*effect_of_decision)(hd_store_t *s, int64_t decision_id, hd_mem_pool_t *pool,
                            hd_store_effect_t **out, size_t *n);
  /* Mark effect id lifted at now. */
  int (*effect_lift)(hd_store_t *s, int64_t id, int64_t now);
  /* Active effects on chat_id with message_id in [lo, hi] (lo = hi = 0: chat-level only),
   * at most 200, ordered by message_id. Cached statement: called on chat loads. */
  int (*effect_in_chat)(hd_store_t *s, int64_t chat_id, int64_t lo, int64_t hi, hd_mem_pool_t *pool,
                        hd_store_effect_t **out, size_t *n);
  /* *until = the account block of user_id: 0 none, INT64_MAX terminated, else the latest
   * suspension end (may lie in the past). Cached statement: called on every request. */
  int (*account_block)(hd_store_t *s, int64_t user_id, int64_t *until);
  /* Un-tombstone a message: text restored, deleted = 0. */
  int (*message_restore)(hd_store_t *s, int64_t chat_id, int64_t id, const char *text);

  /* --- statements of reasons, appeals, flaggers, counters (safety/) --- */
  /* Insert st (id set); HD_ERR_CONFLICT when the decision already has one. */
  int (*statement_insert)(hd_store_t *s, hd_store_statement_t *st);
  /* By id (HD_ERR_NOT_FOUND), or by decision when id == 0 and decision_id > 0. */
  int (*statement_get)(hd_store_t *s, int64_t id, int64_t decision_id, hd_mem_pool_t *pool,
                       hd_store_statement_t *out);
  /* user_id > 0: that user's delivered statements, newest first; user_id == 0: every
   * statement with id > after_id, oldest first (the DSA export). At most limit. */
  int (*statement_list)(hd_store_t *s, int64_t user_id, int64_t after_id, size_t limit,
                        hd_mem_pool_t *pool, hd_store_statement_t **out, size_t *n);
  /* Insert a (id set); HD_ERR_CONFLICT when the appellant already appealed the decision. */
  int (*appeal_insert)(hd_store_t *s, hd_store_appeal_t *a);
  /* HD_ERR_NOT_FOUND when absent. */
  int (*appeal_get)(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_store_appeal_t *out);
  /* Write status, outcome, reason, decided_by, decided_at. */
  int (*appeal_update)(hd_store_t *s, const hd_store_appeal_t *a);
  /* Open appeals, oldest first, at most limit. */
  int (*appeal_queue)(hd_store_t *s, size_t limit, hd_mem_pool_t *pool, hd_store_appeal_t **out,
                      size_t *n);
  /* Insert f with the SHA-256 of its key (id set); HD_ERR_CONFLICT on a duplicate name. */
  int (*flagger_insert)(hd_store_t *s, hd_store_flagger_t *f, const uint8_t key_hash[32]);
  /* The flagger whose key hashes to key_hash; HD_ERR_UNAUTHORIZED when none. */
  int (*flagger_by_key)(hd_store_t *s, const uint8_t key_hash[32], hd_mem_pool_t *pool,
                        hd_store_flagger_t *out);
  /* Every flagger with its counts (reports, decided, upheld), by id. */
  int (*flagger_list)(hd_store_t *s, hd_mem_pool_t *pool, hd_store_flagger_t **out, size_t *n);
  /* counters[day, category, action, country] += delta. */
  int (*counter_add)(hd_store_t *s, const char *day, const char *category, const char *action,
                     const char *country, int64_t delta);

  /* --- automated signals: quarantine, rules (sqlite/safety_signals.c) --- */
  /* Mark media_id quarantined by case_id (a second mark keeps the first case). */
  int (*media_quarantine)(hd_store_t *s, int64_t media_id, int64_t case_id, int64_t now);
  /* *case_id = the case holding media_id, 0 when the media is not quarantined. */
  int (*media_quarantined)(hd_store_t *s, int64_t media_id, int64_t *case_id);
  /* Insert r (id, created_at set). */
  int (*rule_insert)(hd_store_t *s, hd_store_rule_t *r);
  /* Delete rule id; HD_ERR_RULE_NOT_FOUND when absent. */
  int (*rule_delete)(hd_store_t *s, int64_t id);
  /* Every rule, by id (at most 1000). */
  int (*rule_list)(hd_store_t *s, hd_mem_pool_t *pool, hd_store_rule_t **out, size_t *n);
  /* Revoke flagger id at now (its key stops working); HD_ERR_NOT_FOUND when absent or
   * already revoked. */
  int (*flagger_revoke)(hd_store_t *s, int64_t id, int64_t now);
  /* Counter rows with from <= day <= to (YYYY-MM-DD), by day, category, action, country;
   * at most limit. */
  int (*counter_list)(hd_store_t *s, const char *from, const char *to, size_t limit,
                      hd_mem_pool_t *pool, hd_store_counter_t **out, size_t *n);
  /* --- repeat misuse (sqlite/safety_misuse.c, safety/misuse.h) --- */
  /* Insert a strike (id set); HD_ERR_CONFLICT when the decision already gave the user one. */
  int (*strike_insert)(hd_store_t *s, hd_store_strike_t *st);
  /* Lift the active strikes of decision_id at now; *n = how many were lifted. */
  int (*strike_lift)(hd_store_t *s, int64_t decision_id, int64_t now, int64_t *n);
  /* *n = active strikes of user_id and kind with created_at >= since. */
  int (*strike_count)(hd_store_t *s, int64_t user_id, int kind, int64_t since, int64_t *n);
  /* Strikes of user_id (lifted ones too), newest first, at most limit. */
  int (*strike_list)(hd_store_t *s, int64_t user_id, size_t limit, hd_mem_pool_t *pool,
                     hd_store_strike_t **out, size_t *n);
  /* Insert a notice (id set). */
  int (*misuse_notice_insert)(hd_store_t *s, hd_store_misuse_notice_t *m);
  /* *n = notices of user_id and kind with created_at >= since. */
  int (*misuse_notice_count)(hd_store_t *s, int64_t user_id, int kind, int64_t since, int64_t *n);
  /* Notices of user_id, newest first, at most limit. */
  int (*misuse_notice_list)(hd_store_t *s, int64_t user_id, size_t limit, hd_mem_pool_t *pool,
                            hd_store_misuse_notice_t **out, size_t *n);
  /* Remember that reporter_id's report on case_id carried no weight (idempotent). */
  int (*deprio_insert)(hd_store_t *s, int64_t case_id, int64_t reporter_id, int64_t now);
  /* *n = deprioritised reporters of case_id. */
  int (*deprio_count)(hd_store_t *s, int64_t case_id, int64_t *n);
} hd_store_safety_ops_t;

#endif
