/*
 * cli.h — the `herald` command-line client: shared context, the command table entry type,
 * exit codes, and helpers every command group uses (context.c, format.c).
 *
 *    main.c: global options ─► find command in the table ─► parse its options
 *            ─► hd_cli_ctx_open() (config, server, token, client) ─► cmd->run(ctx, args)
 *
 * Adding a command group (e.g. `herald pdq …`) is one new cmd_<group>.c defining
 * hd_cli_command_t values and one line per command in main.c's table.
 *
 * Exit codes (docs/cli.md): 0 ok, 1 server/API error, 2 usage error, 3 network error,
 * 4 not logged in (no token, or the server answered 401 unauthorized).
 *
 * Invariants:
 *  1. Everything for scripts goes to stdout (with --json: the server's objects as-is, one per
 *     line); every diagnostic goes to stderr.
 *  2. A command's run function returns an exit code and has already printed any error.
 */
#ifndef HD_CLI_CLI_H
#define HD_CLI_CLI_H

#include "common/mem.h"
#include "libherald/args.h"
#include "libherald/config.h"
#include "libherald/herald.h"

#include <stdint.h>

enum {
  HD_CLI_OK = 0,    /* success */
  HD_CLI_API = 1,   /* the server answered with an error */
  HD_CLI_USAGE = 2, /* bad command line */
  HD_CLI_NET = 3,   /* the server could not be reached or broke the protocol */
  HD_CLI_NOAUTH = 4 /* not logged in */
};

typedef struct {
  herald_client_t *client; /* owned */
  herald_config_t cfg;     /* saved state (owned) */
  char cfgdir[4096];       /* "" when no config directory can be found */
  char server[512];        /* effective server URL */
  int json;                /* --json */
  int logged_in;           /* a token for this server was loaded */
} hd_cli_ctx_t;

typedef struct {
  const char *name;              /* "send" */
  const char *usage;             /* "TARGET TEXT..." */
  const char *summary;           /* one line for `herald --help` */
  const char *description;       /* paragraph for `herald CMD --help`, or NULL */
  const herald_opt_spec_t *opts; /* command options (NULL-name terminated), or NULL */
  int min_pos, max_pos;          /* positional argument count (max -1: unbounded) */
  int needs_login;               /* exit 4 before running when no token is saved */
  int (*run)(hd_cli_ctx_t *ctx, const herald_args_t *a);
} hd_cli_command_t;

/* Load the config, pick the server (--server, $HERALD_SERVER, saved, default) and create the
 * client with the saved token when it belongs to that server. Returns an exit code. */
int hd_cli_ctx_open(hd_cli_ctx_t *ctx, const char *server_opt, int json);
void hd_cli_ctx_close(hd_cli_ctx_t *ctx);
/* Save ctx->cfg; prints the failure and returns an exit code. */
int hd_cli_save_config(hd_cli_ctx_t *ctx);

/* Perform a request; body is consumed (decref'd) and may be NULL. On success (2xx) returns 0
 * with res filled (the caller disposes it); otherwise prints the error on stderr, disposes
 * res and returns the exit code (1, 3 or 4). */
int hd_cli_call(hd_cli_ctx_t *ctx, const char *method, const char *path, json_t *body,
                herald_response_t *res);
/* Report a transport failure of the client (exit code 3, or 4 for HD_ERR_UNAUTHORIZED). */
int hd_cli_net_error(hd_cli_ctx_t *ctx, int err);
/* Print "herald: " + message on stderr. */
void hd_cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report a usage error (exit code 2). */
int hd_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Read a password: from the terminal without echo when stdin is a tty, else one line of
 * stdin. Returns 0, or an exit code when none could be read. */
int hd_cli_read_password(const char *prompt, char *out, size_t cap);
/* Parse a positive integer option (absent: def). Returns 0 or prints and returns 2. */
int hd_cli_opt_int(const herald_args_t *a, const char *name, int64_t min, int64_t max, int64_t def,
                   int64_t *out);

/* The commands, one group per cmd_<group>.c; main.c lists them in its table. */
extern const hd_cli_command_t hd_cli_cmd_register, hd_cli_cmd_login, hd_cli_cmd_logout,
    hd_cli_cmd_me, hd_cli_cmd_sessions; /* cmd_account.c */
extern const hd_cli_command_t hd_cli_cmd_chats, hd_cli_cmd_send, hd_cli_cmd_history,
    hd_cli_cmd_create, hd_cli_cmd_join;          /* cmd_chat.c */
extern const hd_cli_command_t hd_cli_cmd_follow; /* cmd_follow.c */
extern const hd_cli_command_t hd_cli_cmd_upload; /* cmd_upload.c */
extern const hd_cli_command_t hd_cli_cmd_pdq;    /* cmd_pdq.c */

/* Resolve a chat argument to a chat id: "#123" or "123" is a chat id; "@name" (or "name") is
 * a public group/channel, or a user whose private chat is opened (POST /v1/chats/private).
 * Returns an exit code. */
int hd_cli_resolve_chat(hd_cli_ctx_t *ctx, const char *target, int64_t *chat_id);

/* format.c — human output. */
void hd_cli_fmt_time(int64_t unix_s, char *out, size_t cap);
void hd_cli_print_user(const json_t *user);
void hd_cli_print_chat_line(const json_t *chat, const json_t *last, int64_t unread);
void hd_cli_print_message(const json_t *msg);
void hd_cli_print_update(const json_t *upd);
/* Print res body in --json mode as one line. */
void hd_cli_print_json(const json_t *v);

#endif
