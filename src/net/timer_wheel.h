/*
 * timer_wheel.h — one hashed timer wheel per event loop for every connection timeout
 * (idle keep-alive, request read, WebSocket ping/pong, lingering close).
 *
 * A uv_timer per connection would cost ~150 bytes and a heap operation per reset; instead
 * each connection embeds a 24-byte intrusive node and the loop drives the wheel with a
 * single repeating uv_timer every tick_ms.
 *
 *   slots[0] ⇄ node ⇄ node        slot = expire_tick % HD_WHEEL_SLOTS
 *   slots[1]                       a node whose expire_tick is more than one revolution
 *   …                              away simply stays in its slot until that round comes
 *   slots[N-1] ⇄ node
 *
 * Node states: IDLE (next == NULL) ──hd_wheel_schedule──► ARMED ──expiry (advance) or
 * hd_wheel_cancel──► IDLE. Rescheduling an ARMED node moves it (O(1)).
 *
 * Invariants:
 *  1. An ARMED node is linked in slots[expire % HD_WHEEL_SLOTS] (or, during
 *     hd_wheel_advance, in the private list of the slot being processed).
 *  2. expire > now_tick for every ARMED node outside hd_wheel_advance: a timer never fires
 *     early, and fires at most one tick late (plus the loop's latency).
 *  3. A node is unlinked (IDLE) before its expiry callback runs, so the callback may
 *     reschedule it, cancel others, or free its owner.
 */
#ifndef HD_NET_TIMER_WHEEL_H
#define HD_NET_TIMER_WHEEL_H

#include <stddef.h>
#include <stdint.h>

#define HD_WHEEL_SLOTS 512

typedef struct st_hd_wheel_node_t hd_wheel_node_t;
struct st_hd_wheel_node_t {
  hd_wheel_node_t *prev;
  hd_wheel_node_t *next; /* NULL when IDLE */
  uint64_t expire;       /* absolute tick */
};

typedef struct st_hd_wheel_t hd_wheel_t;
typedef void (*hd_wheel_cb)(hd_wheel_t *w, hd_wheel_node_t *node);

struct st_hd_wheel_t {
  hd_wheel_node_t slots[HD_WHEEL_SLOTS]; /* list heads (sentinels) */
  uint64_t base_ms;                      /* time of tick 0 */
  uint64_t tick_ms;
  uint64_t now_tick; /* last tick processed */
  size_t count;      /* ARMED nodes */
  hd_wheel_cb cb;
  void *data;
};

/* Initialise w with ticks of tick_ms starting at now_ms; cb fires for expired nodes. */
void hd_wheel_init(hd_wheel_t *w, uint64_t tick_ms, uint64_t now_ms, hd_wheel_cb cb, void *data);
static inline void hd_wheel_node_init(hd_wheel_node_t *n) { n->prev = n->next = NULL; }
static inline int hd_wheel_armed(const hd_wheel_node_t *n) { return n->next != NULL; }
/* Arm (or re-arm) node to fire delay_ms after now_ms (rounded up to a tick, at least one). */
void hd_wheel_schedule(hd_wheel_t *w, hd_wheel_node_t *node, uint64_t now_ms, uint64_t delay_ms);
/* Disarm node; a no-op if it is IDLE. */
void hd_wheel_cancel(hd_wheel_t *w, hd_wheel_node_t *node);
/* Process every tick up to now_ms, firing expired nodes. */
void hd_wheel_advance(hd_wheel_t *w, uint64_t now_ms);

#endif
