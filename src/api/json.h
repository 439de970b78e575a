/*
 * json.h — request bodies: parsing and typed, validating field getters.
 *
 * A handler parses the body once into an hd_jin_t, then asks for fields. The first problem
 * found is recorded (sticky) with a message naming the field; later getters are no-ops that
 * return their default, so a handler reads all fields and checks once:
 *
 *   hd_jin_t in;                              parse: BAD_UTF8 (checked before jansson),
 *   hd_jin_parse(&in, body, pool);                   BAD_JSON (syntax, duplicate keys,
 *   text = hd_jin_str(&in, "text", 1, &n);            not an object)
 *   rid  = hd_jin_random_id(&in);             fields: BAD_FIELD naming the field,
 *   if (in.err) → answer in.err / in.msg               RANDOM_ID_INVALID
 *   hd_jin_dispose(&in);
 *
 * Strings are copied into the pool (NUL-terminated; the parser rejects \u0000), so results
 * outlive the parsed tree and may be handed to the writer thread. JSON null counts as absent
 * for optional fields. Integers must be JSON integers: 1.0, "1" and true are BAD_FIELD.
 *
 * Pure: no I/O, no server state; the fuzz driver fuzz/json_body.c runs it on any bytes.
 */
#ifndef HD_API_JSON_H
#define HD_API_JSON_H

#include "common/mem.h"

#include <jansson.h>
#include <stdint.h>

typedef struct {
  json_t *root;        /* the body object (owned; released by hd_jin_dispose) */
  hd_mem_pool_t *pool; /* where returned strings and arrays live */
  int err;             /* first error (hd_err_t), 0 if none */
  char msg[160];       /* message for err, naming the field */
} hd_jin_t;

/* Parse body as a JSON object. Returns 0, HD_ERR_BAD_UTF8, HD_ERR_BAD_JSON or HD_ERR_BAD_FIELD
 * (an integer outside 64 bits), also recorded in in->err/in->msg. Always call hd_jin_dispose()
 * afterwards. */
int hd_jin_parse(hd_jin_t *in, hd_iovec_t body, hd_mem_pool_t *pool);
void hd_jin_dispose(hd_jin_t *in);

/* Record an error unless one is recorded already (printf-style message). */
void hd_jin_fail(hd_jin_t *in, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 1 when the field is present and not null. */
int hd_jin_has(hd_jin_t *in, const char *name);

/* A string field copied into the pool; *len (may be NULL) gets its byte length. Returns
 * NULL when absent and optional, or on error. */
const char *hd_jin_str(hd_jin_t *in, const char *name, int required, size_t *len);

/* An integer field in [min, max]; returns def when absent and optional, or on error. */
int64_t hd_jin_int(hd_jin_t *in, const char *name, int required, int64_t min, int64_t max,
                   int64_t def);

/* A boolean field; def when absent and optional. */
int hd_jin_bool(hd_jin_t *in, const char *name, int required, int def);

/* The required "random_id": a non-zero 64-bit integer (else RANDOM_ID_INVALID; a missing
 * field or a non-integer is BAD_FIELD). */
int64_t hd_jin_random_id(hd_jin_t *in);

/* A required array of at most max integers each in [min, maxv], copied into the pool.
 * Returns the count (0 on error, *out NULL). */
size_t hd_jin_int_array(hd_jin_t *in, const char *name, size_t max, int64_t min, int64_t maxv,
                        int64_t **out);

#endif
