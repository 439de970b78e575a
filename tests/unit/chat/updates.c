/* Tests src/chat/updates.c and the pts logic of every write: user and chat logs, difference
 * paging, messages deleted since, and the enum names. */
#include "fixture.h"

TestSuite(updates, .init = fx_setup, .fini = fx_teardown);

static int64_t user_pts(int64_t u) {
  hd_update_state_t st;
  cr_assert_eq(hd_updates_state(R, u, &st), 0);
  cr_assert_gt(st.date, 0);
  return st.pts;
}

Test(updates, names) {
  cr_assert_str_eq(hd_update_type_name(HD_UPD_NEW_MESSAGE), "new_message");
  cr_assert_str_eq(hd_update_type_name(HD_UPD_ROLE_CHANGED), "role_changed");
  cr_assert_str_eq(hd_update_type_name(HD_UPD_READ_OUTBOX), "read_outbox");
  cr_assert_str_eq(hd_chat_type_name(HD_CHAT_CHANNEL), "channel");
  cr_assert_str_eq(hd_role_name(HD_ROLE_ADMIN), "admin");
  cr_assert_str_eq(hd_role_name(HD_ROLE_NONE), "none");
}

Test(updates, private_chat_fans_out_to_both_user_logs) {
  int64_t a = fx_user("alice"), b = fx_user("bobby"), c = fx_user("carol");
  int64_t p = fx_private(a, b);
  cr_assert_eq(user_pts(a), 0);
  int64_t m1 = 0, m2 = 0;
  cr_assert_eq(fx_send(a, p, 1, "one", &m1), 0);
  cr_assert_eq(fx_send(b, p, 2, "two", &m2), 0);
  cr_assert_eq(fx_send(a, p, 1, "one", NULL), 0); /* duplicate: no update */
  cr_assert_eq(user_pts(a), 2);
  cr_assert_eq(user_pts(b), 2);
  cr_assert_eq(user_pts(c), 0);

  hd_message_op_t e = {.user_id = a, .chat_id = p, .message_id = m1, .text = "uno", .pool = &P};
  cr_assert_eq(TX(hd_message_edit(W, &e)), 0);
  hd_message_op_t d = {.user_id = b, .chat_id = p, .message_id = m2, .for_everyone = 1, .pool = &P};
  cr_assert_eq(TX(hd_message_delete(W, &d)), 0);
  hd_message_op_t me = {.user_id = a, .chat_id = p, .message_id = m1, .pool = &P};
  cr_assert_eq(TX(hd_message_delete(W, &me)), 0); /* for me: only a's log */
  hd_read_op_t rd = {.user_id = b, .chat_id = p, .max_id = m1, .pool = &P};
  cr_assert_eq(TX(hd_chat_mark_read(W, &rd)), 0);
  cr_assert_eq(user_pts(a), 6); /* new, new, edit, delete, delete-for-me, read_outbox */
  cr_assert_eq(user_pts(b), 5); /* new, new, edit, delete, read_inbox */

  hd_update_t *u;
  size_t n;
  int64_t cur = 0;
  cr_assert_eq(hd_updates_user_difference(R, a, 0, 100, &P, &u, &n, &cur), 0);
  cr_assert_eq(cur, 6);
  cr_assert_eq(n, 6);
  for (size_t i = 0; i < n; i++)
    cr_assert_eq(u[i].pts, (int64_t)i + 1);
  cr_assert_eq(u[0].type, HD_UPD_NEW_MESSAGE);
  cr_assert_null(u[0].message); /* m1 was deleted for a since */
  cr_assert_eq(u[1].type, HD_UPD_NEW_MESSAGE);
  cr_assert_null(u[1].message); /* m2 deleted for everyone */
  cr_assert_eq(u[2].type, HD_UPD_EDIT_MESSAGE);
  cr_assert_eq(u[3].type, HD_UPD_DELETE_MESSAGE);
  cr_assert_eq(u[3].message_id, m2);
  cr_assert_eq(u[4].type, HD_UPD_DELETE_MESSAGE);
  cr_assert_eq(u[4].message_id, m1);
  cr_assert_eq(u[5].type, HD_UPD_READ_OUTBOX);
  cr_assert_eq(u[5].user_id, b);
  cr_assert_eq(u[5].chat_id, p);

  /* b still sees m1, as edited */
  cr_assert_eq(hd_updates_user_difference(R, b, 0, 100, &P, &u, &n, &cur), 0);
  cr_assert_eq(n, 5);
  cr_assert_not_null(u[0].message);
  cr_assert_str_eq(u[0].message->text, "uno");
  cr_assert_not_null(u[2].message);
  cr_assert_neq(u[2].message->edit_date, 0);
  cr_assert_eq(u[4].type, HD_UPD_READ_INBOX);
  cr_assert_eq(u[4].message_id, m1);

  /* private chats have no chat log */
  cr_assert_eq(hd_updates_chat_difference(R, a, p, 0, 10, &P, &u, &n, &cur), HD_ERR_PRIVATE_CHAT);
  cr_assert_eq(hd_updates_chat_difference(R, c, p, 0, 10, &P, &u, &n, &cur), HD_ERR_CHAT_NOT_FOUND);
}

Test(updates, difference_pages_until_current) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t p = fx_private(a, b);
  for (int i = 1; i <= 57; i++)
    cr_assert_eq(fx_send(i % 3 ? a : b, p, i, "m", NULL), 0);
  int64_t from = 0, cur = 0, seen = 0;
  hd_update_t *u;
  size_t n;
  for (;;) {
    cr_assert_eq(hd_updates_user_difference(R, b, from, 10, &P, &u, &n, &cur), 0);
    cr_assert_eq(cur, 57);
    for (size_t i = 0; i < n; i++) {
      cr_assert_eq(u[i].pts, from + 1 + (int64_t)i); /* no gaps */
      cr_assert_eq(u[i].message->id, u[i].pts);
    }
    seen += (int64_t)n;
    if (n == 0)
      break;
    from = u[n - 1].pts;
  }
  cr_assert_eq(seen, 57);
  cr_assert_eq(hd_updates_user_difference(R, b, 57, 10, &P, &u, &n, &cur), 0);
  cr_assert_eq(n, 0);
  cr_assert_eq(hd_updates_user_difference(R, b, 50, 1000, &P, &u, &n, &cur), 0);
  cr_assert_eq(n, 7);
}

Test(updates, group_and_channel_chat_log) {
  int64_t o = fx_user("owner"), m = fx_user("member"), x = fx_user("outsider");
  int64_t g = fx_chat(o, HD_CHAT_GROUP, NULL);           /* pts 1: owner joined */
  cr_assert_eq(fx_member(hd_member_add, o, g, m, 0), 0); /* 2: member joined */
  int64_t id = 0;
  cr_assert_eq(fx_send(m, g, 1, "hello", &id), 0);                        /* 3 */
  cr_assert_eq(fx_member(hd_member_set_role, o, g, m, HD_ROLE_ADMIN), 0); /* 4 */
  hd_message_op_t e = {.user_id = m, .chat_id = g, .message_id = id, .text = "hello!", .pool = &P};
  cr_assert_eq(TX(hd_message_edit(W, &e)), 0);             /* 5 */
  cr_assert_eq(fx_member(hd_member_leave, m, g, m, 0), 0); /* 6: member left */

  /* the group log does not touch user logs except for membership */
  cr_assert_eq(user_pts(o), 1); /* CHAT_JOINED at creation */
  cr_assert_eq(user_pts(m), 2); /* CHAT_JOINED, CHAT_LEFT */

  hd_update_t *u;
  size_t n;
  int64_t cur = 0;
  cr_assert_eq(hd_updates_chat_difference(R, o, g, 0, 100, &P, &u, &n, &cur), 0);
  cr_assert_eq(cur, 6);
  cr_assert_eq(n, 6);
  hd_update_type_t want[] = {HD_UPD_MEMBER_JOINED, HD_UPD_MEMBER_JOINED, HD_UPD_NEW_MESSAGE,
                             HD_UPD_ROLE_CHANGED,  HD_UPD_EDIT_MESSAGE,  HD_UPD_MEMBER_LEFT};
  for (size_t i = 0; i < n; i++) {
    cr_assert_eq(u[i].pts, (int64_t)i + 1);
    cr_assert_eq(u[i].type, want[i], "entry %zu", i);
    cr_assert_eq(u[i].chat_id, g);
  }
  cr_assert_eq(u[0].user_id, o);
  cr_assert_eq(u[0].role, HD_ROLE_OWNER);
  cr_assert_eq(u[1].user_id, m);
  cr_assert_str_eq(u[2].message->text, "hello!");
  cr_assert_eq(u[3].role, HD_ROLE_ADMIN);
  cr_assert_eq(u[5].user_id, m);
  cr_assert_eq(hd_updates_chat_difference(R, o, g, 4, 1, &P, &u, &n, &cur), 0);
  cr_assert_eq(n, 1);
  cr_assert_eq(u[0].pts, 5);

  /* a former member of a private group sees nothing; a public channel is open to all */
  cr_assert_eq(hd_updates_chat_difference(R, m, g, 0, 10, &P, &u, &n, &cur), HD_ERR_CHAT_NOT_FOUND);
  int64_t ch = fx_chat(o, HD_CHAT_CHANNEL, "channel1");
  cr_assert_eq(fx_send(o, ch, 2, "post", &id), 0);
  hd_message_op_t del = {
      .user_id = o, .chat_id = ch, .message_id = id, .for_everyone = 1, .pool = &P};
  cr_assert_eq(TX(hd_message_delete(W, &del)), 0);
  cr_assert_eq(hd_updates_chat_difference(R, x, ch, 0, 10, &P, &u, &n, &cur), 0);
  cr_assert_eq(cur, 3);
  cr_assert_eq(n, 3);
  cr_assert_eq(u[1].type, HD_UPD_NEW_MESSAGE);
  cr_assert_null(u[1].message); /* deleted since */
  cr_assert_eq(u[2].type, HD_UPD_DELETE_MESSAGE);
}

Test(updates, failed_job_leaves_no_pts) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t p = fx_private(a, b);
  int64_t id = 0;
  cr_assert_eq(fx_send(a, p, 1, "one", &id), 0);
  /* a job that fails after appending is rolled back as a whole */
  cr_assert_eq(W->ops->begin(W), 0);
  cr_assert_eq(W->ops->savepoint(W), 0);
  hd_send_op_t op = {.user_id = a, .chat_id = p, .random_id = 2, .text = "two", .pool = &P};
  cr_assert_eq(hd_message_send(W, &op), 0);
  cr_assert_eq(W->ops->rollback_to(W), 0);
  cr_assert_eq(W->ops->commit(W), 0);
  cr_assert_eq(user_pts(a), 1);
  cr_assert_eq(fx_send(a, p, 3, "three", &id), 0);
  cr_assert_eq(id, 2);
  cr_assert_eq(user_pts(a), 2);
  cr_assert_eq(user_pts(b), 2);
}

Test(updates, reopen_keeps_logs) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t p = fx_private(a, b);
  cr_assert_eq(fx_send(a, p, 1, "one", NULL), 0);
  fx_close();
  fx_open();
  cr_assert_eq(user_pts(b), 1);
  cr_assert_eq(fx_send(a, p, 2, "two", NULL), 0);
  cr_assert_eq(user_pts(b), 2);
}
