/*
 * time.h — wall-clock and monotonic time helpers.
 * Wall time (unix seconds / ms) is what is stored and shown; monotonic time drives timeouts.
 * hd_time_set_fake() lets unit tests pin the wall clock.
 */
#ifndef HD_COMMON_TIME_H
#define HD_COMMON_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch (wall clock, or the fake clock if set). */
int64_t hd_time_now_ms(void);
/* Seconds since the Unix epoch. */
int64_t hd_time_now(void);
/* Monotonic milliseconds, for timeouts and latency. */
uint64_t hd_time_mono_ms(void);
/* Monotonic nanoseconds, for measurements. */
uint64_t hd_time_mono_ns(void);
/* Tests: pin the wall clock to ms (0 restores the real clock). */
void hd_time_set_fake(int64_t ms);
/* Format ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out. */
void hd_time_iso8601(int64_t ms, char *out, size_t cap);

#endif
