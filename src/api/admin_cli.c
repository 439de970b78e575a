/*
 * admin_cli.c — `heraldd admin grant USERNAME ROLE --data DIR`.
 *
 *   parse argv ─► hd_writer_create(DIR) (creates / migrates the schema like the server)
 *     ─► submit job: user_find(USERNAME) ─► hd_staff_grant(actor 0) (+ audit record)
 *     ─► hd_writer_destroy (runs the job, commits, calls done) ─► print, exit
 *
 * It goes through the writer, not a raw handle, so the grant gets the same transaction and
 * durability as one made through the API. SQLite's locking makes it safe while a server
 * runs on the same directory (the write waits on the busy timeout); the server sees the new
 * role on its next request, since roles are read per request.
 *
 * Invariants:
 *  1. The job's result is read only after hd_writer_destroy returned (the writer thread
 *     has joined), so no synchronisation beyond the join is needed.
 */
#include "api/admin_cli.h"

#include "chat/accounts.h"
#include "common/error.h"
#include "common/log.h"
#include "safety/staff.h"
#include "store/writer.h"

#include <stdio.h>
#include <string.h>

typedef struct {
  const char *username;
  hd_staff_grant_op_t op;
  int status;
} grant_job_t;

static int run(hd_store_t *tx, void *arg) {
  grant_job_t *j = arg;
  hd_mem_pool_t pool;
  hd_user_t u;
  hd_mem_pool_init(&pool);
  int ret = hd_user_find(tx, j->username, &pool, &u);
  hd_mem_pool_dispose(&pool);
  if (ret)
    return ret;
  j->op.user_id = u.id;
  return hd_staff_grant(tx, &j->op);
}

static void done(void *arg, int status) { ((grant_job_t *)arg)->status = status; }

static int usage(void) {
  fputs("usage: heraldd admin grant USERNAME moderator|senior_moderator|admin|none --data DIR\n",
        stderr);
  return 2;
}

int hd_admin_cli_main(int argc, char **argv) {
  const char *data = NULL, *pos[3] = {NULL, NULL, NULL};
  int npos = 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
      data = argv[++i];
    else if (strncmp(argv[i], "--data=", 7) == 0)
      data = argv[i] + 7;
    else if (argv[i][0] == '-' || npos == 3)
      return usage();
    else
      pos[npos++] = argv[i];
  }
  if (npos != 3 || strcmp(pos[0], "grant") != 0 || !data || !*data)
    return usage();
  grant_job_t j = {.username = pos[1], .status = HD_ERR_INTERNAL};
  if (hd_staff_role_parse(pos[2], &j.op.role) != 0) {
    fprintf(stderr, "heraldd admin: unknown role '%s'\n", pos[2]);
    return usage();
  }
  hd_log_set_level(HD_LOG_WARN);
  hd_store_config_t sc = {.data_dir = data, .sync_full = 1, .busy_timeout_ms = 10000};
  hd_writer_t *w;
  int rc = hd_writer_create(&sc, 1, &w);
  if (rc) {
    fprintf(stderr, "heraldd admin: cannot open the store in %s: %s\n", data, hd_strerror(rc));
    return 1;
  }
  hd_writer_submit(w, run, done, &j);
  hd_writer_destroy(w); /* runs the job; invariant 1 */
  if (j.status) {
    fprintf(stderr, "heraldd admin: grant %s %s: %s\n", j.username, pos[2], hd_strerror(j.status));
    return 1;
  }
  printf("%s (user %lld): %s -> %s\n", j.username, (long long)j.op.user_id,
         hd_staff_role_name(j.op.before), hd_staff_role_name(j.op.role));
  return 0;
}
