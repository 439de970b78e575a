/*
 * audit.h — the append-only audit log of staff actions (role grants, bank changes, and
 * trust & safety decisions), one record per change:
 *
 *   (id, time ms, actor_id, kind, subject, before, after)
 *     kind     dotted verb: "staff.grant", "bank.create", "bank.import", "case.decide", …
 *     subject  what was acted on, "<type>:<key>": "user:42", "bank:ncmec-csam", "case:7"
 *     before / after  short human-readable states ("none" → "moderator"); "" when n/a
 *
 * Records are written inside the same transaction as the change they describe, so a change
 * is durable exactly when its record is. The store refuses UPDATE and DELETE on the table.
 *
 * Invariants:
 *  1. Every successful call appends exactly one record; records are never modified.
 *  2. kind and subject are non-empty and at most HD_AUDIT_FIELD_MAX bytes; before/after at
 *     most HD_AUDIT_TEXT_MAX (longer input is refused, not truncated).
 */
#ifndef HD_SAFETY_AUDIT_H
#define HD_SAFETY_AUDIT_H

#include "common/mem.h"
#include "store/admin_rows.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

#define HD_AUDIT_FIELD_MAX 128  /* bytes of kind and subject */
#define HD_AUDIT_TEXT_MAX  4096 /* bytes of before and after */

/* Write job helper: append one record stamped with the current time. actor 0 = the system or
 * the set-up command. before/after may be NULL (stored as ""). Returns 0, HD_ERR_BAD_FIELD
 * for empty/oversized fields, or HD_ERR_STORAGE. */
int hd_audit_append(hd_store_t *tx, int64_t actor, const char *kind, const char *subject,
                    const char *before, const char *after);

/* Read: records with id > after_id, oldest first, at most limit (1..1000); kind and subject
 * filter when non-NULL. Strings live in pool. */
int hd_audit_list(hd_store_t *rd, const char *kind, const char *subject, int64_t after_id,
                  size_t limit, hd_mem_pool_t *pool, hd_store_audit_t **out, size_t *n);

#endif
