/*
 * media.c — probing, classification, content-addressed files, media rows, download
 * authorization and the safety hook (media.h has the design and invariants).
 *
 * Probing reads only headers, with pread, so a 50 MB upload costs a few small reads:
 *
 *   PNG   89 50 4E 47 0D 0A 1A 0A | len(4) "IHDR" | width(4 BE) height(4 BE)
 *   JPEG  FF D8 | segments FF xx len(2 BE) … until SOFn (C0–CF but C4, C8, CC):
 *         FF Cn len(2) precision(1) height(2 BE) width(2 BE)
 *         standalone markers (01, D0–D7) carry no length; fill bytes FF are skipped.
 */
#include "chat/media.h"

#include "chat/internal.h"
#include "common/error.h"
#include "common/time.h"
#include "common/utf8.h"
#include "store/ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define HD_JPEG_MAX_SEGMENTS 4096 /* give up scanning a JPEG after this many segments */

static ssize_t read_at(int fd, uint8_t *buf, size_t n, uint64_t off) {
  ssize_t r;
  do
    r = pread(fd, buf, n, (off_t)off);
  while (r < 0 && errno == EINTR);
  return r;
}

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void probe_png(const uint8_t *h, ssize_t n, hd_media_probe_t *out) {
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  if (n < 24 || memcmp(h, sig, 8) != 0 || memcmp(h + 12, "IHDR", 4) != 0)
    return;
  uint32_t w = be32(h + 16), ht = be32(h + 20);
  if (w == 0 || ht == 0 || w > INT32_MAX || ht > INT32_MAX)
    return;
  out->format = HD_MEDIA_FMT_PNG;
  out->width = w;
  out->height = ht;
}

static int probe_jpeg(int fd, uint64_t size, hd_media_probe_t *out) {
  uint64_t pos = 2;
  uint8_t b[9];
  for (int i = 0; i < HD_JPEG_MAX_SEGMENTS && pos + 4 <= size; i++) {
    ssize_t n = read_at(fd, b, sizeof(b), pos);
    if (n < 0)
      return HD_ERR_IO;
    if (n < 4 || b[0] != 0xff)
      return 0;
    uint8_t mk = b[1];
    if (mk == 0xff) { /* fill byte */
      pos++;
      continue;
    }
    if (mk == 0x01 || (mk >= 0xd0 && mk <= 0xd7)) { /* no length */
      pos += 2;
      continue;
    }
    if (mk == 0xd8 || mk == 0xd9 || mk == 0xda)
      return 0; /* SOI again, EOI or scan data before any frame header */
    uint32_t len = be16(b + 2);
    if (len < 2)
      return 0;
    if (mk >= 0xc0 && mk <= 0xcf && mk != 0xc4 && mk != 0xc8 && mk != 0xcc) {
      if (n < 9 || len < 7)
        return 0;
      uint32_t h = be16(b + 5), w = be16(b + 7);
      if (w && h) {
        out->format = HD_MEDIA_FMT_JPEG;
        out->width = w;
        out->height = h;
      }
      return 0;
    }
    pos += 2 + (uint64_t)len;
  }
  return 0;
}

int hd_media_probe(int fd, uint64_t size, hd_media_probe_t *out) {
  memset(out, 0, sizeof(*out));
  uint8_t h[24];
  ssize_t n = read_at(fd, h, sizeof(h), 0);
  if (n < 0)
    return HD_ERR_IO;
  if (n >= 8 && h[0] == 0x89) {
    probe_png(h, n, out);
    return 0;
  }
  if (n >= 3 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff)
    return probe_jpeg(fd, size, out);
  return 0;
}

/* Compare the declared type's "type/subtype" (before any ';') with s, ignoring case. */
static int mime_is(const char *declared, const char *s) {
  size_t n = strcspn(declared, "; \t");
  return n == strlen(s) && strncasecmp(declared, s, n) == 0;
}

int hd_media_classify(const char *declared, const hd_media_probe_t *probe, hd_media_kind_t *kind) {
  hd_media_format_t want = HD_MEDIA_FMT_OTHER;
  if (mime_is(declared, "image/jpeg") || mime_is(declared, "image/jpg") ||
      mime_is(declared, "image/pjpeg"))
    want = HD_MEDIA_FMT_JPEG;
  else if (mime_is(declared, "image/png"))
    want = HD_MEDIA_FMT_PNG;
  if (want == HD_MEDIA_FMT_OTHER) {
    *kind = HD_MEDIA_DOCUMENT;
    return 0;
  }
  if (probe->format != want)
    return HD_ERR_MEDIA_TYPE_MISMATCH;
  *kind = HD_MEDIA_PHOTO;
  return 0;
}

int hd_media_mime_check(hd_iovec_t mime) {
  if (mime.len < 3 || mime.len > HD_MEDIA_MIME_MAX)
    return HD_ERR_BAD_FIELD;
  size_t slash = 0;
  for (size_t i = 0; i < mime.len; i++) {
    unsigned char c = (unsigned char)mime.base[i];
    if (c < 0x20 || c > 0x7e)
      return HD_ERR_BAD_FIELD;
    if (c == '/' && !slash)
      slash = i;
  }
  return slash > 0 && slash + 1 < mime.len ? 0 : HD_ERR_BAD_FIELD;
}

int hd_media_name_check(hd_iovec_t name) {
  if (name.len == 0 || name.len > HD_MEDIA_NAME_MAX || !hd_utf8_valid(name.base, name.len))
    return HD_ERR_BAD_FIELD;
  if (hd_iov_eq(name, ".") || hd_iov_eq(name, ".."))
    return HD_ERR_BAD_FIELD;
  for (size_t i = 0; i < name.len; i++) {
    unsigned char c = (unsigned char)name.base[i];
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
      return HD_ERR_BAD_FIELD;
  }
  return 0;
}

int hd_media_caption_check(hd_iovec_t text) {
  if (text.len == 0)
    return 0;
  if (!hd_utf8_valid(text.base, text.len))
    return HD_ERR_BAD_UTF8;
  return hd_utf8_count(text.base, text.len) > HD_CAPTION_MAX ? HD_ERR_CAPTION_TOO_LONG : 0;
}

int hd_media_path(const char *data_dir, const char *sha256, char *out, size_t cap) {
  int n;
  if (sha256)
    n = snprintf(out, cap, "%s/media/%.2s/%.2s/%s", data_dir, sha256, sha256 + 2, sha256);
  else
    n = snprintf(out, cap, "%s/media/tmp", data_dir);
  return n < 0 || (size_t)n >= cap ? HD_ERR_TOO_LARGE : 0;
}

static int mkdir_one(const char *dir) {
  return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : HD_ERR_IO;
}

/* fsync a directory so a rename or a new entry in it is durable. */
static int fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return HD_ERR_IO;
  int r = fsync(fd);
  close(fd);
  return r == 0 ? 0 : HD_ERR_IO;
}

int hd_media_prepare_dirs(const char *data_dir) {
  char p[4096];
  int n = snprintf(p, sizeof(p), "%s/media", data_dir);
  if (n < 0 || (size_t)n >= sizeof(p))
    return HD_ERR_TOO_LARGE;
  if (mkdir_one(data_dir) != 0 || mkdir_one(p) != 0)
    return HD_ERR_IO;
  if (hd_media_path(data_dir, NULL, p, sizeof(p)) != 0)
    return HD_ERR_TOO_LARGE;
  return mkdir_one(p);
}

int hd_media_store_file(const char *data_dir, const char *tmp_path, const char *sha256) {
  char dst[4096], d1[4096], d2[4096], top[4096];
  if (strlen(sha256) != 64 || hd_media_path(data_dir, sha256, dst, sizeof(dst)) != 0)
    return HD_ERR_INTERNAL;
  /* dst = top/ab/cd/<sha256>: each directory is a prefix of dst */
  memcpy(d2, dst, sizeof(dst));
  *strrchr(d2, '/') = '\0';
  memcpy(d1, d2, sizeof(d2));
  *strrchr(d1, '/') = '\0';
  memcpy(top, d1, sizeof(d1));
  *strrchr(top, '/') = '\0';
  int made1 = access(d1, F_OK) != 0, made2 = access(d2, F_OK) != 0;
  if (mkdir_one(d1) != 0 || mkdir_one(d2) != 0)
    return HD_ERR_IO;
  if (access(dst, F_OK) == 0) { /* the same bytes are stored already: keep one copy */
    unlink(tmp_path);
    return 0;
  }
  if (rename(tmp_path, dst) != 0)
    return HD_ERR_IO;
  /* invariant 1: the new entry and any new directories are durable before a row names it */
  if (fsync_dir(d2) != 0 || (made2 && fsync_dir(d1) != 0) || (made1 && fsync_dir(top) != 0))
    return HD_ERR_IO;
  return 0;
}

int hd_media_create(hd_store_t *tx, hd_media_create_op_t *op) {
  op->media.created_at = hd_time_now();
  return tx->ops->media_insert(tx, &op->media);
}

int hd_media_get_for(hd_store_t *rd, int64_t user_id, int64_t media_id, hd_mem_pool_t *pool,
                     hd_media_t *out) {
  if (media_id <= 0)
    return HD_ERR_MEDIA_NOT_FOUND;
  int ret = rd->ops->media_get(rd, media_id, pool, out);
  if (ret != 0 || out->owner_id == user_id)
    return ret;
  int allowed = 0;
  if ((ret = rd->ops->media_access(rd, media_id, user_id, &allowed)) != 0)
    return ret;
  if (!allowed && user_id > 0 && (ret = rd->ops->media_is_profile_photo(rd, media_id, &allowed)))
    return ret; /* a profile photo: anyone logged in sees the user, so the photo too */
  return allowed ? 0 : HD_ERR_MEDIA_NOT_FOUND;
}

/* ---- the safety hook ------------------------------------------------------------------- */

static _Atomic(hd_media_hook_t) hook_fn;
static void *_Atomic hook_data;

void hd_media_set_hook(hd_media_hook_t fn, void *data) {
  atomic_store(&hook_data, data);
  atomic_store(&hook_fn, fn);
}

int hd__media_attach(hd_store_t *tx, int64_t user_id, int64_t media_id, hd_mem_pool_t *pool,
                     hd_media_t *out) {
  if (media_id <= 0)
    return HD_ERR_MEDIA_NOT_FOUND;
  int ret = tx->ops->media_get(tx, media_id, pool, out);
  if (ret == 0 && out->owner_id != user_id)
    ret = HD_ERR_MEDIA_NOT_FOUND; /* only the uploader attaches a fresh upload */
  return ret;
}

int hd__media_screen(hd_store_t *tx, const hd_chat_t *chat, const hd_message_t *m,
                     const hd_media_t *media, hd_mem_pool_t *pool, int *quarantined) {
  *quarantined = 0;
  if (chat->type == HD_CHAT_PRIVATE || chat->username == NULL || chat->username[0] == '\0')
    return 0; /* private conversations are not scanned (DESIGN.md) */
  hd_media_hook_t fn = atomic_load(&hook_fn);
  if (fn == NULL)
    return 0;
  hd_media_t row = *media;
  int ret;
  if (row.sha256 == NULL && (ret = tx->ops->media_get(tx, media->id, pool, &row)) != 0)
    return ret; /* a forwarded copy: the hook sees the full row */
  hd_media_hook_event_t ev = {.tx = tx,
                              .pool = pool,
                              .media = &row,
                              .chat_id = chat->id,
                              .message_id = m->id,
                              .chat_type = chat->type,
                              .chat_username = chat->username,
                              .user_id = m->sender_id};
  hd_media_verdict_t v = HD_MEDIA_ALLOW;
  if ((ret = fn(&ev, atomic_load(&hook_data), &v)) != 0)
    return ret;
  *quarantined = v == HD_MEDIA_QUARANTINE;
  return 0;
}

int hd__media_screen_photo(hd_store_t *tx, int64_t user_id, const hd_media_t *media,
                           hd_mem_pool_t *pool, int *quarantined) {
  *quarantined = 0;
  hd_media_hook_t fn = atomic_load(&hook_fn);
  if (fn == NULL)
    return 0;
  hd_media_hook_event_t ev = {
      .tx = tx, .pool = pool, .media = media, .user_id = user_id, .chat_username = ""};
  hd_media_verdict_t v = HD_MEDIA_ALLOW;
  int ret = fn(&ev, atomic_load(&hook_data), &v);
  if (ret != 0)
    return ret;
  *quarantined = v == HD_MEDIA_QUARANTINE;
  return 0;
}
