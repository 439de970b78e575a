/*
 * flaggers.h — trusted flaggers (DSA Art. 22): organisations registered by an admin, with
 * their own API surface authenticated by an API key (X-Flagger-Key).
 *
 *   admin: hd_flagger_register ─► key = 32 random bytes, hex (shown once)
 *                               ─► mod_flaggers row with SHA-256(key) ─► audit "flagger.create"
 *   flagger request: X-Flagger-Key ─► SHA-256 ─► hd_flagger_auth ─► flagger row
 *   flagger report: reason ∈ accredited categories? ─► hd_report_file (source flagger,
 *                   urgent queue, SLA: CSAM/terrorism sla_urgent, others sla_default)
 *
 * Invariants:
 *  1. The key itself is never stored or logged; only its SHA-256 is.
 *  2. A flagger files only for reasons (reasons.h codes, or their parent) it is accredited for.
 *  3. Accuracy = upheld / decided, where upheld = decided with an action that was not
 *     reversed on appeal (GET /v1/admin/flaggers).
 */
#ifndef HD_SAFETY_FLAGGERS_H
#define HD_SAFETY_FLAGGERS_H

#include "common/mem.h"
#include "store/safety_ops.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

#define HD_FLAGGER_KEY_HEX     64 /* hex digits of a key */
#define HD_FLAGGER_NAME_MAX    100
#define HD_SLA_URGENT_DEFAULT  3600  /* CSAM and terrorism: 1 hour */
#define HD_SLA_DEFAULT_DEFAULT 86400 /* everything else: 24 hours */

typedef struct {
  /* in */
  int64_t actor_id;       /* the admin */
  const char *name;       /* 1..100 bytes, unique */
  const char *country;    /* ISO 3166-1 alpha-2 */
  const char *categories; /* comma-separated reason codes, each known (reasons.h) */
  hd_mem_pool_t *pool;
  /* out */
  char key[HD_FLAGGER_KEY_HEX + 1]; /* shown once */
  hd_store_flagger_t flagger;
} hd_flagger_register_op_t;
/* Write job. BAD_FIELD (name, country, categories), CONFLICT (name taken). */
int hd_flagger_register(hd_store_t *tx, hd_flagger_register_op_t *op);

/* Read: the flagger holding key (len bytes); HD_ERR_UNAUTHORIZED when none. */
int hd_flagger_auth(hd_store_t *rd, const char *key, size_t len, hd_mem_pool_t *pool,
                    hd_store_flagger_t *out);
/* Nonzero when reason (or its parent "a" of "a.b") is in the flagger's categories. */
int hd_flagger_accredited(const hd_store_flagger_t *f, const char *reason);
/* SLA seconds for a flagger report of reason. */
int64_t hd_flagger_sla(const char *reason, int64_t sla_urgent, int64_t sla_default);

#endif
