/*
 * bus.h — the message bus between event loops (and, at scale, between nodes).
 *
 * The bus carries opaque, refcounted payloads to subjects ("u.<user_id>", "c.<chat_id>").
 * A consumer joins the bus as a *node* (one per event loop) with two callbacks:
 *
 *   publisher (any thread)                          node (one event loop)
 *   hd_bus_publish(bus, "c.42", p) ──► impl ──► post(post_data, d) ──► loop queue
 *                                                                         │ (node's thread)
 *                                              sink(sink_data, "c.42", p) ◄─ hd_bus_deliver(d)
 *
 * post() hands a delivery to the node's thread (for heraldd: hd_loop_post); the node then
 * calls hd_bus_deliver(d) there, which runs the sink and releases what the delivery held.
 * The bus is a vtable (STYLE.md §3): local.h is the in-process implementation, a NATS one
 * provides the same ops (subjects map 1:1 to NATS subjects, subscribe/unsubscribe to
 * NATS interest, the payload's bytes/kind/arg to the message body and headers).
 *
 * Payload: immutable bytes (what crosses a process boundary) plus a small app-defined kind
 * and arg, and optionally a process-local attachment (e.g. a pre-encoded WebSocket frame)
 * that a local bus hands to sinks as is and a remote bus never transmits.
 *
 * Invariants:
 *  1. A payload is immutable once published; its refcount is atomic, and it (with its
 *     attachment) is freed exactly once, when the last reference is released.
 *  2. Deliveries to one node run in the order post() was called for that node; for one
 *     publisher thread that is its publish order (per-node FIFO).
 *  3. After hd_bus_leave() returns, post() is never called again for that node, and pending
 *     deliveries of that node skip the sink but still release their references.
 *  4. A failing function never calls a callback (STYLE.md §7).
 */
#ifndef HD_BUS_BUS_H
#define HD_BUS_BUS_H

#include "common/mem.h"

#include <stdint.h>

typedef struct st_hd_bus_t hd_bus_t;
typedef struct st_hd_bus_node_t hd_bus_node_t;
typedef struct st_hd_bus_payload_t hd_bus_payload_t;
typedef struct st_hd_bus_delivery_t hd_bus_delivery_t;

/* Longest subject, including the terminating NUL. */
#define HD_BUS_SUBJECT_MAX 64

/* --- payloads ------------------------------------------------------------------------ */

/* Create a payload holding a copy of data, with app-defined kind and arg; refcount 1. */
hd_bus_payload_t *hd_bus_payload_create(hd_iovec_t data, uint32_t kind, int64_t arg);
/* Attach a process-local object before publishing; release(local) runs when the payload
 * is freed. At most one attachment. */
void hd_bus_payload_attach(hd_bus_payload_t *p, void *local, void (*release)(void *local));
void hd_bus_payload_retain(hd_bus_payload_t *p);
/* Drop one reference; the last one frees the payload and releases the attachment. */
void hd_bus_payload_release(hd_bus_payload_t *p);
hd_iovec_t hd_bus_payload_data(const hd_bus_payload_t *p);
uint32_t hd_bus_payload_kind(const hd_bus_payload_t *p);
int64_t hd_bus_payload_arg(const hd_bus_payload_t *p);
/* The attachment, or NULL (always NULL for payloads that came from another process). */
void *hd_bus_payload_local(const hd_bus_payload_t *p);
/* Current reference count (racy; for tests and assertions). */
uint32_t hd_bus_payload_refs(const hd_bus_payload_t *p);

/* Return 0 if s is a valid subject: 1..HD_BUS_SUBJECT_MAX-1 bytes of [A-Za-z0-9_-] tokens
 * separated by single dots (no wildcards, no empty tokens); HD_ERR_BAD_REQUEST otherwise. */
int hd_bus_subject_check(const char *s);

/* --- nodes --------------------------------------------------------------------------- */

/* Called on the node's thread for each message; p is borrowed (retain to keep it). */
typedef void (*hd_bus_sink_t)(void *sink_data, const char *subject, hd_bus_payload_t *p);
/* Arrange for hd_bus_deliver(d) to run on the node's thread, after earlier posts. Called
 * from publisher threads; must not fail and must not call back into the bus. */
typedef void (*hd_bus_post_t)(void *post_data, hd_bus_delivery_t *d);

typedef struct {
  hd_bus_sink_t sink;
  void *sink_data;
  hd_bus_post_t post;
  void *post_data;
} hd_bus_node_config_t;

/* Run a delivery on its node's thread: call the sink unless the node has left, then release
 * the delivery and everything it held. */
void hd_bus_deliver(hd_bus_delivery_t *d);

/* --- the interface ------------------------------------------------------------------- */

typedef struct {
  const char *name;
  /* Add a node; *out is valid until leave(). */
  int (*join)(hd_bus_t *bus, const hd_bus_node_config_t *cfg, hd_bus_node_t **out);
  /* Remove a node (invariant 3). */
  void (*leave)(hd_bus_t *bus, hd_bus_node_t *node);
  /* Declare/withdraw the node's interest in a subject (call on the node's thread). An
   * implementation may deliver more than the node subscribed to; sinks filter. */
  int (*subscribe)(hd_bus_t *bus, hd_bus_node_t *node, const char *subject);
  void (*unsubscribe)(hd_bus_t *bus, hd_bus_node_t *node, const char *subject);
  /* Send p to subject (thread-safe). p is not consumed: the bus retains what it keeps. */
  int (*publish)(hd_bus_t *bus, const char *subject, hd_bus_payload_t *p);
  /* Free the bus; every node must have left. */
  void (*destroy)(hd_bus_t *bus);
} hd_bus_ops_t;

struct st_hd_bus_t {
  const hd_bus_ops_t *ops;
};

static inline int hd_bus_join(hd_bus_t *bus, const hd_bus_node_config_t *cfg, hd_bus_node_t **out) {
  return bus->ops->join(bus, cfg, out);
}
static inline void hd_bus_leave(hd_bus_t *bus, hd_bus_node_t *node) { bus->ops->leave(bus, node); }
static inline int hd_bus_subscribe(hd_bus_t *bus, hd_bus_node_t *node, const char *subject) {
  return bus->ops->subscribe(bus, node, subject);
}
static inline void hd_bus_unsubscribe(hd_bus_t *bus, hd_bus_node_t *node, const char *subject) {
  bus->ops->unsubscribe(bus, node, subject);
}
static inline int hd_bus_publish(hd_bus_t *bus, const char *subject, hd_bus_payload_t *p) {
  return bus->ops->publish(bus, subject, p);
}
static inline void hd_bus_destroy(hd_bus_t *bus) {
  if (bus != NULL)
    bus->ops->destroy(bus);
}

/* --- for implementations ------------------------------------------------------------- */

/* Create the shared node record (refcount 1, held by the implementation); impl is the
 * implementation's own per-node data. */
hd_bus_node_t *hd__bus_node_create(const hd_bus_node_config_t *cfg, void *impl);
void *hd__bus_node_impl(const hd_bus_node_t *node);
/* Mark the node as left and drop the implementation's reference (pending deliveries keep
 * the record alive until they have run). */
void hd__bus_node_leave(hd_bus_node_t *node);
/* Build a delivery of (subject, p) to node — retaining p and the node — and post() it. */
void hd__bus_node_send(hd_bus_node_t *node, const char *subject, size_t subject_len,
                       hd_bus_payload_t *p);
/* Number of node records still allocated (for leak tests). */
long hd__bus_node_count(void);

#endif
