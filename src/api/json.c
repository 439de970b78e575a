/*
 * json.c — request-body parsing and field getters (see json.h for the contract).
 *
 * Integers beyond 64 bits are well-formed JSON with a value we cannot take: BAD_FIELD, not
 * BAD_JSON (jansson reports them as json_error_numeric_overflow).
 *
 * Why check UTF-8 first: jansson also rejects invalid UTF-8, but as a generic syntax error;
 * clients are owed the distinct `bad_utf8` code, so hd_utf8_valid() runs on the raw bytes
 * before the parser sees them.
 *
 * Invariants:
 *  1. After hd_jin_parse() returns 0, in->root is a JSON object and in->err == 0.
 *  2. in->err, once set, never changes; every getter then returns its default.
 *  3. Strings handed out are NUL-terminated copies in in->pool without interior NULs
 *     (jansson rejects \u0000 unless JSON_ALLOW_NUL, which we never pass).
 */
#include "api/json.h"
#include "common/error.h"
#include "common/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void hd_jin_fail(hd_jin_t *in, int err, const char *fmt, ...) {
  if (in->err)
    return;
  in->err = err;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(in->msg, sizeof(in->msg), fmt, ap);
  va_end(ap);
}

int hd_jin_parse(hd_jin_t *in, hd_iovec_t body, hd_mem_pool_t *pool) {
  memset(in, 0, sizeof(*in));
  in->pool = pool;
  if (body.len == 0) {
    hd_jin_fail(in, HD_ERR_BAD_JSON, "the body must be a JSON object");
    return in->err;
  }
  if (!hd_utf8_valid(body.base, body.len)) {
    hd_jin_fail(in, HD_ERR_BAD_UTF8, "the body is not valid UTF-8");
    return in->err;
  }
  json_error_t jerr;
  json_t *root = json_loadb(body.base, body.len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root) {
    if (json_error_code(&jerr) == json_error_numeric_overflow) /* well-formed, bad value */
      hd_jin_fail(in, HD_ERR_BAD_FIELD,
                  "the number at line %d column %d is outside the 64-bit "
                  "integer range",
                  jerr.line, jerr.column);
    else
      hd_jin_fail(in, HD_ERR_BAD_JSON, "invalid JSON at line %d column %d: %s", jerr.line,
                  jerr.column, jerr.text);
    return in->err;
  }
  if (!json_is_object(root)) {
    json_decref(root);
    hd_jin_fail(in, HD_ERR_BAD_JSON, "the body must be a JSON object");
    return in->err;
  }
  in->root = root;
  return 0;
}

void hd_jin_dispose(hd_jin_t *in) {
  if (in->root)
    json_decref(in->root);
  in->root = NULL;
}

/* The field's value, or NULL when absent/null (failing if required) or after an error. */
static json_t *field(hd_jin_t *in, const char *name, int required) {
  if (in->err || !in->root)
    return NULL;
  json_t *v = json_object_get(in->root, name);
  if (v && json_is_null(v))
    v = NULL;
  if (!v && required)
    hd_jin_fail(in, HD_ERR_BAD_FIELD, "field '%s' is required", name);
  return v;
}

int hd_jin_has(hd_jin_t *in, const char *name) {
  if (!in->root)
    return 0;
  json_t *v = json_object_get(in->root, name);
  return v && !json_is_null(v);
}

const char *hd_jin_str(hd_jin_t *in, const char *name, int required, size_t *len) {
  if (len)
    *len = 0;
  json_t *v = field(in, name, required);
  if (!v)
    return NULL;
  if (!json_is_string(v)) {
    hd_jin_fail(in, HD_ERR_BAD_FIELD, "field '%s' must be a string", name);
    return NULL;
  }
  size_t n = json_string_length(v);
  const char *s = json_string_value(v);
  if (memchr(s, '\0', n)) { /* unreachable without JSON_ALLOW_NUL; kept as a guard */
    hd_jin_fail(in, HD_ERR_BAD_FIELD, "field '%s' must not contain NUL", name);
    return NULL;
  }
  if (len)
    *len = n;
  return hd_mem_pool_strndup(in->pool, s, n);
}

int64_t hd_jin_int(hd_jin_t *in, const char *name, int required, int64_t min, int64_t max,
                   int64_t def) {
  json_t *v = field(in, name, required);
  if (!v)
    return def;
  if (!json_is_integer(v)) {
    hd_jin_fail(in, HD_ERR_BAD_FIELD, "field '%s' must be an integer", name);
    return def;
  }
  json_int_t x = json_integer_value(v);
  if (x < min || x > max) {
    hd_jin_fail(in, HD_ERR_BAD_FIELD, "field '%s' is out of range (%lld..%lld)", name,
                (long long)min, (long long)max);
    return def;
  }
  return (int64_t)x;
}

int hd_jin_bool(hd_jin_t *in, const char *name, int required, int def) {
  json_t *v = field(in, name, required);
  if (!v)
    return def;
  if (!json_is_boolean(v)) {
    hd_jin_fail(in, HD_ERR_BAD_FIELD, "field '%s' must be true or false", name);
    return def;
  }
  return json_is_true(v);
}

int64_t hd_jin_random_id(hd_jin_t *in) {
  json_t *v = field(in, "random_id", 1);
  if (!v)
    return 0;
  if (!json_is_integer(v)) {
    hd_jin_fail(in, HD_ERR_BAD_FIELD, "field 'random_id' must be an integer");
    return 0;
  }
  int64_t x = (int64_t)json_integer_value(v);
  if (x == 0)
    hd_jin_fail(in, HD_ERR_RANDOM_ID_INVALID, "random_id must be a non-zero 64-bit integer");
  return x;
}

size_t hd_jin_int_array(hd_jin_t *in, const char *name, size_t max, int64_t min, int64_t maxv,
                        int64_t **out) {
  *out = NULL;
  json_t *v = field(in, name, 1);
  if (!v)
    return 0;
  if (!json_is_array(v)) {
    hd_jin_fail(in, HD_ERR_BAD_FIELD, "field '%s' must be an array of integers", name);
    return 0;
  }
  size_t n = json_array_size(v);
  if (n > max) {
    hd_jin_fail(in, HD_ERR_BAD_FIELD, "field '%s' has more than %zu elements", name, max);
    return 0;
  }
  int64_t *a = hd_mem_pool_alloc(in->pool, (n ? n : 1) * sizeof(int64_t));
  for (size_t i = 0; i < n; i++) {
    json_t *e = json_array_get(v, i);
    if (!json_is_integer(e) || json_integer_value(e) < min || json_integer_value(e) > maxv) {
      hd_jin_fail(in, HD_ERR_BAD_FIELD, "field '%s' element %zu must be an integer in %lld..%lld",
                  name, i, (long long)min, (long long)maxv);
      return 0;
    }
    a[i] = (int64_t)json_integer_value(e);
  }
  *out = a;
  return n;
}
