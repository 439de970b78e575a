/*
 * json.h — small jansson helpers shared by libherald users (public, prefix herald_json_).
 *
 * Lookups take a dotted path ("chat.id", "error.code") and never fail loudly: a missing key
 * or a value of the wrong type yields the caller's default, because server objects omit
 * optional fields (docs/api.md). Values are borrowed from the object.
 *
 * Invariants:
 *  1. No helper takes or drops a reference unless its comment says so.
 *  2. herald_json_line() output is one line (JSON_COMPACT never emits a newline).
 */
#ifndef HERALD_JSON_H
#define HERALD_JSON_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* Return the value at dotted path in v, or NULL (borrowed). */
json_t *herald_json_at(const json_t *v, const char *path);
/* Return the integer at path, or def when absent or not an integer. */
int64_t herald_json_int(const json_t *v, const char *path, int64_t def);
/* Return the string at path, or def when absent or not a string (borrowed). */
const char *herald_json_str(const json_t *v, const char *path, const char *def);
/* Return 1/0 for a boolean at path, or def. */
int herald_json_bool(const json_t *v, const char *path, int def);
/* Write v compactly on one line followed by '\n' to f. Returns 0 or HD_ERR_IO. */
int herald_json_line(FILE *f, const json_t *v);

#endif
