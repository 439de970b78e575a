/* Tests src/chat/messages.c: sending, gapless ids, idempotency, replies, forwards, edits,
 * deletes, views, history paging and every authorization failure. */
#include "fixture.h"

TestSuite(messages, .init = fx_setup, .fini = fx_teardown);

static int text(const char *s) { return hd_message_text_check(hd_iov(s, strlen(s))); }

Test(messages, text_rules) {
  cr_assert_eq(text("hi"), 0);
  cr_assert_eq(text(""), HD_ERR_MESSAGE_EMPTY);
  cr_assert_eq(text("\xc3"), HD_ERR_BAD_UTF8);
  static char big[4 * 4097 + 1];
  for (int i = 0; i < 4096; i++)
    memcpy(big + 4 * i, "\xf0\x9f\x98\x80", 4);
  cr_assert_eq(text(big), 0); /* 4096 code points, 16 KiB */
  memcpy(big + 4 * 4096, "a", 2);
  cr_assert_eq(text(big), HD_ERR_MESSAGE_TOO_LONG);
}

Test(messages, ids_are_gapless_and_random_id_idempotent) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t p = fx_private(a, b);
  int64_t g = fx_chat(a, HD_CHAT_GROUP, NULL);
  for (int i = 1; i <= 300; i++) {
    int64_t id = 0;
    cr_assert_eq(fx_send(i % 2 ? a : b, p, 1000 + i, "m", &id), 0);
    cr_assert_eq(id, i);
    if (i % 10 == 0) { /* interleave another chat: its ids are independent */
      cr_assert_eq(fx_send(a, g, 5000 + i, "g", &id), 0);
      cr_assert_eq(id, i / 10);
    }
  }
  /* a failing send (bad reply) in between burns no id */
  hd_send_op_t bad = {
      .user_id = a, .chat_id = p, .random_id = 7, .text = "x", .reply_to_id = 9999, .pool = &P};
  cr_assert_eq(fx_send_op(&bad), HD_ERR_MESSAGE_NOT_FOUND);

  hd_send_op_t op = {.user_id = a, .chat_id = p, .random_id = 42, .text = "hello", .pool = &P};
  cr_assert_eq(fx_send_op(&op), 0);
  cr_assert_eq(op.message.id, 301);
  cr_assert_eq(op.duplicate, 0);
  hd_send_op_t retry = {
      .user_id = a, .chat_id = p, .random_id = 42, .text = "different", .pool = &P};
  cr_assert_eq(fx_send_op(&retry), 0);
  cr_assert_eq(retry.duplicate, 1);
  cr_assert_eq(retry.message.id, 301);
  cr_assert_str_eq(retry.message.text, "hello");
  cr_assert_eq(retry.events.len, 0);
  /* the same random_id from the other user is a different send */
  hd_send_op_t other = {.user_id = b, .chat_id = p, .random_id = 42, .text = "mine", .pool = &P};
  cr_assert_eq(fx_send_op(&other), 0);
  cr_assert_eq(other.duplicate, 0);
  cr_assert_eq(other.message.id, 302);

  hd_chat_t c;
  cr_assert_eq(hd_chat_get(R, a, p, &P, &c), 0);
  cr_assert_eq(c.last_message_id, 302);
  hd_send_op_t zero = {.user_id = a, .chat_id = p, .random_id = 0, .text = "x", .pool = &P};
  cr_assert_eq(fx_send_op(&zero), HD_ERR_RANDOM_ID_INVALID);
}

Test(messages, send_events_by_chat_type) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t p = fx_private(a, b);
  hd_send_op_t op = {.user_id = a, .chat_id = p, .random_id = 1, .text = "hi", .pool = &P};
  cr_assert_eq(fx_send_op(&op), 0);
  cr_assert_eq(op.events.len, 2);
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(op.events.items[i].update.type, HD_UPD_NEW_MESSAGE);
    cr_assert_eq(op.events.items[i].update.pts, 1);
    cr_assert_not_null(op.events.items[i].update.message);
    cr_assert_str_eq(op.events.items[i].update.message->text, "hi");
  }
  cr_assert(op.events.items[0].user_id == a || op.events.items[1].user_id == a);
  cr_assert(op.events.items[0].user_id == b || op.events.items[1].user_id == b);

  int64_t g = fx_chat(a, HD_CHAT_GROUP, NULL); /* chat pts 1: owner joined */
  hd_send_op_t gs = {.user_id = a, .chat_id = g, .random_id = 2, .text = "yo", .pool = &P};
  cr_assert_eq(fx_send_op(&gs), 0);
  cr_assert_eq(gs.events.len, 1);
  cr_assert_eq(gs.events.items[0].user_id, 0);
  cr_assert_eq(gs.events.items[0].update.chat_id, g);
  cr_assert_eq(gs.events.items[0].update.pts, 2);
  cr_assert_eq(gs.events.items[0].update.message->id, 1);
}

Test(messages, who_may_post) {
  int64_t o = fx_user("owner"), a = fx_user("admin"), m = fx_user("member"),
          x = fx_user("outsider");
  int64_t ch = fx_chat(o, HD_CHAT_CHANNEL, "channel1");
  int64_t g = fx_chat(o, HD_CHAT_GROUP, NULL);
  cr_assert_eq(fx_member(hd_member_join, a, ch, a, 0), 0);
  cr_assert_eq(fx_member(hd_member_join, m, ch, m, 0), 0);
  cr_assert_eq(fx_member(hd_member_set_role, o, ch, a, HD_ROLE_ADMIN), 0);
  cr_assert_eq(fx_member(hd_member_add, o, g, m, 0), 0);

  cr_assert_eq(fx_send(o, ch, 1, "post", NULL), 0);
  cr_assert_eq(fx_send(a, ch, 2, "post", NULL), 0);
  cr_assert_eq(fx_send(m, ch, 3, "post", NULL), HD_ERR_CANNOT_POST);
  cr_assert_eq(fx_send(x, ch, 4, "post", NULL), HD_ERR_CANNOT_POST);
  cr_assert_eq(fx_send(m, g, 5, "hi", NULL), 0);
  cr_assert_eq(fx_send(x, g, 6, "hi", NULL), HD_ERR_CHAT_NOT_FOUND);
  cr_assert_eq(fx_send(x, 4242, 7, "hi", NULL), HD_ERR_CHAT_NOT_FOUND);
}

Test(messages, replies_must_be_visible_in_same_chat) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t p = fx_private(a, b);
  int64_t g = fx_chat(a, HD_CHAT_GROUP, NULL);
  int64_t first = 0, gid = 0;
  cr_assert_eq(fx_send(a, p, 1, "first", &first), 0);
  cr_assert_eq(fx_send(a, g, 2, "group", &gid), 0);
  hd_send_op_t r = {
      .user_id = b, .chat_id = p, .random_id = 3, .text = "re", .reply_to_id = first, .pool = &P};
  cr_assert_eq(fx_send_op(&r), 0);
  cr_assert_eq(r.message.reply_to_id, first);
  cr_assert_eq(fx_send(a, g, 20, "g2", NULL), 0);
  cr_assert_eq(fx_send(a, g, 21, "g3", &gid), 0);
  cr_assert_eq(gid, 3);
  hd_send_op_t cross = {.user_id = a,
                        .chat_id = p,
                        .random_id = 4,
                        .text = "re",
                        .reply_to_id = gid,
                        .pool = &P}; /* id 3 exists in g only */
  cr_assert_eq(fx_send_op(&cross), HD_ERR_MESSAGE_NOT_FOUND);
  /* hidden-for-me messages cannot be replied to by that user */
  hd_message_op_t hide = {.user_id = b, .chat_id = p, .message_id = first, .pool = &P};
  cr_assert_eq(TX(hd_message_delete(W, &hide)), 0);
  hd_send_op_t r2 = {
      .user_id = b, .chat_id = p, .random_id = 5, .text = "re", .reply_to_id = first, .pool = &P};
  cr_assert_eq(fx_send_op(&r2), HD_ERR_MESSAGE_NOT_FOUND);
  r2.user_id = a;
  cr_assert_eq(fx_send_op(&r2), 0);
}

Test(messages, forwards_keep_the_original_origin) {
  int64_t a = fx_user("alice"), b = fx_user("bobby"), c = fx_user("carol");
  int64_t ch = fx_chat(a, HD_CHAT_CHANNEL, "channel1");
  int64_t hidden_group = fx_chat(a, HD_CHAT_GROUP, NULL);
  int64_t pbc = fx_private(b, c);
  int64_t post = 0, secret = 0;
  cr_assert_eq(fx_send(a, ch, 1, "news!", &post), 0);
  cr_assert_eq(fx_send(a, hidden_group, 2, "secret", &secret), 0);

  /* b is not a member but the channel is public: forwarding is allowed */
  hd_send_op_t f = {.user_id = b,
                    .chat_id = pbc,
                    .random_id = 3,
                    .fwd_chat_id = ch,
                    .fwd_message_id = post,
                    .pool = &P};
  cr_assert_eq(fx_send_op(&f), 0);
  cr_assert_str_eq(f.message.text, "news!");
  cr_assert_eq(f.message.fwd_from_chat_id, ch);
  cr_assert_eq(f.message.fwd_from_message_id, post);
  cr_assert_eq(f.message.fwd_from_user_id, a);
  cr_assert_gt(f.message.fwd_date, 0);

  /* forwarding the forward keeps the channel as origin */
  int64_t g2 = fx_chat(c, HD_CHAT_GROUP, NULL);
  hd_send_op_t ff = {.user_id = c,
                     .chat_id = g2,
                     .random_id = 4,
                     .fwd_chat_id = pbc,
                     .fwd_message_id = f.message.id,
                     .pool = &P};
  cr_assert_eq(fx_send_op(&ff), 0);
  cr_assert_eq(ff.message.fwd_from_chat_id, ch);
  cr_assert_eq(ff.message.fwd_from_message_id, post);
  cr_assert_eq(ff.message.fwd_from_user_id, a);

  hd_send_op_t leak = {.user_id = b,
                       .chat_id = pbc,
                       .random_id = 5,
                       .fwd_chat_id = hidden_group,
                       .fwd_message_id = secret,
                       .pool = &P};
  cr_assert_eq(fx_send_op(&leak), HD_ERR_MESSAGE_NOT_FOUND);
  hd_send_op_t gone = {.user_id = b,
                       .chat_id = pbc,
                       .random_id = 6,
                       .fwd_chat_id = ch,
                       .fwd_message_id = 77,
                       .pool = &P};
  cr_assert_eq(fx_send_op(&gone), HD_ERR_MESSAGE_NOT_FOUND);
}

Test(messages, edit_only_by_sender) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t p = fx_private(a, b);
  int64_t id = 0;
  cr_assert_eq(fx_send(a, p, 1, "typo", &id), 0);
  hd_message_op_t e = {.user_id = b, .chat_id = p, .message_id = id, .text = "hack", .pool = &P};
  cr_assert_eq(TX(hd_message_edit(W, &e)), HD_ERR_FORBIDDEN);
  e.user_id = a;
  e.text = "fixed";
  cr_assert_eq(TX(hd_message_edit(W, &e)), 0);
  cr_assert_str_eq(e.message.text, "fixed");
  cr_assert_gt(e.message.edit_date, 0);
  cr_assert_eq(e.events.len, 2);
  cr_assert_eq(e.events.items[0].update.type, HD_UPD_EDIT_MESSAGE);
  cr_assert_str_eq(e.events.items[0].update.message->text, "fixed");
  hd_message_t m;
  cr_assert_eq(hd_message_get(R, b, p, id, &P, &m), 0);
  cr_assert_str_eq(m.text, "fixed");
  cr_assert_eq(m.edit_date, e.message.edit_date);
  e.message_id = 99;
  cr_assert_eq(TX(hd_message_edit(W, &e)), HD_ERR_MESSAGE_NOT_FOUND);
  int64_t c = fx_user("carol");
  hd_message_op_t x = {.user_id = c, .chat_id = p, .message_id = id, .text = "x", .pool = &P};
  cr_assert_eq(TX(hd_message_edit(W, &x)), HD_ERR_CHAT_NOT_FOUND);
}

Test(messages, delete_for_everyone_rules) {
  int64_t o = fx_user("owner"), a = fx_user("admin"), m = fx_user("member"), n = fx_user("member2");
  int64_t g = fx_chat(o, HD_CHAT_GROUP, NULL);
  cr_assert_eq(fx_member(hd_member_add, o, g, a, 0), 0);
  cr_assert_eq(fx_member(hd_member_add, o, g, m, 0), 0);
  cr_assert_eq(fx_member(hd_member_add, o, g, n, 0), 0);
  cr_assert_eq(fx_member(hd_member_set_role, o, g, a, HD_ROLE_ADMIN), 0);
  int64_t m1 = 0, m2 = 0, m3 = 0;
  cr_assert_eq(fx_send(m, g, 1, "one", &m1), 0);
  cr_assert_eq(fx_send(m, g, 2, "two", &m2), 0);
  cr_assert_eq(fx_send(m, g, 3, "three", &m3), 0);

  hd_message_op_t d = {.user_id = n, .chat_id = g, .message_id = m1, .for_everyone = 1, .pool = &P};
  cr_assert_eq(TX(hd_message_delete(W, &d)), HD_ERR_FORBIDDEN); /* another member */
  d.user_id = m;
  cr_assert_eq(TX(hd_message_delete(W, &d)), 0); /* the sender */
  cr_assert_eq(d.events.len, 1);
  cr_assert_eq(d.events.items[0].user_id, 0);
  cr_assert_eq(d.events.items[0].update.type, HD_UPD_DELETE_MESSAGE);
  cr_assert_eq(TX(hd_message_delete(W, &d)), HD_ERR_MESSAGE_NOT_FOUND); /* already gone */
  d.user_id = a;
  d.message_id = m2;
  cr_assert_eq(TX(hd_message_delete(W, &d)), 0); /* an admin */

  hd_message_t *page;
  size_t cnt;
  cr_assert_eq(hd_message_history(R, o, g, 0, -1, 50, &P, &page, &cnt), 0);
  cr_assert_eq(cnt, 1);
  cr_assert_eq(page[0].id, m3);
  hd_message_t msg;
  cr_assert_eq(hd_message_get(R, o, g, m1, &P, &msg), HD_ERR_MESSAGE_NOT_FOUND);
  /* the ids stay taken: the next message is 4 */
  int64_t m4 = 0;
  cr_assert_eq(fx_send(o, g, 4, "four", &m4), 0);
  cr_assert_eq(m4, 4);

  /* private chats: either side deletes for both */
  int64_t p = fx_private(m, n), pid = 0;
  cr_assert_eq(fx_send(m, p, 5, "oops", &pid), 0);
  hd_message_op_t pd = {
      .user_id = n, .chat_id = p, .message_id = pid, .for_everyone = 1, .pool = &P};
  cr_assert_eq(TX(hd_message_delete(W, &pd)), 0);
  cr_assert_eq(pd.events.len, 2);
  cr_assert_eq(hd_message_get(R, m, p, pid, &P, &msg), HD_ERR_MESSAGE_NOT_FOUND);
}

Test(messages, delete_for_me_hides_from_one_user) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t p = fx_private(a, b);
  int64_t id = 0;
  cr_assert_eq(fx_send(a, p, 1, "hi", &id), 0);
  hd_message_op_t d = {.user_id = b, .chat_id = p, .message_id = id, .pool = &P};
  cr_assert_eq(TX(hd_message_delete(W, &d)), 0);
  cr_assert_eq(d.events.len, 1);
  cr_assert_eq(d.events.items[0].user_id, b);
  cr_assert_eq(TX(hd_message_delete(W, &d)), HD_ERR_MESSAGE_NOT_FOUND);
  hd_message_t m;
  cr_assert_eq(hd_message_get(R, b, p, id, &P, &m), HD_ERR_MESSAGE_NOT_FOUND);
  cr_assert_eq(hd_message_get(R, a, p, id, &P, &m), 0);
  hd_message_t *page;
  size_t n;
  cr_assert_eq(hd_message_history(R, b, p, 0, -1, 50, &P, &page, &n), 0);
  cr_assert_eq(n, 0);
  cr_assert_eq(hd_message_history(R, a, p, 0, -1, 50, &P, &page, &n), 0);
  cr_assert_eq(n, 1);
}

Test(messages, history_paging_and_access) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t g = fx_chat(a, HD_CHAT_GROUP, "publicgroup");
  int64_t ch = fx_chat(a, HD_CHAT_CHANNEL, "publicchan");
  for (int i = 1; i <= 250; i++)
    cr_assert_eq(fx_send(a, g, i, "m", NULL), 0);
  cr_assert_eq(fx_send(a, ch, 1, "post", NULL), 0);

  hd_message_t *page;
  size_t n;
  cr_assert_eq(hd_message_history(R, a, g, 0, -1, 50, &P, &page, &n), 0); /* newest */
  cr_assert_eq(n, 50);
  cr_assert_eq(page[0].id, 250);
  cr_assert_eq(page[49].id, 201);
  cr_assert_eq(hd_message_history(R, a, g, 201, -1, 1000, &P, &page, &n), 0);
  cr_assert_eq(n, HD_PAGE_MAX); /* limit clamped */
  cr_assert_eq(page[0].id, 200);
  cr_assert_eq(page[99].id, 101);
  cr_assert_eq(hd_message_history(R, a, g, 0, 0, 10, &P, &page, &n), 0); /* oldest first */
  cr_assert_eq(n, 10);
  cr_assert_eq(page[0].id, 1);
  cr_assert_eq(page[9].id, 10);
  cr_assert_eq(hd_message_history(R, a, g, 0, 245, 10, &P, &page, &n), 0);
  cr_assert_eq(n, 5);
  cr_assert_eq(page[4].id, 250);
  /* walk the whole history backwards: every id exactly once */
  int64_t before = 0, expect = 250;
  do {
    cr_assert_eq(hd_message_history(R, a, g, before, -1, 33, &P, &page, &n), 0);
    for (size_t i = 0; i < n; i++)
      cr_assert_eq(page[i].id, expect--);
    if (n)
      before = page[n - 1].id;
  } while (n > 0);
  cr_assert_eq(expect, 0);

  /* public group: info yes, history no; public channel: history yes */
  cr_assert_eq(hd_message_history(R, b, g, 0, -1, 10, &P, &page, &n), HD_ERR_CHAT_NOT_FOUND);
  cr_assert_eq(hd_message_history(R, b, ch, 0, -1, 10, &P, &page, &n), 0);
  cr_assert_eq(n, 1);
  hd_message_t m;
  cr_assert_eq(hd_message_get(R, b, ch, 1, &P, &m), 0);
  cr_assert_eq(hd_message_get(R, b, g, 1, &P, &m), HD_ERR_CHAT_NOT_FOUND);
}

Test(messages, channel_views_count_once_per_user) {
  int64_t a = fx_user("alice"), b = fx_user("bobby"), c = fx_user("carol");
  int64_t ch = fx_chat(a, HD_CHAT_CHANNEL, "publicchan");
  int64_t p1 = 0, p2 = 0;
  cr_assert_eq(fx_send(a, ch, 1, "p1", &p1), 0);
  cr_assert_eq(fx_send(a, ch, 2, "p2", &p2), 0);
  int64_t ids[] = {p1, p2, 999};
  hd_views_op_t v = {.user_id = b, .chat_id = ch, .ids = ids, .nids = 3, .pool = &P};
  cr_assert_eq(TX(hd_message_views(W, &v)), 0);
  cr_assert_eq(v.views[0], 1);
  cr_assert_eq(v.views[1], 1);
  cr_assert_eq(v.views[2], 0);
  cr_assert_eq(TX(hd_message_views(W, &v)), 0); /* b again: unchanged */
  cr_assert_eq(v.views[0], 1);
  v.user_id = c;
  v.nids = 1;
  cr_assert_eq(TX(hd_message_views(W, &v)), 0);
  cr_assert_eq(v.views[0], 2);
  hd_message_t m;
  cr_assert_eq(hd_message_get(R, a, ch, p1, &P, &m), 0);
  cr_assert_eq(m.views, 2);

  int64_t g = fx_chat(a, HD_CHAT_GROUP, NULL), gid = 0;
  cr_assert_eq(fx_send(a, g, 3, "g", &gid), 0);
  hd_views_op_t gv = {.user_id = a, .chat_id = g, .ids = &gid, .nids = 1, .pool = &P};
  cr_assert_eq(TX(hd_message_views(W, &gv)), 0);
  cr_assert_eq(gv.views[0], 0); /* groups have no view counters */
  hd_views_op_t x = {.user_id = b, .chat_id = g, .ids = &gid, .nids = 1, .pool = &P};
  cr_assert_eq(TX(hd_message_views(W, &x)), HD_ERR_CHAT_NOT_FOUND);
}

Test(messages, reopen_keeps_messages) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t p = fx_private(a, b);
  for (int i = 1; i <= 5; i++)
    cr_assert_eq(fx_send(a, p, i, "persist", NULL), 0);
  fx_close();
  fx_open();
  hd_message_t *page;
  size_t n;
  cr_assert_eq(hd_message_history(R, b, p, 0, -1, 50, &P, &page, &n), 0);
  cr_assert_eq(n, 5);
  cr_assert_str_eq(page[0].text, "persist");
  int64_t id = 0;
  cr_assert_eq(fx_send(b, p, 1, "after", &id), 0);
  cr_assert_eq(id, 6);
  hd_send_op_t retry = {.user_id = a, .chat_id = p, .random_id = 3, .text = "x", .pool = &P};
  cr_assert_eq(fx_send_op(&retry), 0);
  cr_assert_eq(retry.duplicate, 1);
  cr_assert_eq(retry.message.id, 3);
}
