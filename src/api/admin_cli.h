/*
 * admin_cli.h — `heraldd admin …`: set-up commands that open the store directly, without a
 * running server (the first admin must exist before anyone can call the admin API).
 */
#ifndef HD_API_ADMIN_CLI_H
#define HD_API_ADMIN_CLI_H

/* Run `heraldd admin SUBCOMMAND …` (argv[0] is "heraldd", argv[1] "admin"). Returns the
 * process exit code: 0 done, 1 failed (message on stderr), 2 usage error. */
int hd_admin_cli_main(int argc, char **argv);

#endif
