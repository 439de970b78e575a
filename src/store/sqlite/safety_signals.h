/*
 * sqlite/safety_signals.h — the automated-signals part of the trust & safety store
 * (safety_ops.h): quarantined media, rules over public text, flagger revocation and the
 * counters read-out, implemented in
 * sqlite/safety_signals.c and bound into hd__sq_safety_ops by sqlite/safety.c.
 *
 * Invariants: those of sqlite/safety.c (every statement finalized before return).
 */
#ifndef HD_STORE_SQLITE_SAFETY_SIGNALS_H
#define HD_STORE_SQLITE_SAFETY_SIGNALS_H

#include "store/safety_ops.h"

int hd__sqs_media_quarantine(hd_store_t *s, int64_t media_id, int64_t case_id, int64_t now);
int hd__sqs_media_quarantined(hd_store_t *s, int64_t media_id, int64_t *case_id);
int hd__sqs_rule_insert(hd_store_t *s, hd_store_rule_t *r);
int hd__sqs_rule_delete(hd_store_t *s, int64_t id);
int hd__sqs_rule_list(hd_store_t *s, hd_mem_pool_t *pool, hd_store_rule_t **out, size_t *n);
int hd__sqs_flagger_revoke(hd_store_t *s, int64_t id, int64_t now);
int hd__sqs_counter_list(hd_store_t *s, const char *from, const char *to, size_t limit,
                         hd_mem_pool_t *pool, hd_store_counter_t **out, size_t *n);

#endif
