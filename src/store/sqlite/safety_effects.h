/*
 * sqlite/safety_effects.h — the second half of the trust & safety store (safety_ops.h):
 * decision effects, statements of reasons, appeals, trusted flaggers and counters,
 * implemented in sqlite/safety_effects.c and bound into hd__sq_safety_ops by sqlite/safety.c.
 *
 * Invariants: those of sqlite/safety.c (every statement finalized or reset before return).
 */
#ifndef HD_STORE_SQLITE_SAFETY_EFFECTS_H
#define HD_STORE_SQLITE_SAFETY_EFFECTS_H

#include "store/safety_ops.h"

int hd__sqs_effect_insert(hd_store_t *s, hd_store_effect_t *e);
int hd__sqs_effect_of_decision(hd_store_t *s, int64_t decision_id, hd_mem_pool_t *pool,
                               hd_store_effect_t **out, size_t *n);
int hd__sqs_effect_lift(hd_store_t *s, int64_t id, int64_t now);
int hd__sqs_effect_in_chat(hd_store_t *s, int64_t chat_id, int64_t lo, int64_t hi,
                           hd_mem_pool_t *pool, hd_store_effect_t **out, size_t *n);
int hd__sqs_account_block(hd_store_t *s, int64_t user_id, int64_t *until);
int hd__sqs_message_restore(hd_store_t *s, int64_t chat_id, int64_t id, const char *text);
int hd__sqs_statement_insert(hd_store_t *s, hd_store_statement_t *st);
int hd__sqs_statement_get(hd_store_t *s, int64_t id, int64_t decision_id, hd_mem_pool_t *pool,
                          hd_store_statement_t *out);
int hd__sqs_statement_list(hd_store_t *s, int64_t user_id, int64_t after_id, size_t limit,
                           hd_mem_pool_t *pool, hd_store_statement_t **out, size_t *n);
int hd__sqs_appeal_insert(hd_store_t *s, hd_store_appeal_t *a);
int hd__sqs_appeal_get(hd_store_t *s, int64_t id, hd_mem_pool_t *pool, hd_store_appeal_t *out);
int hd__sqs_appeal_update(hd_store_t *s, const hd_store_appeal_t *a);
int hd__sqs_appeal_queue(hd_store_t *s, size_t limit, hd_mem_pool_t *pool, hd_store_appeal_t **out,
                         size_t *n);
int hd__sqs_flagger_insert(hd_store_t *s, hd_store_flagger_t *f, const uint8_t key_hash[32]);
int hd__sqs_flagger_by_key(hd_store_t *s, const uint8_t key_hash[32], hd_mem_pool_t *pool,
                           hd_store_flagger_t *out);
int hd__sqs_flagger_list(hd_store_t *s, hd_mem_pool_t *pool, hd_store_flagger_t **out, size_t *n);
int hd__sqs_counter_add(hd_store_t *s, const char *day, const char *category, const char *action,
                        const char *country, int64_t delta);

#endif
