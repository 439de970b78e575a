/*
 * local.c — the in-process bus (see local.h for why it broadcasts).
 *
 *   hd_bus_local_t
 *     ops ─► local_ops
 *     mu  ─ guards nodes[] and serialises publish
 *     nodes[0..n) ─► hd_bus_node_t (shared record, bus.c)
 *
 *   publish(subject, p): lock; for each node: hd__bus_node_send(node, subject, p); unlock
 *
 * Invariants:
 *  1. A node is in nodes[] from join() until leave(); leave() removes it under mu, so once
 *     it returns no publisher can post to it (bus.h invariant 3).
 *  2. Publishes are totally ordered by mu: all nodes receive messages in the same order,
 *     which in particular keeps each publisher's order (bus.h invariant 2).
 *  3. destroy() requires nodes[] to be empty.
 */
#include "bus/local.h"

#include "common/error.h"

#include <pthread.h>
#include <string.h>

typedef struct {
  hd_bus_t super;
  pthread_mutex_t mu;
  hd_bus_node_t **nodes;
  size_t n, cap;
} hd_bus_local_t;

static int local_join(hd_bus_t *bus, const hd_bus_node_config_t *cfg, hd_bus_node_t **out) {
  hd_bus_local_t *b = (hd_bus_local_t *)bus;
  if (cfg->sink == NULL || cfg->post == NULL)
    return HD_ERR_INTERNAL;
  hd_bus_node_t *node = hd__bus_node_create(cfg, NULL);
  pthread_mutex_lock(&b->mu);
  if (b->n == b->cap) {
    b->cap = b->cap ? b->cap * 2 : 4;
    b->nodes = hd_mem_realloc(b->nodes, b->cap * sizeof(*b->nodes));
  }
  b->nodes[b->n++] = node;
  pthread_mutex_unlock(&b->mu);
  *out = node;
  return 0;
}

static void local_leave(hd_bus_t *bus, hd_bus_node_t *node) {
  hd_bus_local_t *b = (hd_bus_local_t *)bus;
  int found = 0;
  pthread_mutex_lock(&b->mu);
  for (size_t i = 0; i < b->n; i++) {
    if (b->nodes[i] == node) {
      memmove(&b->nodes[i], &b->nodes[i + 1], (b->n - i - 1) * sizeof(*b->nodes));
      b->n--;
      found = 1;
      break;
    }
  }
  pthread_mutex_unlock(&b->mu);
  HD_ASSERT(found);
  hd__bus_node_leave(node);
}

static int local_subscribe(hd_bus_t *bus, hd_bus_node_t *node, const char *subject) {
  return hd_bus_subject_check(subject);
}

static void local_unsubscribe(hd_bus_t *bus, hd_bus_node_t *node, const char *subject) {}

static int local_publish(hd_bus_t *bus, const char *subject, hd_bus_payload_t *p) {
  hd_bus_local_t *b = (hd_bus_local_t *)bus;
  int rc = hd_bus_subject_check(subject);
  if (rc != 0)
    return rc;
  size_t len = strlen(subject);
  pthread_mutex_lock(&b->mu);
  for (size_t i = 0; i < b->n; i++)
    hd__bus_node_send(b->nodes[i], subject, len, p);
  pthread_mutex_unlock(&b->mu);
  return 0;
}

static void local_destroy(hd_bus_t *bus) {
  hd_bus_local_t *b = (hd_bus_local_t *)bus;
  HD_ASSERT(b->n == 0);
  pthread_mutex_destroy(&b->mu);
  hd_mem_free(b->nodes);
  hd_mem_free(b);
}

static const hd_bus_ops_t local_ops = {
    .name = "local",
    .join = local_join,
    .leave = local_leave,
    .subscribe = local_subscribe,
    .unsubscribe = local_unsubscribe,
    .publish = local_publish,
    .destroy = local_destroy,
};

hd_bus_t *hd_bus_local_create(void) {
  hd_bus_local_t *b = hd_mem_calloc(sizeof(*b));
  b->super.ops = &local_ops;
  pthread_mutex_init(&b->mu, NULL);
  return &b->super;
}
