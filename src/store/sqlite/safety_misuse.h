/*
 * sqlite/safety_misuse.h — the repeat-misuse part of the trust & safety store
 * (store/safety_ops.h, safety/misuse.h): strikes, notices and deprioritised reports,
 * implemented in sqlite/safety_misuse.c and bound into hd__sq_safety_ops by sqlite/safety.c.
 *
 * Invariants: those of sqlite/safety_misuse.c.
 */
#ifndef HD_STORE_SQLITE_SAFETY_MISUSE_H
#define HD_STORE_SQLITE_SAFETY_MISUSE_H

#include "store/safety_ops.h"

int hd__sqs_strike_insert(hd_store_t *s, hd_store_strike_t *st);
int hd__sqs_strike_lift(hd_store_t *s, int64_t decision_id, int64_t now, int64_t *n);
int hd__sqs_strike_count(hd_store_t *s, int64_t user_id, int kind, int64_t since, int64_t *n);
int hd__sqs_strike_list(hd_store_t *s, int64_t user_id, size_t limit, hd_mem_pool_t *pool,
                        hd_store_strike_t **out, size_t *n);
int hd__sqs_misuse_notice_insert(hd_store_t *s, hd_store_misuse_notice_t *m);
int hd__sqs_misuse_notice_count(hd_store_t *s, int64_t user_id, int kind, int64_t since,
                                int64_t *n);
int hd__sqs_misuse_notice_list(hd_store_t *s, int64_t user_id, size_t limit, hd_mem_pool_t *pool,
                               hd_store_misuse_notice_t **out, size_t *n);
int hd__sqs_deprio_insert(hd_store_t *s, int64_t case_id, int64_t reporter_id, int64_t now);
int hd__sqs_deprio_count(hd_store_t *s, int64_t case_id, int64_t *n);

#endif
