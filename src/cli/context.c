/*
 * context.c — what every `herald` command shares: config and server selection, the client,
 * calling the API with uniform error reporting and exit codes, and reading passwords.
 *
 * Server selection, first match wins:
 *    --server URL  ─►  $HERALD_SERVER  ─►  "server" in the config file  ─►  HERALD_DEFAULT_SERVER
 * The saved token is used only when it was issued by the selected server, so pointing the
 * client at another server never leaks a token to it.
 *
 * Error mapping (cli.h):
 *    transport failure ─► 3   401 unauthorized ─► 4   any other 4xx/5xx ─► 1
 */
#include "cli/cli.h"
#include "common/error.h"
#include "libherald/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

void hd_cli_err(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("herald: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int hd_cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("herald: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("\n(see 'herald --help')\n", stderr);
  va_end(ap);
  return HD_CLI_USAGE;
}

/* Copy url into out without trailing slashes so "http://h:1/" and "http://h:1" match. */
static void normalize_url(const char *url, char *out, size_t cap) {
  snprintf(out, cap, "%s", url);
  size_t n = strlen(out);
  while (n > 0 && out[n - 1] == '/')
    out[--n] = '\0';
}

int hd_cli_ctx_open(hd_cli_ctx_t *ctx, const char *server_opt, int json) {
  memset(ctx, 0, sizeof(*ctx));
  ctx->json = json;
  if (herald_config_dir(ctx->cfgdir, sizeof(ctx->cfgdir)) != 0)
    ctx->cfgdir[0] = '\0';
  if (ctx->cfgdir[0]) {
    int r = herald_config_load(&ctx->cfg, ctx->cfgdir);
    if (r != 0) {
      hd_cli_err("cannot read %s/config.json: %s (fix or delete it)", ctx->cfgdir, hd_strerror(r));
      return HD_CLI_USAGE;
    }
  }
  const char *env = getenv("HERALD_SERVER");
  const char *server = server_opt && *server_opt ? server_opt
                       : env && *env             ? env
                       : ctx->cfg.server         ? ctx->cfg.server
                                                 : HERALD_DEFAULT_SERVER;
  normalize_url(server, ctx->server, sizeof(ctx->server));
  if (herald_client_create(&ctx->client, ctx->server) != 0) {
    return hd_cli_usage_error("bad server URL '%s' (expected http://HOST[:PORT])", ctx->server);
  }
  char saved[512] = "";
  if (ctx->cfg.server)
    normalize_url(ctx->cfg.server, saved, sizeof(saved));
  if (ctx->cfg.token && strcmp(saved, ctx->server) == 0) {
    herald_client_set_token(ctx->client, ctx->cfg.token);
    ctx->logged_in = 1;
  }
  return HD_CLI_OK;
}

void hd_cli_ctx_close(hd_cli_ctx_t *ctx) {
  herald_client_destroy(ctx->client);
  herald_config_dispose(&ctx->cfg);
  ctx->client = NULL;
}

int hd_cli_save_config(hd_cli_ctx_t *ctx) {
  if (ctx->cfgdir[0] == '\0') {
    hd_cli_err("cannot save the session: neither $XDG_CONFIG_HOME nor $HOME is set");
    return HD_CLI_USAGE;
  }
  int r = herald_config_save(&ctx->cfg, ctx->cfgdir);
  if (r != 0) {
    hd_cli_err("cannot write %s/config.json: %s", ctx->cfgdir, strerror(errno));
    return HD_CLI_API;
  }
  return HD_CLI_OK;
}

int hd_cli_net_error(hd_cli_ctx_t *ctx, int err) {
  if (err == HD_ERR_UNAUTHORIZED) {
    hd_cli_err("%s; log in again with 'herald login USERNAME'", herald_client_errmsg(ctx->client));
    return HD_CLI_NOAUTH;
  }
  hd_cli_err("cannot talk to %s: %s", ctx->server, herald_client_errmsg(ctx->client));
  return HD_CLI_NET;
}

int hd_cli_call(hd_cli_ctx_t *ctx, const char *method, const char *path, json_t *body,
                herald_response_t *res) {
  int r = herald_call(ctx->client, method, path, body, res);
  if (body)
    json_decref(body);
  if (r != 0) {
    herald_response_dispose(res);
    return hd_cli_net_error(ctx, r);
  }
  if (res->status >= 200 && res->status < 300)
    return HD_CLI_OK;
  const char *code = herald_response_error_code(res);
  const char *msg = herald_response_error_message(res);
  int exit_code = HD_CLI_API;
  if (code) {
    fprintf(stderr, "herald: error: %s: %s (HTTP %d)\n", code, msg ? msg : "", res->status);
  } else {
    fprintf(stderr, "herald: error: the server answered HTTP %d to %s %s\n", res->status, method,
            path);
  }
  if (res->status == 401 && code && strcmp(code, "unauthorized") == 0) {
    fputs("herald: not logged in (or the session was revoked); run 'herald login USERNAME'\n",
          stderr);
    exit_code = HD_CLI_NOAUTH;
  }
  if (res->status == 429 && res->retry_after >= 0)
    fprintf(stderr, "herald: retry after %d s\n", res->retry_after);
  herald_response_dispose(res);
  return exit_code;
}

int hd_cli_read_password(const char *prompt, char *out, size_t cap) {
  int tty = isatty(STDIN_FILENO);
  struct termios old, quiet;
  if (tty) {
    fputs(prompt, stderr);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) == 0) {
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t)ECHO;
      tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    } else {
      tty = 0;
    }
  }
  char *line = fgets(out, (int)cap, stdin);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
  }
  if (line == NULL) {
    hd_cli_err("no password given (type it, or pipe it on stdin)");
    return HD_CLI_USAGE;
  }
  size_t n = strlen(out);
  while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
    out[--n] = '\0';
  return HD_CLI_OK;
}

int hd_cli_opt_int(const herald_args_t *a, const char *name, int64_t min, int64_t max, int64_t def,
                   int64_t *out) {
  const char *v = herald_args_get(a, name);
  if (v == NULL) {
    *out = def;
    return HD_CLI_OK;
  }
  if (herald_args_int(v, min, max, out) != 0)
    return hd_cli_usage_error("--%s must be a number from %lld to %lld", name, (long long)min,
                              (long long)max);
  return HD_CLI_OK;
}
