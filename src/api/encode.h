/*
 * encode.h — domain values to JSON (the only place that decides the wire shapes; they are
 * documented in docs/api.md). Each returns a new reference.
 */
#ifndef HD_API_ENCODE_H
#define HD_API_ENCODE_H

#include "chat/types.h"
#include "common/mem.h"

#include <jansson.h>

/* self=1: include private fields (country). */
json_t *hd_json_user(const hd_user_t *u, int self);
json_t *hd_json_session(const hd_session_t *s, int64_t current_session_id);
json_t *hd_json_chat(const hd_chat_t *c);
json_t *hd_json_message(const hd_message_t *m);
/* Media: id, kind, mime_type, size, sha256 (when loaded), width/height/file_name when set. */
json_t *hd_json_media(const hd_media_t *m);
json_t *hd_json_member(const hd_member_t *m);
/* An update; log_user_id != 0 marks a user-log entry ("log":"user"), else "log":"chat". */
json_t *hd_json_update(const hd_update_t *u, int64_t log_user_id);

/* Direct encoders for the send path: append to b exactly what
 * json_dumps(hd_json_message(m) / hd_json_update(u, log_user_id), JSON_COMPACT) gives.
 * views=1 adds "views":0 after the other members when m->views is 0 (channel posts). */
void hd_enc_message(hd_buf_t *b, const hd_message_t *m, int views);
void hd_enc_update(hd_buf_t *b, const hd_update_t *u, int64_t log_user_id);

#endif
