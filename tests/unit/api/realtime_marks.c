/* Tests src/api/realtime_marks.c: which variant a pushed update takes per viewer country
 * (the last listing withhold effect wins, chat-level before message-level), labels and
 * quarantine on every variant, the read cache of one publish, and the envelope → frames
 * step. The store is a fake holding a fixed list of effects. */
#include "api/realtime_marks.h"
#include "chat/moderation.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static hd_store_effect_t g_chat_es[4], g_msg_es[4];
static size_t g_nchat, g_nmsg;
static int64_t g_held;
static int g_reads;

static int fake_effect_in_chat(hd_store_t *s, int64_t chat_id, int64_t lo, int64_t hi,
                               hd_mem_pool_t *pool, hd_store_effect_t **out, size_t *n) {
  (void)s;
  (void)chat_id;
  (void)pool;
  (void)hi;
  g_reads++;
  *out = lo == 0 ? g_chat_es : g_msg_es;
  *n = lo == 0 ? g_nchat : g_nmsg;
  return 0;
}

static int fake_media_quarantined(hd_store_t *s, int64_t media_id, int64_t *case_id) {
  (void)s;
  (void)media_id;
  g_reads++;
  *case_id = g_held;
  return 0;
}

static hd_store_safety_ops_t g_safety = {.effect_in_chat = fake_effect_in_chat,
                                         .media_quarantined = fake_media_quarantined};
static hd_store_ops_t g_ops = {.safety = &g_safety};
static hd_store_t g_store = {.ops = &g_ops};

static void reset(void) {
  memset(g_chat_es, 0, sizeof(g_chat_es));
  memset(g_msg_es, 0, sizeof(g_msg_es));
  g_nchat = g_nmsg = 0;
  g_held = 0;
  g_reads = 0;
}

static json_t *update_of(const char *text, int with_media) {
  json_t *m =
      json_pack("{s:I,s:I,s:s}", "chat_id", (json_int_t)5, "id", (json_int_t)9, "text", text);
  if (with_media)
    json_object_set_new(m, "media", json_pack("{s:I}", "id", (json_int_t)3));
  return json_pack("{s:s,s:I,s:o}", "type", "new_message", "pts", (json_int_t)1, "message", m);
}

static void withhold(hd_store_effect_t *e, const char *cs, const char *reason) {
  e->kind = HD_EFFECT_WITHHOLD;
  e->countries = cs;
  e->label = reason;
}

Test(realtime_marks, unmarked_is_untouched_and_cached) {
  reset();
  hd_mem_pool_t pool;
  hd_mem_pool_init(&pool);
  hd_rt_mark_cache_t c = {.pool = &pool};
  hd_message_t m = {.chat_id = 5, .id = 9};
  json_t *u = update_of("hi", 0), *env = NULL;
  char *before = json_dumps(u, JSON_COMPACT | JSON_SORT_KEYS);
  cr_assert_eq(hd__rt_mark(&g_store, &c, &m, u, &env), 0);
  cr_assert_null(env);
  char *after = json_dumps(u, JSON_COMPACT | JSON_SORT_KEYS);
  cr_assert_str_eq(before, after);
  cr_assert_eq(g_reads, 2); /* chat-level + message-level, no media */
  cr_assert_eq(hd__rt_mark(&g_store, &c, &m, u, &env), 0);
  cr_assert_eq(g_reads, 2, "the second event of the same message reuses the read");
  free(before);
  free(after);
  json_decref(u);
  hd_mem_pool_dispose(&pool);
}

Test(realtime_marks, label_and_quarantine_without_withhold) {
  reset();
  g_msg_es[0].kind = HD_EFFECT_LABEL;
  g_msg_es[0].label = "Disputed";
  g_nmsg = 1;
  g_held = 12;
  hd_mem_pool_t pool;
  hd_mem_pool_init(&pool);
  hd_rt_mark_cache_t c = {.pool = &pool};
  hd_message_t m = {.chat_id = 5, .id = 9, .media = {.id = 3}};
  json_t *u = update_of("hi", 1), *env = NULL;
  cr_assert_eq(hd__rt_mark(&g_store, &c, &m, u, &env), 0);
  cr_assert_null(env, "no withhold: the single-frame path");
  json_t *mj = json_object_get(u, "message");
  cr_assert_str_eq(json_string_value(json_object_get(mj, "label")), "Disputed");
  cr_assert(json_is_true(json_object_get(json_object_get(mj, "media"), "quarantined")));
  cr_assert_str_eq(json_string_value(json_object_get(mj, "text")), "hi");
  json_decref(u);
  hd_mem_pool_dispose(&pool);
}

Test(realtime_marks, withheld_variants_and_pick) {
  reset();
  withhold(&g_chat_es[0], "DE,AT", "chat rule");
  g_chat_es[1].kind = HD_EFFECT_LABEL;
  g_chat_es[1].label = "Context";
  g_nchat = 2;
  withhold(&g_msg_es[0], "AT", "message rule");
  g_nmsg = 1;
  hd_mem_pool_t pool;
  hd_mem_pool_init(&pool);
  hd_rt_mark_cache_t c = {.pool = &pool};
  hd_message_t m = {.chat_id = 5, .id = 9, .media = {.id = 3, .quarantined = 1}};
  json_t *u = update_of("secret", 1), *env = NULL;
  cr_assert_eq(hd__rt_mark(&g_store, &c, &m, u, &env), 0);
  cr_assert_eq(g_reads, 2, "media already flagged: no quarantine read");
  cr_assert_not_null(env);
  json_t *w = json_object_get(env, "withheld");
  cr_assert_eq(json_array_size(w), 2);
  json_t *w0 = json_object_get(json_object_get(json_array_get(w, 0), "update"), "message");
  cr_assert_null(json_object_get(w0, "text"));
  cr_assert_null(json_object_get(w0, "media"));
  cr_assert_str_eq(json_string_value(json_object_get(w0, "label")), "Context");
  char *wh = json_dumps(json_object_get(w0, "withheld"), JSON_COMPACT | JSON_SORT_KEYS);
  cr_assert_str_eq(wh, "{\"countries\":[\"DE\",\"AT\"],\"reason\":\"chat rule\"}");
  free(wh);
  json_t *plain = json_object_get(json_object_get(env, "plain"), "message");
  cr_assert_str_eq(json_string_value(json_object_get(plain, "text")), "secret");
  cr_assert_str_eq(json_string_value(json_object_get(plain, "label")), "Context");

  hd_rt_variants_t *v = hd__rt_variants_from_json(env);
  cr_assert_not_null(v);
  cr_assert_eq(v->nw, 2);
  cr_assert_str_eq(v->w[0].countries, "DE,AT");
  cr_assert_eq(hd__rt_variants_pick(v, "FR"), v->plain);
  cr_assert_eq(hd__rt_variants_pick(v, (char[2]){0, 0}), v->plain);
  cr_assert_eq(hd__rt_variants_pick(v, "DE"), v->w[0].frame);
  cr_assert_eq(hd__rt_variants_pick(v, "AT"), v->w[1].frame, "the last listing effect wins");
  hd__rt_variants_free(v);
  json_decref(env);
  json_decref(u);
  hd_mem_pool_dispose(&pool);
}

Test(realtime_marks, malformed_envelope_is_refused) {
  json_t *bad = json_pack("{s:{},s:[{s:i}]}", "plain", "withheld", "countries", 3);
  cr_assert_null(hd__rt_variants_from_json(bad));
  json_decref(bad);
  json_t *none = json_object();
  cr_assert_null(hd__rt_variants_from_json(none));
  json_decref(none);
}
