/* Tests src/api/metrics.c: per-loop counting summed at collection, the status columns, and
 * the exposition format 0.0.4 (checked by a small validator: HELP/TYPE before samples,
 * counters end in _total, names and labels well formed, histograms cumulative with
 * le="+Inf" == _count, no duplicate series) — invariants 1 and 3 of metrics.h. */
#include "api/handler.h"
#include "api/metrics.h"
#include "common/error.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- a minimal exposition-format validator ------------------------------------------------ */
/* validate() returns the number of families, or -1 with the reason in verr: it must be able
 * to fail (see the validator_* tests), or the tests that use it prove nothing. */

#define MAXF 64
#define MAXS 512

static char verr[512];
#define V(cond, ...)                                                                               \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      snprintf(verr, sizeof(verr), __VA_ARGS__);                                                   \
      return -1;                                                                                   \
    }                                                                                              \
  } while (0)

typedef struct {
  char name[96], type[16];
} fam_t;

typedef struct {
  fam_t fam[MAXF];
  int nfam;
  char series[MAXS][192];
  int nseries;
  double last_bucket; /* histogram being read */
  int seen_inf;
  double inf_value;
} val_t;

static int valid_name(const char *s, size_t n) {
  if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
    return 0;
  for (size_t i = 1; i < n; i++)
    if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
      return 0;
  return 1;
}

static int has_suffix(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Parse labels at p (just after '{'); sets *le to the le value (or NULL); returns the char
 * after '}' or NULL. */
static const char *parse_labels(const char *p, const char **le) {
  *le = NULL;
  while (*p != '}') {
    const char *eq = strchr(p, '=');
    if (!eq || !valid_name(p, (size_t)(eq - p)) || eq[1] != '"')
      return NULL;
    if (eq - p == 2 && memcmp(p, "le", 2) == 0)
      *le = eq + 2;
    p = eq + 2;
    while (*p != '"') {
      if (!*p)
        return NULL;
      if (*p == '\\') {
        if (p[1] != '\\' && p[1] != '"' && p[1] != 'n')
          return NULL;
        p++;
      }
      p++;
    }
    p++;
    if (*p == ',')
      p++;
    else if (*p != '}')
      return NULL;
  }
  return p + 1;
}

static int check_sample(val_t *v, const char *line) {
  V(v->nfam > 0 && v->fam[v->nfam - 1].type[0], "sample before # HELP/# TYPE: %s", line);
  fam_t *f = &v->fam[v->nfam - 1];
  const char *sp = line;
  while (*sp && *sp != '{' && *sp != ' ')
    sp++;
  char name[128];
  size_t nlen = (size_t)(sp - line);
  V(nlen < sizeof(name) && valid_name(line, nlen), "bad metric name: %s", line);
  memcpy(name, line, nlen);
  name[nlen] = '\0';
  const char *le = NULL;
  if (*sp == '{')
    V((sp = parse_labels(sp + 1, &le)) != NULL, "bad labels: %s", line);
  V(*sp == ' ', "no space before the value: %s", line);
  char *end;
  double val = strtod(sp + 1, &end);
  V(end != sp + 1 && *end == '\0' && val >= 0, "bad value: %s", line);
  size_t slen = (size_t)(sp - line);
  V(slen < sizeof(v->series[0]) && v->nseries < MAXS, "series too long: %s", line);
  for (int i = 0; i < v->nseries; i++)
    V(strncmp(v->series[i], line, slen) != 0 || v->series[i][slen] != '\0', "duplicate: %s", line);
  memcpy(v->series[v->nseries], line, slen);
  v->series[v->nseries++][slen] = '\0';

  char want[128];
  if (strcmp(f->type, "counter") == 0) {
    V(strcmp(name, f->name) == 0, "%s outside its family %s", name, f->name);
    V(has_suffix(name, "_total"), "counter %s does not end in _total", name);
  } else if (strcmp(f->type, "gauge") == 0) {
    V(strcmp(name, f->name) == 0, "%s outside its family %s", name, f->name);
  } else if (has_suffix(name, "_bucket")) {
    snprintf(want, sizeof(want), "%s_bucket", f->name);
    V(strcmp(name, want) == 0 && le, "bad bucket: %s", line);
    V(!v->seen_inf, "bucket after +Inf: %s", line);
    V(val >= v->last_bucket, "buckets not cumulative: %s", line);
    v->last_bucket = val;
    if (strncmp(le, "+Inf\"", 5) == 0) {
      v->seen_inf = 1;
      v->inf_value = val;
    }
  } else if (has_suffix(name, "_count")) {
    snprintf(want, sizeof(want), "%s_count", f->name);
    V(strcmp(name, want) == 0 && v->seen_inf, "_count without +Inf bucket: %s", line);
    V(val == v->inf_value, "_count != le=\"+Inf\" bucket: %s", line);
  } else {
    snprintf(want, sizeof(want), "%s_sum", f->name);
    V(strcmp(name, want) == 0, "stray sample in histogram %s: %s", f->name, line);
  }
  return 0;
}

static int validate_lines(val_t *v, char *copy) {
  char *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (strncmp(line, "# HELP ", 7) == 0) {
      V(v->nfam < MAXF, "too many families");
      if (v->nfam > 0 && strcmp(v->fam[v->nfam - 1].type, "histogram") == 0)
        V(v->seen_inf, "histogram %s without +Inf", v->fam[v->nfam - 1].name);
      fam_t *f = &v->fam[v->nfam];
      const char *n = line + 7, *e = strchr(n, ' ');
      V(e && valid_name(n, (size_t)(e - n)) && (size_t)(e - n) < sizeof(f->name), "bad HELP: %s",
        line);
      memcpy(f->name, n, (size_t)(e - n));
      for (int i = 0; i < v->nfam; i++)
        V(strcmp(v->fam[i].name, f->name) != 0, "family %s declared twice", f->name);
      v->nfam++;
      v->last_bucket = 0;
      v->seen_inf = 0;
    } else if (strncmp(line, "# TYPE ", 7) == 0) {
      V(v->nfam > 0, "TYPE before HELP: %s", line);
      fam_t *f = &v->fam[v->nfam - 1];
      size_t n = strlen(f->name);
      V(strncmp(line + 7, f->name, n) == 0 && line[7 + n] == ' ', "TYPE of another family: %s",
        line);
      const char *t = line + 8 + n;
      V(strcmp(t, "counter") == 0 || strcmp(t, "gauge") == 0 || strcmp(t, "histogram") == 0,
        "bad type: %s", line);
      snprintf(f->type, sizeof(f->type), "%s", t);
    } else {
      V(line[0] != '#', "unexpected comment: %s", line);
      if (check_sample(v, line) != 0)
        return -1;
    }
  }
  if (v->nfam > 0 && strcmp(v->fam[v->nfam - 1].type, "histogram") == 0)
    V(v->seen_inf, "histogram %s without +Inf", v->fam[v->nfam - 1].name);
  return v->nfam;
}

static int validate(const char *text) {
  static val_t v;
  memset(&v, 0, sizeof(v));
  verr[0] = '\0';
  size_t len = strlen(text);
  V(len > 0 && text[len - 1] == '\n', "exposition must end with a newline");
  char *copy = strdup(text);
  int n = validate_lines(&v, copy);
  free(copy);
  return n;
}

/* The value of the first line starting with prefix (which must include the labels). */
static double value_of(const char *text, const char *prefix) {
  size_t n = strlen(prefix);
  for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
    if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
      return strtod(p + n + 1, NULL);
  cr_assert_fail("no series %s in:\n%s", prefix, text);
  return -1;
}

/* ---- tests -------------------------------------------------------------------------------- */

Test(metrics, status_columns) {
  cr_assert_str_eq(hd_metrics_status_label(hd_metrics_status_slot(200)), "200");
  cr_assert_str_eq(hd_metrics_status_label(hd_metrics_status_slot(101)), "101");
  cr_assert_str_eq(hd_metrics_status_label(hd_metrics_status_slot(503)), "503");
  cr_assert_str_eq(hd_metrics_status_label(hd_metrics_status_slot(418)), "4xx");
  cr_assert_str_eq(hd_metrics_status_label(hd_metrics_status_slot(299)), "2xx");
  cr_assert_str_eq(hd_metrics_status_label(hd_metrics_status_slot(99)), "other");
  cr_assert_str_eq(hd_metrics_status_label(hd_metrics_status_slot(600)), "other");
  /* every column has a distinct label */
  for (size_t i = 0; i < HD_METRICS_NSTATUS; i++)
    for (size_t j = i + 1; j < HD_METRICS_NSTATUS; j++)
      cr_assert_str_neq(hd_metrics_status_label(i), hd_metrics_status_label(j));
}

static size_t route_row(const char *method, const char *pattern) {
  size_t n;
  const hd_route_t *r = hd_api_routes(&n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(r[i].method, method) == 0 && strcmp(r[i].pattern, pattern) == 0)
      return i + 1;
  cr_assert_fail("no route %s %s", method, pattern);
  return 0;
}

Test(metrics, loops_are_summed_and_rendered) {
  size_t nroutes;
  hd_api_routes(&nroutes);
  hd_app_t app;
  memset(&app, 0, sizeof(app));
  app.metrics = hd_metrics_create(3, nroutes);
  atomic_store(&app.messages_sent, 42);
  size_t me = route_row("GET", "/v1/me");
  hd_metrics_count(app.metrics, 0, me, 200, 300);         /* 0.3 ms */
  hd_metrics_count(app.metrics, 1, me, 200, 20000);       /* 20 ms */
  hd_metrics_count(app.metrics, 2, me, 401, 100);         /* 0.1 ms */
  hd_metrics_count(app.metrics, 2, 0, 404, 50);           /* unmatched */
  hd_metrics_count(app.metrics, 1, nroutes + 1, 413, -1); /* net: not timed */
  hd_metrics_count(app.metrics, 0, me, 418, 20000000);    /* 20 s: above every bound */

  hd_mem_pool_t pool;
  hd_mem_pool_init(&pool);
  hd_metrics_snap_t s;
  hd_metrics_collect(&app, &pool, &s);
  hd_buf_t b;
  hd_buf_init(&b, 0);
  cr_assert_eq(hd_metrics_render(&s, &b), 0);
  cr_assert_eq(hd_buf_append(&b, "", 1), 0);
  const char *t = b.base;
  cr_assert_gt(validate(t), 10, "%s", verr);

  cr_assert_eq(
      value_of(t, "herald_http_requests_total{method=\"GET\",route=\"/v1/me\",status=\"200\"}"), 2);
  cr_assert_eq(
      value_of(t, "herald_http_requests_total{method=\"GET\",route=\"/v1/me\",status=\"401\"}"), 1);
  cr_assert_eq(
      value_of(t, "herald_http_requests_total{method=\"GET\",route=\"/v1/me\",status=\"4xx\"}"), 1);
  cr_assert_eq(
      value_of(t,
               "herald_http_requests_total{method=\"other\",route=\"unmatched\",status=\"404\"}"),
      1);
  cr_assert_eq(
      value_of(t, "herald_http_requests_total{method=\"other\",route=\"net\",status=\"413\"}"), 1);
  cr_assert_null(strstr(t, "status=\"500\""), "unseen pairs are not written");
  /* durations: 0.1 ms, 0.05 ms, 0.3 ms <= 0.5 ms; 20 ms <= 25 ms; 20 s only in +Inf */
  cr_assert_eq(value_of(t, "herald_http_request_duration_seconds_bucket{le=\"0.0005\"}"), 3);
  cr_assert_eq(value_of(t, "herald_http_request_duration_seconds_bucket{le=\"0.01\"}"), 3);
  cr_assert_eq(value_of(t, "herald_http_request_duration_seconds_bucket{le=\"0.025\"}"), 4);
  cr_assert_eq(value_of(t, "herald_http_request_duration_seconds_bucket{le=\"10\"}"), 4);
  cr_assert_eq(value_of(t, "herald_http_request_duration_seconds_bucket{le=\"+Inf\"}"), 5);
  cr_assert_eq(value_of(t, "herald_http_request_duration_seconds_count"), 5);
  cr_assert_float_eq(value_of(t, "herald_http_request_duration_seconds_sum"), 20.02045, 1e-6);
  cr_assert_eq(value_of(t, "herald_messages_sent_total"), 42);
  cr_assert_null(strstr(t, "herald_writer_"), "no writer, no writer series");
  cr_assert_gt(value_of(t, "process_resident_memory_bytes"), 0);
  cr_assert_gt(value_of(t, "process_open_fds"), 2);
  cr_assert_geq(value_of(t, "herald_uptime_seconds"), 0);

  hd_buf_dispose(&b);
  hd_mem_pool_dispose(&pool);
  hd_metrics_destroy(app.metrics);
}

static void h_x(hd_call_t *c) { (void)c; }

Test(metrics, writer_histograms_are_cumulative) {
  static const hd_route_t odd[] = {{"GET", "/a\"b\\c", h_x, 0}};
  uint64_t req[3 * HD_METRICS_NSTATUS] = {0};
  req[1 * HD_METRICS_NSTATUS + hd_metrics_status_slot(200)] = 7;
  hd_metrics_snap_t s;
  memset(&s, 0, sizeof(s));
  s.routes = odd;
  s.nroutes = 1;
  s.req = req;
  s.has_writer = 1;
  uint64_t bh[8] = {5, 0, 2, 1, 0, 0, 0, 1}; /* 9 batches */
  uint64_t ch[8] = {0, 3, 0, 4, 0, 0, 1, 1}; /* 9 commits */
  memcpy(s.writer.batch_hist, bh, sizeof(bh));
  memcpy(s.writer.commit_us_hist, ch, sizeof(ch));
  s.writer.batches = 9;
  s.writer.jobs = 5 + 2 * 3 + 9 + 2000;
  s.writer.commit_us_sum = 123456;
  s.rss_bytes = s.open_fds = s.max_fds = -1; /* unknown: omitted */
  s.cpu_s = -1;
  hd_buf_t b;
  hd_buf_init(&b, 0);
  cr_assert_eq(hd_metrics_render(&s, &b), 0);
  cr_assert_eq(hd_buf_append(&b, "", 1), 0);
  const char *t = b.base;
  cr_assert_gt(validate(t), 5, "%s", verr);
  cr_assert_eq(
      value_of(t,
               "herald_http_requests_total{method=\"GET\",route=\"/a\\\"b\\\\c\",status=\"200\"}"),
      7, "label values are escaped");
  double want_b[] = {5, 5, 7, 8, 8, 8, 8, 9};
  const char *le_b[] = {"1", "3", "7", "15", "63", "255", "1023", "+Inf"};
  for (size_t i = 0; i < 8; i++) {
    char k[96];
    snprintf(k, sizeof(k), "herald_writer_batch_size_bucket{le=\"%s\"}", le_b[i]);
    cr_assert_eq(value_of(t, k), want_b[i], "%s", k);
  }
  cr_assert_eq(value_of(t, "herald_writer_batch_size_count"), 9);
  cr_assert_eq(value_of(t, "herald_writer_batch_size_sum"), (double)s.writer.jobs);
  double want_c[] = {0, 3, 3, 7, 7, 7, 8, 9};
  const char *le_c[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.01", "0.05", "+Inf"};
  for (size_t i = 0; i < 8; i++) {
    char k[96];
    snprintf(k, sizeof(k), "herald_writer_commit_seconds_bucket{le=\"%s\"}", le_c[i]);
    cr_assert_eq(value_of(t, k), want_c[i], "%s", k);
  }
  cr_assert_eq(value_of(t, "herald_writer_commit_seconds_count"), 9);
  cr_assert_float_eq(value_of(t, "herald_writer_commit_seconds_sum"), 0.123456, 1e-9);
  cr_assert_null(strstr(t, "process_resident_memory_bytes"));
  cr_assert_null(strstr(t, "process_open_fds"));
  hd_buf_dispose(&b);
}

Test(metrics, validator_can_fail) {
  cr_assert_eq(validate("# HELP x_total h\n# TYPE x_total counter\nx_total 3\n"), 1, "%s", verr);
  cr_assert_eq(validate("# HELP x h\n# TYPE x counter\nx 3\n"), -1, "counter without _total");
  cr_assert_eq(validate("# HELP x_s h\n# TYPE x_s histogram\nx_s_bucket{le=\"1\"} 5\n"
                        "x_s_bucket{le=\"+Inf\"} 4\nx_s_sum 1\nx_s_count 4\n"),
               -1, "decreasing buckets");
  cr_assert_eq(validate("# HELP x_s h\n# TYPE x_s histogram\nx_s_bucket{le=\"1\"} 5\n"
                        "x_s_bucket{le=\"+Inf\"} 6\nx_s_sum 1\nx_s_count 5\n"),
               -1, "_count != +Inf");
  cr_assert_eq(validate("# HELP x_s h\n# TYPE x_s histogram\nx_s_bucket{le=\"1\"} 5\n"
                        "x_s_sum 1\nx_s_count 5\n"),
               -1, "no +Inf bucket");
  cr_assert_eq(validate("x_total 3\n"), -1, "no HELP/TYPE");
  cr_assert_eq(validate("# HELP g h\n# TYPE g gauge\ng{a=\"x} 1\n"), -1, "bad label");
  cr_assert_eq(validate("# HELP g h\n# TYPE g gauge\ng 1\ng 2\n"), -1, "duplicate series");
}
