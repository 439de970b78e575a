/*
 * ratelimit.h — token buckets keyed by strings ("reg:127.0.0.1", "send:42"), one table for
 * the whole process (all loops share it behind a mutex).
 *
 *   bucket: tokens ∈ [0, burst], refilled at `rate` tokens per second, one token per event
 *
 *     take(): refill by (now - last) × rate, capped at burst
 *             tokens >= 1 ? tokens -= 1, allow : deny, retry after ceil((1 - tokens) / rate) s
 *
 * Buckets that have refilled to their burst carry no information and are dropped by a
 * periodic sweep, so the table holds only keys active within the last burst/rate seconds.
 * Time comes from hd_time_now_ms() (the fake clock in tests) and is passed in explicitly.
 */
#ifndef HD_API_RATELIMIT_H
#define HD_API_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct st_hd_ratelimit_t hd_ratelimit_t;

#define HD_RATELIMIT_KEY_MAX 80 /* longer keys are truncated (ours are short) */

/* Create an empty table holding at most max_entries buckets (0: 1,000,000). Destroy with
 * hd_ratelimit_destroy(). */
hd_ratelimit_t *hd_ratelimit_create(size_t max_entries);
void hd_ratelimit_destroy(hd_ratelimit_t *rl);

/* Take one token from bucket `key` (rate tokens per second, burst capacity). Returns 0 when
 * allowed; otherwise the number of whole seconds (>= 1, rounded up) after which a token
 * will be available. rate <= 0 disables the limit (always 0). Thread-safe. */
uint32_t hd_ratelimit_take(hd_ratelimit_t *rl, const char *key, double rate, double burst,
                           int64_t now_ms);

/* Drop every bucket that is full again at now_ms. Returns how many were dropped. */
size_t hd_ratelimit_sweep(hd_ratelimit_t *rl, int64_t now_ms);
/* Number of live buckets (tests, metrics). */
size_t hd_ratelimit_size(hd_ratelimit_t *rl);

#endif
