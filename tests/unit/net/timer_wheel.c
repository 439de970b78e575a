/* Tests src/net/timer_wheel.c: ordering, rounding, cancel, re-arm, long delays, stalls. */
#include "net/timer_wheel.h"

#include <criterion/criterion.h>

typedef struct {
  hd_wheel_node_t node;
  int fired;
  uint64_t at;
  int rearm_ms; /* re-arm from the callback */
} item_t;

static uint64_t now;

static void cb(hd_wheel_t *w, hd_wheel_node_t *n) {
  item_t *it = (item_t *)n;
  cr_assert_not(hd_wheel_armed(n), "node unlinked before its callback");
  it->fired++;
  it->at = now;
  if (it->rearm_ms) {
    int d = it->rearm_ms;
    it->rearm_ms = 0;
    hd_wheel_schedule(w, n, now, (uint64_t)d);
  }
}

static void run_until(hd_wheel_t *w, uint64_t end, uint64_t step) {
  while (now < end) {
    now += step;
    hd_wheel_advance(w, now);
  }
}

Test(timer_wheel, fires_never_early_at_most_one_tick_late) {
  hd_wheel_t w;
  now = 1000;
  hd_wheel_init(&w, 10, now, cb, NULL);
  item_t a = {0}, b = {0}, c = {0};
  hd_wheel_schedule(&w, &a.node, now, 25);
  hd_wheel_schedule(&w, &b.node, now, 100);
  hd_wheel_schedule(&w, &c.node, now, 1);
  cr_assert_eq(w.count, 3);
  run_until(&w, 1200, 1);
  cr_assert_eq(a.fired, 1);
  cr_assert_eq(b.fired, 1);
  cr_assert_eq(c.fired, 1);
  cr_assert(a.at >= 1025 && a.at <= 1035, "a at %lu", (unsigned long)a.at);
  cr_assert(b.at >= 1100 && b.at <= 1110, "b at %lu", (unsigned long)b.at);
  cr_assert(c.at >= 1001 && c.at <= 1010);
  cr_assert_eq(w.count, 0);
}

Test(timer_wheel, cancel_and_reschedule) {
  hd_wheel_t w;
  now = 0;
  hd_wheel_init(&w, 10, now, cb, NULL);
  item_t a = {0}, b = {0};
  hd_wheel_schedule(&w, &a.node, now, 50);
  hd_wheel_schedule(&w, &b.node, now, 50);
  hd_wheel_cancel(&w, &a.node);
  hd_wheel_cancel(&w, &a.node);             /* idempotent */
  hd_wheel_schedule(&w, &b.node, now, 200); /* move */
  cr_assert_eq(w.count, 1);
  run_until(&w, 150, 5);
  cr_assert_eq(a.fired, 0);
  cr_assert_eq(b.fired, 0);
  run_until(&w, 300, 5);
  cr_assert_eq(b.fired, 1);
  cr_assert(b.at >= 200 && b.at <= 215);
}

Test(timer_wheel, delays_beyond_one_revolution) {
  hd_wheel_t w;
  now = 0;
  hd_wheel_init(&w, 1, now, cb, NULL);
  item_t a = {0};
  hd_wheel_schedule(&w, &a.node, now, HD_WHEEL_SLOTS * 3 + 7);
  run_until(&w, HD_WHEEL_SLOTS * 3, 1);
  cr_assert_eq(a.fired, 0, "must not fire on an earlier revolution");
  run_until(&w, HD_WHEEL_SLOTS * 4, 1);
  cr_assert_eq(a.fired, 1);
  cr_assert_eq(a.at, HD_WHEEL_SLOTS * 3 + 7);
}

Test(timer_wheel, callback_rearms_and_stall_catches_up) {
  hd_wheel_t w;
  now = 0;
  hd_wheel_init(&w, 10, now, cb, NULL);
  item_t a = {0}, b = {0};
  a.rearm_ms = 30;
  hd_wheel_schedule(&w, &a.node, now, 10);
  hd_wheel_schedule(&w, &b.node, now, 20);
  run_until(&w, 100, 10);
  cr_assert_eq(a.fired, 2);
  cr_assert_eq(b.fired, 1);
  /* a long stall: everything due fires in one advance */
  item_t c = {0}, d = {0};
  hd_wheel_schedule(&w, &c.node, now, 50);
  hd_wheel_schedule(&w, &d.node, now, 20000);
  now += 100000;
  hd_wheel_advance(&w, now);
  cr_assert_eq(c.fired, 1);
  cr_assert_eq(d.fired, 1);
  cr_assert_eq(w.count, 0);
}
