/*
 * stats.h — latency samples and the figures herald-load prints.
 *
 * Every latency is kept (microseconds, uint32) in a growable array and percentiles are exact
 * (nearest rank over the sorted samples): 30 s at 20,000 messages/s is 600,000 samples, 2.4 MB
 * — cheaper and more honest than a histogram. One lg_samples_t per thread; lg_samples_merge()
 * joins them after the phase.
 *
 *   lg_samples_add() ──► [u32 u32 u32 …] ──lg_samples_merge()──► lg_samples_pct(p)
 *
 * Invariants:
 *  1. len <= cap; sorted is cleared by every add or merge.
 *  2. lg_samples_pct() of an empty set is 0.
 */
#ifndef HD_BENCH_LOAD_STATS_H
#define HD_BENCH_LOAD_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t *v; /* microseconds */
  size_t len;
  size_t cap;
  int sorted;
} lg_samples_t;

void lg_samples_init(lg_samples_t *s);
void lg_samples_dispose(lg_samples_t *s);
/* Record one latency given in nanoseconds (saturates at ~71 minutes). */
void lg_samples_add(lg_samples_t *s, uint64_t ns);
/* Append every sample of from to into. */
void lg_samples_merge(lg_samples_t *into, const lg_samples_t *from);
/* Return the p-th percentile (0 < p <= 100) in microseconds by nearest rank; sorts in place. */
uint32_t lg_samples_pct(lg_samples_t *s, double p);

/* Print one figure line: "name value unit" plus " target<op>T ok|MISS" when op is non-NULL
 * (op is "<=" or ">="). Returns 1 when the target is met or there is none, else 0. */
int lg_figure(const char *name, double value, const char *unit, const char *op, double target);

/* Read VmRSS of pid from /proc in kB; negative error when unavailable. */
int64_t lg_rss_kb(int pid);

#endif
