/*
 * cmd_pdq.c — `herald pdq …`: PDQ hashing (local) and the server's hash banks (admin API).
 *
 *   herald pdq hash [--profile full|512] [--dihedral] FILE...       local, no server
 *       <64 hex>,<quality>,<path>          (exactly herald-hash / the reference CLI format)
 *       --dihedral: orig,rot90,rot180,rot270,flipx,flipy,flipp,flipm,<quality>,<path>
 *   herald pdq bank list
 *   herald pdq bank create NAME --category C [--source S]
 *   herald pdq bank import NAME FILE [--type pdq|sha256|md5] [--strict] [--note TEXT]
 *                                    [--category C [--source S]]   (creates a missing bank)
 *   herald pdq match [--bank NAME] [--radius N] [--dihedral] [--profile P] FILE|HASH...
 *       <query>,<bank>,<category>,<pdq|sha256|md5>,<matched hash>,<distance>
 *
 * `hash` links the server's PDQ code (safety/pdq*.h, image.h only — never store/net/api).
 * Hex arguments (64 or 32 hex digits that are not an existing file) are sent together as
 * one JSON match request; files are uploaded as image bodies, hashed by the server.
 *
 * Invariants:
 *  1. stdout carries only results (one line per hash / match); progress and errors go to
 *     stderr, the progress bar only when stderr is a terminal.
 */
#include "cli/cli.h"
#include "common/error.h"
#include "common/time.h"
#include "safety/pdq_photo.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const herald_opt_spec_t pdq_opts[] = {
    {"profile", 0, 1, "full|512", "hash: pixels as HMA (full, default) or the C++ CLI (512)"},
    {"dihedral", 0, 0, NULL, "hash/match: the 8 rotations and flips"},
    {"bank", 'b', 1, "NAME", "match: only this bank"},
    {"radius", 'r', 1, "N", "match: PDQ distance threshold (default 31)"},
    {"type", 't', 1, "pdq|sha256|md5", "import: type of lines without one (default pdq)"},
    {"strict", 0, 0, NULL, "import: reject the whole file on any malformed line"},
    {"note", 0, 1, "TEXT", "import: provenance stored with each entry"},
    {"category", 'c', 1, "C", "bank create/import: csam, terrorism, ncii or other"},
    {"source", 0, 1, "S", "bank create/import: who supplied the list"},
    {NULL, 0, 0, NULL, NULL},
};

static int cmd_hash(const herald_args_t *a) {
  hd_pdq_profile_t profile = HD_PDQ_PROFILE_FULL;
  const char *p = herald_args_get(a, "profile");
  if (p && hd_pdq_profile_parse(p, &profile) != 0)
    return hd_cli_usage_error("unknown profile '%s' (full or 512)", p);
  if (a->npos < 2)
    return hd_cli_usage_error("usage: herald pdq hash [--profile full|512] [--dihedral] FILE...");
  int nd = herald_args_has(a, "dihedral") ? HD_PDQ_NUM_DIHEDRAL : 1, rc = HD_CLI_OK;
  hd_pdq_work_t work;
  hd_pdq_work_init(&work);
  for (int i = 1; i < a->npos; i++) {
    hd_pdq_hash_t h[HD_PDQ_NUM_DIHEDRAL];
    char hex[HD_PDQ_HEX_LEN + 1];
    int q, err = hd_pdq_hash_path(a->pos[i], profile, &work, h, nd, &q);
    if (err) {
      hd_cli_err("%s: %s", a->pos[i], hd_strerror(err));
      rc = HD_CLI_API;
      continue;
    }
    for (int d = 0; d < nd; d++) {
      hd_pdq_format(&h[d], hex);
      printf("%s,", hex);
    }
    printf("%d,%s\n", q, a->pos[i]);
  }
  hd_pdq_work_dispose(&work);
  return rc;
}

static int need_login(hd_cli_ctx_t *ctx) {
  if (ctx->logged_in)
    return 0;
  fprintf(stderr, "herald: not logged in to %s; run 'herald login USERNAME'\n", ctx->server);
  return HD_CLI_NOAUTH;
}

static int bank_list(hd_cli_ctx_t *ctx) {
  herald_response_t res;
  int rc = hd_cli_call(ctx, "GET", "/v1/admin/banks", NULL, &res);
  if (rc)
    return rc;
  json_t *banks = json_object_get(res.body, "banks"), *b;
  size_t i;
  json_array_foreach(banks, i, b) {
    if (ctx->json) {
      hd_cli_print_json(b);
      continue;
    }
    json_t *c = json_object_get(b, "counts");
    printf("%-24s %-10s pdq %-8lld sha256 %-8lld md5 %-8lld %s\n",
           json_string_value(json_object_get(b, "name")),
           json_string_value(json_object_get(b, "category")),
           (long long)json_integer_value(json_object_get(c, "pdq")),
           (long long)json_integer_value(json_object_get(c, "sha256")),
           (long long)json_integer_value(json_object_get(c, "md5")),
           json_string_value(json_object_get(b, "source")));
  }
  herald_response_dispose(&res);
  return HD_CLI_OK;
}

static int bank_create(hd_cli_ctx_t *ctx, const char *name, const herald_args_t *a) {
  const char *cat = herald_args_get(a, "category"), *src = herald_args_get(a, "source");
  if (!cat)
    return hd_cli_usage_error("bank create needs --category csam|terrorism|ncii|other");
  herald_response_t res;
  int rc = hd_cli_call(
      ctx, "POST", "/v1/admin/banks",
      json_pack("{s:s,s:s,s:s}", "name", name, "category", cat, "source", src ? src : ""), &res);
  if (rc)
    return rc;
  if (ctx->json)
    hd_cli_print_json(json_object_get(res.body, "bank"));
  else
    fprintf(stderr, "created bank %s (%s)\n", name, cat);
  herald_response_dispose(&res);
  return HD_CLI_OK;
}

typedef struct {
  const char *name;
  uint64_t last_ms;
  int drawn;
} progress_t;

static int draw(void *ud, uint64_t sent, uint64_t total) {
  progress_t *p = ud;
  uint64_t now = hd_time_mono_ms();
  if (sent < total && p->drawn && now - p->last_ms < 100)
    return 0;
  p->last_ms = now;
  p->drawn = 1;
  int pct = total ? (int)(sent * 100 / total) : 100, fill = pct * 30 / 100;
  char bar[31];
  for (int i = 0; i < 30; i++)
    bar[i] = i < fill ? '#' : '.';
  bar[30] = '\0';
  fprintf(stderr, "\rimporting %s [%s] %3d%%\033[K", p->name, bar, pct);
  fflush(stderr);
  return 0;
}

/* Upload file to path; on a 2xx answer res holds the body. Prints errors; returns exit code.
 * *code receives the API error code's first bytes on an error answer. */
static int upload(hd_cli_ctx_t *ctx, const char *path, const char *file, const char *type,
                  const char *label, herald_response_t *res, char code[32]) {
  progress_t p = {label, 0, 0};
  code[0] = '\0';
  int r = herald_upload_file(ctx->client, path, file, type, isatty(STDERR_FILENO) ? draw : NULL, &p,
                             res);
  if (p.drawn)
    fputc('\n', stderr);
  if (r == HD_ERR_IO && res->status == 0) {
    hd_cli_err("%s", herald_client_errmsg(ctx->client));
    return HD_CLI_USAGE;
  }
  if (r != 0)
    return hd_cli_net_error(ctx, r);
  if (res->status >= 200 && res->status < 300)
    return HD_CLI_OK;
  const char *c = herald_response_error_code(res);
  snprintf(code, 32, "%s", c ? c : "");
  return res->status == 401 ? HD_CLI_NOAUTH : HD_CLI_API;
}

static void print_errors(const json_t *body) {
  json_t *errs = json_object_get(body, "errors"), *e;
  size_t i;
  json_array_foreach(errs, i, e) {
    fprintf(stderr, "line %lld: %s\n", (long long)json_integer_value(json_object_get(e, "line")),
            json_string_value(json_object_get(e, "reason")));
  }
}

static int bank_import(hd_cli_ctx_t *ctx, const char *name, const char *file,
                       const herald_args_t *a) {
  char path[512], code[32];
  const char *type = herald_args_get(a, "type"), *note = herald_args_get(a, "note");
  if (type && strcmp(type, "pdq") && strcmp(type, "sha256") && strcmp(type, "md5"))
    return hd_cli_usage_error("unknown type '%s' (pdq, sha256 or md5)", type);
  if (note && strspn(note, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
                  strlen(note))
    return hd_cli_usage_error("--note: letters, digits, '-', '_' and '.' only");
  snprintf(path, sizeof(path), "/v1/admin/banks/%s/import?type=%s%s%s%s", name, type ? type : "pdq",
           herald_args_has(a, "strict") ? "&strict=1" : "", note ? "&note=" : "", note ? note : "");
  const char *ctype = strstr(file, ".csv") ? "text/csv" : "text/plain";
  herald_response_t res;
  int rc = upload(ctx, path, file, ctype, name, &res, code);
  if (rc == HD_CLI_API && strcmp(code, "bank_not_found") == 0 && herald_args_get(a, "category")) {
    herald_response_dispose(&res);
    if ((rc = bank_create(ctx, name, a)) != HD_CLI_OK)
      return rc;
    rc = upload(ctx, path, file, ctype, name, &res, code);
  }
  if (res.body)
    print_errors(res.body);
  if (rc != HD_CLI_OK) {
    const char *m = herald_response_error_message(&res);
    if (!m && res.body) /* strict rejection carries its error inside the report */
      m = json_string_value(json_object_get(json_object_get(res.body, "error"), "message"));
    if (res.status)
      fprintf(stderr, "herald: error: %s: %s (HTTP %d)\n", code[0] ? code : "import failed",
              m ? m : "", res.status);
    herald_response_dispose(&res);
    return rc;
  }
  if (ctx->json)
    hd_cli_print_json(res.body);
  else
    printf("bank %s: %lld lines, %lld added, %lld duplicates, %lld rejected\n", name,
           (long long)json_integer_value(json_object_get(res.body, "lines")),
           (long long)json_integer_value(json_object_get(res.body, "added")),
           (long long)json_integer_value(json_object_get(res.body, "duplicates")),
           (long long)json_integer_value(json_object_get(res.body, "rejected")));
  herald_response_dispose(&res);
  return HD_CLI_OK;
}

static int cmd_bank(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  int rc = need_login(ctx);
  if (rc)
    return rc;
  if (strcmp(sub, "list") == 0 && a->npos == 2)
    return bank_list(ctx);
  if (strcmp(sub, "create") == 0 && a->npos == 3)
    return bank_create(ctx, a->pos[2], a);
  if (strcmp(sub, "import") == 0 && a->npos == 4)
    return bank_import(ctx, a->pos[2], a->pos[3], a);
  return hd_cli_usage_error("usage: herald pdq bank list | create NAME --category C | "
                            "import NAME FILE");
}

static void print_matches(hd_cli_ctx_t *ctx, const json_t *body, const char *const *labels) {
  json_t *ms = json_object_get(body, "matches"), *m;
  size_t i;
  json_array_foreach(ms, i, m) {
    if (ctx->json) {
      hd_cli_print_json(m);
      continue;
    }
    const char *q = json_string_value(json_object_get(m, "query"));
    printf("%s,%s,%s,%s,%s,%lld\n", labels ? labels[0] : q,
           json_string_value(json_object_get(m, "bank")),
           json_string_value(json_object_get(m, "category")),
           json_string_value(json_object_get(m, "signal")),
           json_string_value(json_object_get(m, "hash")),
           (long long)json_integer_value(json_object_get(m, "distance")));
  }
  if (json_is_true(json_object_get(body, "truncated")))
    hd_cli_err("more matches than shown (truncated by the server)");
}

static int is_hex_query(const char *s) {
  size_t n = strlen(s);
  return (n == 64 || n == 32) && strspn(s, "0123456789abcdefABCDEF") == n && access(s, F_OK) != 0;
}

static int cmd_match(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  int64_t radius = 31;
  const char *bank = herald_args_get(a, "bank"), *prof = herald_args_get(a, "profile");
  if (hd_cli_opt_int(a, "radius", 0, 256, 31, &radius) != 0)
    return HD_CLI_USAGE;
  if (a->npos < 2)
    return hd_cli_usage_error("usage: herald pdq match [--bank NAME] FILE|HASH...");
  if (prof && strcmp(prof, "full") && strcmp(prof, "512"))
    return hd_cli_usage_error("unknown profile '%s' (full or 512)", prof);
  int rc = need_login(ctx);
  if (rc)
    return rc;
  json_t *hashes = json_array();
  for (int i = 1; i < a->npos; i++)
    if (is_hex_query(a->pos[i]))
      json_array_append_new(hashes, json_string(a->pos[i]));
  int worst = HD_CLI_OK;
  for (size_t off = 0; off < json_array_size(hashes); off += 100) { /* server limit per call */
    json_t *part = json_array();
    for (size_t k = off; k < off + 100 && k < json_array_size(hashes); k++)
      json_array_append(part, json_array_get(hashes, k));
    json_t *body = json_pack("{s:o,s:I}", "hashes", part, "max_distance", (json_int_t)radius);
    if (bank)
      json_object_set_new(body, "bank", json_string(bank));
    herald_response_t res;
    if ((rc = hd_cli_call(ctx, "POST", "/v1/admin/pdq/match", body, &res)) != HD_CLI_OK) {
      worst = rc;
      break;
    }
    print_matches(ctx, res.body, NULL);
    herald_response_dispose(&res);
  }
  json_decref(hashes);
  for (int i = 1; i < a->npos && worst == HD_CLI_OK; i++) {
    if (is_hex_query(a->pos[i]))
      continue;
    char path[512], code[32];
    snprintf(path, sizeof(path), "/v1/admin/pdq/match?max_distance=%lld&profile=%s%s%s%s",
             (long long)radius, prof ? prof : "full",
             herald_args_has(a, "dihedral") ? "&dihedral=1" : "", bank ? "&bank=" : "",
             bank ? bank : "");
    herald_response_t res;
    const char *file = a->pos[i];
    rc = upload(ctx, path, file, herald_guess_content_type(file), file, &res, code);
    if (rc != HD_CLI_OK) {
      const char *m = herald_response_error_message(&res);
      if (res.status)
        fprintf(stderr, "herald: %s: %s: %s (HTTP %d)\n", file, code, m ? m : "", res.status);
      herald_response_dispose(&res);
      worst = rc;
      continue;
    }
    json_t *q = json_object_get(res.body, "quality");
    if (json_integer_value(q) < HD_PDQ_MIN_QUALITY)
      hd_cli_err("%s: quality %lld is below %d; a PDQ match would not be acted on", file,
                 (long long)json_integer_value(q), HD_PDQ_MIN_QUALITY);
    const char *labels[1] = {file};
    print_matches(ctx, res.body, labels);
    herald_response_dispose(&res);
  }
  return worst;
}

static int run_pdq(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  const char *sub = a->pos[0];
  if (strcmp(sub, "hash") == 0)
    return cmd_hash(a);
  if (strcmp(sub, "bank") == 0)
    return cmd_bank(ctx, a);
  if (strcmp(sub, "match") == 0)
    return cmd_match(ctx, a);
  return hd_cli_usage_error("unknown pdq command '%s' (hash, bank, match)", sub);
}

const hd_cli_command_t hd_cli_cmd_pdq = {
    "pdq",
    "hash|bank|match ...",
    "PDQ hashes: hash images locally, manage and match the server's hash banks",
    "  herald pdq hash [--profile full|512] [--dihedral] FILE...\n"
    "      prints <64 hex>,<quality>,<path> (the reference pdq-photo-hasher format)\n"
    "  herald pdq bank list\n"
    "  herald pdq bank create NAME --category csam|terrorism|ncii|other [--source S]\n"
    "  herald pdq bank import NAME FILE [--type pdq|sha256|md5] [--strict] [--note TEXT]\n"
    "      (with --category, a missing bank is created first; progress bar on a terminal)\n"
    "  herald pdq match [--bank NAME] [--radius N] [--dihedral] [--profile P] FILE|HASH...\n"
    "      prints <query>,<bank>,<category>,<type>,<matched hash>,<distance> per match\n"
    "bank and match need an account with a staff role (admin for create/import).",
    pdq_opts,
    1,
    -1,
    0,
    run_pdq};
