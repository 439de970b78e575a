/*
 * hashbank.c — bank model, dedup sets, list import and matching.
 *
 * Dedup uses one open-addressing set per signal type. The set stores 1-based positions into
 * the bank's entry array (not copies), keyed by the entry's first 8 bytes mixed:
 *
 *   slots[cap] : 0 = empty, i = entry i-1    load factor <= 1/2, linear probing
 *
 * Import is a line scanner (no copies of the input): for each line, strip CR and comments,
 * cut fields at ',', tab or space, pick the hash column (from the header if there is one),
 * validate the hex length for the row's signal type, add or count a duplicate.
 *
 * Invariants:
 *  1. (hashbank.h 1) every entry is in its set; every set slot names a distinct entry.
 *  2. (hashbank.h 2) b->index, when not NULL, holds exactly pdq[0 .. npdq) in order.
 */
#include "safety/hashbank.h"

#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct st_hd_hashset_t {
  uint32_t *slots;
  size_t cap, n, keylen;
};

static uint64_t key_hash(const uint8_t *k) {
  uint64_t v;
  memcpy(&v, k, 8);
  v ^= v >> 33;
  v *= 0xff51afd7ed558ccdULL;
  v ^= v >> 33;
  return v;
}

static hd_hashset_t *set_create(size_t keylen) {
  hd_hashset_t *s = hd_mem_calloc(sizeof(*s));
  s->keylen = keylen;
  return s;
}

static void set_destroy(hd_hashset_t *s) {
  if (s) {
    hd_mem_free(s->slots);
    hd_mem_free(s);
  }
}

/* Position of key in base[] or -1. */
static long set_find(const hd_hashset_t *s, const uint8_t *base, const uint8_t *key) {
  if (!s->cap)
    return -1;
  for (size_t i = key_hash(key) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
    uint32_t v = s->slots[i];
    if (!v)
      return -1;
    if (memcmp(base + (size_t)(v - 1) * s->keylen, key, s->keylen) == 0)
      return (long)(v - 1);
  }
}

static void set_put(hd_hashset_t *s, const uint8_t *base, uint32_t pos);

static void set_grow(hd_hashset_t *s, const uint8_t *base) {
  size_t old = s->cap;
  uint32_t *slots = s->slots;
  s->cap = old ? old * 2 : 1024;
  s->slots = hd_mem_calloc(s->cap * sizeof(uint32_t));
  s->n = 0;
  for (size_t i = 0; i < old; i++)
    if (slots[i])
      set_put(s, base, slots[i] - 1);
  hd_mem_free(slots);
}

static void set_put(hd_hashset_t *s, const uint8_t *base, uint32_t pos) {
  if (2 * (s->n + 1) > s->cap)
    set_grow(s, base);
  const uint8_t *key = base + (size_t)pos * s->keylen;
  size_t i = key_hash(key) & (s->cap - 1);
  while (s->slots[i])
    i = (i + 1) & (s->cap - 1);
  s->slots[i] = pos + 1;
  s->n++;
}

void hd_pdq_to_bytes(const hd_pdq_hash_t *h, uint8_t out[32]) {
  for (int i = 0; i < 32; i++)
    out[i] = (uint8_t)(h->w[3 - i / 8] >> (56 - 8 * (i % 8)));
}

void hd_pdq_from_bytes(const uint8_t in[32], hd_pdq_hash_t *h) {
  memset(h, 0, sizeof(*h));
  for (int i = 0; i < 32; i++)
    h->w[3 - i / 8] |= (uint64_t)in[i] << (56 - 8 * (i % 8));
}

void hd_hashbank_init(hd_hashbank_t *b, const char *name, const char *source, const char *category,
                      int64_t added) {
  memset(b, 0, sizeof(*b));
  b->name = hd_strdup(name);
  b->source = hd_strdup(source ? source : "");
  b->category = hd_strdup(category ? category : "");
  b->added = added;
  b->set_pdq = set_create(sizeof(hd_pdq_hash_t));
  b->set_sha256 = set_create(32);
  b->set_md5 = set_create(16);
}

void hd_hashbank_dispose(hd_hashbank_t *b) {
  hd_mem_free(b->name);
  hd_mem_free(b->source);
  hd_mem_free(b->category);
  hd_mem_free(b->pdq);
  hd_mem_free(b->sha256);
  hd_mem_free(b->md5);
  hd_pdq_index_destroy(b->index);
  set_destroy(b->set_pdq);
  set_destroy(b->set_sha256);
  set_destroy(b->set_md5);
  memset(b, 0, sizeof(*b));
}

int hd_hashbank_name_valid(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > HD_HASHBANK_NAME_MAX || name[0] == '.')
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-' || c == '.'))
      return 0;
  }
  return 1;
}

static const char *const type_names[] = {"pdq", "sha256", "md5"};

int hd_signal_type_parse(const char *s, hd_signal_type_t *out) {
  for (size_t i = 0; i < HD_ARRAY_SIZE(type_names); i++)
    if (strcmp(s, type_names[i]) == 0) {
      *out = (hd_signal_type_t)i;
      return 0;
    }
  return HD_ERR_BAD_REQUEST;
}

const char *hd_signal_type_name(hd_signal_type_t t) {
  return (unsigned)t < HD_ARRAY_SIZE(type_names) ? type_names[t] : "?";
}

/* Grow an entry array of elem-byte entries to hold n + 1. */
static void *grow(void *p, size_t *cap, size_t n, size_t elem) {
  if (n < *cap)
    return p;
  *cap = *cap ? *cap * 2 : 256;
  return hd_mem_realloc(p, *cap * elem);
}

int hd_hashbank_add_pdq(hd_hashbank_t *b, const hd_pdq_hash_t *h) {
  if (set_find(b->set_pdq, (const uint8_t *)b->pdq, (const uint8_t *)h) >= 0)
    return 0;
  b->pdq = grow(b->pdq, &b->cap_pdq, b->npdq, sizeof(*b->pdq));
  b->pdq[b->npdq] = *h;
  set_put(b->set_pdq, (const uint8_t *)b->pdq, (uint32_t)b->npdq);
  b->npdq++;
  if (b->index && hd_pdq_index_add(b->index, h, 1, NULL) != 0) {
    hd_pdq_index_destroy(b->index); /* rebuilt from pdq[] on the next match */
    b->index = NULL;
  }
  return 1;
}

int hd_hashbank_add(hd_hashbank_t *b, hd_signal_type_t t, const uint8_t *bytes) {
  if (t == HD_SIGNAL_PDQ) {
    hd_pdq_hash_t h;
    hd_pdq_from_bytes(bytes, &h);
    return hd_hashbank_add_pdq(b, &h);
  }
  int sha = t == HD_SIGNAL_SHA256;
  hd_hashset_t *set = sha ? b->set_sha256 : b->set_md5;
  uint8_t *base = sha ? (uint8_t *)b->sha256 : (uint8_t *)b->md5;
  size_t *n = sha ? &b->nsha256 : &b->nmd5;
  if (set_find(set, base, bytes) >= 0)
    return 0;
  base = grow(base, sha ? &b->cap_sha256 : &b->cap_md5, *n, set->keylen);
  memcpy(base + *n * set->keylen, bytes, set->keylen);
  if (sha)
    b->sha256 = (uint8_t(*)[32])base;
  else
    b->md5 = (uint8_t(*)[16])base;
  set_put(set, base, (uint32_t)*n);
  (*n)++;
  return 1;
}

int hd_hashbank_match_exact(const hd_hashbank_t *b, hd_signal_type_t t, const uint8_t *bytes) {
  if (t == HD_SIGNAL_SHA256)
    return set_find(b->set_sha256, (const uint8_t *)b->sha256, bytes) >= 0;
  if (t == HD_SIGNAL_MD5)
    return set_find(b->set_md5, (const uint8_t *)b->md5, bytes) >= 0;
  return 0;
}

int hd_hashbank_index(hd_hashbank_t *b) {
  if (b->index)
    return 0;
  hd_pdq_index_t *idx = hd_pdq_index_create();
  int err = b->npdq ? hd_pdq_index_add(idx, b->pdq, b->npdq, NULL) : 0;
  if (!err)
    err = hd_pdq_index_build(idx);
  if (err) {
    hd_pdq_index_destroy(idx);
    return err;
  }
  b->index = idx;
  return 0;
}

int hd_hashbank_match_pdq(hd_hashbank_t *b, const hd_pdq_hash_t *q, int nq, int radius,
                          hd_pdq_matches_t *out) {
  int err = hd_hashbank_index(b);
  if (err)
    return err;
  size_t start = out->n;
  for (int i = 0; i < nq; i++)
    hd_pdq_index_query(b->index, &q[i], radius, out);
  if (nq > 1) { /* one result per entry: keep the smallest distance over the variants */
    hd_pdq_matches_t tmp = {out->v + start, out->n - start, 0};
    hd_pdq_matches_sort(&tmp);
    size_t w = start;
    for (size_t r = start; r < out->n; r++) {
      int seen = 0;
      for (size_t k = start; k < w && !seen; k++)
        seen = out->v[k].id == out->v[r].id;
      if (!seen)
        out->v[w++] = out->v[r];
    }
    out->n = w;
  }
  return 0;
}

/* ---- import ---- */

void hd_hashbank_report_init(hd_hashbank_report_t *r) {
  memset(r, 0, sizeof(*r));
  hd_buf_init(&r->errors, 1 << 20);
}

void hd_hashbank_report_dispose(hd_hashbank_report_t *r) { hd_buf_dispose(&r->errors); }

#define MAX_FIELDS 32

typedef struct {
  const char *p[MAX_FIELDS];
  size_t len[MAX_FIELDS];
  int n;
} fields_t;

static void split_fields(const char *s, size_t n, fields_t *f) {
  size_t i = 0;
  f->n = 0;
  while (i < n && f->n < MAX_FIELDS) {
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
      i++;
    size_t st = i;
    while (i < n && s[i] != ',' && s[i] != '\t' && s[i] != ' ')
      i++;
    size_t en = i;
    while (en > st && (s[en - 1] == '"'))
      en--;
    if (st < en && s[st] == '"')
      st++;
    f->p[f->n] = s + st;
    f->len[f->n++] = en - st;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
      i++;
    if (i < n && s[i] == ',')
      i++;
  }
}

static int hex_decode(const char *s, size_t n, uint8_t *out) {
  for (size_t i = 0; i < n; i += 2) {
    int v = 0;
    for (size_t k = i; k < i + 2; k++) {
      char c = s[k];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
    out[i / 2] = (uint8_t)v;
  }
  return 0;
}

static int field_is(const fields_t *f, int i, const char *name) {
  return strlen(name) == f->len[i] && strncasecmp(f->p[i], name, f->len[i]) == 0;
}

typedef struct {
  int value_col, type_col;
  hd_signal_type_t col_type;
} layout_t;

/* If the line is a header, fill the layout and return 1. */
static int parse_header(const fields_t *f, hd_signal_type_t def, layout_t *lay) {
  static const char *const value_names[] = {"pdq",   "pdq_hash", "hash", "signal_value",
                                            "value", "sha256",   "md5"};
  /* a header is a first line with no hash-shaped field and some non-hex word */
  int has_hash = 0, has_word = 0;
  lay->value_col = 0;
  lay->type_col = -1;
  lay->col_type = def;
  for (int i = 0; i < f->n; i++) {
    uint8_t tmp[64];
    if ((f->len[i] == 32 || f->len[i] == 64) && hex_decode(f->p[i], f->len[i], tmp) == 0)
      has_hash = 1;
    else if (f->len[i] % 2 || f->len[i] > 2 * sizeof(tmp) || hex_decode(f->p[i], f->len[i], tmp))
      has_word = 1;
  }
  int is_header = !has_hash && has_word;
  if (!is_header || f->n == 0)
    return 0;
  for (int i = 0; i < f->n; i++) {
    if (field_is(f, i, "signal_type") || field_is(f, i, "type"))
      lay->type_col = i;
    for (size_t k = 0; k < HD_ARRAY_SIZE(value_names); k++)
      if (field_is(f, i, value_names[k])) {
        lay->value_col = i;
        if (k == 5)
          lay->col_type = HD_SIGNAL_SHA256;
        else if (k == 6)
          lay->col_type = HD_SIGNAL_MD5;
        else if (k < 2)
          lay->col_type = HD_SIGNAL_PDQ;
      }
  }
  return 1;
}

static void reject(hd_hashbank_report_t *r, size_t max, size_t line, const char *why) {
  if (r->rejected++ < max)
    hd_buf_appendf(&r->errors, "line %zu: %s\n", line, why);
}

/* Parse one data line into type + bytes; returns NULL on success or the reason. */
static const char *parse_row(const fields_t *f, const layout_t *lay, hd_signal_type_t *t,
                             uint8_t bytes[32]) {
  *t = lay->col_type;
  if (lay->type_col >= 0) {
    char name[16];
    if (lay->type_col >= f->n || f->len[lay->type_col] >= sizeof(name))
      return "missing or unknown signal type";
    memcpy(name, f->p[lay->type_col], f->len[lay->type_col]);
    name[f->len[lay->type_col]] = '\0';
    for (char *c = name; *c; c++)
      if (*c >= 'A' && *c <= 'Z')
        *c = (char)(*c - 'A' + 'a');
    if (strcmp(name, "photo_pdq") == 0 || strcmp(name, "pdq_photo") == 0)
      *t = HD_SIGNAL_PDQ;
    else if (hd_signal_type_parse(name, t) != 0)
      return "unknown signal type";
  }
  if (lay->value_col >= f->n)
    return "missing hash column";
  size_t want = *t == HD_SIGNAL_MD5 ? 32 : 64, n = f->len[lay->value_col];
  if (n != want)
    return *t == HD_SIGNAL_MD5   ? "expected 32 hex digits (md5)"
           : *t == HD_SIGNAL_PDQ ? "expected 64 hex digits (pdq)"
                                 : "expected 64 hex digits (sha256)";
  if (hex_decode(f->p[lay->value_col], n, bytes))
    return "not a hex string";
  return NULL;
}

int hd_hashbank_import(hd_hashbank_t *b, hd_iovec_t data, const hd_hashbank_import_opts_t *opts,
                       hd_hashbank_report_t *r) {
  size_t max = opts->max_errors ? opts->max_errors : 20;
  layout_t lay = {0, -1, opts->default_type};
  int first = 1;
  /* strict: validate everything before touching the bank */
  for (int pass = opts->strict ? 0 : 1; pass < 2; pass++) {
    size_t pos = 0, line = 0, next_progress = 0;
    first = 1;
    while (pos < data.len) {
      const char *s = data.base + pos;
      const char *nl = memchr(s, '\n', data.len - pos);
      size_t n = nl ? (size_t)(nl - s) : data.len - pos;
      pos += n + (nl ? 1 : 0);
      line++;
      if (pass == 1 && opts->progress && pos >= next_progress) {
        opts->progress(pos, data.len, opts->progress_arg);
        next_progress = pos + (1 << 20);
      }
      while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
      size_t lead = 0;
      while (lead < n && (s[lead] == ' ' || s[lead] == '\t'))
        lead++;
      if (lead == n || s[lead] == '#')
        continue;
      fields_t f;
      split_fields(s, n, &f);
      if (first) {
        first = 0;
        if (parse_header(&f, opts->default_type, &lay))
          continue;
      }
      hd_signal_type_t t;
      uint8_t bytes[32];
      const char *why = parse_row(&f, &lay, &t, bytes);
      if (pass == 0) {
        if (why)
          reject(r, max, line, why);
        continue;
      }
      r->lines++;
      if (why)
        reject(r, max, line, why);
      else if (hd_hashbank_add(b, t, bytes))
        r->added++;
      else
        r->duplicates++;
    }
    if (pass == 0 && r->rejected)
      return HD_ERR_BAD_REQUEST;
  }
  if (opts->progress)
    opts->progress(data.len, data.len, opts->progress_arg);
  return 0;
}
