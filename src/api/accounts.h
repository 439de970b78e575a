/*
 * accounts.h (api) — the accounts and sessions surface: register, login, logout, sessions,
 * profile, user lookup and @username resolution (docs/api.md "Accounts and sessions").
 *
 * Register and login hash/verify passwords on the worker pool (hd_loop_work), never on a
 * loop or the writer thread; the state change then goes through hd_api_write.
 */
#ifndef HD_API_ACCOUNTS_H
#define HD_API_ACCOUNTS_H

#include "api/app.h"
#include "api/json.h"

/* The fields of POST /v1/auth/register, validated; strings live in the jin's pool. */
typedef struct {
  const char *username;
  const char *password;
  size_t password_len;
  const char *display_name;
  const char *country; /* upper-cased copy */
} hd_register_req_t;

/* Extract and validate a register body (pure; used by the handler and the fuzz driver).
 * Problems are recorded in in->err/in->msg; returns in->err. */
int hd_api_register_parse(hd_jin_t *in, hd_register_req_t *r);

void hd_api_register(hd_call_t *call);
void hd_api_login(hd_call_t *call);
void hd_api_logout(hd_call_t *call);
void hd_api_sessions_list(hd_call_t *call);
void hd_api_session_revoke(hd_call_t *call);
void hd_api_me_get(hd_call_t *call);
void hd_api_me_patch(hd_call_t *call);
void hd_api_user_get(hd_call_t *call);
void hd_api_resolve(hd_call_t *call);

#endif
