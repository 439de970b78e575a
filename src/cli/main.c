/*
 * main.c — the `herald` command-line client: global options, then one command from the
 * table below (see cli.h for the context and exit codes, docs/cli.md for the manual).
 *
 *    herald [--server URL] [--json] COMMAND [ARGS] [OPTIONS]
 *
 * Global options are accepted before and after the command name. To add a command (e.g.
 * `herald pdq hash FILE`), define an hd_cli_command_t in a new cmd_<group>.c, declare it in
 * cli.h and add it to commands[] here; help and dispatch follow from the table.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const hd_cli_command_t *const commands[] = {
    &hd_cli_cmd_register, &hd_cli_cmd_login, &hd_cli_cmd_logout, &hd_cli_cmd_me,
    &hd_cli_cmd_sessions, &hd_cli_cmd_chats, &hd_cli_cmd_send,   &hd_cli_cmd_history,
    &hd_cli_cmd_create,   &hd_cli_cmd_join,  &hd_cli_cmd_follow, &hd_cli_cmd_upload,
    &hd_cli_cmd_pdq,
};

static const herald_opt_spec_t global_opts[] = {
    {"server", 's', 1, "URL",
     "server URL (default: $HERALD_SERVER, saved, " HERALD_DEFAULT_SERVER ")"},
    {"json", 'j', 0, NULL, "print the server's JSON objects, one per line"},
    {"help", 'h', 0, NULL, "show help"},
    {"version", 0, 0, NULL, "show the version"},
    {NULL, 0, 0, NULL, NULL},
};

static void usage(FILE *f) {
  fputs("usage: herald [--server URL] [--json] COMMAND [ARGS]\n\ncommands:\n", f);
  for (size_t i = 0; i < HD_ARRAY_SIZE(commands); i++) {
    char left[64];
    snprintf(left, sizeof(left), "%s %s", commands[i]->name, commands[i]->usage);
    fprintf(f, "  %-26s %s\n", left, commands[i]->summary);
  }
  fputs("\nglobal options:\n", f);
  herald_args_t a;
  const herald_opt_spec_t *tables[] = {global_opts};
  herald_args_init(&a, tables, 1);
  herald_args_help(&a, f);
  fputs("\nexit codes: 0 ok, 1 server error, 2 usage error, 3 network error, 4 not logged in\n"
        "'herald COMMAND --help' describes a command; 'man herald' has the details.\n",
        f);
}

static void command_help(const hd_cli_command_t *cmd, const herald_args_t *a) {
  printf("usage: herald %s %s [OPTIONS]\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
  if (cmd->description)
    printf("\n%s\n", cmd->description);
  printf("\noptions:\n");
  herald_args_help(a, stdout);
}

static const hd_cli_command_t *find_command(const char *name) {
  for (size_t i = 0; i < HD_ARRAY_SIZE(commands); i++)
    if (strcmp(commands[i]->name, name) == 0)
      return commands[i];
  return NULL;
}

int main(int argc, char **argv) {
  /* global options before the command: everything up to the first non-option word */
  int i = 1;
  while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0' && strcmp(argv[i], "--") != 0) {
    int takes = strcmp(argv[i], "--server") == 0 || strcmp(argv[i], "-s") == 0;
    i += takes ? 2 : 1;
  }
  if (i > argc)
    i = argc;
  herald_args_t g;
  const herald_opt_spec_t *gtables[] = {global_opts};
  herald_args_init(&g, gtables, 1);
  if (herald_args_parse(&g, i - 1, argv + 1) != 0)
    return hd_cli_usage_error("%s", g.err);
  if (herald_args_has(&g, "version")) {
    printf("herald 0.1\n");
    return HD_CLI_OK;
  }
  if (i < argc && strcmp(argv[i], "--") == 0)
    i++;
  if (i >= argc) {
    usage(herald_args_has(&g, "help") ? stdout : stderr);
    return herald_args_has(&g, "help") ? HD_CLI_OK : HD_CLI_USAGE;
  }
  if (strcmp(argv[i], "help") == 0) {
    const hd_cli_command_t *c = i + 1 < argc ? find_command(argv[i + 1]) : NULL;
    if (c == NULL) {
      usage(stdout);
      return HD_CLI_OK;
    }
    herald_args_t ca;
    const herald_opt_spec_t *tables[] = {c->opts, global_opts};
    herald_args_init(&ca, tables, 2);
    command_help(c, &ca);
    return HD_CLI_OK;
  }
  const hd_cli_command_t *cmd = find_command(argv[i]);
  if (cmd == NULL)
    return hd_cli_usage_error("unknown command '%s'", argv[i]);

  herald_args_t a;
  const herald_opt_spec_t *tables[] = {cmd->opts, global_opts};
  herald_args_init(&a, tables, 2);
  if (herald_args_parse(&a, argc - i - 1, argv + i + 1) != 0)
    return hd_cli_usage_error("%s: %s", cmd->name, a.err);
  if (herald_args_has(&a, "help") || herald_args_has(&g, "help")) {
    command_help(cmd, &a);
    return HD_CLI_OK;
  }
  if (a.npos < cmd->min_pos || (cmd->max_pos >= 0 && a.npos > cmd->max_pos))
    return hd_cli_usage_error("usage: herald %s %s", cmd->name, cmd->usage);

  const char *server = herald_args_get(&a, "server");
  if (server == NULL)
    server = herald_args_get(&g, "server");
  int json = herald_args_has(&a, "json") || herald_args_has(&g, "json");
  hd_cli_ctx_t ctx;
  int rc = hd_cli_ctx_open(&ctx, server, json);
  if (rc == HD_CLI_OK) {
    if (cmd->needs_login && !ctx.logged_in) {
      fprintf(stderr, "herald: not logged in to %s; run 'herald login USERNAME'\n", ctx.server);
      rc = HD_CLI_NOAUTH;
    } else {
      rc = cmd->run(&ctx, &a);
    }
  }
  hd_cli_ctx_close(&ctx);
  fflush(stdout);
  return rc;
}
