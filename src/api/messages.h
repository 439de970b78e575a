/*
 * messages.h (api) — the messages surface: send, forward, history, get, edit, delete and
 * channel views (docs/api.md "Messages"). Sends, edits and forwards are rate-limited per
 * account (--rate-send); every committed send is counted in app->messages_sent.
 */
#ifndef HD_API_MESSAGES_H
#define HD_API_MESSAGES_H

#include "api/app.h"
#include "api/json.h"

/* The fields of POST /v1/chats/{id}/messages, validated (text in the jin's pool). */
typedef struct {
  const char *text;
  int64_t random_id;
  int64_t reply_to_id; /* 0 when absent */
  int64_t media_id;    /* 0 when absent; then text is an optional caption (<= 1024) */
} hd_send_req_t;

/* Extract and validate a send body (pure; used by the handler and the fuzz driver).
 * Problems are recorded in in->err/in->msg; returns in->err. */
int hd_api_send_parse(hd_jin_t *in, hd_send_req_t *r);

void hd_api_message_send(hd_call_t *call);
void hd_api_message_forward(hd_call_t *call);
void hd_api_history(hd_call_t *call);
void hd_api_message_get(hd_call_t *call);
void hd_api_message_edit(hd_call_t *call);
void hd_api_message_delete(hd_call_t *call);
void hd_api_message_views(hd_call_t *call);

#endif
