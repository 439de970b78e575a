/*
 * args.c — table-driven option parsing (see args.h).
 *
 * One pass over argv: each word is "--", "--name[=value]", "-x", or positional. A value
 * option takes the rest of its own word after '=' or the next word, which may begin with '-'
 * ("--text -5"): the spec, not the shape of the next word, decides.
 */
#include "libherald/args.h"
#include "common/error.h"

#include <stdio.h>
#include <string.h>

int herald_args_init(herald_args_t *a, const herald_opt_spec_t *const *tables, size_t ntables) {
  memset(a, 0, sizeof(*a));
  for (size_t t = 0; t < ntables; t++) {
    for (const herald_opt_spec_t *s = tables[t]; s && s->name; s++) {
      int dup = 0;
      for (int i = 0; i < a->nspecs; i++)
        dup |= strcmp(a->specs[i]->name, s->name) == 0;
      if (dup)
        continue; /* first table wins */
      if (a->nspecs >= HERALD_ARGS_MAX_OPTS)
        return HD_ERR_TOO_LARGE;
      a->specs[a->nspecs++] = s;
    }
  }
  return 0;
}

static int find_long(const herald_args_t *a, const char *name, size_t n) {
  for (int i = 0; i < a->nspecs; i++)
    if (strlen(a->specs[i]->name) == n && memcmp(a->specs[i]->name, name, n) == 0)
      return i;
  return -1;
}

static int find_short(const herald_args_t *a, char c) {
  for (int i = 0; i < a->nspecs; i++)
    if (a->specs[i]->short_name == c)
      return i;
  return -1;
}

static int bad(herald_args_t *a, const char *what, const char *arg) {
  snprintf(a->err, sizeof(a->err), "%s: %s", what, arg);
  return HD_ERR_BAD_REQUEST;
}

static int add_pos(herald_args_t *a, const char *arg) {
  if (a->npos >= HERALD_ARGS_MAX_POS)
    return bad(a, "too many arguments", arg);
  a->pos[a->npos++] = arg;
  return 0;
}

int herald_args_parse(herald_args_t *a, int argc, char **argv) {
  int only_pos = 0;
  for (int i = 0; i < argc; i++) {
    const char *w = argv[i];
    int r;
    if (only_pos || w[0] != '-' || w[1] == '\0') {
      if ((r = add_pos(a, w)) != 0)
        return r;
      continue;
    }
    if (strcmp(w, "--") == 0) {
      only_pos = 1;
      continue;
    }
    int idx;
    const char *inline_value = NULL;
    if (w[1] == '-') {
      const char *name = w + 2;
      const char *eq = strchr(name, '=');
      idx = find_long(a, name, eq ? (size_t)(eq - name) : strlen(name));
      if (eq)
        inline_value = eq + 1;
    } else {
      if (w[2] != '\0')
        return bad(a, "unknown option", w); /* no bundling: -abc is a typo more often */
      idx = find_short(a, w[1]);
    }
    if (idx < 0)
      return bad(a, "unknown option", w);
    const herald_opt_spec_t *s = a->specs[idx];
    if (!s->has_value) {
      if (inline_value)
        return bad(a, "option takes no value", w);
      a->values[idx] = "";
      continue;
    }
    if (inline_value == NULL) {
      if (i + 1 >= argc)
        return bad(a, "option needs a value", w);
      inline_value = argv[++i];
    }
    a->values[idx] = inline_value;
  }
  return 0;
}

const char *herald_args_get(const herald_args_t *a, const char *name) {
  for (int i = 0; i < a->nspecs; i++)
    if (strcmp(a->specs[i]->name, name) == 0)
      return a->values[i];
  return NULL;
}

int herald_args_has(const herald_args_t *a, const char *name) {
  return herald_args_get(a, name) != NULL;
}

int herald_args_int(const char *s, int64_t min, int64_t max, int64_t *out) {
  int neg = 0;
  const char *p = s;
  if (*p == '-') {
    neg = 1;
    p++;
  }
  if (*p == '\0')
    return HD_ERR_BAD_REQUEST;
  uint64_t v = 0;
  for (; *p; p++) {
    if (*p < '0' || *p > '9')
      return HD_ERR_BAD_REQUEST;
    if (v > (UINT64_MAX - 9) / 10)
      return HD_ERR_BAD_REQUEST;
    v = v * 10 + (uint64_t)(*p - '0');
  }
  if ((!neg && v > (uint64_t)INT64_MAX) || (neg && v > (uint64_t)INT64_MAX + 1))
    return HD_ERR_BAD_REQUEST;
  int64_t x = neg ? (int64_t)(0 - v) : (int64_t)v;
  if (x < min || x > max)
    return HD_ERR_BAD_REQUEST;
  *out = x;
  return 0;
}

void herald_args_help(const herald_args_t *a, FILE *f) {
  for (int i = 0; i < a->nspecs; i++) {
    const herald_opt_spec_t *s = a->specs[i];
    char left[64], shortpart[8] = "    ";
    if (s->short_name)
      snprintf(shortpart, sizeof(shortpart), "-%c, ", s->short_name);
    snprintf(left, sizeof(left), "%s--%s%s%s", shortpart, s->name, s->has_value ? " " : "",
             s->has_value && s->metavar ? s->metavar : "");
    fprintf(f, "  %-26s %s\n", left, s->help ? s->help : "");
  }
}
