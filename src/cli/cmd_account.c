/*
 * cmd_account.c — account commands: register, login, logout, me, sessions.
 *
 *    register ──POST /v1/auth/register──► login ──POST /v1/auth/login──► token saved (0600)
 *    logout   ──POST /v1/auth/logout───► token removed from the config (even if the server
 *                                         already forgot it: the local state must not lie)
 *
 * Passwords are never taken from the command line (they would show in ps and shell history):
 * they are typed without echo on a terminal or read as one line from stdin.
 */
#include "cli/cli.h"
#include "common/error.h"
#include "libherald/json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const herald_opt_spec_t register_opts[] = {
    {"display-name", 0, 1, "NAME", "display name (default: the username)"},
    {"country", 0, 1, "CC", "ISO 3166-1 country code (default: from $LANG)"},
    {"device", 0, 1, "NAME", "device name for the session (default: hostname)"},
    {"no-login", 0, 0, NULL, "only create the account, do not log in"},
    {NULL, 0, 0, NULL, NULL},
};

static const herald_opt_spec_t login_opts[] = {
    {"device", 0, 1, "NAME", "device name for the session (default: hostname)"},
    {NULL, 0, 0, NULL, NULL},
};

/* Take the territory of a locale like "de_DE.UTF-8" ("DE"), or fail. */
static int country_from_locale(char out[3]) {
  const char *names[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
  for (size_t i = 0; i < HD_ARRAY_SIZE(names); i++) {
    const char *v = getenv(names[i]);
    const char *us = v ? strchr(v, '_') : NULL;
    if (us && isalpha((unsigned char)us[1]) && isalpha((unsigned char)us[2]) &&
        !isalpha((unsigned char)us[3])) {
      out[0] = (char)toupper((unsigned char)us[1]);
      out[1] = (char)toupper((unsigned char)us[2]);
      out[2] = '\0';
      return 0;
    }
  }
  return -1;
}

static void default_device(const herald_args_t *a, char *out, size_t cap) {
  const char *d = herald_args_get(a, "device");
  if (d) {
    snprintf(out, cap, "%s", d);
    return;
  }
  char host[128];
  if (gethostname(host, sizeof(host)) != 0)
    snprintf(host, sizeof(host), "unknown");
  host[sizeof(host) - 1] = '\0';
  snprintf(out, cap, "herald-cli@%s", host);
}

/* Log in as username with password and save the token for ctx->server. */
static int do_login(hd_cli_ctx_t *ctx, const char *username, const char *password,
                    const char *device) {
  herald_response_t res;
  json_t *body =
      json_pack("{s:s, s:s, s:s}", "username", username, "password", password, "device", device);
  int rc = hd_cli_call(ctx, "POST", "/v1/auth/login", body, &res);
  if (rc != HD_CLI_OK)
    return rc;
  const char *token = herald_json_str(res.body, "token", NULL);
  if (token == NULL) {
    hd_cli_err("the server's login answer has no token");
    herald_response_dispose(&res);
    return HD_CLI_NET;
  }
  herald_config_set(&ctx->cfg.server, ctx->server);
  herald_config_set(&ctx->cfg.token, token);
  herald_config_set(&ctx->cfg.username, herald_json_str(res.body, "user.username", username));
  ctx->cfg.user_id = herald_json_int(res.body, "user.id", 0);
  rc = hd_cli_save_config(ctx);
  if (rc == HD_CLI_OK) {
    if (ctx->json)
      hd_cli_print_json(res.body);
    else
      printf("logged in as @%s (id %lld) on %s\n", ctx->cfg.username, (long long)ctx->cfg.user_id,
             ctx->server);
  }
  herald_response_dispose(&res);
  return rc;
}

static int run_register(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  const char *username = a->pos[0];
  char country[3], password[512], device[200];
  const char *cc = herald_args_get(a, "country");
  if (cc == NULL) {
    if (country_from_locale(country) != 0)
      return hd_cli_usage_error("register: give --country CC (ISO 3166-1, e.g. DE)");
    cc = country;
  }
  int rc = hd_cli_read_password("password: ", password, sizeof(password));
  if (rc != HD_CLI_OK)
    return rc;
  const char *name = herald_args_get(a, "display-name");
  json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "username", username, "password", password,
                           "display_name", name ? name : username, "country", cc);
  herald_response_t res;
  rc = hd_cli_call(ctx, "POST", "/v1/auth/register", body, &res);
  if (rc != HD_CLI_OK)
    goto done;
  if (herald_args_has(a, "no-login")) {
    if (ctx->json)
      hd_cli_print_json(res.body);
    else
      printf("registered @%s (id %lld)\n", herald_json_str(res.body, "user.username", username),
             (long long)herald_json_int(res.body, "user.id", 0));
  } else {
    if (!ctx->json)
      printf("registered @%s (id %lld)\n", herald_json_str(res.body, "user.username", username),
             (long long)herald_json_int(res.body, "user.id", 0));
    default_device(a, device, sizeof(device));
    rc = do_login(ctx, username, password, device);
  }
  herald_response_dispose(&res);
done:
  memset(password, 0, sizeof(password));
  return rc;
}

static int run_login(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  char password[512], device[200];
  int rc = hd_cli_read_password("password: ", password, sizeof(password));
  if (rc != HD_CLI_OK)
    return rc;
  default_device(a, device, sizeof(device));
  rc = do_login(ctx, a->pos[0], password, device);
  memset(password, 0, sizeof(password));
  return rc;
}

static int run_logout(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  herald_response_t res;
  int rc = hd_cli_call(ctx, "POST", "/v1/auth/logout", NULL, &res);
  if (rc == HD_CLI_NET)
    return rc; /* keep the token: the server may still hold the session */
  herald_config_set(&ctx->cfg.token, NULL);
  int save = hd_cli_save_config(ctx);
  if (rc == HD_CLI_OK) {
    if (ctx->json)
      hd_cli_print_json(res.body);
    else
      printf("logged out\n");
    herald_response_dispose(&res);
  } else if (rc == HD_CLI_NOAUTH) {
    rc = HD_CLI_OK; /* the session was gone already; locally we are logged out now */
    if (!ctx->json)
      printf("logged out\n");
  }
  return save != HD_CLI_OK ? save : rc;
}

static int run_me(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  herald_response_t res;
  int rc = hd_cli_call(ctx, "GET", "/v1/me", NULL, &res);
  if (rc != HD_CLI_OK)
    return rc;
  if (ctx->json)
    hd_cli_print_json(res.body);
  else
    hd_cli_print_user(herald_json_at(res.body, "user"));
  herald_response_dispose(&res);
  return HD_CLI_OK;
}

static int run_sessions(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  herald_response_t res;
  int rc = hd_cli_call(ctx, "GET", "/v1/sessions", NULL, &res);
  if (rc != HD_CLI_OK)
    return rc;
  if (ctx->json) {
    hd_cli_print_json(res.body);
  } else {
    json_t *list = herald_json_at(res.body, "sessions");
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s) {
      char seen[32];
      hd_cli_fmt_time(herald_json_int(s, "last_seen_at", 0), seen, sizeof(seen));
      printf("%-6lld %-28s %-16s last seen %s%s\n", (long long)herald_json_int(s, "id", 0),
             herald_json_str(s, "device", ""), herald_json_str(s, "ip", ""), seen,
             herald_json_bool(s, "current", 0) ? "  (this session)" : "");
    }
  }
  herald_response_dispose(&res);
  return HD_CLI_OK;
}

const hd_cli_command_t hd_cli_cmd_register = {
    "register",
    "USERNAME",
    "create an account (password on the terminal or stdin) and log in",
    "Creates the account USERNAME, then logs in and saves the token. The password is read\n"
    "without echo from the terminal, or as one line from stdin when it is not a terminal.",
    register_opts,
    1,
    1,
    0,
    run_register};
const hd_cli_command_t hd_cli_cmd_login = {
    "login",
    "USERNAME",
    "log in and save the session token",
    "Logs in and saves the token in the config file (mode 0600). The password is read as for\n"
    "'register'.",
    login_opts,
    1,
    1,
    0,
    run_login};
const hd_cli_command_t hd_cli_cmd_logout = {
    "logout", "", "revoke this session and forget the token", NULL, NULL, 0, 0, 1, run_logout};
const hd_cli_command_t hd_cli_cmd_me = {"me", "", "show your profile", NULL, NULL, 0, 0, 1, run_me};
const hd_cli_command_t hd_cli_cmd_sessions = {
    "sessions", "", "list your sessions, newest first", NULL, NULL, 0, 0, 1, run_sessions};
