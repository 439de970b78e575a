/*
 * audit.c — appending to and reading the audit log (see audit.h for the record format).
 *
 *   domain write job ──► change rows ──► hd_audit_append(tx, …) ──► audit_log row
 *                        (same savepoint: both commit or neither does)
 *
 * Invariants: as audit.h; the time stamp comes from hd_time_now_ms() so tests can pin it.
 */
#include "safety/audit.h"

#include "common/error.h"
#include "common/time.h"
#include "store/ops.h"

#include <string.h>

static int field_ok(const char *s, size_t max, int required) {
  if (s == NULL)
    return !required;
  size_t n = strnlen(s, max + 1);
  return n <= max && (n > 0 || !required);
}

int hd_audit_append(hd_store_t *tx, int64_t actor, const char *kind, const char *subject,
                    const char *before, const char *after) {
  if (!field_ok(kind, HD_AUDIT_FIELD_MAX, 1) || !field_ok(subject, HD_AUDIT_FIELD_MAX, 1) ||
      !field_ok(before, HD_AUDIT_TEXT_MAX, 0) || !field_ok(after, HD_AUDIT_TEXT_MAX, 0))
    return HD_ERR_BAD_FIELD;
  hd_store_audit_t a = {
      .time_ms = hd_time_now_ms(),
      .actor_id = actor,
      .kind = kind,
      .subject = subject,
      .before = before ? before : "",
      .after = after ? after : "",
  };
  return tx->ops->audit_append(tx, &a, NULL);
}

int hd_audit_list(hd_store_t *rd, const char *kind, const char *subject, int64_t after_id,
                  size_t limit, hd_mem_pool_t *pool, hd_store_audit_t **out, size_t *n) {
  if (limit == 0 || limit > 1000 || after_id < 0)
    return HD_ERR_BAD_REQUEST;
  return rd->ops->audit_list(rd, kind, subject, after_id, limit, pool, out, n);
}
