/*
 * bus.c — the parts of the bus every implementation shares: payloads, node records and
 * deliveries (see bus.h for the model).
 *
 *   payload  [refs|kind|arg|local,release|len|bytes…]      one allocation, atomic refs
 *   node     [refs|left|cfg|impl]                          held by the impl + each delivery
 *   delivery [node*|payload*|subject…]                     one allocation per (message, node)
 *
 * A delivery is the only thing allocated per message per node; nothing is allocated per
 * subscriber (the node's sink walks its own registry).
 *
 * Invariants:
 *  1. payload->refs > 0 while anyone holds it; the thread dropping it to 0 frees it.
 *  2. node->refs counts the implementation's reference (until hd__bus_node_leave) plus one
 *     per delivery not yet run; the node record is freed when it reaches 0.
 *  3. node->left is set before the implementation's reference is dropped, so a delivery
 *     that runs after leave() sees it and skips the sink (bus.h invariant 3).
 */
#include "bus/bus.h"

#include "common/error.h"

#include <stdatomic.h>
#include <string.h>

struct st_hd_bus_payload_t {
  _Atomic uint32_t refs;
  uint32_t kind;
  int64_t arg;
  void *local;
  void (*local_release)(void *local);
  size_t len;
  char bytes[];
};

struct st_hd_bus_node_t {
  _Atomic uint32_t refs;
  _Atomic int left;
  hd_bus_node_config_t cfg;
  void *impl;
};

struct st_hd_bus_delivery_t {
  hd_bus_node_t *node;
  hd_bus_payload_t *payload;
  char subject[];
};

static _Atomic long node_count;

hd_bus_payload_t *hd_bus_payload_create(hd_iovec_t data, uint32_t kind, int64_t arg) {
  hd_bus_payload_t *p = hd_mem_alloc(sizeof(*p) + data.len + 1);
  atomic_init(&p->refs, 1);
  p->kind = kind;
  p->arg = arg;
  p->local = NULL;
  p->local_release = NULL;
  p->len = data.len;
  if (data.len > 0)
    memcpy(p->bytes, data.base, data.len);
  p->bytes[data.len] = '\0';
  return p;
}

void hd_bus_payload_attach(hd_bus_payload_t *p, void *local, void (*release)(void *local)) {
  HD_ASSERT(p->local == NULL);
  p->local = local;
  p->local_release = release;
}

void hd_bus_payload_retain(hd_bus_payload_t *p) {
  uint32_t old = atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
  HD_ASSERT(old > 0);
}

void hd_bus_payload_release(hd_bus_payload_t *p) {
  if (p == NULL)
    return;
  uint32_t old = atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel);
  HD_ASSERT(old > 0);
  if (old != 1)
    return;
  if (p->local_release != NULL)
    p->local_release(p->local);
  hd_mem_free(p);
}

hd_iovec_t hd_bus_payload_data(const hd_bus_payload_t *p) { return hd_iov(p->bytes, p->len); }
uint32_t hd_bus_payload_kind(const hd_bus_payload_t *p) { return p->kind; }
int64_t hd_bus_payload_arg(const hd_bus_payload_t *p) { return p->arg; }
void *hd_bus_payload_local(const hd_bus_payload_t *p) { return p->local; }

uint32_t hd_bus_payload_refs(const hd_bus_payload_t *p) {
  return atomic_load_explicit(&p->refs, memory_order_relaxed);
}

static int subject_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

int hd_bus_subject_check(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= HD_BUS_SUBJECT_MAX)
    return HD_ERR_BAD_REQUEST;
  size_t token = 0; /* length of the current token */
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '.') {
      if (token == 0)
        return HD_ERR_BAD_REQUEST;
      token = 0;
    } else if (subject_char(s[i])) {
      token++;
    } else {
      return HD_ERR_BAD_REQUEST;
    }
  }
  return token == 0 ? HD_ERR_BAD_REQUEST : 0;
}

hd_bus_node_t *hd__bus_node_create(const hd_bus_node_config_t *cfg, void *impl) {
  HD_ASSERT(cfg->sink != NULL && cfg->post != NULL);
  hd_bus_node_t *n = hd_mem_alloc(sizeof(*n));
  atomic_init(&n->refs, 1);
  atomic_init(&n->left, 0);
  n->cfg = *cfg;
  n->impl = impl;
  atomic_fetch_add(&node_count, 1);
  return n;
}

void *hd__bus_node_impl(const hd_bus_node_t *node) { return node->impl; }

static void node_release(hd_bus_node_t *n) {
  uint32_t old = atomic_fetch_sub_explicit(&n->refs, 1, memory_order_acq_rel);
  HD_ASSERT(old > 0);
  if (old == 1) {
    hd_mem_free(n);
    atomic_fetch_sub(&node_count, 1);
  }
}

void hd__bus_node_leave(hd_bus_node_t *node) {
  atomic_store_explicit(&node->left, 1, memory_order_release);
  node_release(node);
}

long hd__bus_node_count(void) { return atomic_load(&node_count); }

void hd__bus_node_send(hd_bus_node_t *node, const char *subject, size_t subject_len,
                       hd_bus_payload_t *p) {
  HD_ASSERT(subject_len < HD_BUS_SUBJECT_MAX);
  hd_bus_delivery_t *d = hd_mem_alloc(sizeof(*d) + subject_len + 1);
  atomic_fetch_add_explicit(&node->refs, 1, memory_order_relaxed);
  d->node = node;
  hd_bus_payload_retain(p);
  d->payload = p;
  memcpy(d->subject, subject, subject_len);
  d->subject[subject_len] = '\0';
  node->cfg.post(node->cfg.post_data, d);
}

void hd_bus_deliver(hd_bus_delivery_t *d) {
  hd_bus_node_t *node = d->node;
  if (!atomic_load_explicit(&node->left, memory_order_acquire))
    node->cfg.sink(node->cfg.sink_data, d->subject, d->payload);
  hd_bus_payload_release(d->payload);
  node_release(node);
  hd_mem_free(d);
}
