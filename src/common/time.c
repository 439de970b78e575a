/*
 * time.c — clocks (see time.h).
 */
#include "common/time.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static _Atomic int64_t fake_ms;

int64_t hd_time_now_ms(void) {
  int64_t f = atomic_load(&fake_ms);
  if (f)
    return f;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t hd_time_now(void) { return hd_time_now_ms() / 1000; }

uint64_t hd_time_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t hd_time_mono_ms(void) { return hd_time_mono_ns() / 1000000u; }

void hd_time_set_fake(int64_t ms) { atomic_store(&fake_ms, ms); }

void hd_time_iso8601(int64_t ms, char *out, size_t cap) {
  time_t s = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&s, &tm);
  snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}
