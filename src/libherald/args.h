/*
 * args.h — command-line option parsing for Herald client tools (prefix herald_args_).
 *
 * A table of option specs drives the parser; options and positional arguments may be mixed
 * in any order ("herald send --json @bob hi"), "--" ends options, "-" alone is positional.
 *
 *    spec {"limit", 'n', 1, "N", "how many"}   accepts  --limit 5  --limit=5  -n 5
 *    spec {"json",   0,  0, NULL, "…"}          accepts  --json
 *
 * Invariants:
 *  1. Results borrow argv: values and positionals point into it, nothing is copied.
 *  2. On error the parser returns HD_ERR_BAD_REQUEST with a one-line reason in a->err and
 *     the caller treats it as a usage error (exit code 2).
 */
#ifndef HERALD_ARGS_H
#define HERALD_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HERALD_ARGS_MAX_OPTS 32
#define HERALD_ARGS_MAX_POS  64

typedef struct {
  const char *name;    /* long name without "--"; NULL ends a table */
  char short_name;     /* single-letter alias, or 0 */
  int has_value;       /* takes a value */
  const char *metavar; /* value name for help ("N") */
  const char *help;    /* one line */
} herald_opt_spec_t;

typedef struct {
  const herald_opt_spec_t *specs[HERALD_ARGS_MAX_OPTS]; /* merged tables, in order */
  int nspecs;
  const char *values[HERALD_ARGS_MAX_OPTS]; /* value, or "" for a flag that was given */
  const char *pos[HERALD_ARGS_MAX_POS];     /* positional arguments in order */
  int npos;
  char err[160];
} herald_args_t;

/* Reset a and register the spec tables (each ends with a NULL name); later tables may not
 * repeat a name. Returns 0 or HD_ERR_TOO_LARGE past HERALD_ARGS_MAX_OPTS. */
int herald_args_init(herald_args_t *a, const herald_opt_spec_t *const *tables, size_t ntables);
/* Parse argv[0..argc) (no program name). Returns 0 or HD_ERR_BAD_REQUEST (a->err). */
int herald_args_parse(herald_args_t *a, int argc, char **argv);
/* Return the value of option name, "" for a given flag, or NULL when absent. */
const char *herald_args_get(const herald_args_t *a, const char *name);
/* Return nonzero when option name was given. */
int herald_args_has(const herald_args_t *a, const char *name);
/* Parse s as a decimal integer in [min, max] into *out; no sign other than a leading '-',
 * no spaces, no trailing bytes. Returns 0 or HD_ERR_BAD_REQUEST. */
int herald_args_int(const char *s, int64_t min, int64_t max, int64_t *out);
/* Print the option tables as help lines to f. */
void herald_args_help(const herald_args_t *a, FILE *f);

#endif
