/*
 * json.c — dotted-path lookups and one-line output over jansson (see json.h).
 *
 * A path is split at '.' into keys of at most 127 bytes and walked through objects only;
 * arrays are not indexed (no server object needs it).
 */
#include "libherald/json.h"
#include "common/error.h"

#include <string.h>

json_t *herald_json_at(const json_t *v, const char *path) {
  char key[128];
  const char *p = path;
  json_t *cur = (json_t *)v;
  while (cur && *p) {
    size_t n = strcspn(p, ".");
    if (n == 0 || n >= sizeof(key) || !json_is_object(cur))
      return NULL;
    memcpy(key, p, n);
    key[n] = '\0';
    cur = json_object_get(cur, key);
    p += n;
    if (*p == '.')
      p++;
  }
  return cur;
}

int64_t herald_json_int(const json_t *v, const char *path, int64_t def) {
  json_t *x = herald_json_at(v, path);
  return json_is_integer(x) ? (int64_t)json_integer_value(x) : def;
}

const char *herald_json_str(const json_t *v, const char *path, const char *def) {
  json_t *x = herald_json_at(v, path);
  return json_is_string(x) ? json_string_value(x) : def;
}

int herald_json_bool(const json_t *v, const char *path, int def) {
  json_t *x = herald_json_at(v, path);
  return json_is_boolean(x) ? json_is_true(x) : def;
}

int herald_json_line(FILE *f, const json_t *v) {
  if (json_dumpf(v, f, JSON_COMPACT | JSON_ENCODE_ANY) != 0 || fputc('\n', f) == EOF)
    return HD_ERR_IO;
  return 0;
}
