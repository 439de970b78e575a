/*
 * timer_wheel.c — hashed timer wheel (see timer_wheel.h for the structure, node states and
 * invariants).
 */
#include "net/timer_wheel.h"

#include "common/mem.h"

static void list_init(hd_wheel_node_t *h) { h->prev = h->next = h; }

static void link_after(hd_wheel_node_t *head, hd_wheel_node_t *n) {
  n->next = head->next;
  n->prev = head;
  head->next->prev = n;
  head->next = n;
}

static void unlink_node(hd_wheel_node_t *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->prev = n->next = NULL;
}

void hd_wheel_init(hd_wheel_t *w, uint64_t tick_ms, uint64_t now_ms, hd_wheel_cb cb, void *data) {
  HD_ASSERT(tick_ms > 0);
  for (size_t i = 0; i < HD_WHEEL_SLOTS; i++)
    list_init(&w->slots[i]);
  w->base_ms = now_ms;
  w->tick_ms = tick_ms;
  w->now_tick = 0;
  w->count = 0;
  w->cb = cb;
  w->data = data;
}

void hd_wheel_schedule(hd_wheel_t *w, hd_wheel_node_t *node, uint64_t now_ms, uint64_t delay_ms) {
  if (hd_wheel_armed(node))
    hd_wheel_cancel(w, node);
  uint64_t at = now_ms + delay_ms;
  uint64_t rel = at > w->base_ms ? at - w->base_ms : 0;
  uint64_t tick = (rel + w->tick_ms - 1) / w->tick_ms; /* round up: never early */
  if (tick <= w->now_tick)
    tick = w->now_tick + 1;
  node->expire = tick;
  link_after(&w->slots[tick % HD_WHEEL_SLOTS], node);
  w->count++;
}

void hd_wheel_cancel(hd_wheel_t *w, hd_wheel_node_t *node) {
  if (!hd_wheel_armed(node))
    return;
  unlink_node(node);
  HD_ASSERT(w->count > 0);
  w->count--;
}

/* Fire the due nodes of the slot for tick t; re-link the ones due in a later round. */
static void process_slot(hd_wheel_t *w, uint64_t t) {
  hd_wheel_node_t *slot = &w->slots[t % HD_WHEEL_SLOTS];
  if (slot->next == slot)
    return;
  hd_wheel_node_t pending;
  list_init(&pending);
  /* move the whole slot to a private list so callbacks can re-arm into the real slot */
  pending.next = slot->next;
  pending.prev = slot->prev;
  pending.next->prev = &pending;
  pending.prev->next = &pending;
  list_init(slot);
  while (pending.next != &pending) {
    hd_wheel_node_t *n = pending.next;
    unlink_node(n);
    if (n->expire <= t) {
      w->count--;
      w->cb(w, n); /* may free n's owner, cancel nodes still in pending, or re-arm */
    } else {
      link_after(slot, n);
    }
  }
}

void hd_wheel_advance(hd_wheel_t *w, uint64_t now_ms) {
  if (now_ms <= w->base_ms)
    return;
  uint64_t target = (now_ms - w->base_ms) / w->tick_ms;
  if (target > w->now_tick + HD_WHEEL_SLOTS)
    w->now_tick = target - HD_WHEEL_SLOTS; /* a long stall: one revolution covers all */
  while (w->now_tick < target) {
    w->now_tick++;
    process_slot(w, w->now_tick);
  }
}
