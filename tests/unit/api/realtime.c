/* Tests src/api/realtime.c: the per-loop registry (hash tables of subscriber lists), removal
 * during delivery, CHAT_JOINED/LEFT ordering, one encoding per event, memory per socket.
 * The net layer and the encoder are replaced by fakes defined here, so the registry is
 * tested alone; the bus is the real local bus. */
#include "../../../src/api/realtime.c"

#include <criterion/criterion.h>
#include <stdatomic.h>

/* ---- fakes: loops, sockets, frames, encoder -------------------------------------------- */

struct st_hd_loop_t {
  struct {
    void (*fn)(hd_loop_t *, void *);
    void *arg;
  } q[4096];
  size_t head, tail;
};

void hd_loop_post(hd_loop_t *loop, void (*fn)(hd_loop_t *loop, void *arg), void *arg) {
  cr_assert(loop->tail - loop->head < HD_ARRAY_SIZE(loop->q));
  size_t i = loop->tail++ % HD_ARRAY_SIZE(loop->q);
  loop->q[i].fn = fn;
  loop->q[i].arg = arg;
}

static size_t pump(hd_loop_t *loop) {
  size_t n = 0;
  while (loop->head != loop->tail) {
    size_t i = loop->head++ % HD_ARRAY_SIZE(loop->q);
    loop->q[i].fn(loop, loop->q[i].arg);
    n++;
  }
  return n;
}

struct st_hd_ws_frame_t {
  _Atomic int refs;
  size_t len;
  char text[];
};
static long frames_alive, frames_made;

hd_ws_frame_t *hd_ws_frame_text(hd_iovec_t payload) {
  hd_ws_frame_t *f = hd_mem_alloc(sizeof(*f) + payload.len + 1);
  atomic_init(&f->refs, 1);
  f->len = payload.len;
  memcpy(f->text, payload.base, payload.len);
  f->text[payload.len] = '\0';
  frames_alive++;
  frames_made++;
  return f;
}
void hd_ws_frame_retain(hd_ws_frame_t *f) { atomic_fetch_add(&f->refs, 1); }
void hd_ws_frame_release(hd_ws_frame_t *f) {
  if (atomic_fetch_sub(&f->refs, 1) == 1) {
    frames_alive--;
    hd_mem_free(f);
  }
}

enum { WS_OK, WS_FAIL_ASYNC, WS_FAIL_SYNC_CLOSE };
struct st_hd_ws_t {
  void *data;
  int mode;       /* how the next send behaves */
  int closed;     /* on_close has run */
  int close_code; /* hd_ws_close() was asked for */
  int nrecv;
  char recv[6][160];
};

void *hd_ws_data(hd_ws_t *ws) { return ws->data; }

static void ws_record(hd_ws_t *ws, const char *s, size_t n) {
  if (ws->nrecv < (int)HD_ARRAY_SIZE(ws->recv))
    snprintf(ws->recv[ws->nrecv], sizeof(ws->recv[0]), "%.*s", (int)n, s);
  ws->nrecv++;
}

static void fake_close(hd_ws_t *ws, int code) {
  cr_assert_not(ws->closed);
  ws->closed = 1;
  hd__rt_ws_callbacks.on_close(ws, code);
}

int hd_ws_send_frame(hd_ws_t *ws, hd_ws_frame_t *f) {
  cr_assert_not(ws->closed);
  cr_assert(atomic_load(&f->refs) > 0);
  if (ws->mode == WS_FAIL_SYNC_CLOSE) {
    fake_close(ws, 1008); /* slow consumer closed inside the send */
    return HD_ERR_TOO_LARGE;
  }
  if (ws->mode == WS_FAIL_ASYNC)
    return HD_ERR_TOO_LARGE;
  ws_record(ws, f->text, f->len);
  return 0;
}
int hd_ws_send_text(hd_ws_t *ws, hd_iovec_t data) {
  ws_record(ws, data.base, data.len);
  return 0;
}
void hd_ws_close(hd_ws_t *ws, int code, const char *reason) { ws->close_code = code; }

/* What a socket receives for an update (the real encoder, api/encode.h). */
static const char *wire(hd_update_type_t type, int64_t chat_id, int64_t pts, int user_log) {
  static char out[8][256];
  static int k;
  hd_update_t u = {.type = type, .chat_id = chat_id, .pts = pts};
  hd_buf_t b;
  hd_buf_init(&b, 0);
  hd_enc_update(&b, &u, user_log);
  char *s = out[k++ % 8];
  snprintf(s, sizeof(out[0]), "%.*s", (int)b.len, b.base);
  hd_buf_dispose(&b);
  return s;
}

/* ---- helpers ------------------------------------------------------------------------------ */

typedef struct {
  hd_loop_t loop;
  hd_loop_ctx_t ctx;
} fake_loop_t;

static fake_loop_t *loop_new(void) {
  fake_loop_t *l = hd_mem_calloc(sizeof(*l));
  l->ctx.loop = &l->loop;
  l->ctx.rt = hd_rt_loop_create(&l->ctx);
  cr_assert_not_null(l->ctx.rt);
  return l;
}

static void loop_free(fake_loop_t *l) {
  hd_rt_loop_destroy(l->ctx.rt);
  pump(&l->loop); /* deliveries posted before leave still release their references */
  hd_mem_free(l);
}

static hd_ws_t *ws_open(fake_loop_t *l, int64_t user, const int64_t *chats, size_t n) {
  hd_ws_t *ws = hd_mem_calloc(sizeof(*ws));
  hd_rt_sub_t *sub = hd__rt_sub_create(l->ctx.rt, user, chats, n);
  ws->data = sub;
  hd__rt_sub_start(sub, ws, 5);
  char hello[96];
  snprintf(hello, sizeof(hello), "{\"type\":\"hello\",\"user_id\":%lld,\"pts\":5}",
           (long long)user);
  cr_assert_str_eq(ws->recv[0], hello);
  ws->nrecv = 0;
  return ws;
}

static void ws_gone(hd_ws_t *ws) {
  if (!ws->closed)
    fake_close(ws, 1000);
  hd_mem_free(ws);
}

/* Live (non-hole) entries in key's list, 0 if no slot. */
static uint32_t live(rt_table_t *t, int64_t key) {
  rt_slot_t *s = tab_find(t, key);
  if (s == NULL)
    return 0;
  uint32_t n, c = 0;
  hd_rt_sub_t **items = slot_items(s, &n);
  for (uint32_t i = 0; i < n; i++)
    c += items[i] != NULL;
  return c;
}

/* Check invariants 1, 2 and 4 of realtime.c over the whole registry. */
static void check_registry(hd_rt_loop_t *rt) {
  rt_table_t *tabs[2] = {&rt->users, &rt->chats};
  size_t users_entries = 0;
  for (int k = 0; k < 2; k++) {
    rt_table_t *t = tabs[k];
    size_t used = 0;
    cr_assert_eq(t->iter, 0);
    cr_assert_eq(t->ndirty, 0);
    for (size_t i = 0; i < t->cap; i++) {
      rt_slot_t *s = &t->slots[i];
      if (s->key == 0)
        continue;
      used++;
      cr_assert_eq(tab_find(t, s->key), s, "slot unreachable by probing");
      uint32_t n;
      hd_rt_sub_t **items = slot_items(s, &n);
      cr_assert(n >= 1);
      if (slot_is_vec(s))
        cr_assert(n >= 2, "a vector holds at least two subs");
      for (uint32_t j = 0; j < n; j++) {
        hd_rt_sub_t *sub = items[j];
        cr_assert_not_null(sub, "hole outside a walk");
        if (k == 0) {
          cr_assert_eq(sub->user_id, s->key);
          users_entries++;
        } else {
          cr_assert(sub_chat_index(sub, s->key) >= 0);
        }
        for (uint32_t m = j + 1; m < n; m++)
          cr_assert_neq(items[m], sub, "duplicate entry");
      }
    }
    cr_assert_eq(used, t->used);
  }
  cr_assert_eq(users_entries, rt->nsubs);
}

static hd_event_t chat_event(int64_t chat_id, int64_t pts) {
  hd_event_t e = {.user_id = 0,
                  .update = {.pts = pts, .type = HD_UPD_NEW_MESSAGE, .chat_id = chat_id}};
  return e;
}

static hd_event_t user_event(int64_t user_id, hd_update_type_t type, int64_t chat_id, int64_t pts) {
  hd_event_t e = {.user_id = user_id, .update = {.pts = pts, .type = type, .chat_id = chat_id}};
  return e;
}

static void publish(fake_loop_t *from, hd_event_t *ev, size_t n) {
  hd_events_t events = {ev, n};
  hd_rt_publish(&from->ctx, &events);
}

/* ---- tests -------------------------------------------------------------------------------- */

Test(rt, register_and_unregister) {
  fake_loop_t *l = loop_new();
  hd_rt_loop_t *rt = l->ctx.rt;
  int64_t c1[] = {20, 10, 20, 0}; /* duplicates and non-ids are dropped */
  int64_t c2[] = {20};
  hd_ws_t *a = ws_open(l, 1, c1, 4);
  hd_ws_t *b = ws_open(l, 2, c2, 1);
  hd_ws_t *a2 = ws_open(l, 1, NULL, 0);
  check_registry(rt);
  cr_assert_eq(live(&rt->users, 1), 2);
  cr_assert_eq(live(&rt->users, 2), 1);
  cr_assert_eq(live(&rt->chats, 10), 1);
  cr_assert_eq(live(&rt->chats, 20), 2);
  cr_assert_eq(live(&rt->chats, 0), 0);

  ws_gone(a);
  check_registry(rt);
  cr_assert_eq(live(&rt->users, 1), 1);
  cr_assert_null(tab_find(&rt->chats, 10));
  cr_assert_eq(live(&rt->chats, 20), 1);
  ws_gone(b);
  ws_gone(a2);
  check_registry(rt);
  cr_assert_eq(rt->users.used + rt->chats.used, 0);
  /* everything but the (empty) slot arrays is freed */
  cr_assert_eq(rt->bytes, (rt->users.cap + rt->chats.cap) * sizeof(rt_slot_t));
  loop_free(l);
}

Test(rt, table_matches_model_under_random_churn) {
  fake_loop_t *l = loop_new();
  hd_rt_loop_t *rt = l->ctx.rt;
  enum { N = 600 };
  static hd_ws_t *ws[N];
  static int64_t chats_of[N][3];
  unsigned seed = 12345;
  for (int round = 0; round < 6000; round++) {
    seed = seed * 1103515245u + 12345u;
    int i = (int)((seed >> 8) % N);
    if (ws[i] == NULL) {
      for (int k = 0; k < 3; k++) {
        seed = seed * 1103515245u + 12345u;
        chats_of[i][k] = 1 + (seed >> 8) % 97;
      }
      ws[i] = ws_open(l, 1 + i % 211, chats_of[i], 3);
    } else {
      ws_gone(ws[i]);
      ws[i] = NULL;
    }
    if (round % 500 == 0)
      check_registry(rt);
  }
  check_registry(rt);
  for (int64_t c = 1; c <= 97; c++) { /* compare with the model */
    uint32_t expect = 0;
    for (int i = 0; i < N; i++)
      if (ws[i] != NULL)
        expect += chats_of[i][0] == c || chats_of[i][1] == c || chats_of[i][2] == c;
    cr_assert_eq(live(&rt->chats, c), expect, "chat %lld", (long long)c);
  }
  for (int i = 0; i < N; i++)
    if (ws[i] != NULL)
      ws_gone(ws[i]);
  cr_assert_eq(rt->users.used + rt->chats.used, 0);
  loop_free(l);
}

Test(rt, publish_reaches_every_loop_encoded_once) {
  fake_loop_t *la = loop_new(), *lb = loop_new();
  int64_t c[] = {7};
  hd_ws_t *a = ws_open(la, 1, c, 1);
  hd_ws_t *b = ws_open(lb, 2, c, 1);
  hd_ws_t *other = ws_open(lb, 3, NULL, 0);
  frames_made = 0;
  hd_event_t ev[3] = {chat_event(7, 1), user_event(3, HD_UPD_READ_INBOX, 9, 4), chat_event(7, 2)};
  publish(la, ev, 3);
  cr_assert_eq(frames_made, 3);  /* one encoding per event, whatever the recipients */
  cr_assert_eq(frames_alive, 3); /* held by the queued deliveries */
  cr_assert_eq(a->nrecv, 0);     /* nothing before the loops run their queues */
  cr_assert_eq(pump(&la->loop), 3);
  cr_assert_eq(pump(&lb->loop), 3);
  cr_assert_eq(frames_alive, 0);
  cr_assert_eq(a->nrecv, 2);
  cr_assert_eq(b->nrecv, 2);
  cr_assert_str_eq(a->recv[0], wire(HD_UPD_NEW_MESSAGE, 7, 1, 0));
  cr_assert_str_eq(b->recv[1], wire(HD_UPD_NEW_MESSAGE, 7, 2, 0));
  cr_assert_eq(other->nrecv, 1);
  cr_assert_str_eq(other->recv[0], wire(HD_UPD_READ_INBOX, 9, 4, 1));
  ws_gone(a);
  ws_gone(b);
  ws_gone(other);
  loop_free(la);
  loop_free(lb);
}

Test(rt, chat_joined_and_left_apply_before_later_events) {
  fake_loop_t *la = loop_new(), *lb = loop_new();
  hd_ws_t *u2a = ws_open(la, 2, NULL, 0);
  hd_ws_t *u2b = ws_open(lb, 2, NULL, 0);
  int64_t c30[] = {30};
  hd_ws_t *owner = ws_open(la, 1, c30, 1);
  hd_event_t ev[] = {
      chat_event(30, 1),                        /* before joining: not for user 2 */
      user_event(2, HD_UPD_CHAT_JOINED, 30, 1), /* user 2 joins 30 */
      chat_event(30, 2),                        /* now delivered to user 2 */
      user_event(2, HD_UPD_CHAT_JOINED, 30, 1), /* duplicate join is harmless */
      user_event(2, HD_UPD_CHAT_LEFT, 30, 2),   /* user 2 leaves */
      chat_event(30, 3),                        /* not delivered to user 2 */
  };
  publish(lb, ev, HD_ARRAY_SIZE(ev));
  pump(&la->loop);
  pump(&lb->loop);
  hd_ws_t *u2[2] = {u2a, u2b};
  for (int k = 0; k < 2; k++) {
    cr_assert_eq(u2[k]->nrecv, 4);
    cr_assert_str_eq(u2[k]->recv[0], wire(HD_UPD_CHAT_JOINED, 30, 1, 1));
    cr_assert_str_eq(u2[k]->recv[1], wire(HD_UPD_NEW_MESSAGE, 30, 2, 0));
    cr_assert_str_eq(u2[k]->recv[3], wire(HD_UPD_CHAT_LEFT, 30, 2, 1));
    cr_assert_eq(sub_chat_index(u2[k]->data, 30), -1);
  }
  cr_assert_eq(owner->nrecv, 3);
  cr_assert_eq(live(&la->ctx.rt->chats, 30), 1);
  cr_assert_null(tab_find(&lb->ctx.rt->chats, 30));
  check_registry(la->ctx.rt);
  check_registry(lb->ctx.rt);
  ws_gone(u2a);
  ws_gone(u2b);
  ws_gone(owner);
  loop_free(la);
  loop_free(lb);
}

Test(rt, sockets_closing_during_delivery) {
  fake_loop_t *l = loop_new();
  hd_rt_loop_t *rt = l->ctx.rt;
  enum { N = 100 };
  static hd_ws_t *ws[N];
  int64_t c[] = {5, 6};
  for (int i = 0; i < N; i++) {
    ws[i] = ws_open(l, 1000 + i, c, 2);
    if (i % 3 == 0)
      ws[i]->mode = WS_FAIL_SYNC_CLOSE; /* closed (and unregistered) inside the send */
    else if (i % 7 == 0)
      ws[i]->mode = WS_FAIL_ASYNC; /* send refused, close comes later */
  }
  ws[N - 1]->mode = WS_FAIL_SYNC_CLOSE; /* the last entry too */
  hd_event_t ev[] = {chat_event(5, 1), chat_event(6, 1), chat_event(5, 2)};
  publish(l, ev, 3);
  pump(&l->loop);
  check_registry(rt);
  int sync_closed = 0, async = 0;
  for (int i = 0; i < N; i++) {
    if (ws[i]->mode == WS_FAIL_SYNC_CLOSE) {
      cr_assert(ws[i]->closed);
      cr_assert_eq(ws[i]->nrecv, 0);
      sync_closed++;
    } else if (ws[i]->mode == WS_FAIL_ASYNC) {
      cr_assert_eq(((hd_rt_sub_t *)ws[i]->data)->state, RT_SUB_CLOSING);
      async++;
    } else {
      cr_assert_eq(ws[i]->nrecv, 3);
    }
  }
  cr_assert_eq(live(&rt->chats, 5), N - sync_closed);
  cr_assert_eq(rt->nsubs, (size_t)(N - sync_closed));
  for (int i = 0; i < N; i++) /* the async ones close now, the rest later */
    if (ws[i]->mode == WS_FAIL_ASYNC)
      fake_close(ws[i], 1006);
  check_registry(rt);
  cr_assert_eq(live(&rt->chats, 5), N - sync_closed - async);
  for (int i = 0; i < N; i++)
    ws_gone(ws[i]);
  cr_assert_eq(rt->users.used + rt->chats.used, 0);
  cr_assert_eq(frames_alive, 0);
  loop_free(l);
}

Test(rt, ten_thousand_subscribers_one_walk, .timeout = 30) {
  fake_loop_t *l = loop_new();
  hd_rt_loop_t *rt = l->ctx.rt;
  enum { N = 10000 };
  static hd_ws_t *ws[N];
  int64_t c[] = {77, 0};
  for (int i = 0; i < N; i++) {
    c[1] = 100000 + i; /* plus one chat of its own */
    ws[i] = ws_open(l, 1 + i, c, 2);
  }
  check_registry(rt);
  /* memory: the registry's share per idle socket (net's struct is on top) */
  size_t per_socket = rt->bytes / N;
  cr_assert(per_socket < 240, "registry uses %zu bytes per socket", per_socket);

  size_t before = rt->bytes;
  frames_made = 0;
  hd_event_t ev = chat_event(77, 1);
  publish(l, &ev, 1);
  pump(&l->loop);
  cr_assert_eq(frames_made, 1);
  cr_assert_eq(rt->bytes, before); /* no per-subscriber allocation */
  for (int i = 0; i < N; i++)
    cr_assert_eq(ws[i]->nrecv, 1);
  for (int i = 0; i < N; i += 2) /* half of them go away */
    ws_gone(ws[i]);
  cr_assert_eq(live(&rt->chats, 77), N / 2);
  check_registry(rt);
  for (int i = 1; i < N; i += 2)
    ws_gone(ws[i]);
  cr_assert_eq(rt->users.used + rt->chats.used, 0);
  loop_free(l);
}

Test(rt, client_messages) {
  fake_loop_t *l = loop_new();
  hd_ws_t *ws = ws_open(l, 1, NULL, 0);
  hd__rt_ws_callbacks.on_message(ws, 1, HD_IOV_LIT("{\"type\":\"ping\"}"));
  cr_assert_eq(ws->nrecv, 1);
  cr_assert_str_eq(ws->recv[0], "{\"type\":\"pong\"}");
  hd__rt_ws_callbacks.on_message(ws, 1, HD_IOV_LIT("{\"type\":\"other\"}"));
  hd__rt_ws_callbacks.on_message(ws, 1, HD_IOV_LIT("not json"));
  hd__rt_ws_callbacks.on_message(ws, 1, HD_IOV_LIT("[1,2]"));
  cr_assert_eq(ws->nrecv, 1);
  cr_assert_eq(ws->close_code, 0);
  hd__rt_ws_callbacks.on_message(ws, 0, HD_IOV_LIT("\x01\x02"));
  cr_assert_eq(ws->close_code, 1003);
  ws_gone(ws);
  loop_free(l);
}

Test(rt, closed_during_upgrade_and_orphaned_at_shutdown) {
  fake_loop_t *l = loop_new();
  /* closed before hd__rt_sub_start(): the start frees it and registers nothing */
  hd_ws_t *early = hd_mem_calloc(sizeof(*early));
  int64_t c[] = {3};
  hd_rt_sub_t *sub = hd__rt_sub_create(l->ctx.rt, 9, c, 1);
  early->data = sub;
  fake_close(early, 1006);
  hd__rt_sub_start(sub, early, 1);
  cr_assert_eq(l->ctx.rt->nsubs, 0);
  cr_assert_null(tab_find(&l->ctx.rt->users, 9));
  hd_mem_free(early);

  /* the registry goes away before its sockets: their close only frees them */
  hd_ws_t *ws = ws_open(l, 4, c, 1);
  hd_event_t ev = chat_event(3, 1);
  publish(l, &ev, 1); /* still queued when the registry is destroyed */
  loop_free(l);
  cr_assert_eq(ws->nrecv, 0);
  cr_assert_eq(frames_alive, 0);
  ws_gone(ws);
  cr_assert_eq(hd__bus_node_count(), 0);
}

Test(rt, payload_from_another_process_is_encoded_per_loop) {
  fake_loop_t *l = loop_new();
  int64_t c[] = {8};
  hd_ws_t *a = ws_open(l, 1, c, 1);
  hd_ws_t *b = ws_open(l, 2, c, 1);
  frames_made = 0;
  hd_bus_payload_t *p = hd_bus_payload_create(HD_IOV_LIT("{\"remote\":1}"), RT_KIND_UPDATE, 0);
  cr_assert_eq(hd_bus_publish(l->ctx.rt->bus, "c.8", p), 0);
  cr_assert_eq(hd_bus_publish(l->ctx.rt->bus, "c.999", p), 0); /* nobody here: no frame */
  hd_bus_payload_release(p);
  pump(&l->loop);
  cr_assert_eq(frames_made, 1);
  cr_assert_eq(frames_alive, 0);
  cr_assert_str_eq(a->recv[0], "{\"remote\":1}");
  cr_assert_str_eq(b->recv[0], "{\"remote\":1}");
  ws_gone(a);
  ws_gone(b);
  loop_free(l);
}
