/*
 * cmd_upload.c — `herald upload FILE`: stream a file to POST /v1/media.
 *
 * The body is sent from disk in chunks by herald_upload_file(); a progress bar is drawn on
 * stderr only when stderr is a terminal (never into a pipe or a log file), redrawn at most
 * every 100 ms and once at the end:
 *
 *    photo.jpg [##########..........]  50%   1.2 MiB / 2.4 MiB
 */
#include "cli/cli.h"
#include "common/error.h"
#include "common/time.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BAR_WIDTH 30

typedef struct {
  const char *name;
  uint64_t last_draw_ms;
  int drawn;
} progress_t;

static void human_size(uint64_t n, char *out, size_t cap) {
  if (n >= 1024 * 1024)
    snprintf(out, cap, "%.1f MiB", (double)n / (1024.0 * 1024.0));
  else if (n >= 1024)
    snprintf(out, cap, "%.1f KiB", (double)n / 1024.0);
  else
    snprintf(out, cap, "%llu B", (unsigned long long)n);
}

static int draw(void *ud, uint64_t sent, uint64_t total) {
  progress_t *p = ud;
  uint64_t now = hd_time_mono_ms();
  if (sent < total && p->drawn && now - p->last_draw_ms < 100)
    return 0;
  p->last_draw_ms = now;
  p->drawn = 1;
  int pct = total ? (int)(sent * 100 / total) : 100;
  int fill = total ? (int)(sent * BAR_WIDTH / total) : BAR_WIDTH;
  char bar[BAR_WIDTH + 1], a[32], b[32];
  for (int i = 0; i < BAR_WIDTH; i++)
    bar[i] = i < fill ? '#' : '.';
  bar[BAR_WIDTH] = '\0';
  human_size(sent, a, sizeof(a));
  human_size(total, b, sizeof(b));
  fprintf(stderr, "\r%s [%s] %3d%%  %s / %s\033[K", p->name, bar, pct, a, b);
  fflush(stderr);
  return 0;
}

static const herald_opt_spec_t upload_opts[] = {
    {"type", 't', 1, "MIME", "Content-Type (default: guessed from the extension)"},
    {NULL, 0, 0, NULL, NULL},
};

static int run_upload(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  const char *file = a->pos[0];
  const char *type = herald_args_get(a, "type");
  if (type == NULL)
    type = herald_guess_content_type(file);
  if (access(file, R_OK) != 0) {
    hd_cli_err("%s: cannot read the file", file);
    return HD_CLI_USAGE;
  }
  const char *slash = strrchr(file, '/');
  progress_t p = {slash ? slash + 1 : file, 0, 0};
  int tty = isatty(STDERR_FILENO);
  herald_response_t res;
  int r = herald_upload_file(ctx->client, "/v1/media", file, type, tty ? draw : NULL, &p, &res);
  if (p.drawn)
    fputc('\n', stderr);
  if (r == HD_ERR_IO && res.status == 0 && strstr(herald_client_errmsg(ctx->client), file)) {
    hd_cli_err("%s", herald_client_errmsg(ctx->client)); /* a local file problem */
    return HD_CLI_USAGE;
  }
  if (r != 0)
    return hd_cli_net_error(ctx, r);
  if (res.status < 200 || res.status >= 300) {
    const char *code = herald_response_error_code(&res);
    const char *msg = herald_response_error_message(&res);
    if (code)
      fprintf(stderr, "herald: error: %s: %s (HTTP %d)\n", code, msg ? msg : "", res.status);
    else
      fprintf(stderr, "herald: error: the server answered HTTP %d to the upload\n", res.status);
    int rc = res.status == 401 ? HD_CLI_NOAUTH : HD_CLI_API;
    herald_response_dispose(&res);
    return rc;
  }
  if (ctx->json && res.body)
    hd_cli_print_json(res.body);
  else if (!ctx->json)
    printf("uploaded %s (%s)\n", file, type);
  herald_response_dispose(&res);
  return HD_CLI_OK;
}

const hd_cli_command_t hd_cli_cmd_upload = {
    "upload",
    "FILE",
    "upload a file (POST /v1/media, streamed from disk)",
    "Sends FILE as the raw request body with a Content-Type guessed from its extension. A\n"
    "progress bar is drawn when stderr is a terminal.",
    upload_opts,
    1,
    1,
    1,
    run_upload};
