/* Tests src/api/encode.c: the exact JSON shapes of docs/api.md "Objects". */
#include "api/encode.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* Compare the compact, key-sorted encoding of v (consumed) with want. */
static void expect(json_t *v, const char *want) {
  char *got = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
  cr_assert_str_eq(got, want);
  free(got);
  json_decref(v);
}

Test(encode, user_public_and_self) {
  hd_user_t u = {.id = 1,
                 .username = "Alice_01",
                 .display_name = "Alice",
                 .bio = "",
                 .country = "DE",
                 .created_at = 1764370000};
  expect(hd_json_user(&u, 0), "{\"bio\":\"\",\"created_at\":1764370000,\"display_name\":"
                              "\"Alice\",\"id\":1,\"username\":\"Alice_01\"}");
  expect(hd_json_user(&u, 1), "{\"bio\":\"\",\"country\":\"DE\",\"created_at\":1764370000,"
                              "\"display_name\":\"Alice\",\"id\":1,\"username\":\"Alice_01\"}");
}

Test(encode, user_photo_with_quarantine) {
  hd_user_t u = {.id = 4, .username = "cat", .display_name = "Cat", .bio = "", .created_at = 5};
  u.photo = (hd_media_t){.id = 9,
                         .owner_id = 4,
                         .sha256 = "ab",
                         .size = 7,
                         .mime_type = "image/png",
                         .kind = HD_MEDIA_PHOTO,
                         .width = 2,
                         .height = 3};
  expect(hd_json_user(&u, 0), "{\"bio\":\"\",\"created_at\":5,\"display_name\":\"Cat\",\"id\":4,"
                              "\"photo\":{\"height\":3,\"id\":9,\"kind\":\"photo\",\"mime_type\":"
                              "\"image/png\",\"sha256\":\"ab\",\"size\":7,\"width\":2},"
                              "\"username\":\"cat\"}");
  u.photo.quarantined = 1;
  json_t *o = hd_json_user(&u, 0);
  cr_assert(json_is_true(json_object_get(json_object_get(o, "photo"), "quarantined")));
  json_decref(o);
}

Test(encode, null_or_invalid_strings_are_empty) {
  hd_user_t u = {.id = 2, .username = "bob_bob", .display_name = "\xff", .bio = NULL};
  expect(hd_json_user(&u, 0), "{\"bio\":\"\",\"created_at\":0,\"display_name\":\"\",\"id\":2,"
                              "\"username\":\"bob_bob\"}");
}

Test(encode, session_current_flag) {
  hd_session_t s = {.id = 3,
                    .user_id = 1,
                    .device = "laptop",
                    .ip = "127.0.0.1",
                    .created_at = 10,
                    .last_seen_at = 20};
  expect(hd_json_session(&s, 3), "{\"created_at\":10,\"current\":true,\"device\":\"laptop\","
                                 "\"id\":3,\"ip\":\"127.0.0.1\",\"last_seen_at\":20}");
  expect(hd_json_session(&s, 4), "{\"created_at\":10,\"current\":false,\"device\":\"laptop\","
                                 "\"id\":3,\"ip\":\"127.0.0.1\",\"last_seen_at\":20}");
}

Test(encode, chat_group_and_private) {
  hd_chat_t g = {.id = 7,
                 .type = HD_CHAT_GROUP,
                 .title = "Friends",
                 .username = NULL,
                 .about = "",
                 .owner_id = 1,
                 .created_at = 5,
                 .member_count = 2,
                 .pts = 3,
                 .last_message_id = 12,
                 .my_role = HD_ROLE_OWNER,
                 .my_read_max_id = 10};
  expect(hd_json_chat(&g),
         "{\"about\":\"\",\"created_at\":5,\"id\":7,\"last_message_id\":12,\"member_count\":2,"
         "\"owner_id\":1,\"pts\":3,\"read_max_id\":10,\"role\":\"owner\",\"title\":\"Friends\","
         "\"type\":\"group\",\"username\":null}");
  hd_chat_t p = {.id = 8,
                 .type = HD_CHAT_PRIVATE,
                 .title = "Bob",
                 .about = "",
                 .member_count = 2,
                 .peer_user_id = 4,
                 .my_role = HD_ROLE_MEMBER};
  expect(hd_json_chat(&p),
         "{\"about\":\"\",\"created_at\":0,\"id\":8,\"last_message_id\":0,\"member_count\":2,"
         "\"owner_id\":0,\"peer_user_id\":4,\"pts\":0,\"read_max_id\":0,\"role\":\"member\","
         "\"title\":\"Bob\",\"type\":\"private\",\"username\":null}");
  hd_chat_t c = {.id = 9,
                 .type = HD_CHAT_CHANNEL,
                 .title = "News",
                 .username = "news",
                 .about = "daily",
                 .my_role = HD_ROLE_NONE};
  json_t *j = hd_json_chat(&c);
  cr_assert_str_eq(json_string_value(json_object_get(j, "username")), "news");
  cr_assert_str_eq(json_string_value(json_object_get(j, "role")), "none");
  cr_assert_str_eq(json_string_value(json_object_get(j, "type")), "channel");
  json_decref(j);
}

Test(encode, message_minimal_omits_optional) {
  hd_message_t m = {
      .chat_id = 7, .id = 12, .sender_id = 1, .random_id = 99, .date = 100, .text = "hi"};
  expect(hd_json_message(&m), "{\"chat_id\":7,\"date\":100,\"id\":12,\"random_id\":99,"
                              "\"sender_id\":1,\"text\":\"hi\"}");
}

Test(encode, message_full) {
  hd_message_t m = {.chat_id = 7,
                    .id = 12,
                    .sender_id = 1,
                    .random_id = -99,
                    .date = 100,
                    .edit_date = 150,
                    .reply_to_id = 11,
                    .fwd_from_chat_id = 5,
                    .fwd_from_message_id = 2,
                    .fwd_from_user_id = 4,
                    .fwd_date = 90,
                    .views = 3,
                    .text = "h\xc3\xa9"};
  expect(hd_json_message(&m),
         "{\"chat_id\":7,\"date\":100,\"edit_date\":150,\"fwd_from\":{\"chat_id\":5,\"date\":90,"
         "\"message_id\":2,\"user_id\":4},\"id\":12,\"random_id\":-99,\"reply_to_id\":11,"
         "\"sender_id\":1,\"text\":\"h\xc3\xa9\",\"views\":3}");
}

Test(encode, member) {
  hd_member_t m = {.chat_id = 7,
                   .user_id = 1,
                   .role = HD_ROLE_ADMIN,
                   .joined_at = 50,
                   .username = "alice",
                   .display_name = "Alice"};
  expect(hd_json_member(&m), "{\"display_name\":\"Alice\",\"joined_at\":50,\"role\":\"admin\","
                             "\"user_id\":1,\"username\":\"alice\"}");
}

Test(encode, updates) {
  hd_message_t m = {
      .chat_id = 7, .id = 12, .sender_id = 1, .random_id = 9, .date = 100, .text = "x"};
  hd_update_t u = {.pts = 42,
                   .type = HD_UPD_NEW_MESSAGE,
                   .chat_id = 7,
                   .message_id = 12,
                   .date = 100,
                   .message = &m};
  expect(hd_json_update(&u, 1),
         "{\"chat_id\":7,\"date\":100,\"log\":\"user\",\"message\":{\"chat_id\":7,\"date\":100,"
         "\"id\":12,\"random_id\":9,\"sender_id\":1,\"text\":\"x\"},\"message_id\":12,\"pts\":42,"
         "\"type\":\"new_message\"}");
  u.message = NULL; /* deleted since */
  expect(hd_json_update(&u, 0), "{\"chat_id\":7,\"date\":100,\"log\":\"chat\",\"message_id\":12,"
                                "\"pts\":42,\"type\":\"new_message\"}");
  hd_update_t r = {.pts = 5,
                   .type = HD_UPD_ROLE_CHANGED,
                   .chat_id = 7,
                   .user_id = 4,
                   .role = HD_ROLE_ADMIN,
                   .date = 3};
  expect(hd_json_update(&r, 0), "{\"chat_id\":7,\"date\":3,\"log\":\"chat\",\"pts\":5,"
                                "\"role\":\"admin\",\"type\":\"role_changed\",\"user_id\":4}");
  hd_update_t l = {.pts = 6,
                   .type = HD_UPD_MEMBER_LEFT,
                   .chat_id = 7,
                   .user_id = 4,
                   .role = HD_ROLE_MEMBER,
                   .date = 3};
  expect(hd_json_update(&l, 0), "{\"chat_id\":7,\"date\":3,\"log\":\"chat\",\"pts\":6,"
                                "\"type\":\"member_left\",\"user_id\":4}");
}

/* --- direct encoders: the same bytes as json_dumps(hd_json_x(...), JSON_COMPACT) ---------- */

/* b (disposed) must hold exactly json_dumps(o, JSON_COMPACT) (o consumed). */
static void same_bytes(hd_buf_t *b, json_t *o) {
  char *want = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  cr_assert_eq(b->len, strlen(want), "got %.*s\nwant %s", (int)b->len, b->base, want);
  cr_assert(memcmp(b->base, want, b->len) == 0, "got %.*s\nwant %s", (int)b->len, b->base, want);
  hd_buf_dispose(b);
  free(want);
}

static void same_message(const hd_message_t *m, int views) {
  json_t *o = hd_json_message(m);
  if (views && !json_object_get(o, "views")) /* api/messages.c's channel rendering */
    json_object_set_new(o, "views", json_integer(m->views));
  hd_buf_t b;
  hd_buf_init(&b, 0);
  hd_enc_message(&b, m, views);
  same_bytes(&b, o);
}

static void same_update(const hd_update_t *u, int64_t log_user_id) {
  hd_buf_t b;
  hd_buf_init(&b, 0);
  hd_enc_update(&b, u, log_user_id);
  same_bytes(&b, hd_json_update(u, log_user_id));
}

Test(encode, direct_encoders_match_jansson_byte_for_byte) {
  static const char *texts[] = {
      "",
      "hello",
      "quote \" backslash \\ slash / done",
      "ctl \b\f\n\r\t \x01\x1f \x7f end",
      "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xa8",
      "\xc0\xaf invalid utf-8",
      NULL,
  };
  hd_media_t photo = {.id = 9,
                      .kind = HD_MEDIA_PHOTO,
                      .mime_type = "image/jpeg",
                      .size = 123,
                      .width = 640,
                      .height = 480,
                      .quarantined = 1};
  hd_media_t doc = {.id = 10,
                    .kind = HD_MEDIA_DOCUMENT,
                    .mime_type = "application/pdf",
                    .size = 5,
                    .sha256 = "ab",
                    .file_name = "a \"b\".pdf"};
  for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
    hd_message_t m = {.chat_id = 7,
                      .id = 42,
                      .sender_id = 3,
                      .random_id = -9223372036854775807LL,
                      .date = 1764370000,
                      .text = texts[i]};
    for (int views = 0; views < 2; views++) {
      same_message(&m, views);
      hd_message_t full = m;
      full.edit_date = 5;
      full.reply_to_id = 41;
      full.views = 17;
      full.fwd_from_chat_id = 1, full.fwd_from_message_id = 2, full.fwd_from_user_id = 3;
      full.fwd_date = 4;
      full.media = i % 2 ? photo : doc;
      same_message(&full, views);
    }
    hd_update_t u = {.type = HD_UPD_NEW_MESSAGE,
                     .pts = 8,
                     .chat_id = 7,
                     .message_id = 42,
                     .date = 1764370001,
                     .message = &m};
    same_update(&u, 3);
    same_update(&u, 0);
  }
  hd_update_t role = {.type = HD_UPD_ROLE_CHANGED,
                      .pts = 1,
                      .chat_id = 2,
                      .user_id = 5,
                      .role = HD_ROLE_ADMIN,
                      .date = 3};
  same_update(&role, 0);
  hd_update_t del = {.type = HD_UPD_DELETE_MESSAGE, .pts = 2, .chat_id = 2, .message_id = 1};
  same_update(&del, 9);
}
