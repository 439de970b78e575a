/*
 * realtime.c — the per-loop registry of online update sockets, and live delivery through
 * the bus (see realtime.h for the flow, docs/internals/realtime.md for the reasoning).
 *
 * Registry of one loop (hd_rt_loop_t), two open-addressing hash tables (linear probing,
 * backward-shift deletion, key 0 = empty slot since ids are positive):
 *
 *   users  user_id → subs      chats  chat_id → subs
 *   ┌──────────┬──────────┐     ┌──────────┬───────────────────────────────┐
 *   │ key      │ one|vec  │     │ 42       │ vec ─► [len|cap|s1 s2 … s10000]│
 *   │ 7        │ s1       │     │ 9        │ s1 (one sub: stored inline)    │
 *   └──────────┴──────────┘     └──────────┴───────────────────────────────┘
 *   slot = 16 bytes; a list of one sub is the pointer itself, longer lists a vector
 *   (tagged pointer, bit 0). Each sub (hd_rt_sub_t, 48 bytes) keeps the (unordered) array
 *   of the chat ids it is subscribed to, so closing it finds its entries.
 *
 * Delivery of a frame to a subject is a walk over one slot's list calling
 * hd_ws_send_frame(): no allocation per recipient. A send may close the socket (slow
 * consumer) and the close callback unregisters it while the walk is in progress; so
 * during a walk, removals from that table leave NULL holes, and the keys are queued and
 * compacted when the walk ends (tab_end()).
 *
 * Socket states (hd_rt_sub_t.state):
 *
 *   NEW ──hd__rt_sub_start──► LIVE ──send fails──► CLOSING ──on_close──► freed
 *    │                         └──────────────────on_close──────────────► freed
 *    └─on_close before start (GONE)──hd__rt_sub_start──► freed
 *
 * Invariants:
 *  1. A LIVE or CLOSING sub is in users[user_id] and in chats[c] for each c in sub->chats,
 *     exactly once each, and in no other list.
 *  2. A table has NULL holes (and queued dirty keys) only while t->iter > 0.
 *  3. Nothing is inserted into a table while it is being walked (t->iter > 0); deletions
 *     of slots are deferred until the walk ends, so slot pointers stay valid during a walk.
 *  4. A slot exists iff its list has a live entry (outside walks); the node is subscribed
 *     on the bus to "u.<id>"/"c.<id>" exactly while the slot exists.
 *  5. Messages are applied in bus order; a CHAT_JOINED/CHAT_LEFT for a user changes that
 *     user's chat subscriptions before any later message is delivered on this loop.
 *  6. An unmarked event is one shared frame for every recipient. A MARKED event (its message
 *     is withheld somewhere, api/realtime_marks.h) carries one frame per variant, and each
 *     socket gets the one for its country (sub->cc, read once at connect: a PATCH /v1/me
 *     country change applies from the next connection).
 */
#include "api/realtime.h"

#include "api/encode.h"
#include "api/realtime_marks.h"
#include "bus/local.h"
#include "common/error.h"
#include "common/log.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  RT_KIND_UPDATE = 0, /* deliver the frame */
  RT_KIND_JOIN = 1,   /* user subject: subscribe the user's sockets to chat arg, then deliver */
  RT_KIND_LEAVE = 2,  /* user subject: unsubscribe them from chat arg, then deliver */
  RT_KIND_MASK = 0xf,
  RT_KIND_MARKED = 0x10 /* flag: data is a variants envelope, local a hd_rt_variants_t */
};

enum {
  RT_SUB_NEW,     /* created, upgrade in progress */
  RT_SUB_LIVE,    /* registered, receiving */
  RT_SUB_CLOSING, /* a send failed; the net layer is closing it */
  RT_SUB_GONE     /* closed before hd__rt_sub_start() */
};

struct st_hd_rt_sub_t {
  hd_rt_loop_t *rt; /* NULL once the loop's registry is destroyed (orphaned) */
  hd_ws_t *ws;
  int64_t user_id;
  int64_t *chats;
  uint32_t nchats, capchats;
  uint8_t state;
  char cc[2]; /* the user's country at connect (ISO code), zeros when unknown */
};

typedef struct {
  uint32_t len, cap;
  hd_rt_sub_t *items[];
} rt_vec_t;

typedef struct {
  int64_t key; /* 0: empty */
  union {
    hd_rt_sub_t *one; /* bit 0 clear: the only sub (NULL: a hole during a walk) */
    uintptr_t bits;   /* bit 0 set: rt_vec_t * | 1 */
  } u;
} rt_slot_t;

typedef struct {
  rt_slot_t *slots;
  size_t cap; /* power of two, or 0 */
  size_t used;
  uint32_t iter;
  char prefix;    /* 'u' or 'c': the bus subject prefix */
  int64_t *dirty; /* keys with holes, compacted by tab_end() */
  size_t ndirty, capdirty;
} rt_table_t;

struct st_hd_rt_loop_t {
  hd_loop_ctx_t *ctx;
  hd_bus_t *bus;
  hd_bus_node_t *node;
  rt_table_t users, chats;
  size_t nsubs;
  size_t bytes; /* heap bytes held by the registry (requested sizes) */
  uint64_t frames_sent;
  hd_rt_clean_t clean[HD_RT_CLEAN_SLOTS]; /* chats without effects (realtime_marks.h 4) */
};

/* ---- the process-wide bus, shared by every loop's registry ---------------------------- */

static pthread_mutex_t g_bus_mu = PTHREAD_MUTEX_INITIALIZER;
static hd_bus_t *g_bus;
static int g_bus_users;

static hd_bus_t *bus_acquire(void) {
  pthread_mutex_lock(&g_bus_mu);
  if (g_bus == NULL)
    g_bus = hd_bus_local_create();
  g_bus_users++;
  hd_bus_t *b = g_bus;
  pthread_mutex_unlock(&g_bus_mu);
  return b;
}

static void bus_release(void) {
  pthread_mutex_lock(&g_bus_mu);
  HD_ASSERT(g_bus_users > 0);
  if (--g_bus_users == 0) {
    hd_bus_destroy(g_bus);
    g_bus = NULL;
  }
  pthread_mutex_unlock(&g_bus_mu);
}

/* ---- hash tables ------------------------------------------------------------------------ */

static size_t rt_hash(int64_t key) {
  uint64_t x = (uint64_t)key;
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return (size_t)x;
}

static int slot_is_vec(const rt_slot_t *s) { return (s->u.bits & 1u) != 0; }
static rt_vec_t *slot_vec(const rt_slot_t *s) { return (rt_vec_t *)(s->u.bits & ~(uintptr_t)1); }

/* Return the slot's entries (holes included) and their number. */
static hd_rt_sub_t **slot_items(rt_slot_t *s, uint32_t *n) {
  if (slot_is_vec(s)) {
    rt_vec_t *v = slot_vec(s);
    *n = v->len;
    return v->items;
  }
  *n = 1;
  return &s->u.one;
}

static rt_slot_t *tab_find(rt_table_t *t, int64_t key) {
  if (t->cap == 0)
    return NULL;
  size_t mask = t->cap - 1;
  for (size_t i = rt_hash(key) & mask;; i = (i + 1) & mask) {
    if (t->slots[i].key == key)
      return &t->slots[i];
    if (t->slots[i].key == 0)
      return NULL;
  }
}

static void tab_grow(hd_rt_loop_t *rt, rt_table_t *t) {
  size_t ncap = t->cap ? t->cap * 2 : 16;
  rt_slot_t *old = t->slots;
  size_t ocap = t->cap;
  t->slots = hd_mem_calloc(ncap * sizeof(rt_slot_t));
  t->cap = ncap;
  for (size_t i = 0; i < ocap; i++) {
    if (old[i].key == 0)
      continue;
    size_t j = rt_hash(old[i].key) & (ncap - 1);
    while (t->slots[j].key != 0)
      j = (j + 1) & (ncap - 1);
    t->slots[j] = old[i];
  }
  hd_mem_free(old);
  rt->bytes += (ncap - ocap) * sizeof(rt_slot_t);
}

/* Return the slot for key, creating an empty one (u.one == NULL) if missing. */
static rt_slot_t *tab_upsert(hd_rt_loop_t *rt, rt_table_t *t, int64_t key, int *created) {
  HD_ASSERT(key != 0 && t->iter == 0); /* invariant 3 */
  rt_slot_t *s = tab_find(t, key);
  *created = 0;
  if (s != NULL)
    return s;
  if ((t->used + 1) * 4 > t->cap * 3)
    tab_grow(rt, t);
  size_t mask = t->cap - 1, i = rt_hash(key) & mask;
  while (t->slots[i].key != 0)
    i = (i + 1) & mask;
  t->slots[i].key = key;
  t->slots[i].u.one = NULL;
  t->used++;
  *created = 1;
  return &t->slots[i];
}

/* Delete a slot (its list must be empty) with backward shift, keeping probe chains intact. */
static void tab_delete(rt_table_t *t, rt_slot_t *s) {
  size_t mask = t->cap - 1, i = (size_t)(s - t->slots);
  HD_ASSERT(t->iter == 0);
  for (size_t j = (i + 1) & mask; t->slots[j].key != 0; j = (j + 1) & mask) {
    size_t home = rt_hash(t->slots[j].key) & mask;
    /* move j into the hole at i if its home is not in the cyclic range (i, j] */
    if (((j - home) & mask) >= ((j - i) & mask)) {
      t->slots[i] = t->slots[j];
      i = j;
    }
  }
  t->slots[i].key = 0;
  t->slots[i].u.one = NULL;
  t->used--;
}

static void subject_of(char *out, size_t cap, char prefix, int64_t id) {
  snprintf(out, cap, "%c.%" PRId64, prefix, id);
}

static void bus_interest(hd_rt_loop_t *rt, rt_table_t *t, int64_t key, int on) {
  char subject[32];
  subject_of(subject, sizeof(subject), t->prefix, key);
  if (on) {
    int rc = hd_bus_subscribe(rt->bus, rt->node, subject);
    if (rc != 0)
      hd_log(HD_LOG_ERROR, "bus subscribe failed", "\"subject\":\"%s\",\"error\":\"%s\"", subject,
             hd_err_code(rc));
  } else {
    hd_bus_unsubscribe(rt->bus, rt->node, subject);
  }
}

static void vec_resize(hd_rt_loop_t *rt, rt_slot_t *s, rt_vec_t *v, uint32_t ncap) {
  rt->bytes -= v->cap * sizeof(void *);
  v = hd_mem_realloc(v, sizeof(*v) + ncap * sizeof(void *));
  rt->bytes += ncap * sizeof(void *);
  v->cap = ncap;
  s->u.bits = (uintptr_t)v | 1u;
}

/* Add sub to key's list (sub must not be in it). */
static void tab_add(hd_rt_loop_t *rt, rt_table_t *t, int64_t key, hd_rt_sub_t *sub) {
  int created;
  rt_slot_t *s = tab_upsert(rt, t, key, &created);
  if (created) {
    s->u.one = sub;
    bus_interest(rt, t, key, 1);
  } else if (!slot_is_vec(s)) {
    HD_ASSERT(s->u.one != NULL && s->u.one != sub); /* no holes outside walks */
    rt_vec_t *v = hd_mem_alloc(sizeof(*v) + 4 * sizeof(void *));
    rt->bytes += sizeof(*v) + 4 * sizeof(void *);
    v->len = 2;
    v->cap = 4;
    v->items[0] = s->u.one;
    v->items[1] = sub;
    s->u.bits = (uintptr_t)v | 1u;
  } else {
    rt_vec_t *v = slot_vec(s);
    if (v->len == v->cap) {
      vec_resize(rt, s, v, v->cap * 2);
      v = slot_vec(s);
    }
    v->items[v->len++] = sub;
  }
}

/* Drop holes from a list (if it may have any); delete the slot if it became empty, go
 * inline if one sub is left, shrink a mostly empty vector. */
static void slot_compact(hd_rt_loop_t *rt, rt_table_t *t, rt_slot_t *s, int holes) {
  if (slot_is_vec(s)) {
    rt_vec_t *v = slot_vec(s);
    uint32_t w = v->len;
    if (holes) {
      w = 0;
      for (uint32_t r = 0; r < v->len; r++)
        if (v->items[r] != NULL)
          v->items[w++] = v->items[r];
      v->len = w;
    }
    if (w > 1) {
      if (v->cap > 8 && w < v->cap / 4)
        vec_resize(rt, s, v, v->cap / 2);
      return;
    }
    hd_rt_sub_t *last = w == 1 ? v->items[0] : NULL;
    rt->bytes -= sizeof(*v) + v->cap * sizeof(void *);
    hd_mem_free(v);
    s->u.one = last;
  }
  if (s->u.one == NULL) {
    int64_t key = s->key;
    tab_delete(t, s);
    bus_interest(rt, t, key, 0);
  }
}

/* Remove sub from key's list: at once, or as a hole if the table is being walked. */
static void tab_remove(hd_rt_loop_t *rt, rt_table_t *t, int64_t key, hd_rt_sub_t *sub) {
  rt_slot_t *s = tab_find(t, key);
  HD_ASSERT(s != NULL); /* invariant 1 */
  uint32_t n;
  hd_rt_sub_t **items = slot_items(s, &n);
  uint32_t i = 0;
  while (i < n && items[i] != sub)
    i++;
  HD_ASSERT(i < n);
  if (t->iter > 0) {
    items[i] = NULL;
    if (t->ndirty == t->capdirty) {
      t->capdirty = t->capdirty ? t->capdirty * 2 : 8;
      t->dirty = hd_mem_realloc(t->dirty, t->capdirty * sizeof(int64_t));
    }
    t->dirty[t->ndirty++] = key;
    return;
  }
  items[i] = items[n - 1];
  items[n - 1] = NULL;
  if (slot_is_vec(s))
    slot_vec(s)->len--;
  slot_compact(rt, t, s, 0);
}

static void tab_begin(rt_table_t *t) { t->iter++; }

static void tab_end(hd_rt_loop_t *rt, rt_table_t *t) {
  HD_ASSERT(t->iter > 0);
  if (--t->iter > 0)
    return;
  for (size_t i = 0; i < t->ndirty; i++) {
    rt_slot_t *s = tab_find(t, t->dirty[i]);
    if (s != NULL) /* an earlier key of the queue may have been the same one */
      slot_compact(rt, t, s, 1);
  }
  t->ndirty = 0;
}

static void tab_dispose(hd_rt_loop_t *rt, rt_table_t *t) {
  for (size_t i = 0; i < t->cap; i++) {
    if (t->slots[i].key != 0 && slot_is_vec(&t->slots[i])) {
      rt_vec_t *v = slot_vec(&t->slots[i]);
      rt->bytes -= sizeof(*v) + v->cap * sizeof(void *);
      hd_mem_free(v);
    }
  }
  rt->bytes -= t->cap * sizeof(rt_slot_t);
  hd_mem_free(t->slots);
  hd_mem_free(t->dirty);
  memset(t, 0, sizeof(*t));
}

/* ---- subscriptions of one socket --------------------------------------------------------- */

static int sub_chat_index(const hd_rt_sub_t *sub, int64_t chat_id) {
  for (uint32_t i = 0; i < sub->nchats; i++)
    if (sub->chats[i] == chat_id)
      return (int)i;
  return -1;
}

static void sub_join_chat(hd_rt_loop_t *rt, hd_rt_sub_t *sub, int64_t chat_id) {
  if (chat_id <= 0 || sub_chat_index(sub, chat_id) >= 0)
    return; /* already subscribed (e.g. the join committed before the socket read its list) */
  if (sub->nchats == sub->capchats) {
    uint32_t ncap = sub->capchats ? sub->capchats * 2 : 4;
    sub->chats = hd_mem_realloc(sub->chats, ncap * sizeof(int64_t));
    rt->bytes += (ncap - sub->capchats) * sizeof(int64_t);
    sub->capchats = ncap;
  }
  sub->chats[sub->nchats++] = chat_id;
  tab_add(rt, &rt->chats, chat_id, sub);
}

static void sub_leave_chat(hd_rt_loop_t *rt, hd_rt_sub_t *sub, int64_t chat_id) {
  int i = sub_chat_index(sub, chat_id);
  if (i < 0)
    return;
  sub->chats[i] = sub->chats[--sub->nchats];
  tab_remove(rt, &rt->chats, chat_id, sub);
}

static void sub_register(hd_rt_loop_t *rt, hd_rt_sub_t *sub) {
  tab_add(rt, &rt->users, sub->user_id, sub);
  for (uint32_t i = 0; i < sub->nchats; i++)
    tab_add(rt, &rt->chats, sub->chats[i], sub);
  rt->nsubs++;
}

static void sub_unregister(hd_rt_loop_t *rt, hd_rt_sub_t *sub) {
  tab_remove(rt, &rt->users, sub->user_id, sub);
  for (uint32_t i = 0; i < sub->nchats; i++)
    tab_remove(rt, &rt->chats, sub->chats[i], sub);
  rt->nsubs--;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

hd_rt_sub_t *hd__rt_sub_create(hd_rt_loop_t *rt, int64_t user_id, const int64_t *chat_ids,
                               size_t n) {
  hd_rt_sub_t *sub = hd_mem_calloc(sizeof(*sub));
  sub->rt = rt;
  sub->user_id = user_id;
  sub->state = RT_SUB_NEW;
  if (n > 0) {
    sub->chats = hd_mem_alloc(n * sizeof(int64_t));
    memcpy(sub->chats, chat_ids, n * sizeof(int64_t));
    qsort(sub->chats, n, sizeof(int64_t), cmp_i64);
    uint32_t w = 0;
    for (size_t r = 0; r < n; r++)
      if (sub->chats[r] > 0 && (w == 0 || sub->chats[w - 1] != sub->chats[r]))
        sub->chats[w++] = sub->chats[r];
    sub->nchats = w;
    sub->capchats = (uint32_t)n;
  }
  rt->bytes += sizeof(*sub) + sub->capchats * sizeof(int64_t);
  return sub;
}

void hd__rt_sub_destroy(hd_rt_sub_t *sub) {
  if (sub->rt != NULL)
    sub->rt->bytes -= sizeof(*sub) + sub->capchats * sizeof(int64_t);
  hd_mem_free(sub->chats);
  hd_mem_free(sub);
}

void hd__rt_sub_set_country(hd_rt_sub_t *sub, const char *country) {
  int ok = country && strlen(country) == 2;
  sub->cc[0] = ok ? (char)(country[0] & ~32) : '\0';
  sub->cc[1] = ok ? (char)(country[1] & ~32) : '\0';
}

void hd__rt_sub_start(hd_rt_sub_t *sub, hd_ws_t *ws, int64_t pts) {
  if (sub->state == RT_SUB_GONE) {
    hd__rt_sub_destroy(sub); /* closed during the upgrade: its close callback has run */
    return;
  }
  HD_ASSERT(sub->state == RT_SUB_NEW && sub->rt != NULL);
  sub->ws = ws;
  sub->state = RT_SUB_LIVE;
  sub_register(sub->rt, sub);
  char hello[96];
  int n = snprintf(hello, sizeof(hello),
                   "{\"type\":\"hello\",\"user_id\":%" PRId64 ",\"pts\":%" PRId64 "}", sub->user_id,
                   pts);
  HD_ASSERT(n > 0 && (size_t)n < sizeof(hello));
  hd_ws_send_text(ws, hd_iov(hello, (size_t)n)); /* on failure the socket is being closed */
}

static void ws_on_message(hd_ws_t *ws, int is_text, hd_iovec_t data) {
  if (!is_text) {
    hd_ws_close(ws, 1003, "binary messages are not supported");
    return;
  }
  json_t *msg = json_loadb(data.base, data.len, 0, NULL);
  const char *type = json_string_value(json_object_get(msg, "type"));
  if (type != NULL && strcmp(type, "ping") == 0)
    hd_ws_send_text(ws, HD_IOV_LIT("{\"type\":\"pong\"}"));
  json_decref(msg); /* anything else is ignored */
}

static void ws_on_close(hd_ws_t *ws, int code) {
  hd_rt_sub_t *sub = hd_ws_data(ws);
  if (sub->state == RT_SUB_NEW) {
    sub->state = RT_SUB_GONE; /* hd__rt_sub_start() frees it */
    return;
  }
  if (sub->rt != NULL)
    sub_unregister(sub->rt, sub);
  hd__rt_sub_destroy(sub);
}

const hd_ws_callbacks_t hd__rt_ws_callbacks = {
    .on_message = ws_on_message,
    .on_close = ws_on_close,
};

/* ---- delivery ---------------------------------------------------------------------------- */

/* Send f (or, when v != NULL, each socket's variant of v) to every socket in key's list;
 * returns how many sends were queued. */
static size_t rt_send(hd_rt_loop_t *rt, rt_table_t *t, int64_t key, hd_ws_frame_t *f,
                      const hd_rt_variants_t *v) {
  rt_slot_t *s = tab_find(t, key);
  if (s == NULL)
    return 0;
  size_t sent = 0;
  tab_begin(t);
  uint32_t n;
  hd_rt_sub_t **items = slot_items(s, &n); /* stable during the walk (invariant 3) */
  for (uint32_t i = 0; i < n; i++) {
    hd_rt_sub_t *sub = items[i];
    if (sub == NULL || sub->state != RT_SUB_LIVE)
      continue;
    if (hd_ws_send_frame(sub->ws, v ? hd__rt_variants_pick(v, sub->cc) : f) == 0) {
      sent++;
    } else if (items[i] == sub) {
      sub->state = RT_SUB_CLOSING; /* still registered: its close callback comes later */
    }
  }
  tab_end(rt, t);
  rt->frames_sent += sent;
  return sent;
}

/* Apply a CHAT_JOINED (join=1) or CHAT_LEFT for user to all its sockets on this loop. */
static void rt_membership(hd_rt_loop_t *rt, int64_t user_id, int64_t chat_id, int join) {
  rt_slot_t *s = tab_find(&rt->users, user_id);
  if (s == NULL)
    return;
  tab_begin(&rt->users);
  uint32_t n;
  hd_rt_sub_t **items = slot_items(s, &n);
  for (uint32_t i = 0; i < n; i++) {
    if (items[i] == NULL)
      continue;
    if (join)
      sub_join_chat(rt, items[i], chat_id);
    else
      sub_leave_chat(rt, items[i], chat_id);
  }
  tab_end(rt, &rt->users);
}

static int parse_subject(const char *s, char *prefix, int64_t *id) {
  if ((s[0] != 'u' && s[0] != 'c') || s[1] != '.' || s[2] == '\0')
    return -1;
  int64_t v = 0;
  for (const char *p = s + 2; *p; p++) {
    if (*p < '0' || *p > '9' || v > (INT64_MAX - (*p - '0')) / 10)
      return -1;
    v = v * 10 + (*p - '0');
  }
  *prefix = s[0];
  *id = v;
  return v > 0 ? 0 : -1;
}

/* The bus sink: runs on this loop's thread, in bus order. */
static void rt_on_bus(void *data, const char *subject, hd_bus_payload_t *p) {
  hd_rt_loop_t *rt = data;
  char prefix;
  int64_t id;
  if (parse_subject(subject, &prefix, &id) != 0)
    return;
  rt_table_t *t = prefix == 'u' ? &rt->users : &rt->chats;
  uint32_t kind = hd_bus_payload_kind(p) & RT_KIND_MASK;
  if (prefix == 'u' && (kind == RT_KIND_JOIN || kind == RT_KIND_LEAVE))
    rt_membership(rt, id, hd_bus_payload_arg(p), kind == RT_KIND_JOIN);
  if (tab_find(t, id) == NULL)
    return;
  if (hd_bus_payload_kind(p) & RT_KIND_MARKED) {
    hd_rt_variants_t *v = hd_bus_payload_local(p);
    if (v != NULL) {
      rt_send(rt, t, id, NULL, v);
      return;
    }
    hd_iovec_t d = hd_bus_payload_data(p); /* from another process: decode for this loop */
    json_t *env = json_loadb(d.base, d.len, 0, NULL);
    v = env ? hd__rt_variants_from_json(env) : NULL;
    json_decref(env);
    if (v == NULL) {
      hd_log(HD_LOG_ERROR, "bad variants payload", "\"subject\":\"%s\"", subject);
      return;
    }
    rt_send(rt, t, id, NULL, v);
    hd__rt_variants_free(v);
    return;
  }
  hd_ws_frame_t *f = hd_bus_payload_local(p);
  if (f != NULL) {
    rt_send(rt, t, id, f, NULL);
  } else { /* from another process: encode once for this loop */
    f = hd_ws_frame_text(hd_bus_payload_data(p));
    rt_send(rt, t, id, f, NULL);
    hd_ws_frame_release(f);
  }
}

static void rt_run_delivery(hd_loop_t *loop, void *arg) { hd_bus_deliver(arg); }

static void rt_post(void *data, hd_bus_delivery_t *d) {
  hd_loop_post((hd_loop_t *)data, rt_run_delivery, d);
}

static void rt_frame_release(void *f) { hd_ws_frame_release(f); }

/* Publish one encoded update (body copied) to subject; v (may be NULL) is a MARKED event's
 * variants, owned by the payload from here on. */
static void publish_body(hd_rt_loop_t *rt, const char *subject, hd_iovec_t body, uint32_t kind,
                         int64_t arg, hd_rt_variants_t *v) {
  hd_bus_payload_t *p = hd_bus_payload_create(body, v ? kind | RT_KIND_MARKED : kind, arg);
  if (v != NULL)
    hd_bus_payload_attach(p, v, hd__rt_variants_free);
  else
    hd_bus_payload_attach(p, hd_ws_frame_text(body), rt_frame_release);
  int rc = hd_bus_publish(rt->bus, subject, p);
  if (rc != 0)
    hd_log(HD_LOG_ERROR, "bus publish failed", "\"subject\":\"%s\",\"error\":\"%s\"", subject,
           hd_err_code(rc));
  hd_bus_payload_release(p);
}

/* The update of a marked event through its JSON tree (realtime_marks.h): labels and
 * quarantine applied, withheld variants built. */
static void publish_marked(hd_loop_ctx_t *ctx, hd_rt_mark_cache_t *cache, const hd_event_t *ev,
                           const char *subject, uint32_t kind, int64_t arg) {
  json_t *j = hd_json_update(&ev->update, ev->user_id), *env = NULL;
  int rc = hd__rt_mark(ctx->rd, cache, ev->update.message, j, &env);
  if (rc != 0) { /* never push content that may be withheld: clients resync */
    hd_log(HD_LOG_ERROR, "push marks failed", "\"subject\":\"%s\",\"error\":\"%s\"", subject,
           hd_err_code(rc));
    json_decref(j);
    return;
  }
  hd_rt_variants_t *v = env ? hd__rt_variants_from_json(env) : NULL;
  char *text = json_dumps(env ? env : j, JSON_COMPACT);
  json_decref(j);
  json_decref(env);
  if (text == NULL || (env != NULL && v == NULL))
    hd_log(HD_LOG_ERROR, "update encoding failed", "\"subject\":\"%s\"", subject);
  else
    publish_body(ctx->rt, subject, hd_iov(text, strlen(text)), kind, arg, v);
  if (text == NULL || (env != NULL && v == NULL))
    hd__rt_variants_free(v);
  json_free_t jfree;
  json_get_alloc_funcs(NULL, &jfree);
  jfree(text);
}

void hd_rt_publish(hd_loop_ctx_t *ctx, const hd_events_t *events) {
  if (ctx == NULL || ctx->rt == NULL || events == NULL)
    return;
  hd_rt_loop_t *rt = ctx->rt;
  hd_mem_pool_t pool;
  hd_mem_pool_init(&pool);
  hd_rt_mark_cache_t cache = {.pool = &pool, .clean = rt->clean};
  if (ctx->app && ctx->app->writer) /* read BEFORE the first store read (writer.h 6) */
    cache.epoch = hd_writer_auth_epoch(ctx->app->writer);
  else
    cache.clean = NULL;
  hd_buf_t b;
  hd_buf_init(&b, 0);
  for (size_t i = 0; i < events->len; i++) {
    const hd_event_t *ev = &events->items[i];
    char subject[32];
    uint32_t kind = RT_KIND_UPDATE;
    int64_t arg = 0;
    if (ev->user_id != 0) {
      subject_of(subject, sizeof(subject), 'u', ev->user_id);
      if (ev->update.type == HD_UPD_CHAT_JOINED || ev->update.type == HD_UPD_CHAT_LEFT) {
        kind = ev->update.type == HD_UPD_CHAT_JOINED ? RT_KIND_JOIN : RT_KIND_LEAVE;
        arg = ev->update.chat_id;
      }
    } else if (ev->update.chat_id != 0) {
      subject_of(subject, sizeof(subject), 'c', ev->update.chat_id);
    } else {
      continue;
    }
    int marked = 0;
    if (ev->update.message != NULL && ctx->rd != NULL) { /* invariant 6 */
      int rc = hd__rt_marks_needed(ctx->rd, &cache, ev->update.message, &marked);
      if (rc != 0) { /* never push content that may be withheld: clients resync */
        hd_log(HD_LOG_ERROR, "push marks failed", "\"subject\":\"%s\",\"error\":\"%s\"", subject,
               hd_err_code(rc));
        continue;
      }
    }
    if (marked) {
      publish_marked(ctx, &cache, ev, subject, kind, arg);
      continue;
    }
    b.len = 0; /* unmarked: encoded directly, the same bytes as the JSON tree (encode.h) */
    hd_enc_update(&b, &ev->update, ev->user_id);
    publish_body(rt, subject, hd_iov(b.base, b.len), kind, arg, NULL);
  }
  hd_buf_dispose(&b);
  hd_mem_pool_dispose(&pool);
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

hd_rt_loop_t *hd_rt_loop_create(hd_loop_ctx_t *ctx) {
  hd_rt_loop_t *rt = hd_mem_calloc(sizeof(*rt));
  rt->ctx = ctx;
  rt->users.prefix = 'u';
  rt->chats.prefix = 'c';
  rt->bus = bus_acquire();
  hd_bus_node_config_t cfg = {
      .sink = rt_on_bus, .sink_data = rt, .post = rt_post, .post_data = ctx->loop};
  int rc = hd_bus_join(rt->bus, &cfg, &rt->node);
  if (rc != 0)
    goto fail_join;
  return rt;

fail_join:
  hd_log(HD_LOG_ERROR, "realtime: bus join failed", "\"error\":\"%s\"", hd_err_code(rc));
  bus_release();
  hd_mem_free(rt);
  return NULL;
}

void hd_rt_loop_destroy(hd_rt_loop_t *rt) {
  if (rt == NULL)
    return;
  hd_bus_leave(rt->bus, rt->node);
  HD_ASSERT(rt->users.iter == 0 && rt->chats.iter == 0);
  /* sockets still open are orphaned: their close callback only frees them */
  for (size_t i = 0; i < rt->users.cap; i++) {
    rt_slot_t *s = &rt->users.slots[i];
    if (s->key == 0)
      continue;
    uint32_t n;
    hd_rt_sub_t **items = slot_items(s, &n);
    for (uint32_t k = 0; k < n; k++) {
      if (items[k] == NULL)
        continue;
      items[k]->rt = NULL;
      hd_mem_free(items[k]->chats);
      items[k]->chats = NULL;
      items[k]->nchats = items[k]->capchats = 0;
    }
  }
  tab_dispose(rt, &rt->users);
  tab_dispose(rt, &rt->chats);
  bus_release();
  hd_mem_free(rt);
}
