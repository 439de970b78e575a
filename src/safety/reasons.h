/*
 * reasons.h — the report reasons users choose from (Telegram's list), as data, each mapped
 * to a DSA Transparency Database category and category_specification keyword.
 *
 *   reason tree (GET /v1/reports/reasons)          DSA statement of reasons
 *   ───────────────────────────────────           ──────────────────────────────────────
 *   violence ─┬─ violence.incitement ──────────► STATEMENT_CATEGORY_VIOLENCE,
 *             └─ violence.hate_speech            KEYWORD_INCITEMENT_VIOLENCE_HATRED …
 *   child_abuse ────────────────────────────────► STATEMENT_CATEGORY_PROTECTION_OF_MINORS,
 *                                                 KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL
 *
 * Severity (1..5) feeds the case priority (cases.h); `urgent` reasons (CSAM, terrorism) put
 * the case in the urgent queue and require a senior_moderator to decide.
 *
 * Invariants:
 *  1. Codes are unique, lower_snake_case with '.' separating a child from its parent, and a
 *     child's parent appears before it in the table (tests/unit/safety/reasons.c).
 *  2. Every category/keyword is a value of dsa_enums.h (compile-time: enum constants).
 */
#ifndef HD_SAFETY_REASONS_H
#define HD_SAFETY_REASONS_H

#include "safety/dsa_enums.h"

#include <stddef.h>

typedef struct {
  const char *code;      /* "child_abuse", "violence.hate_speech" */
  const char *parent;    /* parent code, NULL for top-level reasons */
  const char *label;     /* English label shown to reporters */
  hd_dsa_cat_t category; /* DSA category */
  hd_dsa_kw_t keyword;   /* DSA category_specification */
  int severity;          /* 1 (lowest) .. 5 (highest) */
  int urgent;            /* 1: urgent queue, senior_moderator decides */
} hd_reason_t;

/* The whole table (static storage), parents before children; *n gets the count. */
const hd_reason_t *hd_reasons(size_t *n);
/* The reason with this code, or NULL. */
const hd_reason_t *hd_reason_find(const char *code);
/* The reason for a DSA category key (the first reason in that category), or NULL: used for
 * flagger reports, which name a category rather than a reason. */
const hd_reason_t *hd_reason_for_category(const char *category_key);

#endif
