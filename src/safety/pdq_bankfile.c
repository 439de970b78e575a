/*
 * pdq_bankfile.c — the serialised form of a hash bank, and its file storage.
 *
 * Blob format, version 1 (integers little-endian):
 *
 *   "HDHBANK\x01"                          8  magic + version
 *   u32 len, name bytes                       (same for source, then category)
 *   i64 added                                 unix seconds
 *   u64 npdq,    npdq    × 32 bytes           PDQ in hex order (byte 0 = first 2 digits)
 *   u64 nsha256, nsha256 × 32 bytes
 *   u64 nmd5,    nmd5    × 16 bytes
 *   32 bytes BLAKE2b-256 (libsodium generichash, no key) of everything above
 *
 * Entries are stored in bank order, so PDQ ids survive a save/load round trip. The store
 * layer can keep this blob as one row, or the arrays as rows; nothing here assumes files
 * except hd_hashbank_save()/load().
 *
 * Invariants:
 *  1. decode checks the digest first, then every length against the remaining bytes, and
 *     re-adds entries through hd_hashbank_add(), so a decoded bank satisfies hashbank.h 1.
 */
#include "safety/hashbank.h"

#include "common/error.h"
#include "safety/pdq_photo.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAGIC     "HDHBANK\x01"
#define DIGEST    32
#define MAX_FIELD 4096

static int put_u64(hd_buf_t *o, uint64_t v, int n) {
  uint8_t b[8];
  for (int i = 0; i < n; i++)
    b[i] = (uint8_t)(v >> (8 * i));
  return hd_buf_append(o, b, (size_t)n);
}

static int put_str(hd_buf_t *o, const char *s) {
  size_t n = strlen(s);
  int err = put_u64(o, n, 4);
  return err ? err : hd_buf_append(o, s, n);
}

int hd_hashbank_encode(const hd_hashbank_t *b, hd_buf_t *out) {
  size_t start = out->len;
  int err = hd_buf_append(out, MAGIC, 8);
  if (!err)
    err = put_str(out, b->name);
  if (!err)
    err = put_str(out, b->source);
  if (!err)
    err = put_str(out, b->category);
  if (!err)
    err = put_u64(out, (uint64_t)b->added, 8);
  if (!err)
    err = put_u64(out, b->npdq, 8);
  for (size_t i = 0; i < b->npdq && !err; i++) {
    uint8_t bytes[32];
    hd_pdq_to_bytes(&b->pdq[i], bytes);
    err = hd_buf_append(out, bytes, 32);
  }
  if (!err)
    err = put_u64(out, b->nsha256, 8);
  if (!err && b->nsha256)
    err = hd_buf_append(out, b->sha256, b->nsha256 * 32);
  if (!err)
    err = put_u64(out, b->nmd5, 8);
  if (!err && b->nmd5)
    err = hd_buf_append(out, b->md5, b->nmd5 * 16);
  if (!err)
    err = hd_buf_try_reserve(out, DIGEST);
  if (err) {
    out->len = start;
    return err;
  }
  crypto_generichash((uint8_t *)out->base + out->len, DIGEST, (const uint8_t *)out->base + start,
                     out->len - start, NULL, 0);
  out->len += DIGEST;
  return 0;
}

typedef struct {
  const uint8_t *p;
  size_t n;
} reader_t;

static int get_u64(reader_t *r, int n, uint64_t *v) {
  if (r->n < (size_t)n)
    return HD_ERR_DECODE;
  *v = 0;
  for (int i = 0; i < n; i++)
    *v |= (uint64_t)r->p[i] << (8 * i);
  r->p += n;
  r->n -= (size_t)n;
  return 0;
}

static int get_str(reader_t *r, char **out) {
  uint64_t n;
  if (get_u64(r, 4, &n) || n > MAX_FIELD || n > r->n || memchr(r->p, 0, n))
    return HD_ERR_DECODE;
  *out = hd_strndup((const char *)r->p, n);
  r->p += n;
  r->n -= n;
  return 0;
}

/* Read a count of entries of size elem and return a pointer to them. */
static const uint8_t *get_array(reader_t *r, size_t elem, uint64_t *count) {
  if (get_u64(r, 8, count) || *count > r->n / elem)
    return NULL;
  const uint8_t *p = r->p;
  r->p += *count * elem;
  r->n -= *count * elem;
  return p;
}

int hd_hashbank_decode(hd_iovec_t blob, hd_hashbank_t *b) {
  uint8_t digest[DIGEST];
  char *name = NULL, *source = NULL, *category = NULL;
  uint64_t added, npdq, nsha, nmd5;
  const uint8_t *pdq, *sha, *md5;
  if (blob.len < 8 + DIGEST || memcmp(blob.base, MAGIC, 8) != 0)
    return HD_ERR_DECODE;
  reader_t r = {(const uint8_t *)blob.base + 8, blob.len - 8 - DIGEST};
  crypto_generichash(digest, DIGEST, (const uint8_t *)blob.base, blob.len - DIGEST, NULL, 0);
  if (sodium_memcmp(digest, blob.base + blob.len - DIGEST, DIGEST) != 0)
    return HD_ERR_DECODE;
  int err = HD_ERR_DECODE;
  if (get_str(&r, &name) || get_str(&r, &source) || get_str(&r, &category))
    goto fail_fields;
  if (!hd_hashbank_name_valid(name) || get_u64(&r, 8, &added))
    goto fail_fields;
  if (!(pdq = get_array(&r, 32, &npdq)) || !(sha = get_array(&r, 32, &nsha)) ||
      !(md5 = get_array(&r, 16, &nmd5)) || r.n != 0)
    goto fail_fields;
  hd_hashbank_init(b, name, source, category, (int64_t)added);
  for (uint64_t i = 0; i < npdq; i++)
    hd_hashbank_add(b, HD_SIGNAL_PDQ, pdq + 32 * i);
  for (uint64_t i = 0; i < nsha; i++)
    hd_hashbank_add(b, HD_SIGNAL_SHA256, sha + 32 * i);
  for (uint64_t i = 0; i < nmd5; i++)
    hd_hashbank_add(b, HD_SIGNAL_MD5, md5 + 16 * i);
  err = 0;
fail_fields:
  hd_mem_free(name);
  hd_mem_free(source);
  hd_mem_free(category);
  return err;
}

static int bank_path(char *out, size_t cap, const char *dir, const char *name, const char *ext) {
  if (!hd_hashbank_name_valid(name))
    return HD_ERR_BAD_REQUEST;
  int n = snprintf(out, cap, "%s/%s.hbank%s", dir, name, ext);
  return n < 0 || (size_t)n >= cap ? HD_ERR_TOO_LARGE : 0;
}

int hd_hashbank_save(const hd_hashbank_t *b, const char *dir) {
  char path[4096], tmp[4096];
  hd_buf_t buf;
  int err = bank_path(path, sizeof(path), dir, b->name, "");
  if (!err)
    err = bank_path(tmp, sizeof(tmp), dir, b->name, ".tmp");
  if (err)
    return err;
  hd_buf_init(&buf, 0);
  if ((err = hd_hashbank_encode(b, &buf)) != 0)
    goto fail_buf;
  FILE *f = fopen(tmp, "wb");
  err = HD_ERR_IO;
  if (!f)
    goto fail_buf;
  int ok = fwrite(buf.base, 1, buf.len, f) == buf.len && fflush(f) == 0 && fsync(fileno(f)) == 0;
  if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
    unlink(tmp);
    goto fail_buf;
  }
  err = 0;
fail_buf:
  hd_buf_dispose(&buf);
  return err;
}

int hd_hashbank_load(const char *dir, const char *name, hd_hashbank_t *b) {
  char path[4096];
  hd_buf_t buf;
  int err = bank_path(path, sizeof(path), dir, name, "");
  if (err)
    return err;
  if ((err = hd_pdq_read_file(path, (size_t)1 << 36, &buf)) != 0)
    return err;
  err = hd_hashbank_decode(hd_iov(buf.base, buf.len), b);
  hd_buf_dispose(&buf);
  return err;
}
