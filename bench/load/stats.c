/*
 * stats.c — exact latency percentiles and figure lines for herald-load (see stats.h).
 *
 * Output format, one figure a line, so bench/run.sh and docs can grep it:
 *
 *   msgs.throughput 21345.2 msg/s target>=20000 ok
 *   msgs.ack_p50 3.10 ms
 */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/mem.h"

void lg_samples_init(lg_samples_t *s) { memset(s, 0, sizeof(*s)); }

void lg_samples_dispose(lg_samples_t *s) {
  hd_mem_free(s->v);
  memset(s, 0, sizeof(*s));
}

static void reserve(lg_samples_t *s, size_t extra) {
  if (s->len + extra <= s->cap)
    return;
  size_t cap = s->cap ? s->cap : 1024;
  while (cap < s->len + extra)
    cap *= 2;
  s->v = hd_mem_realloc(s->v, cap * sizeof(*s->v));
  s->cap = cap;
}

void lg_samples_add(lg_samples_t *s, uint64_t ns) {
  reserve(s, 1);
  uint64_t us = ns / 1000;
  s->v[s->len++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
  s->sorted = 0;
}

void lg_samples_merge(lg_samples_t *into, const lg_samples_t *from) {
  if (from->len == 0)
    return;
  reserve(into, from->len);
  memcpy(into->v + into->len, from->v, from->len * sizeof(*from->v));
  into->len += from->len;
  into->sorted = 0;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

uint32_t lg_samples_pct(lg_samples_t *s, double p) {
  if (s->len == 0)
    return 0;
  if (!s->sorted) {
    qsort(s->v, s->len, sizeof(*s->v), cmp_u32);
    s->sorted = 1;
  }
  if (p <= 0)
    return s->v[0];
  /* nearest rank: the smallest value with at least p% of samples at or below it */
  double rank = p / 100.0 * (double)s->len;
  size_t r = (size_t)rank;
  if ((double)r < rank)
    r++;
  if (r == 0)
    r = 1;
  if (r > s->len)
    r = s->len;
  return s->v[r - 1];
}

int lg_figure(const char *name, double value, const char *unit, const char *op, double target) {
  int ok = 1;
  if (op != NULL)
    ok = op[0] == '<' ? value <= target : value >= target;
  if (op != NULL)
    printf("%s %.2f %s target%s%g %s\n", name, value, unit, op, target, ok ? "ok" : "MISS");
  else
    printf("%s %.2f %s\n", name, value, unit);
  fflush(stdout);
  return ok;
}

int64_t lg_rss_kb(int pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return HD_ERR_IO;
  char line[256];
  int64_t kb = HD_ERR_IO;
  while (fgets(line, sizeof(line), f) != NULL) {
    if (strncmp(line, "VmRSS:", 6) == 0) {
      char *end = NULL;
      long long v = strtoll(line + 6, &end, 10);
      if (end != line + 6 && v >= 0)
        kb = v;
      break;
    }
  }
  fclose(f);
  return kb;
}
