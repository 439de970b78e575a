/*
 * tests/unit/chat/media.c — media rows, attaching, download authorization, probing and
 * classification, and the safety hook: called for public groups/channels, never for private
 * chats or private groups, runs after the insert (it sees the message id), and a quarantine
 * verdict keeps the message with media.quarantined set; a hook error stores nothing.
 */
#include "chat/media.h"

#include "fixture.h"

#include <fcntl.h>

TestSuite(media, .init = fx_setup, .fini = fx_teardown);

static int hook_calls;
static int64_t hook_chat;
static hd_media_verdict_t hook_verdict;
static int hook_error;

static int test_hook(const hd_media_hook_event_t *ev, void *data, hd_media_verdict_t *v) {
  cr_assert_eq(data, &hook_calls);
  cr_assert_not_null(ev->media->sha256); /* the hook sees the full row */
  cr_assert_gt(ev->message_id, 0);       /* after the insert, in its transaction */
  cr_assert_not_null(ev->tx);
  hook_calls++;
  hook_chat = ev->chat_id;
  *v = hook_verdict;
  return hook_error;
}

static int64_t fx_media(int64_t owner) {
  hd_media_create_op_t op = {.media = {.owner_id = owner,
                                       .sha256 = "ab00000000000000000000000000000000000000000000"
                                                 "000000000000000000",
                                       .size = 3,
                                       .mime_type = "image/png",
                                       .kind = HD_MEDIA_PHOTO,
                                       .width = 2,
                                       .height = 1}};
  cr_assert_eq(TX(hd_media_create(W, &op)), 0);
  cr_assert_gt(op.media.id, 0);
  return op.media.id;
}

static int send_media(int64_t user, int64_t chat, int64_t media, int64_t random_id) {
  hd_send_op_t op = {.user_id = user,
                     .chat_id = chat,
                     .random_id = random_id,
                     .text = "",
                     .media_id = media,
                     .pool = &P};
  return fx_send_op(&op);
}

Test(media, hook_runs_for_public_chats_only) {
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t priv = fx_private(a, b);
  int64_t pgroup = fx_chat(a, HD_CHAT_GROUP, NULL);
  int64_t pubgroup = fx_chat(a, HD_CHAT_GROUP, "pubgroup");
  int64_t pubchan = fx_chat(a, HD_CHAT_CHANNEL, "pubchan");
  int64_t m = fx_media(a);
  hook_calls = 0;
  hook_verdict = HD_MEDIA_ALLOW;
  hd_media_set_hook(test_hook, &hook_calls);
  cr_assert_eq(send_media(a, priv, m, 1), 0);
  cr_assert_eq(send_media(a, pgroup, m, 2), 0);
  cr_assert_eq(hook_calls, 0);
  cr_assert_eq(send_media(a, pubgroup, m, 3), 0);
  cr_assert_eq(hook_calls, 1);
  cr_assert_eq(hook_chat, pubgroup);
  hook_error = HD_ERR_STORAGE; /* a failing hook aborts the whole send */
  cr_assert_eq(send_media(a, pubchan, m, 4), HD_ERR_STORAGE);
  cr_assert_eq(hook_calls, 2);
  hd_message_t *page;
  size_t n = 9;
  cr_assert_eq(hd_message_history(R, a, pubchan, 0, -1, 10, &P, &page, &n), 0);
  cr_assert_eq(n, 0); /* nothing stored */
  hook_error = 0;
  hook_verdict = HD_MEDIA_QUARANTINE;
  hd_send_op_t q = {
      .user_id = a, .chat_id = pubchan, .random_id = 6, .text = "", .media_id = m, .pool = &P};
  cr_assert_eq(fx_send_op(&q), 0);
  cr_assert_eq(q.message.media.quarantined, 1); /* kept, media held */
  cr_assert_eq(hook_calls, 3);
  hd_media_set_hook(NULL, NULL);
  cr_assert_eq(send_media(a, pubchan, m, 5), 0); /* default: allow */
  cr_assert_eq(hook_calls, 3);
  cr_assert_eq(hd_message_history(R, a, pubchan, 0, -1, 10, &P, &page, &n), 0);
  cr_assert_eq(n, 2);
  cr_assert_eq(page[0].media.id, m);
  cr_assert_eq(page[0].media.kind, HD_MEDIA_PHOTO);
  cr_assert_str_eq(page[0].media.mime_type, "image/png");
  cr_assert_eq(page[0].media.width, 2);
}

Test(media, attach_and_download_rules) {
  int64_t a = fx_user("alice"), b = fx_user("bobby"), c = fx_user("carol");
  int64_t priv = fx_private(a, b);
  int64_t m = fx_media(a);
  hd_media_t out;
  cr_assert_eq(send_media(b, priv, m, 1), HD_ERR_MEDIA_NOT_FOUND); /* not b's upload */
  cr_assert_eq(hd_media_get_for(R, a, m, &P, &out), 0);            /* the uploader */
  cr_assert_eq(hd_media_get_for(R, b, m, &P, &out), HD_ERR_MEDIA_NOT_FOUND);
  cr_assert_eq(send_media(a, priv, m, 1), 0);
  cr_assert_eq(hd_media_get_for(R, b, m, &P, &out), 0); /* a member of a chat carrying it */
  cr_assert_eq(hd_media_get_for(R, c, m, &P, &out), HD_ERR_MEDIA_NOT_FOUND);
  int64_t ch = fx_chat(a, HD_CHAT_CHANNEL, "somechan");
  int64_t m2 = fx_media(a);
  cr_assert_eq(send_media(a, ch, m2, 2), 0);
  cr_assert_eq(hd_media_get_for(R, c, m2, &P, &out), 0); /* public channel: anyone */
  cr_assert_eq(hd_media_get_for(R, c, 424242, &P, &out), HD_ERR_MEDIA_NOT_FOUND);
}

static int tmpfile_with(const void *p, size_t n) {
  char path[] = "/tmp/hd_media_XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  unlink(path);
  cr_assert_eq(write(fd, p, n), (ssize_t)n);
  return fd;
}

Test(media, probe_and_classify) {
  static const uint8_t png[] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13,
                                'I',  'H', 'D', 'R', 0,  0,  1,  2,  0, 0, 0, 7};
  static const uint8_t jpg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 4, 'J', 'F',  0xff, 0xff,
                                0xc2, 0,    11,   8,    0, 9, 1,   0x2c, 1};
  hd_media_probe_t pr;
  hd_media_kind_t k;
  int fd = tmpfile_with(png, sizeof(png));
  cr_assert_eq(hd_media_probe(fd, sizeof(png), &pr), 0);
  cr_assert_eq(pr.format, HD_MEDIA_FMT_PNG);
  cr_assert_eq(pr.width, 258);
  cr_assert_eq(pr.height, 7);
  cr_assert_eq(hd_media_classify("IMAGE/PNG; x=y", &pr, &k), 0);
  cr_assert_eq(k, HD_MEDIA_PHOTO);
  cr_assert_eq(hd_media_classify("image/jpeg", &pr, &k), HD_ERR_MEDIA_TYPE_MISMATCH);
  cr_assert_eq(hd_media_classify("application/zip", &pr, &k), 0);
  cr_assert_eq(k, HD_MEDIA_DOCUMENT);
  close(fd);
  fd = tmpfile_with(jpg, sizeof(jpg));
  cr_assert_eq(hd_media_probe(fd, sizeof(jpg), &pr), 0);
  cr_assert_eq(pr.format, HD_MEDIA_FMT_JPEG);
  cr_assert_eq(pr.width, 300);
  cr_assert_eq(pr.height, 9);
  close(fd);
  fd = tmpfile_with(jpg, 12); /* truncated before the frame header */
  cr_assert_eq(hd_media_probe(fd, 12, &pr), 0);
  cr_assert_eq(pr.format, HD_MEDIA_FMT_OTHER);
  cr_assert_eq(hd_media_classify("image/jpeg", &pr, &k), HD_ERR_MEDIA_TYPE_MISMATCH);
  close(fd);
  cr_assert_eq(hd_media_name_check(HD_IOV_LIT("../x")), HD_ERR_BAD_FIELD);
  cr_assert_eq(hd_media_name_check(HD_IOV_LIT("r\xc3\xa9sum\xc3\xa9.pdf")), 0);
  cr_assert_eq(hd_media_mime_check(HD_IOV_LIT("text")), HD_ERR_BAD_FIELD);
  cr_assert_eq(hd_media_mime_check(HD_IOV_LIT("text/plain; charset=utf-8")), 0);
}
