/*
 * sor.h — statements of reasons (DSA Art. 17) and their DSA Transparency Database form
 * (../shared/spec/dsa-sor-enums.json; JSON encoding in api/statements.c).
 *
 *   decision (restricting: action != none)
 *     └─► hd_sor_issue (same write job)
 *           ├─ mod_statements row: puid "herald-sor-<decision id>", affected user
 *           └─ unless no_statement: service message from the system account
 *              "herald_safety" in a private chat with the affected user (created on demand)
 *   export: hd_sor_build(statement, decision, case, content) ─► hd_sor_t (plain C) ─► JSON
 *
 * Field mapping (docs/safety.md "Statements of reasons"):
 *   label     decision_visibility CONTENT_LABELLED
 *   restrict  decision_visibility CONTENT_INTERACTION_RESTRICTED
 *   withhold  decision_visibility CONTENT_DISABLED (territorial_scope = the countries)
 *   remove    decision_visibility CONTENT_REMOVED
 *   ban_chat  decision_visibility CONTENT_DISABLED + decision_provision PARTIAL_TERMINATION
 *   suspend   decision_account SUSPENDED, end_date_account_restriction = the end date
 *   terminate decision_account TERMINATED
 *   source    user report / notice → SOURCE_ARTICLE_16, flagger → SOURCE_TRUSTED_FLAGGER,
 *             hash match / rule → SOURCE_VOLUNTARY
 *
 * Invariants:
 *  1. One statement per restricting decision; its puid never changes and is unique.
 *  2. The export carries no personal data: no ids of users or chats, no names, no message
 *     text; decision_facts and the explanations are generated from the decision's codes.
 *  3. Every built hd_sor_t satisfies the spec: required fields, at least one decision_*,
 *     ground-conditional fields, max lengths, enum keys, YYYY-MM-DD dates, territorial_scope
 *     normalised (∩ EEA codes, de-duplicated, sorted), category_specification sorted.
 */
#ifndef HD_SAFETY_SOR_H
#define HD_SAFETY_SOR_H

#include "chat/types.h"
#include "common/mem.h"
#include "safety/dsa_enums.h"
#include "store/safety_ops.h"
#include "store/store.h"

#include <stdint.h>

#define HD_SOR_APPEAL_DAYS 183 /* "within 6 months" (Art. 20(1)) */
#define HD_SOR_SCOPE_MAX   30  /* EU27 + IS, LI, NO */
#define HD_SOR_SPEC_MAX    32

typedef struct {
  char puid[40];
  int visibility[2]; /* hd_dsa_vis_t */
  size_t n_visibility;
  int provision; /* hd_dsa_prov_t, -1 when absent */
  int account;   /* hd_dsa_acc_t, -1 when absent */
  hd_dsa_ground_t ground;
  char legal_ground[512];         /* illegal_content_legal_ground or incompatible_content_ground */
  char explanation[1024];         /* illegal_/incompatible_content_explanation */
  hd_dsa_ct_t content_type;       /* one type */
  const char *content_type_other; /* CONTENT_TYPE_OTHER only */
  const char *category;
  const char *spec[HD_SOR_SPEC_MAX]; /* category_specification, sorted, unique */
  size_t n_spec;
  const char *scope[HD_SOR_SCOPE_MAX]; /* territorial_scope, sorted, unique */
  size_t n_scope;
  char content_date[11];     /* YYYY-MM-DD */
  char application_date[11]; /* YYYY-MM-DD */
  char end_date_account[11]; /* "" when absent (indefinite or not an account decision) */
  char facts[1024];
  hd_dsa_src_t source_type;
  int automated_detection; /* 1 Yes, 0 No */
  hd_dsa_auto_t automated_decision;
} hd_sor_t;

/* What the export needs to know about the content, loaded by the caller. */
typedef struct {
  int64_t date;          /* when the content was posted / the chat or account created */
  hd_media_kind_t media; /* message targets: attached media kind */
} hd_sor_content_t;

/* "YYYY-MM-DD" (UTC) of unix seconds t into out[11]. */
void hd_sor_date(int64_t t, char out[11]);
/* Build the DSA form of statement st for decision d of case c (invariants 2–3). Returns 0 or
 * HD_ERR_BAD_FIELD when d is not a restricting decision. */
int hd_sor_build(const hd_store_statement_t *st, const hd_store_decision_t *d,
                 const hd_store_case_t *c, const hd_sor_content_t *content, hd_sor_t *out);
/* Read: build the DSA form of a stored statement (loads decision, case, content). */
int hd_sor_load(hd_store_t *rd, const hd_store_statement_t *st, hd_mem_pool_t *pool,
                hd_store_decision_t *d, hd_store_case_t *c, hd_sor_t *out);

/* The user affected by case c: the user target, a message's sender, a chat's owner (0 when
 * none, e.g. a vanished chat). */
int hd_sor_affected_user(hd_store_t *s, const hd_store_case_t *c, hd_mem_pool_t *pool,
                         int64_t *user_id);

typedef struct {
  /* in */
  const hd_store_case_t *c;
  const hd_store_decision_t *d;
  int64_t user_id; /* affected user (hd_sor_affected_user), 0: nobody to tell */
  hd_mem_pool_t *pool;
  /* out */
  hd_store_statement_t st;
  hd_events_t events; /* the service message's updates */
} hd_sor_issue_op_t;
/* Write job part: record the statement of a restricting decision and, unless no_statement,
 * deliver it as a service message from HD_SAFETY_ACCOUNT_NAME (invariant 1). */
int hd_sor_issue(hd_store_t *tx, hd_sor_issue_op_t *op);

/* The system account's id, creating it on first use (write handle). */
int hd_sor_system_account(hd_store_t *tx, hd_mem_pool_t *pool, int64_t *id);

/* Write job step: tell every user who reported case c (reporter_id > 0, once per reporter,
 * at most HD_SOR_TELL_MAX reports read) the outcome d as a service message from the system
 * account (DSA Art. 16(5)); the messages' events are appended to *events (pool arrays).
 * Flaggers read outcomes on their own surface; public notices have no account to tell.
 * System-message random_ids: 0x5afe0… statements, 0x5afe1… misuse notices, 0x5afe2… these. */
#define HD_SOR_TELL_MAX 1000
int hd_sor_tell_reporters(hd_store_t *tx, const hd_store_case_t *c, const hd_store_decision_t *d,
                          hd_mem_pool_t *pool, hd_events_t *events);

#endif
