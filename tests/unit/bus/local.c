/* Tests src/bus/bus.c and src/bus/local.c: payload refcounts, subjects, per-node FIFO
 * delivery, leave with deliveries pending, and concurrent publishers. */
#include "bus/local.h"
#include "common/error.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* A node's mailbox: what post() queued, drained by pump() on the "node thread". */
typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  hd_bus_delivery_t *q[8192];
  size_t head, tail;
  /* what the sink saw */
  char subjects[64][HD_BUS_SUBJECT_MAX];
  int64_t args[8192];
  size_t seen;
} mailbox_t;

static void mailbox_init(mailbox_t *m) {
  memset(m, 0, sizeof(*m));
  pthread_mutex_init(&m->mu, NULL);
  pthread_cond_init(&m->cv, NULL);
}

static void mb_post(void *data, hd_bus_delivery_t *d) {
  mailbox_t *m = data;
  pthread_mutex_lock(&m->mu);
  cr_assert(m->tail - m->head < HD_ARRAY_SIZE(m->q));
  m->q[m->tail++ % HD_ARRAY_SIZE(m->q)] = d;
  pthread_cond_signal(&m->cv);
  pthread_mutex_unlock(&m->mu);
}

static void mb_sink(void *data, const char *subject, hd_bus_payload_t *p) {
  mailbox_t *m = data;
  if (m->seen < 64)
    snprintf(m->subjects[m->seen], HD_BUS_SUBJECT_MAX, "%s", subject);
  m->args[m->seen % 8192] = hd_bus_payload_arg(p);
  m->seen++;
}

/* Run every queued delivery; returns how many ran. */
static size_t pump(mailbox_t *m) {
  size_t n = 0;
  for (;;) {
    pthread_mutex_lock(&m->mu);
    if (m->head == m->tail) {
      pthread_mutex_unlock(&m->mu);
      return n;
    }
    hd_bus_delivery_t *d = m->q[m->head++ % HD_ARRAY_SIZE(m->q)];
    pthread_mutex_unlock(&m->mu);
    hd_bus_deliver(d);
    n++;
  }
}

static hd_bus_node_config_t node_cfg(mailbox_t *m) {
  hd_bus_node_config_t c = {.sink = mb_sink, .sink_data = m, .post = mb_post, .post_data = m};
  return c;
}

static _Atomic int released;
static void count_release(void *local) {
  cr_assert_eq((intptr_t)local, 7);
  atomic_fetch_add(&released, 1);
}

Test(bus, payload_refcount_and_attachment) {
  atomic_store(&released, 0);
  hd_bus_payload_t *p = hd_bus_payload_create(HD_IOV_LIT("{\"x\":1}"), 3, -5);
  hd_bus_payload_attach(p, (void *)(intptr_t)7, count_release);
  cr_assert_eq(hd_bus_payload_refs(p), 1);
  cr_assert_eq(hd_bus_payload_kind(p), 3);
  cr_assert_eq(hd_bus_payload_arg(p), -5);
  cr_assert_eq(hd_bus_payload_data(p).len, 7);
  cr_assert_eq(memcmp(hd_bus_payload_data(p).base, "{\"x\":1}", 7), 0);
  cr_assert_eq((intptr_t)hd_bus_payload_local(p), 7);
  hd_bus_payload_retain(p);
  hd_bus_payload_release(p);
  cr_assert_eq(atomic_load(&released), 0);
  hd_bus_payload_release(p);
  cr_assert_eq(atomic_load(&released), 1);
}

Test(bus, subject_check) {
  cr_assert_eq(hd_bus_subject_check("u.42"), 0);
  cr_assert_eq(hd_bus_subject_check("c.9223372036854775807"), 0);
  cr_assert_eq(hd_bus_subject_check("a_b-c.D"), 0);
  cr_assert_eq(hd_bus_subject_check(""), HD_ERR_BAD_REQUEST);
  cr_assert_eq(hd_bus_subject_check("u."), HD_ERR_BAD_REQUEST);
  cr_assert_eq(hd_bus_subject_check(".u"), HD_ERR_BAD_REQUEST);
  cr_assert_eq(hd_bus_subject_check("u..1"), HD_ERR_BAD_REQUEST);
  cr_assert_eq(hd_bus_subject_check("u.*"), HD_ERR_BAD_REQUEST);
  cr_assert_eq(hd_bus_subject_check("u.>"), HD_ERR_BAD_REQUEST);
  cr_assert_eq(hd_bus_subject_check("u 1"), HD_ERR_BAD_REQUEST);
  char big[HD_BUS_SUBJECT_MAX + 1];
  memset(big, 'a', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  cr_assert_eq(hd_bus_subject_check(big), HD_ERR_BAD_REQUEST);
  big[HD_BUS_SUBJECT_MAX - 1] = '\0';
  cr_assert_eq(hd_bus_subject_check(big), 0);
}

Test(bus, local_fifo_to_every_node) {
  static mailbox_t a, b;
  mailbox_init(&a);
  mailbox_init(&b);
  atomic_store(&released, 0);
  hd_bus_t *bus = hd_bus_local_create();
  hd_bus_node_t *na, *nb;
  hd_bus_node_config_t ca = node_cfg(&a), cb = node_cfg(&b);
  cr_assert_eq(hd_bus_join(bus, &ca, &na), 0);
  cr_assert_eq(hd_bus_join(bus, &cb, &nb), 0);
  cr_assert_eq(hd_bus_subscribe(bus, na, "u.1"), 0);
  cr_assert_eq(hd_bus_subscribe(bus, na, "bad subject"), HD_ERR_BAD_REQUEST);

  hd_bus_payload_t *p[3];
  const char *subj[3] = {"u.1", "c.2", "u.3"};
  for (int i = 0; i < 3; i++) {
    p[i] = hd_bus_payload_create(HD_IOV_LIT("x"), 0, i);
    hd_bus_payload_attach(p[i], (void *)(intptr_t)7, count_release);
    cr_assert_eq(hd_bus_publish(bus, subj[i], p[i]), 0);
    cr_assert_eq(hd_bus_payload_refs(p[i]), 3); /* ours + one per node */
  }
  cr_assert_eq(hd_bus_publish(bus, "c.*", p[0]), HD_ERR_BAD_REQUEST);
  cr_assert_eq(hd_bus_payload_refs(p[0]), 3); /* a failed publish keeps nothing */
  for (int i = 0; i < 3; i++)
    hd_bus_payload_release(p[i]);
  cr_assert_eq(atomic_load(&released), 0);

  cr_assert_eq(pump(&a), 3);
  cr_assert_eq(atomic_load(&released), 0); /* b still holds them */
  cr_assert_eq(pump(&b), 3);
  cr_assert_eq(atomic_load(&released), 3);
  for (int i = 0; i < 3; i++) {
    cr_assert_str_eq(a.subjects[i], subj[i]);
    cr_assert_str_eq(b.subjects[i], subj[i]);
    cr_assert_eq(a.args[i], i);
    cr_assert_eq(b.args[i], i);
  }
  hd_bus_unsubscribe(bus, na, "u.1");
  hd_bus_leave(bus, na);
  hd_bus_leave(bus, nb);
  cr_assert_eq(hd__bus_node_count(), 0);
  hd_bus_destroy(bus);
}

Test(bus, leave_with_pending_deliveries) {
  static mailbox_t a, b;
  mailbox_init(&a);
  mailbox_init(&b);
  atomic_store(&released, 0);
  hd_bus_t *bus = hd_bus_local_create();
  hd_bus_node_t *na, *nb;
  hd_bus_node_config_t ca = node_cfg(&a), cb = node_cfg(&b);
  cr_assert_eq(hd_bus_join(bus, &ca, &na), 0);
  cr_assert_eq(hd_bus_join(bus, &cb, &nb), 0);
  hd_bus_payload_t *p = hd_bus_payload_create(HD_IOV_LIT("x"), 0, 1);
  hd_bus_payload_attach(p, (void *)(intptr_t)7, count_release);
  cr_assert_eq(hd_bus_publish(bus, "c.5", p), 0);
  hd_bus_payload_release(p);

  hd_bus_leave(bus, na);                 /* a's delivery is still queued */
  cr_assert_eq(hd__bus_node_count(), 2); /* kept alive by it */
  p = hd_bus_payload_create(HD_IOV_LIT("y"), 0, 2);
  cr_assert_eq(hd_bus_publish(bus, "c.5", p), 0);
  cr_assert_eq(hd_bus_payload_refs(p), 2); /* only b got it */
  hd_bus_payload_release(p);

  cr_assert_eq(pump(&a), 1);
  cr_assert_eq(a.seen, 0); /* sink skipped after leave */
  cr_assert_eq(hd__bus_node_count(), 1);
  cr_assert_eq(pump(&b), 2);
  cr_assert_eq(b.seen, 2);
  cr_assert_eq(atomic_load(&released), 1);
  hd_bus_leave(bus, nb);
  cr_assert_eq(hd__bus_node_count(), 0);
  hd_bus_destroy(bus);
}

/* Concurrent publishers and node threads: every node gets every message, and each
 * publisher's messages arrive in its order. */
#define NPUB   4
#define NMSG   2000
#define NNODES 3

static hd_bus_t *mt_bus;
static mailbox_t mt_box[NNODES];
static _Atomic int mt_done;

static void *publisher(void *arg) {
  intptr_t id = (intptr_t)arg;
  for (int i = 0; i < NMSG; i++) {
    hd_bus_payload_t *p = hd_bus_payload_create(HD_IOV_LIT("m"), 0, id * 1000000 + i);
    hd_bus_payload_attach(p, (void *)(intptr_t)7, count_release);
    cr_assert_eq(hd_bus_publish(mt_bus, "c.1", p), 0);
    hd_bus_payload_release(p);
  }
  return NULL;
}

static void *node_thread(void *arg) {
  mailbox_t *m = arg;
  int64_t last[NPUB];
  for (int i = 0; i < NPUB; i++)
    last[i] = -1;
  size_t got = 0;
  while (got < NPUB * NMSG) {
    pthread_mutex_lock(&m->mu);
    while (m->head == m->tail)
      pthread_cond_wait(&m->cv, &m->mu);
    pthread_mutex_unlock(&m->mu);
    size_t before = m->seen;
    got += pump(m);
    for (size_t i = before; i < m->seen; i++) {
      int64_t v = m->args[i % 8192];
      int pub = (int)(v / 1000000);
      cr_assert(v % 1000000 > last[pub], "publisher %d out of order", pub);
      last[pub] = v % 1000000;
    }
  }
  atomic_fetch_add(&mt_done, 1);
  return NULL;
}

Test(bus, concurrent_publishers_keep_order, .timeout = 30) {
  atomic_store(&released, 0);
  atomic_store(&mt_done, 0);
  mt_bus = hd_bus_local_create();
  hd_bus_node_t *nodes[NNODES];
  pthread_t nt[NNODES], pt[NPUB];
  for (int i = 0; i < NNODES; i++) {
    mailbox_init(&mt_box[i]);
    hd_bus_node_config_t c = node_cfg(&mt_box[i]);
    cr_assert_eq(hd_bus_join(mt_bus, &c, &nodes[i]), 0);
    pthread_create(&nt[i], NULL, node_thread, &mt_box[i]);
  }
  for (intptr_t i = 0; i < NPUB; i++)
    pthread_create(&pt[i], NULL, publisher, (void *)i);
  for (int i = 0; i < NPUB; i++)
    pthread_join(pt[i], NULL);
  for (int i = 0; i < NNODES; i++)
    pthread_join(nt[i], NULL);
  cr_assert_eq(atomic_load(&mt_done), NNODES);
  for (int i = 0; i < NNODES; i++) {
    cr_assert_eq(mt_box[i].seen, NPUB * NMSG);
    hd_bus_leave(mt_bus, nodes[i]);
  }
  cr_assert_eq(atomic_load(&released), NPUB * NMSG); /* every payload freed exactly once */
  cr_assert_eq(hd__bus_node_count(), 0);
  hd_bus_destroy(mt_bus);
}
