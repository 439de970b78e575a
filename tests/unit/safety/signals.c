/* Tests src/safety/signals.c with the chat/media.c hook: a photo in a public channel whose
 * PDQ hash is in a bank is stored with its media quarantined and an urgent hash_match case
 * in the same job; a private chat never reaches the hook; nothing is hashed on the writer
 * (a cache miss matches by SHA-256 only); the cache computes a hash once. */
#include "../chat/fixture.h"
#include "chat/media.h"
#include "safety/banksvc.h"
#include "safety/cases.h"
#include "safety/signals.h"

#include <sodium.h>

TestSuite(signals, .init = fx_setup, .fini = fx_teardown);

static const char ORIG[] = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

static const char *testdata(void) {
  const char *d = getenv("HD_TESTDATA");
  return d ? d : "/work/shared/testdata";
}

/* Store image file `rel` under the media directory; its media row for owner. */
static int64_t put_image(int64_t owner, const char *rel, char sha_hex[65]) {
  char src[512], tmp[600];
  snprintf(src, sizeof(src), "%s/pdq/images/%s", testdata(), rel);
  FILE *f = fopen(src, "rb");
  cr_assert_not_null(f, "%s", src);
  static unsigned char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  unsigned char d[32];
  crypto_hash_sha256(d, buf, n);
  sodium_bin2hex(sha_hex, 65, d, 32);
  cr_assert_eq(hd_media_prepare_dirs(fx_dir), 0);
  snprintf(tmp, sizeof(tmp), "%s/media/tmp/t", fx_dir);
  f = fopen(tmp, "wb");
  fwrite(buf, 1, n, f);
  fclose(f);
  cr_assert_eq(hd_media_store_file(fx_dir, tmp, sha_hex), 0);
  hd_media_create_op_t op = {.media = {.owner_id = owner,
                                       .sha256 = sha_hex,
                                       .size = (int64_t)n,
                                       .mime_type = "image/jpeg",
                                       .kind = HD_MEDIA_PHOTO,
                                       .width = 1,
                                       .height = 1}};
  cr_assert_eq(TX(hd_media_create(W, &op)), 0);
  return op.media.id;
}

static hd_banksvc_t *bank_with(const char *line, hd_signal_type_t t) {
  hd_banksvc_t *svc = hd_banksvc_create();
  hd_bank_create_op_t cop = {.actor_id = 1, .name = "ncmec", .source = "t", .category = "csam"};
  cr_assert_eq(TX(hd_bank_create(W, &cop)), 0);
  hd_bank_import_op_t op = {
      .actor_id = 1, .bank = "ncmec", .data = hd_iov(line, strlen(line)), .default_type = t};
  cr_assert_eq(hd_bank_import_prepare(&op), 0);
  cr_assert_eq(TX(hd_bank_import(W, &op)), 0);
  hd_banksvc_apply_import(svc, &op);
  hd_bank_import_dispose(&op);
  return svc;
}

static hd_send_op_t send(int64_t u, int64_t chat, int64_t media, int64_t rid) {
  hd_send_op_t op = {
      .user_id = u, .chat_id = chat, .random_id = rid, .text = "", .media_id = media, .pool = &P};
  int r = fx_send_op(&op);
  cr_assert_eq(r, 0, "%s", hd_strerror(r));
  return op;
}

Test(signals, pdq_match_quarantines_and_opens_urgent_case) {
  hd_banksvc_t *svc = bank_with(ORIG, HD_SIGNAL_PDQ);
  hd_signals_t *sig = hd_signals_create(svc, fx_dir);
  hd_media_set_hook(hd_signals_hook, sig);
  int64_t a = fx_user("alice"), b = fx_user("bobby");
  int64_t chan = fx_chat(a, HD_CHAT_CHANNEL, "pubchan"), priv = fx_private(a, b);
  char sha[65], sha2[65];
  int64_t m = put_image(a, "bridge-mods/blur-a-lot.jpg", sha);
  int64_t m2 = put_image(a, "bridge-mods/aaa-orig.jpg", sha2);

  /* private: the hook is never reached */
  hd_send_op_t op = send(a, priv, m2, 1);
  cr_assert_eq(op.message.media.quarantined, 0);
  hd_signals_stats_t st;
  hd_signals_stats(sig, &st);
  cr_assert_eq(st.screened, 0);

  /* public, not hashed yet: the writer does not hash, the SHA-256 is not banked → allowed */
  op = send(a, chan, m, 2);
  cr_assert_eq(op.message.media.quarantined, 0);
  hd_signals_stats(sig, &st);
  cr_assert_eq(st.screened, 1);
  cr_assert_eq(st.hash_runs, 0);

  /* hashed on "the worker", then sent: the variant is within distance 31 */
  cr_assert_eq(hd_signals_cached(sig, sha), 0);
  cr_assert_eq(hd_signals_hash(sig, sha), 0);
  cr_assert_eq(hd_signals_cached(sig, sha), 1);
  op = send(a, chan, m, 3);
  cr_assert_eq(op.message.media.quarantined, 1);
  int64_t held = 0;
  cr_assert_eq(R->ops->safety->media_quarantined(R, m, &held), 0);
  cr_assert_gt(held, 0);
  hd_store_case_t c;
  cr_assert_eq(R->ops->safety->case_find_open(R, HD_TARGET_MESSAGE, chan, op.message.id, a, &P, &c),
               0);
  cr_assert_eq(c.id, held);
  cr_assert_eq(c.source, HD_SOURCE_HASH_MATCH);
  cr_assert_eq(c.urgent, 1);
  cr_assert_str_eq(c.reason, "child_abuse");
  hd_store_report_t *rs;
  size_t n;
  cr_assert_eq(R->ops->safety->report_list(R, c.id, 10, &P, &rs, &n), 0);
  cr_assert_eq(n, 1);
  cr_assert(strstr(rs[0].comment, "\"bank\":\"ncmec\"") != NULL, "%s", rs[0].comment);
  cr_assert(strstr(rs[0].comment, "\"signal\":\"pdq\"") != NULL);
  cr_assert(strstr(rs[0].comment, "\"distance\":0") == NULL); /* a variant, not the original */
  hd_signals_stats(sig, &st);
  cr_assert_eq(st.hash_runs, 1);
  cr_assert_eq(st.matches, 1);
  hd_media_set_hook(NULL, NULL);
  hd_signals_destroy(sig);
  hd_banksvc_destroy(svc);
}

Test(signals, exact_sha256_match_without_pdq) {
  hd_banksvc_t *svc = hd_banksvc_create();
  int64_t a = fx_user("alice");
  int64_t grp = fx_chat(a, HD_CHAT_GROUP, "pubgroup");
  char sha[65];
  int64_t m = put_image(a, "bridge-mods/shrink-a-lot.jpg", sha);
  hd_banksvc_destroy(svc);
  char line[80];
  snprintf(line, sizeof(line), "%s\n", sha);
  svc = bank_with(line, HD_SIGNAL_SHA256);
  hd_signals_t *sig = hd_signals_create(svc, fx_dir);
  hd_media_set_hook(hd_signals_hook, sig);
  hd_send_op_t op = send(a, grp, m, 1);
  cr_assert_eq(op.message.media.quarantined, 1);
  hd_signals_stats_t st;
  hd_signals_stats(sig, &st);
  cr_assert_eq(st.hash_runs, 0);
  hd_media_set_hook(NULL, NULL);
  hd_signals_destroy(sig);
  hd_banksvc_destroy(svc);
}

Test(signals, reason_mapping) {
  cr_assert_str_eq(hd_signals_reason("csam"), "child_abuse");
  cr_assert_str_eq(hd_signals_reason("terrorism"), "terrorism");
  cr_assert_str_eq(hd_signals_reason("ncii"), "pornography");
  cr_assert_str_eq(hd_signals_reason("other"), "other");
}
