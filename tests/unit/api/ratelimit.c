/* Tests src/api/ratelimit.c: token buckets on a pinned clock. */
#include "api/ratelimit.h"
#include "common/time.h"

#include <criterion/criterion.h>
#include <stdio.h>

#define T0 1764370000000LL

static hd_ratelimit_t *rl;
static void setup(void) {
  rl = hd_ratelimit_create(0);
  hd_time_set_fake(T0);
}
static void teardown(void) {
  hd_ratelimit_destroy(rl);
  hd_time_set_fake(0);
}

TestSuite(ratelimit, .init = setup, .fini = teardown);

Test(ratelimit, burst_then_deny_with_retry_after) {
  /* 10 per minute, burst 10 */
  for (int i = 0; i < 10; i++)
    cr_assert_eq(hd_ratelimit_take(rl, "reg:1.2.3.4", 10 / 60.0, 10, hd_time_now_ms()), 0);
  uint32_t retry = hd_ratelimit_take(rl, "reg:1.2.3.4", 10 / 60.0, 10, hd_time_now_ms());
  cr_assert_eq(retry, 6, "one token per 6 s, got %u", retry);
  /* other keys are independent */
  cr_assert_eq(hd_ratelimit_take(rl, "reg:5.6.7.8", 10 / 60.0, 10, hd_time_now_ms()), 0);
}

Test(ratelimit, refills_over_time) {
  for (int i = 0; i < 2; i++)
    cr_assert_eq(hd_ratelimit_take(rl, "send:1", 1, 2, T0), 0);
  cr_assert_eq(hd_ratelimit_take(rl, "send:1", 1, 2, T0), 1);
  cr_assert_eq(hd_ratelimit_take(rl, "send:1", 1, 2, T0 + 400), 1); /* 0.4 s: ceil(0.6) */
  cr_assert_eq(hd_ratelimit_take(rl, "send:1", 1, 2, T0 + 1000), 0);
  cr_assert_eq(hd_ratelimit_take(rl, "send:1", 1, 2, T0 + 1000), 1);
  /* a long pause refills only up to the burst */
  cr_assert_eq(hd_ratelimit_take(rl, "send:1", 1, 2, T0 + 100000), 0);
  cr_assert_eq(hd_ratelimit_take(rl, "send:1", 1, 2, T0 + 100000), 0);
  cr_assert_neq(hd_ratelimit_take(rl, "send:1", 1, 2, T0 + 100000), 0);
}

Test(ratelimit, retry_after_is_ceiling_seconds) {
  cr_assert_eq(hd_ratelimit_take(rl, "k", 0.1, 1, T0), 0);
  cr_assert_eq(hd_ratelimit_take(rl, "k", 0.1, 1, T0), 10);
  cr_assert_eq(hd_ratelimit_take(rl, "k", 0.1, 1, T0 + 2500), 8); /* 7.5 s left -> 8 */
}

Test(ratelimit, clock_stepping_back_does_not_refill) {
  cr_assert_eq(hd_ratelimit_take(rl, "k", 1, 1, T0), 0);
  cr_assert_neq(hd_ratelimit_take(rl, "k", 1, 1, T0 - 60000), 0);
  cr_assert_neq(hd_ratelimit_take(rl, "k", 1, 1, T0 + 500), 0);
  cr_assert_eq(hd_ratelimit_take(rl, "k", 1, 1, T0 + 1000), 0);
}

Test(ratelimit, disabled_when_rate_zero) {
  for (int i = 0; i < 1000; i++)
    cr_assert_eq(hd_ratelimit_take(rl, "k", 0, 0, T0), 0);
  cr_assert_eq(hd_ratelimit_size(rl), 0);
}

Test(ratelimit, entries_expire) {
  char key[32];
  for (int i = 0; i < 3000; i++) {
    snprintf(key, sizeof(key), "ip:%d", i);
    hd_ratelimit_take(rl, key, 1, 2, T0);
  }
  cr_assert_eq(hd_ratelimit_size(rl), 3000);
  cr_assert_eq(hd_ratelimit_sweep(rl, T0 + 999), 0); /* not full yet (1 of 2 tokens used) */
  cr_assert_eq(hd_ratelimit_sweep(rl, T0 + 1000), 3000);
  cr_assert_eq(hd_ratelimit_size(rl), 0);
  /* the automatic sweep runs on insert once a second has passed */
  for (int i = 0; i < 2000; i++) {
    snprintf(key, sizeof(key), "ip:%d", i);
    hd_ratelimit_take(rl, key, 1, 2, T0 + 2000);
  }
  hd_ratelimit_take(rl, "late", 1, 2, T0 + 5000);
  cr_assert_eq(hd_ratelimit_size(rl), 1);
}

Test(ratelimit, full_table_fails_open) {
  hd_ratelimit_t *small = hd_ratelimit_create(4);
  char key[16];
  for (int i = 0; i < 4; i++) {
    snprintf(key, sizeof(key), "k%d", i);
    cr_assert_eq(hd_ratelimit_take(small, key, 1, 1, T0), 0);
  }
  for (int i = 0; i < 3; i++)
    cr_assert_eq(hd_ratelimit_take(small, "other", 1, 1, T0), 0);
  cr_assert_eq(hd_ratelimit_size(small), 4);
  /* once the old buckets refilled, the sweep makes room and limiting resumes */
  cr_assert_eq(hd_ratelimit_take(small, "other", 1, 1, T0 + 1000), 0);
  cr_assert_neq(hd_ratelimit_take(small, "other", 1, 1, T0 + 1000), 0);
  hd_ratelimit_destroy(small);
}
