/* Tests src/chat/chats.c and src/chat/members.c: private chats, groups, channels, every
 * membership transition and its authorization failures, dialogs and read markers. */
#include "fixture.h"

TestSuite(chats, .init = fx_setup, .fini = fx_teardown);

Test(chats, private_open_is_unique_per_pair) {
  int64_t a = fx_user("alice"), b = fx_user("bobby"), c = fx_user("carol");
  hd_private_open_op_t op = {.user_id = a, .peer_id = b, .pool = &P};
  cr_assert_eq(TX(hd_private_open(W, &op)), 0);
  cr_assert_eq(op.created, 1);
  cr_assert_eq(op.chat.type, HD_CHAT_PRIVATE);
  cr_assert_eq(op.chat.peer_user_id, b);
  cr_assert_str_eq(op.chat.title, "bobby");
  cr_assert_eq(op.chat.member_count, 2);
  cr_assert_null(op.chat.username);
  hd_private_open_op_t again = {.user_id = b, .peer_id = a, .pool = &P};
  cr_assert_eq(TX(hd_private_open(W, &again)), 0);
  cr_assert_eq(again.created, 0);
  cr_assert_eq(again.chat.id, op.chat.id);
  cr_assert_str_eq(again.chat.title, "alice");

  int64_t pair[2];
  cr_assert_eq(hd_private_members(R, op.chat.id, pair), 0);
  cr_assert_eq(pair[0], a);
  cr_assert_eq(pair[1], b);

  hd_chat_t ch;
  cr_assert_eq(hd_chat_get(R, c, op.chat.id, &P, &ch), HD_ERR_CHAT_NOT_FOUND);
  cr_assert_eq(hd_chat_get(R, b, op.chat.id, &P, &ch), 0);
  cr_assert_eq(ch.my_role, HD_ROLE_MEMBER);

  hd_private_open_op_t bad = {.user_id = a, .peer_id = 999, .pool = &P};
  cr_assert_eq(TX(hd_private_open(W, &bad)), HD_ERR_USER_NOT_FOUND);
  hd_private_open_op_t self = {.user_id = a, .peer_id = a, .pool = &P};
  cr_assert_eq(TX(hd_private_open(W, &self)), HD_ERR_BAD_REQUEST);
  /* membership changes are meaningless in private chats */
  cr_assert_eq(fx_member(hd_member_add, a, op.chat.id, c, 0), HD_ERR_PRIVATE_CHAT);
  cr_assert_eq(fx_member(hd_member_leave, a, op.chat.id, a, 0), HD_ERR_PRIVATE_CHAT);
}

Test(chats, create_group_and_visibility) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  hd_chat_create_op_t op = {
      .user_id = a, .type = HD_CHAT_GROUP, .title = "Friends", .about = "about", .pool = &P};
  cr_assert_eq(TX(hd_chat_create(W, &op)), 0);
  cr_assert_eq(op.chat.owner_id, a);
  cr_assert_eq(op.chat.my_role, HD_ROLE_OWNER);
  cr_assert_eq(op.chat.member_count, 1);
  cr_assert_eq(op.chat.pts, 1); /* MEMBER_JOINED of the owner */
  cr_assert_str_eq(op.chat.about, "about");
  cr_assert_eq(op.events.len, 2);
  cr_assert_eq(op.events.items[0].user_id, 0);
  cr_assert_eq(op.events.items[0].update.type, HD_UPD_MEMBER_JOINED);
  cr_assert_eq(op.events.items[1].user_id, a);
  cr_assert_eq(op.events.items[1].update.type, HD_UPD_CHAT_JOINED);

  hd_chat_t c;
  cr_assert_eq(hd_chat_get(R, b, op.chat.id, &P, &c), HD_ERR_CHAT_NOT_FOUND);
  cr_assert_eq(hd_chat_get(R, b, 12345, &P, &c), HD_ERR_CHAT_NOT_FOUND);
  cr_assert_eq(hd_chat_get(R, a, op.chat.id, &P, &c), 0);
  cr_assert_str_eq(c.title, "Friends");

  hd_chat_create_op_t bad = {.user_id = a, .type = HD_CHAT_PRIVATE, .title = "x", .pool = &P};
  cr_assert_eq(TX(hd_chat_create(W, &bad)), HD_ERR_BAD_REQUEST);
}

Test(chats, public_channel_find_join_leave) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t ch = fx_chat(a, HD_CHAT_CHANNEL, "Daily_News");
  hd_chat_t c;
  cr_assert_eq(hd_chat_find(R, b, "daily_news", &P, &c), 0);
  cr_assert_eq(c.id, ch);
  cr_assert_eq(c.my_role, HD_ROLE_NONE);
  cr_assert_str_eq(c.username, "Daily_News");
  cr_assert_eq(hd_chat_get(R, b, ch, &P, &c), 0); /* public: info visible to anyone */
  cr_assert_eq(hd_chat_find(R, b, "nosuchchat", &P, &c), HD_ERR_CHAT_NOT_FOUND);

  cr_assert_eq(fx_member(hd_member_add, a, ch, b, 0), HD_ERR_FORBIDDEN); /* join only */
  cr_assert_eq(fx_member(hd_member_leave, b, ch, b, 0), HD_ERR_NOT_MEMBER);
  hd_member_op_t j = {.user_id = b, .chat_id = ch, .pool = &P};
  cr_assert_eq(TX(hd_member_join(W, &j)), 0);
  cr_assert_eq(j.chat.my_role, HD_ROLE_MEMBER);
  cr_assert_eq(j.chat.member_count, 2);
  cr_assert_eq(j.events.len, 2);
  cr_assert_eq(j.events.items[0].update.type, HD_UPD_MEMBER_JOINED);
  cr_assert_eq(j.events.items[0].update.user_id, b);
  cr_assert_eq(j.events.items[1].user_id, b);
  cr_assert_eq(j.events.items[1].update.type, HD_UPD_CHAT_JOINED);
  cr_assert_eq(fx_member(hd_member_join, b, ch, b, 0), HD_ERR_ALREADY_MEMBER);

  int64_t *ids;
  size_t n;
  cr_assert_eq(hd_member_chat_ids(R, b, &P, &ids, &n), 0);
  cr_assert_eq(n, 1);
  cr_assert_eq(ids[0], ch);

  /* channel member lists are for admins */
  hd_member_t *m;
  cr_assert_eq(hd_member_list(R, b, ch, 0, 50, &P, &m, &n), HD_ERR_NOT_ADMIN);
  cr_assert_eq(hd_member_list(R, a, ch, 0, 50, &P, &m, &n), 0);
  cr_assert_eq(n, 2);

  hd_member_op_t l = {.user_id = b, .chat_id = ch, .pool = &P};
  cr_assert_eq(TX(hd_member_leave(W, &l)), 0);
  cr_assert_eq(l.chat.member_count, 1);
  cr_assert_eq(l.events.items[1].update.type, HD_UPD_CHAT_LEFT);
  cr_assert_eq(fx_member(hd_member_leave, a, ch, a, 0), HD_ERR_OWNER_CANNOT_LEAVE);
}

Test(chats, private_group_cannot_be_joined) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t g = fx_chat(a, HD_CHAT_GROUP, NULL);
  cr_assert_eq(fx_member(hd_member_join, b, g, b, 0), HD_ERR_CHAT_NOT_FOUND);
}

Test(chats, group_roles_and_authorization) {
  int64_t o = fx_user("owner"), a = fx_user("admin"), m = fx_user("member"),
          x = fx_user("outsider");
  int64_t g = fx_chat(o, HD_CHAT_GROUP, NULL);
  cr_assert_eq(fx_member(hd_member_add, o, g, a, 0), 0);
  cr_assert_eq(fx_member(hd_member_add, o, g, a, 0), HD_ERR_ALREADY_MEMBER);
  cr_assert_eq(fx_member(hd_member_add, o, g, 999, 0), HD_ERR_USER_NOT_FOUND);
  cr_assert_eq(fx_member(hd_member_add, x, g, m, 0), HD_ERR_CHAT_NOT_FOUND);
  cr_assert_eq(fx_member(hd_member_add, a, g, m, 0), HD_ERR_NOT_ADMIN);
  cr_assert_eq(fx_member(hd_member_set_role, a, g, a, HD_ROLE_ADMIN), HD_ERR_NOT_OWNER);
  cr_assert_eq(fx_member(hd_member_set_role, o, g, x, HD_ROLE_ADMIN), HD_ERR_NOT_MEMBER);
  cr_assert_eq(fx_member(hd_member_set_role, o, g, a, HD_ROLE_OWNER), HD_ERR_BAD_REQUEST);
  hd_member_op_t promote = {
      .user_id = o, .chat_id = g, .target_id = a, .role = HD_ROLE_ADMIN, .pool = &P};
  cr_assert_eq(TX(hd_member_set_role(W, &promote)), 0);
  cr_assert_eq(promote.events.len, 1);
  cr_assert_eq(promote.events.items[0].update.type, HD_UPD_ROLE_CHANGED);
  cr_assert_eq(promote.events.items[0].update.role, HD_ROLE_ADMIN);
  cr_assert_eq(fx_member(hd_member_set_role, o, g, o, HD_ROLE_MEMBER), HD_ERR_FORBIDDEN);

  cr_assert_eq(fx_member(hd_member_add, a, g, m, 0), 0); /* admins add */
  cr_assert_eq(fx_member(hd_member_remove, m, g, a, 0), HD_ERR_NOT_ADMIN);
  cr_assert_eq(fx_member(hd_member_remove, a, g, o, 0), HD_ERR_FORBIDDEN); /* not the owner */
  cr_assert_eq(fx_member(hd_member_remove, a, g, x, 0), HD_ERR_NOT_MEMBER);
  cr_assert_eq(fx_member(hd_member_remove, x, g, m, 0), HD_ERR_CHAT_NOT_FOUND);

  hd_chat_t c;
  cr_assert_eq(hd_chat_get(R, m, g, &P, &c), 0);
  cr_assert_eq(c.member_count, 3);
  hd_member_op_t rm = {.user_id = a, .chat_id = g, .target_id = m, .pool = &P};
  cr_assert_eq(TX(hd_member_remove(W, &rm)), 0);
  cr_assert_eq(rm.events.len, 2);
  cr_assert_eq(rm.events.items[0].update.type, HD_UPD_MEMBER_LEFT);
  cr_assert_eq(rm.events.items[1].user_id, m);
  cr_assert_eq(rm.chat.member_count, 2);
  cr_assert_eq(hd_chat_get(R, m, g, &P, &c), HD_ERR_CHAT_NOT_FOUND);

  /* demote, then the former admin can no longer add */
  cr_assert_eq(fx_member(hd_member_set_role, o, g, a, HD_ROLE_MEMBER), 0);
  cr_assert_eq(fx_member(hd_member_add, a, g, m, 0), HD_ERR_NOT_ADMIN);
  cr_assert_eq(fx_member(hd_member_leave, o, g, o, 0), HD_ERR_OWNER_CANNOT_LEAVE);
  cr_assert_eq(fx_member(hd_member_remove, a, g, a, 0), 0); /* removing oneself = leaving */

  hd_member_t *list;
  size_t n;
  cr_assert_eq(hd_member_list(R, o, g, 0, 50, &P, &list, &n), 0);
  cr_assert_eq(n, 1);
  cr_assert_eq(list[0].user_id, o);
  cr_assert_eq(list[0].role, HD_ROLE_OWNER);
  cr_assert_str_eq(list[0].username, "owner");
  cr_assert_eq(hd_member_list(R, x, g, 0, 50, &P, &list, &n), HD_ERR_CHAT_NOT_FOUND);
}

Test(chats, member_list_pages_by_user_id) {
  int64_t o = fx_user("owner");
  int64_t g = fx_chat(o, HD_CHAT_GROUP, NULL);
  char name[16];
  for (int i = 0; i < 7; i++) {
    snprintf(name, sizeof(name), "user%02d", i);
    cr_assert_eq(fx_member(hd_member_add, o, g, fx_user(name), 0), 0);
  }
  hd_member_t *list;
  size_t n, total = 0;
  int64_t after = 0, last = 0;
  do {
    cr_assert_eq(hd_member_list(R, o, g, after, 3, &P, &list, &n), 0);
    for (size_t i = 0; i < n; i++) {
      cr_assert_gt(list[i].user_id, last);
      last = list[i].user_id;
    }
    total += n;
    if (n)
      after = list[n - 1].user_id;
  } while (n == 3);
  cr_assert_eq(total, 8);
}

Test(chats, member_cap_is_enforced) {
  int64_t o = fx_user("owner"), b = fx_user("bobby");
  int64_t g = fx_chat(o, HD_CHAT_GROUP, "biggroup");
  /* pretend the chat is already full: the counter is what the check reads */
  cr_assert_eq(W->ops->chat_add_members(W, g, HD_GROUP_MAX_MEMBERS - 1), 0);
  cr_assert_eq(fx_member(hd_member_add, o, g, b, 0), HD_ERR_CHAT_FULL);
  cr_assert_eq(fx_member(hd_member_join, b, g, b, 0), HD_ERR_CHAT_FULL);
  cr_assert_eq(W->ops->chat_add_members(W, g, -1), 0);
  cr_assert_eq(fx_member(hd_member_join, b, g, b, 0), 0);
}

Test(chats, dialogs_and_read_markers) {
  int64_t a = fx_user("alice"), b = fx_user("bobby"), c = fx_user("carol");
  int64_t p1 = fx_private(a, b);
  int64_t p2 = fx_private(a, c);
  int64_t g = fx_chat(a, HD_CHAT_GROUP, NULL);
  int64_t base = hd_time_now_ms() + 10000000; /* later than the chats' creation */
  hd_time_set_fake(base);
  cr_assert_eq(fx_send(b, p1, 1, "one", NULL), 0);
  cr_assert_eq(fx_send(b, p1, 2, "two", NULL), 0);
  hd_time_set_fake(base + 1000000);
  cr_assert_eq(fx_send(a, g, 3, "group", NULL), 0);
  hd_time_set_fake(base + 2000000);
  cr_assert_eq(fx_send(c, p2, 4, "carol", NULL), 0);
  hd_time_set_fake(0);

  hd_dialog_t *d;
  size_t n;
  cr_assert_eq(hd_dialog_list(R, a, 0, 50, &P, &d, &n), 0);
  cr_assert_eq(n, 3);
  cr_assert_eq(d[0].chat.id, p2);
  cr_assert_str_eq(d[0].chat.title, "carol");
  cr_assert_str_eq(d[0].last_message->text, "carol");
  cr_assert_eq(d[0].unread_count, 1);
  cr_assert_eq(d[1].chat.id, g);
  cr_assert_eq(d[1].unread_count, 0); /* own message */
  cr_assert_eq(d[2].chat.id, p1);
  cr_assert_eq(d[2].unread_count, 2);
  cr_assert_eq(hd_dialog_list(R, a, 2, 50, &P, &d, &n), 0);
  cr_assert_eq(n, 1);
  cr_assert_eq(d[0].chat.id, p1);

  hd_read_op_t rd = {.user_id = a, .chat_id = p1, .max_id = 99, .pool = &P};
  cr_assert_eq(TX(hd_chat_mark_read(W, &rd)), 0);
  cr_assert_eq(rd.read_max_id, 2); /* clamped to the last id */
  cr_assert_eq(rd.events.len, 2);
  cr_assert_eq(rd.events.items[0].user_id, a);
  cr_assert_eq(rd.events.items[0].update.type, HD_UPD_READ_INBOX);
  cr_assert_eq(rd.events.items[1].user_id, b);
  cr_assert_eq(rd.events.items[1].update.type, HD_UPD_READ_OUTBOX);
  cr_assert_eq(rd.events.items[1].update.message_id, 2);
  hd_read_op_t back = {.user_id = a, .chat_id = p1, .max_id = 1, .pool = &P};
  cr_assert_eq(TX(hd_chat_mark_read(W, &back)), 0);
  cr_assert_eq(back.read_max_id, 2); /* never moves back */
  cr_assert_eq(back.events.len, 0);
  hd_read_op_t grp = {.user_id = a, .chat_id = g, .max_id = 1, .pool = &P};
  cr_assert_eq(TX(hd_chat_mark_read(W, &grp)), 0);
  cr_assert_eq(grp.events.len, 1); /* no outbox in groups */
  hd_read_op_t stranger = {.user_id = c, .chat_id = p1, .max_id = 1, .pool = &P};
  cr_assert_eq(TX(hd_chat_mark_read(W, &stranger)), HD_ERR_CHAT_NOT_FOUND);

  cr_assert_eq(hd_dialog_list(R, a, 0, 50, &P, &d, &n), 0);
  cr_assert_eq(d[2].unread_count, 0);
  cr_assert_eq(d[2].chat.my_read_max_id, 2);
}

Test(chats, reopen_keeps_chats) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t p = fx_private(a, b);
  int64_t g = fx_chat(a, HD_CHAT_GROUP, "groupname");
  cr_assert_eq(fx_member(hd_member_add, a, g, b, 0), 0);
  fx_close();
  fx_open();
  hd_chat_t c;
  cr_assert_eq(hd_chat_get(R, b, g, &P, &c), 0);
  cr_assert_eq(c.member_count, 2);
  cr_assert_eq(c.my_role, HD_ROLE_MEMBER);
  cr_assert_eq(fx_private(b, a), p);
}
