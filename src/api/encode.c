/*
 * encode.c — domain values to JSON (see encode.h; the shapes are specified in docs/api.md
 * "Objects" and pinned by tests/unit/api/encode.c).
 *
 * Invariants:
 *  1. Every function returns a new object (never NULL for a non-NULL input): strings that
 *     are NULL or not valid UTF-8 (which the store should never hold) encode as "".
 *  2. Optional members (edit_date, reply_to_id, fwd_from, views, message_id, user_id,
 *     role, message, media and its width/height/file_name, a user's photo) are omitted when
 *     unset (0 / NULL), never sent as 0 or null.
 *  3. chat.username is the one member that is null rather than omitted when unset.
 *  4. The direct encoders (hd_enc_message, hd_enc_update: the send path, where building and
 *     dumping a json_t tree per message was ~15 % of an event loop's CPU) write exactly the
 *     bytes json_dumps(hd_json_x(…), JSON_COMPACT) writes: same members in the same order,
 *     jansson's string escaping (", \, \b \f \n \r \t, other controls as \u00XX, UTF-8 as
 *     is). tests/unit/api/encode.c compares the two byte for byte.
 */
#include "api/encode.h"

#include "common/utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static json_t *str(const char *s) {
  json_t *v = json_string(s ? s : "");
  return v ? v : json_string("");
}

static void set_int(json_t *o, const char *k, int64_t v) {
  json_object_set_new(o, k, json_integer((json_int_t)v));
}

static void set_opt_int(json_t *o, const char *k, int64_t v) {
  if (v)
    set_int(o, k, v);
}

json_t *hd_json_user(const hd_user_t *u, int self) {
  json_t *o = json_object();
  set_int(o, "id", u->id);
  json_object_set_new(o, "username", str(u->username));
  json_object_set_new(o, "display_name", str(u->display_name));
  json_object_set_new(o, "bio", str(u->bio));
  set_int(o, "created_at", u->created_at);
  if (self)
    json_object_set_new(o, "country", str(u->country));
  if (u->photo.id) /* the profile photo, "quarantined" when a bank matched it */
    json_object_set_new(o, "photo", hd_json_media(&u->photo));
  return o;
}

json_t *hd_json_session(const hd_session_t *s, int64_t current_session_id) {
  json_t *o = json_object();
  set_int(o, "id", s->id);
  json_object_set_new(o, "device", str(s->device));
  json_object_set_new(o, "ip", str(s->ip));
  set_int(o, "created_at", s->created_at);
  set_int(o, "last_seen_at", s->last_seen_at);
  json_object_set_new(o, "current", json_boolean(s->id == current_session_id));
  return o;
}

json_t *hd_json_chat(const hd_chat_t *c) {
  json_t *o = json_object();
  set_int(o, "id", c->id);
  json_object_set_new(o, "type", str(hd_chat_type_name(c->type)));
  json_object_set_new(o, "title", str(c->title));
  json_object_set_new(o, "username",
                      c->username && c->username[0] ? str(c->username) : json_null());
  json_object_set_new(o, "about", str(c->about));
  set_int(o, "owner_id", c->owner_id);
  set_int(o, "member_count", c->member_count);
  set_int(o, "pts", c->pts);
  set_int(o, "last_message_id", c->last_message_id);
  json_object_set_new(o, "role", str(hd_role_name(c->my_role)));
  set_int(o, "read_max_id", c->my_read_max_id);
  set_int(o, "created_at", c->created_at);
  if (c->type == HD_CHAT_PRIVATE)
    set_int(o, "peer_user_id", c->peer_user_id);
  return o;
}

json_t *hd_json_media(const hd_media_t *m) {
  json_t *o = json_object();
  set_int(o, "id", m->id);
  json_object_set_new(o, "kind", json_string(m->kind == HD_MEDIA_PHOTO ? "photo" : "document"));
  json_object_set_new(o, "mime_type", str(m->mime_type));
  set_int(o, "size", m->size);
  if (m->sha256)
    json_object_set_new(o, "sha256", str(m->sha256));
  set_opt_int(o, "width", m->width);
  set_opt_int(o, "height", m->height);
  if (m->file_name)
    json_object_set_new(o, "file_name", str(m->file_name));
  if (m->quarantined) /* safety/signals.h: download is refused to non-staff */
    json_object_set_new(o, "quarantined", json_true());
  return o;
}

json_t *hd_json_message(const hd_message_t *m) {
  json_t *o = json_object();
  set_int(o, "chat_id", m->chat_id);
  set_int(o, "id", m->id);
  set_int(o, "sender_id", m->sender_id);
  set_int(o, "random_id", m->random_id);
  set_int(o, "date", m->date);
  json_object_set_new(o, "text", str(m->text));
  set_opt_int(o, "edit_date", m->edit_date);
  set_opt_int(o, "reply_to_id", m->reply_to_id);
  set_opt_int(o, "views", m->views);
  if (m->fwd_from_chat_id) {
    json_t *f = json_object();
    set_int(f, "chat_id", m->fwd_from_chat_id);
    set_int(f, "message_id", m->fwd_from_message_id);
    set_int(f, "user_id", m->fwd_from_user_id);
    set_int(f, "date", m->fwd_date);
    json_object_set_new(o, "fwd_from", f);
  }
  if (m->media.id)
    json_object_set_new(o, "media", hd_json_media(&m->media));
  return o;
}

json_t *hd_json_member(const hd_member_t *m) {
  json_t *o = json_object();
  set_int(o, "user_id", m->user_id);
  json_object_set_new(o, "username", str(m->username));
  json_object_set_new(o, "display_name", str(m->display_name));
  json_object_set_new(o, "role", str(hd_role_name(m->role)));
  set_int(o, "joined_at", m->joined_at);
  return o;
}

json_t *hd_json_update(const hd_update_t *u, int64_t log_user_id) {
  json_t *o = json_object();
  json_object_set_new(o, "log", json_string(log_user_id ? "user" : "chat"));
  set_int(o, "pts", u->pts);
  json_object_set_new(o, "type", str(hd_update_type_name(u->type)));
  set_int(o, "chat_id", u->chat_id);
  set_int(o, "date", u->date);
  set_opt_int(o, "message_id", u->message_id);
  if (u->message)
    json_object_set_new(o, "message", hd_json_message(u->message));
  set_opt_int(o, "user_id", u->user_id);
  if ((u->type == HD_UPD_ROLE_CHANGED || u->type == HD_UPD_MEMBER_JOINED) &&
      u->role != HD_ROLE_NONE)
    json_object_set_new(o, "role", str(hd_role_name(u->role)));
  return o;
}

/* ---- direct encoders (invariant 4) ---------------------------------------------------- */

static void w_lit(hd_buf_t *b, const char *s) { hd_buf_append(b, s, strlen(s)); }

static void w_str(hd_buf_t *b, const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n && !hd_utf8_valid(s, n))
    n = 0; /* invariant 1 */
  hd_buf_try_reserve(b, n + 2);
  hd_buf_append(b, "\"", 1);
  size_t run = 0; /* bytes copied as they are, flushed at each escape */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    hd_buf_append(b, s + run, i - run);
    run = i + 1;
    char esc[8];
    switch (c) {
    case '"':
      w_lit(b, "\\\"");
      break;
    case '\\':
      w_lit(b, "\\\\");
      break;
    case '\b':
      w_lit(b, "\\b");
      break;
    case '\f':
      w_lit(b, "\\f");
      break;
    case '\n':
      w_lit(b, "\\n");
      break;
    case '\r':
      w_lit(b, "\\r");
      break;
    case '\t':
      w_lit(b, "\\t");
      break;
    default:
      snprintf(esc, sizeof(esc), "\\u%04X", c);
      w_lit(b, esc);
    }
  }
  hd_buf_append(b, s + run, n - run);
  hd_buf_append(b, "\"", 1);
}

/* ,"key": (the comma unless first) */
static void w_key(hd_buf_t *b, int *first, const char *key) {
  if (!*first)
    hd_buf_append(b, ",", 1);
  *first = 0;
  hd_buf_append(b, "\"", 1);
  w_lit(b, key);
  hd_buf_append(b, "\":", 2);
}

static void w_int(hd_buf_t *b, int *first, const char *key, int64_t v) {
  char num[24];
  w_key(b, first, key);
  int n = snprintf(num, sizeof(num), "%" PRId64, v);
  hd_buf_append(b, num, (size_t)n);
}

static void w_opt_int(hd_buf_t *b, int *first, const char *key, int64_t v) {
  if (v)
    w_int(b, first, key, v);
}

static void w_media(hd_buf_t *b, const hd_media_t *m) {
  int f = 1;
  hd_buf_append(b, "{", 1);
  w_int(b, &f, "id", m->id);
  w_key(b, &f, "kind");
  w_lit(b, m->kind == HD_MEDIA_PHOTO ? "\"photo\"" : "\"document\"");
  w_key(b, &f, "mime_type");
  w_str(b, m->mime_type);
  w_int(b, &f, "size", m->size);
  if (m->sha256) {
    w_key(b, &f, "sha256");
    w_str(b, m->sha256);
  }
  w_opt_int(b, &f, "width", m->width);
  w_opt_int(b, &f, "height", m->height);
  if (m->file_name) {
    w_key(b, &f, "file_name");
    w_str(b, m->file_name);
  }
  if (m->quarantined) {
    w_key(b, &f, "quarantined");
    w_lit(b, "true");
  }
  hd_buf_append(b, "}", 1);
}

void hd_enc_message(hd_buf_t *b, const hd_message_t *m, int views) {
  int f = 1;
  hd_buf_append(b, "{", 1);
  w_int(b, &f, "chat_id", m->chat_id);
  w_int(b, &f, "id", m->id);
  w_int(b, &f, "sender_id", m->sender_id);
  w_int(b, &f, "random_id", m->random_id);
  w_int(b, &f, "date", m->date);
  w_key(b, &f, "text");
  w_str(b, m->text);
  w_opt_int(b, &f, "edit_date", m->edit_date);
  w_opt_int(b, &f, "reply_to_id", m->reply_to_id);
  w_opt_int(b, &f, "views", m->views);
  if (m->fwd_from_chat_id) {
    int g = 1;
    w_key(b, &f, "fwd_from");
    hd_buf_append(b, "{", 1);
    w_int(b, &g, "chat_id", m->fwd_from_chat_id);
    w_int(b, &g, "message_id", m->fwd_from_message_id);
    w_int(b, &g, "user_id", m->fwd_from_user_id);
    w_int(b, &g, "date", m->fwd_date);
    hd_buf_append(b, "}", 1);
  }
  if (m->media.id) {
    w_key(b, &f, "media");
    w_media(b, &m->media);
  }
  if (views && !m->views)
    w_int(b, &f, "views", 0);
  hd_buf_append(b, "}", 1);
}

void hd_enc_update(hd_buf_t *b, const hd_update_t *u, int64_t log_user_id) {
  int f = 1;
  hd_buf_append(b, "{", 1);
  w_key(b, &f, "log");
  w_lit(b, log_user_id ? "\"user\"" : "\"chat\"");
  w_int(b, &f, "pts", u->pts);
  w_key(b, &f, "type");
  w_str(b, hd_update_type_name(u->type));
  w_int(b, &f, "chat_id", u->chat_id);
  w_int(b, &f, "date", u->date);
  w_opt_int(b, &f, "message_id", u->message_id);
  if (u->message) {
    w_key(b, &f, "message");
    hd_enc_message(b, u->message, 0);
  }
  w_opt_int(b, &f, "user_id", u->user_id);
  if ((u->type == HD_UPD_ROLE_CHANGED || u->type == HD_UPD_MEMBER_JOINED) &&
      u->role != HD_ROLE_NONE) {
    w_key(b, &f, "role");
    w_str(b, hd_role_name(u->role));
  }
  hd_buf_append(b, "}", 1);
}
