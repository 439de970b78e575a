/*
 * chats.h (api) — the chats surface: private chats, groups and channels, dialogs, joining,
 * leaving, members and roles, read markers (docs/api.md "Chats").
 */
#ifndef HD_API_CHATS_H
#define HD_API_CHATS_H

#include "api/app.h"

void hd_api_chat_private(hd_call_t *call);
void hd_api_chat_create(hd_call_t *call);
void hd_api_dialogs(hd_call_t *call);
void hd_api_chat_get(hd_call_t *call);
void hd_api_chat_join(hd_call_t *call);
void hd_api_chat_leave(hd_call_t *call);
void hd_api_members_list(hd_call_t *call);
void hd_api_member_add(hd_call_t *call);
void hd_api_member_remove(hd_call_t *call);
void hd_api_member_role(hd_call_t *call);
void hd_api_chat_read(hd_call_t *call);

#endif
