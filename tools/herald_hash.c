/*
 * herald_hash.c — `herald-hash`: PDQ hashing and hash-bank CLI (until `herald pdq` exists).
 *
 *   herald-hash hash [--profile full|512] [--dihedral] FILE...
 *       <64 hex>,<quality>,<path>           (reference pdq-photo-hasher format)
 *       with --dihedral: 8 hashes (orig,rot90,rot180,rot270,flipx,flipy,flipp,flipm),q,path
 *   herald-hash bank import NAME FILE --dir DIR [--type pdq|sha256|md5] [--source S]
 *       [--category C] [--strict]
 *   herald-hash bank list --dir DIR
 *   herald-hash match --dir DIR [--bank NAME] [--radius N] [--dihedral] [--profile P]
 *       FILE|HASH...
 *       <query>,<bank>,<type>,<matched hash>,<distance>[,<quality>] per match
 *
 * Exit status: 0 success (match: at least one match), 1 no match, 2 error. Errors go to
 * stderr. Banks live as DIR/NAME.hbank (see src/safety/pdq_bankfile.c).
 */
#include "common/error.h"
#include "common/mem.h"
#include "safety/hashbank.h"
#include "safety/pdq_md5.h"
#include "safety/pdq_photo.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  const char *dir, *bank, *type, *source, *category;
  hd_pdq_profile_t profile;
  int dihedral, strict, radius;
  char **args;
  int nargs;
} opts_t;

static int usage(void) {
  fputs("usage: herald-hash hash [--profile full|512] [--dihedral] FILE...\n"
        "       herald-hash bank import NAME FILE --dir DIR [--type pdq|sha256|md5]\n"
        "                   [--source S] [--category C] [--strict]\n"
        "       herald-hash bank list --dir DIR\n"
        "       herald-hash match --dir DIR [--bank NAME] [--radius N] [--dihedral]\n"
        "                   [--profile full|512] FILE|HASH...\n",
        stderr);
  return 2;
}

/* Parse options anywhere on the line; positional arguments are collected in order. */
static int parse_opts(int argc, char **argv, opts_t *o) {
  memset(o, 0, sizeof(*o));
  o->radius = HD_PDQ_DEFAULT_RADIUS;
  o->args = hd_mem_alloc(sizeof(char *) * (size_t)(argc + 1));
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int takes = 1;
    if (strcmp(a, "--dihedral") == 0) {
      o->dihedral = 1;
      takes = 0;
    } else if (strcmp(a, "--strict") == 0) {
      o->strict = 1;
      takes = 0;
    } else if (strncmp(a, "--", 2) != 0) {
      o->args[o->nargs++] = argv[i];
      continue;
    }
    if (!takes)
      continue;
    if (!v) {
      fprintf(stderr, "herald-hash: %s needs a value\n", a);
      return -1;
    }
    i++;
    if (strcmp(a, "--dir") == 0)
      o->dir = v;
    else if (strcmp(a, "--bank") == 0)
      o->bank = v;
    else if (strcmp(a, "--type") == 0)
      o->type = v;
    else if (strcmp(a, "--source") == 0)
      o->source = v;
    else if (strcmp(a, "--category") == 0)
      o->category = v;
    else if (strcmp(a, "--profile") == 0) {
      if (hd_pdq_profile_parse(v, &o->profile) != 0) {
        fprintf(stderr, "herald-hash: unknown profile '%s' (full or 512)\n", v);
        return -1;
      }
    } else if (strcmp(a, "--radius") == 0) {
      char *end;
      long r = strtol(v, &end, 10);
      if (*end || r < 0 || r > 256) {
        fprintf(stderr, "herald-hash: radius must be 0..256\n");
        return -1;
      }
      o->radius = (int)r;
    } else {
      fprintf(stderr, "herald-hash: unknown option %s\n", a);
      return -1;
    }
  }
  return 0;
}

static int cmd_hash(opts_t *o) {
  hd_pdq_work_t work;
  int rc = 0, nd = o->dihedral ? HD_PDQ_NUM_DIHEDRAL : 1;
  if (o->nargs == 0)
    return usage();
  hd_pdq_work_init(&work);
  for (int i = 0; i < o->nargs; i++) {
    hd_pdq_hash_t h[HD_PDQ_NUM_DIHEDRAL];
    char hex[HD_PDQ_HEX_LEN + 1];
    int q, err = hd_pdq_hash_path(o->args[i], o->profile, &work, h, nd, &q);
    if (err) {
      fprintf(stderr, "herald-hash: %s: %s\n", o->args[i], hd_strerror(err));
      rc = 2;
      continue;
    }
    for (int d = 0; d < nd; d++) {
      hd_pdq_format(&h[d], hex);
      printf("%s,", hex);
    }
    printf("%d,%s\n", q, o->args[i]);
  }
  hd_pdq_work_dispose(&work);
  return rc;
}

static void progress(size_t done, size_t total, void *arg) {
  fprintf(stderr, "\rimporting %s: %3d%%", (const char *)arg,
          total ? (int)(done * 100 / total) : 100);
  if (done == total)
    fputc('\n', stderr);
}

static int cmd_import(opts_t *o) {
  hd_hashbank_t bank;
  hd_hashbank_report_t rep;
  hd_hashbank_import_opts_t io = {HD_SIGNAL_PDQ, o->strict, NULL, NULL, 20};
  hd_buf_t data;
  if (o->nargs != 4 || !o->dir)
    return usage();
  const char *name = o->args[2], *file = o->args[3];
  if (!hd_hashbank_name_valid(name)) {
    fprintf(stderr, "herald-hash: invalid bank name '%s'\n", name);
    return 2;
  }
  if (o->type && hd_signal_type_parse(o->type, &io.default_type) != 0) {
    fprintf(stderr, "herald-hash: unknown type '%s'\n", o->type);
    return 2;
  }
  if (isatty(2)) {
    io.progress = progress;
    io.progress_arg = (void *)name;
  }
  int err = hd_pdq_read_file(file, (size_t)1 << 34, &data);
  if (err) {
    fprintf(stderr, "herald-hash: %s: %s\n", file, hd_strerror(err));
    return 2;
  }
  mkdir(o->dir, 0755);
  err = hd_hashbank_load(o->dir, name, &bank);
  if (err == HD_ERR_IO) /* new bank */
    hd_hashbank_init(&bank, name, o->source, o->category, (int64_t)time(NULL));
  else if (err) {
    fprintf(stderr, "herald-hash: bank %s: %s\n", name, hd_strerror(err));
    hd_buf_dispose(&data);
    return 2;
  }
  hd_hashbank_report_init(&rep);
  err = hd_hashbank_import(&bank, hd_iov(data.base, data.len), &io, &rep);
  if (rep.errors.len)
    fprintf(stderr, "%.*s", (int)rep.errors.len, rep.errors.base);
  if (!err)
    err = hd_hashbank_save(&bank, o->dir);
  if (err)
    fprintf(stderr, "herald-hash: import failed: %s\n", hd_strerror(err));
  else
    printf("bank %s: %zu lines, %zu added, %zu duplicates, %zu rejected; total pdq %zu, "
           "sha256 %zu, md5 %zu\n",
           name, rep.lines, rep.added, rep.duplicates, rep.rejected, bank.npdq, bank.nsha256,
           bank.nmd5);
  hd_hashbank_report_dispose(&rep);
  hd_hashbank_dispose(&bank);
  hd_buf_dispose(&data);
  return err ? 2 : 0;
}

/* Load every bank in dir (or just `only`) into banks; returns the count or -1. */
static int load_banks(const char *dir, const char *only, hd_hashbank_t **out) {
  hd_hashbank_t *banks = NULL;
  int n = 0;
  DIR *d = opendir(dir);
  struct dirent *e;
  if (!d) {
    fprintf(stderr, "herald-hash: %s: %s\n", dir, strerror(errno));
    return -1;
  }
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len <= 6 || strcmp(e->d_name + len - 6, ".hbank") != 0)
      continue;
    char *name = hd_strndup(e->d_name, len - 6);
    if (!only || strcmp(only, name) == 0) {
      banks = hd_mem_realloc(banks, sizeof(*banks) * (size_t)(n + 1));
      int err = hd_hashbank_load(dir, name, &banks[n]);
      if (err)
        fprintf(stderr, "herald-hash: bank %s: %s (skipped)\n", name, hd_strerror(err));
      else
        n++;
    }
    hd_mem_free(name);
  }
  closedir(d);
  if (only && n == 0) {
    fprintf(stderr, "herald-hash: no bank named %s in %s\n", only, dir);
    hd_mem_free(banks);
    return -1;
  }
  *out = banks;
  return n;
}

static int cmd_list(opts_t *o) {
  hd_hashbank_t *banks;
  if (!o->dir)
    return usage();
  int n = load_banks(o->dir, NULL, &banks);
  if (n < 0)
    return 2;
  printf("name,source,category,added,pdq,sha256,md5\n");
  for (int i = 0; i < n; i++) {
    printf("%s,%s,%s,%lld,%zu,%zu,%zu\n", banks[i].name, banks[i].source, banks[i].category,
           (long long)banks[i].added, banks[i].npdq, banks[i].nsha256, banks[i].nmd5);
    hd_hashbank_dispose(&banks[i]);
  }
  hd_mem_free(banks);
  return 0;
}

static void hex_of(const uint8_t *b, size_t n, char *out) {
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex[b[i] >> 4];
    out[2 * i + 1] = hex[b[i] & 15];
  }
  out[2 * n] = '\0';
}

static int is_hex(const char *s, size_t n) {
  if (strlen(s) != n)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
          (s[i] >= 'A' && s[i] <= 'F')))
      return 0;
  return 1;
}

/* Match one query against every bank; returns matches found or -1 on error. */
static int match_one(opts_t *o, hd_hashbank_t *banks, int nb, const char *q, hd_pdq_work_t *work) {
  hd_pdq_hash_t h[HD_PDQ_NUM_DIHEDRAL];
  uint8_t sha[32], md5[16], raw[32];
  int nh = 0, quality = -1, have_sha = 0, have_md5 = 0, found = 0;
  struct stat st;
  if (stat(q, &st) == 0) {
    hd_buf_t data;
    int err = hd_pdq_read_file(q, HD_PDQ_MAX_FILE_BYTES, &data);
    if (!err) {
      crypto_hash_sha256(sha, (const uint8_t *)data.base, data.len);
      hd_md5(data.base, data.len, md5);
      have_sha = have_md5 = 1;
      nh = o->dihedral ? HD_PDQ_NUM_DIHEDRAL : 1;
      err = hd_pdq_hash_bytes(hd_iov(data.base, data.len), o->profile, work, h, nh, &quality);
      if (err == HD_ERR_UNSUPPORTED || err == HD_ERR_IMAGE_TOO_SMALL)
        nh = 0, err = 0; /* not an image: exact hashes only */
      hd_buf_dispose(&data);
    }
    if (err) {
      fprintf(stderr, "herald-hash: %s: %s\n", q, hd_strerror(err));
      return -1;
    }
  } else if (is_hex(q, 64)) {
    hd_pdq_parse(q, 64, &h[0]);
    nh = 1;
    hd_pdq_to_bytes(&h[0], raw);
    memcpy(sha, raw, 32);
    have_sha = 1;
  } else if (is_hex(q, 32)) {
    for (int i = 0; i < 16; i++)
      md5[i] = (uint8_t)strtoul((char[]){q[2 * i], q[2 * i + 1], 0}, NULL, 16);
    have_md5 = 1;
  } else {
    fprintf(stderr, "herald-hash: %s: neither a file nor a 64/32-digit hex hash\n", q);
    return -1;
  }
  if (quality >= 0 && quality < HD_PDQ_MIN_QUALITY)
    fprintf(stderr, "herald-hash: %s: quality %d < %d, PDQ matches are not reliable\n", q, quality,
            HD_PDQ_MIN_QUALITY);
  for (int b = 0; b < nb; b++) {
    char hex[65];
    hd_pdq_matches_t m;
    hd_pdq_matches_init(&m);
    if (nh && hd_hashbank_match_pdq(&banks[b], h, nh, o->radius, &m) == 0) {
      hd_pdq_matches_sort(&m);
      char qs[16] = ""; /* quality is unknown when the query was a bare hash */
      if (quality >= 0)
        snprintf(qs, sizeof(qs), "%d", quality);
      for (size_t i = 0; i < m.n; i++, found++) {
        hd_pdq_format(&banks[b].pdq[m.v[i].id], hex);
        printf("%s,%s,pdq,%s,%d,%s\n", q, banks[b].name, hex, m.v[i].distance, qs);
      }
    }
    hd_pdq_matches_dispose(&m);
    if (have_sha && hd_hashbank_match_exact(&banks[b], HD_SIGNAL_SHA256, sha)) {
      hex_of(sha, 32, hex);
      printf("%s,%s,sha256,%s,0,\n", q, banks[b].name, hex);
      found++;
    }
    if (have_md5 && hd_hashbank_match_exact(&banks[b], HD_SIGNAL_MD5, md5)) {
      hex_of(md5, 16, hex);
      printf("%s,%s,md5,%s,0,\n", q, banks[b].name, hex);
      found++;
    }
  }
  return found;
}

static int cmd_match(opts_t *o) {
  hd_hashbank_t *banks;
  hd_pdq_work_t work;
  int total = 0, errors = 0;
  if (!o->dir || o->nargs < 2)
    return usage();
  int nb = load_banks(o->dir, o->bank, &banks);
  if (nb < 0)
    return 2;
  hd_pdq_work_init(&work);
  for (int i = 1; i < o->nargs; i++) {
    int r = match_one(o, banks, nb, o->args[i], &work);
    if (r < 0)
      errors++;
    else
      total += r;
  }
  hd_pdq_work_dispose(&work);
  for (int b = 0; b < nb; b++)
    hd_hashbank_dispose(&banks[b]);
  hd_mem_free(banks);
  return errors ? 2 : total ? 0 : 1;
}

int main(int argc, char **argv) {
  opts_t o;
  int rc;
  if (argc < 2 || sodium_init() < 0)
    return usage();
  if (parse_opts(argc - 1, argv + 1, &o) != 0) {
    hd_mem_free(o.args);
    return 2;
  }
  const char *cmd = o.nargs ? o.args[0] : "";
  if (strcmp(cmd, "hash") == 0) {
    o.args++, o.nargs--;
    rc = cmd_hash(&o);
    o.args--;
  } else if (strcmp(cmd, "bank") == 0 && o.nargs >= 2 && strcmp(o.args[1], "import") == 0)
    rc = cmd_import(&o);
  else if (strcmp(cmd, "bank") == 0 && o.nargs >= 2 && strcmp(o.args[1], "list") == 0)
    rc = cmd_list(&o);
  else if (strcmp(cmd, "match") == 0)
    rc = cmd_match(&o);
  else
    rc = usage();
  hd_mem_free(o.args);
  return rc;
}
