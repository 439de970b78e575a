/*
 * realtime_marks.c — moderation variants of pushed updates (see realtime_marks.h for the
 * flow and invariants; the marks themselves are specified in docs/safety.md and rendered
 * like api/moderation.c does for history and the difference endpoints).
 *
 * Cost model: an event without a message costs nothing here; an event in a chat the loop
 * knows to be clean at the current writer auth epoch costs no read (invariant 4); otherwise
 * the two cached-statement effect reads (chat-level, message-level) once per distinct message
 * of the publish — a private chat's two user-log events share them — plus a quarantine
 * read for media not already flagged by the send path. Per-recipient work exists only for
 * withheld events: a scan of each withhold list for the socket's 2-byte country.
 */
#include "api/realtime_marks.h"

#include "chat/moderation.h"
#include "common/error.h"

#include <string.h>

void hd_api_mark_withheld(json_t *msg, const char *reason, const char *countries) {
  if (msg == NULL)
    return;
  json_object_del(msg, "text");
  json_object_del(msg, "media");
  json_t *cs = json_array();
  for (const char *p = countries; p && *p;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    json_array_append_new(cs, json_stringn(p, len));
    if (!e)
      break;
    p = e + 1;
  }
  json_t *w = json_object();
  json_object_set_new(w, "reason", json_string(reason ? reason : ""));
  json_object_set_new(w, "countries", cs);
  json_object_set_new(msg, "withheld", w);
}

/* Is m's chat known free of active effects at c->epoch (invariant 4)? Learns it if not. */
static int chat_clean(hd_store_t *rd, hd_rt_mark_cache_t *c, int64_t chat_id, int *clean) {
  *clean = 0;
  if (c->clean == NULL)
    return 0;
  hd_rt_clean_t *slot = &c->clean[(uint64_t)chat_id * 0x9E3779B97F4A7C15ull >> 52];
  if (slot->chat_id == chat_id && slot->epoch == c->epoch) {
    *clean = 1;
    return 0;
  }
  hd_store_effect_t *es = NULL;
  size_t n = 0;
  int rc = rd->ops->safety->effect_in_chat(rd, chat_id, 0, INT64_MAX, c->pool, &es, &n);
  if (rc == 0 && n == 0) {
    slot->chat_id = chat_id;
    slot->epoch = c->epoch;
    *clean = 1;
  }
  return rc;
}

/* Load the active effects of m (chat-level first, then the message's) into c. */
static int cache_load(hd_store_t *rd, hd_rt_mark_cache_t *c, const hd_message_t *m) {
  hd_store_effect_t *ce = NULL, *me = NULL;
  size_t nc = 0, nm = 0;
  c->chat_id = c->message_id = 0;
  c->n = 0;
  c->held = 0;
  int clean = 0;
  int rc = chat_clean(rd, c, m->chat_id, &clean);
  if (rc == 0 && !clean)
    rc = rd->ops->safety->effect_in_chat(rd, m->chat_id, 0, 0, c->pool, &ce, &nc);
  if (rc == 0 && !clean && m->id > 0)
    rc = rd->ops->safety->effect_in_chat(rd, m->chat_id, m->id, m->id, c->pool, &me, &nm);
  if (rc == 0 && m->media.id != 0 && !m->media.quarantined)
    rc = rd->ops->safety->media_quarantined(rd, m->media.id, &c->held);
  if (rc != 0)
    return rc;
  if (nc + nm > 0) {
    c->es = hd_mem_pool_alloc(c->pool, (nc + nm) * sizeof(*c->es));
    if (nc)
      memcpy(c->es, ce, nc * sizeof(*c->es));
    if (nm)
      memcpy(c->es + nc, me, nm * sizeof(*c->es));
  }
  c->n = nc + nm;
  c->chat_id = m->chat_id;
  c->message_id = m->id;
  return 0;
}

int hd__rt_marks_needed(hd_store_t *rd, hd_rt_mark_cache_t *c, const hd_message_t *m, int *needed) {
  *needed = 0;
  if (c->chat_id != m->chat_id || c->message_id != m->id) {
    int rc = cache_load(rd, c, m);
    if (rc != 0)
      return rc;
  }
  *needed = c->n > 0 || (c->held && m->media.id != 0);
  return 0;
}

int hd__rt_mark(hd_store_t *rd, hd_rt_mark_cache_t *c, const hd_message_t *m, json_t *upd,
                json_t **env) {
  *env = NULL;
  if (c->chat_id != m->chat_id || c->message_id != m->id) {
    int rc = cache_load(rd, c, m);
    if (rc != 0)
      return rc;
  }
  json_t *mj = json_object_get(upd, "message");
  if (mj == NULL)
    return 0;
  const char *label = NULL;
  size_t nw = 0;
  for (size_t i = 0; i < c->n; i++) {
    if (c->es[i].kind == HD_EFFECT_LABEL)
      label = c->es[i].label;
    else if (c->es[i].kind == HD_EFFECT_WITHHOLD)
      nw++;
  }
  if (label != NULL)
    json_object_set_new(mj, "label", json_string(label));
  json_t *media = json_object_get(mj, "media");
  if (c->held && media != NULL)
    json_object_set_new(media, "quarantined", json_true());
  if (nw == 0)
    return 0;
  json_t *arr = json_array();
  for (size_t i = 0; i < c->n; i++) {
    const hd_store_effect_t *e = &c->es[i];
    if (e->kind != HD_EFFECT_WITHHOLD)
      continue;
    json_t *u = json_deep_copy(upd);
    hd_api_mark_withheld(json_object_get(u, "message"), e->label, e->countries);
    json_array_append_new(
        arr, json_pack("{s:s,s:o}", "countries", e->countries ? e->countries : "", "update", u));
  }
  *env = json_pack("{s:O,s:o}", "plain", upd, "withheld", arr);
  return 0;
}

static hd_ws_frame_t *frame_of(const json_t *j) {
  char *text = json_dumps(j, JSON_COMPACT);
  if (text == NULL)
    return NULL;
  hd_ws_frame_t *f = hd_ws_frame_text(hd_iov(text, strlen(text)));
  json_free_t jfree;
  json_get_alloc_funcs(NULL, &jfree);
  jfree(text);
  return f;
}

hd_rt_variants_t *hd__rt_variants_from_json(const json_t *env) {
  const json_t *plain = json_object_get(env, "plain");
  const json_t *arr = json_object_get(env, "withheld");
  if (!json_is_object(plain) || !json_is_array(arr))
    return NULL;
  size_t nw = json_array_size(arr);
  hd_rt_variants_t *v = hd_mem_calloc(sizeof(*v) + nw * sizeof(v->w[0]));
  v->plain = frame_of(plain);
  if (v->plain == NULL)
    goto fail;
  for (size_t i = 0; i < nw; i++) {
    const json_t *x = json_array_get(arr, i);
    const char *cs = json_string_value(json_object_get(x, "countries"));
    const json_t *u = json_object_get(x, "update");
    if (cs == NULL || !json_is_object(u))
      goto fail;
    v->w[i].frame = frame_of(u);
    if (v->w[i].frame == NULL)
      goto fail;
    v->w[i].countries = hd_strdup(cs);
    v->nw = i + 1;
  }
  return v;

fail:
  hd__rt_variants_free(v);
  return NULL;
}

hd_ws_frame_t *hd__rt_variants_pick(const hd_rt_variants_t *v, const char cc[2]) {
  if (cc[0] == '\0')
    return v->plain;
  char code[3] = {cc[0], cc[1], '\0'};
  for (size_t i = v->nw; i > 0; i--) /* invariant 1: the last listing effect wins */
    if (hd_moderation_country_listed(v->w[i - 1].countries, code))
      return v->w[i - 1].frame;
  return v->plain;
}

void hd__rt_variants_free(void *p) {
  hd_rt_variants_t *v = p;
  if (v == NULL)
    return;
  for (size_t i = 0; i < v->nw; i++) {
    hd_ws_frame_release(v->w[i].frame);
    hd_mem_free(v->w[i].countries);
  }
  if (v->plain != NULL)
    hd_ws_frame_release(v->plain);
  hd_mem_free(v);
}
