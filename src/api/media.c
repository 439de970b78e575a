/*
 * media.c — streamed uploads into content-addressed storage and ranged downloads
 * (api/media.h; the storage rules are in chat/media.h).
 *
 * An upload is a heap object (it may outlive the request when the client vanishes while a
 * write is in flight):
 *
 *   OPEN ─on_data─► pending ─kick─► WRITING (worker: pwrite) ─after─► kick again, or
 *     │               (net reads paused while a write is in flight)   hd_http_sink_resume
 *     ├─on_end─► ENDED ─last write done─► finalize ─worker: fsync, probe, classify, rename─►
 *     │                                   hd_api_write(media row) ─► 201 ─► destroyed
 *     └─on_abort─► ABORTED ─no work in flight─► destroyed (tmp unlinked)
 *
 * Memory: at most one read of the socket (64 KiB) sits in `pending` while one write of the
 * same size is in flight, whatever the upload's size (the net layer stops reading while the
 * sink is busy).
 *
 * Invariants:
 *  1. The worker thread touches only `writing`, fd, woff and werr, and only while inflight;
 *     the loop touches them only when it is not.
 *  2. The call is answered exactly once, from finalize or its continuations, and never after
 *     on_abort (u->call is NULL then).
 *  3. The tmp file is unlinked unless it was renamed into its content address.
 */
#include "api/media.h"

#include "api/encode.h"
#include "api/handler.h"
#include "api/multipart.h"
#include "chat/media.h"
#include "common/error.h"
#include "common/log.h"
#include "safety/staff.h"
#include "store/ops.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HD_UPLOAD_PENDING_MAX (4 * 1024 * 1024) /* ceiling of the not-yet-written buffer */
#define HD_UPLOAD_FIELDS_MAX  (64 * 1024)       /* non-file multipart parts, in total */

typedef struct {
  hd_http_sink_t base; /* first: hd_http_sink_t * ⇄ upload_t * */
  hd_call_t *call;     /* NULL after on_abort */
  hd_loop_t *loop;
  const char *data_dir;
  int fd;
  char tmp[1024];
  crypto_hash_sha256_state sha;
  char hex[65];
  uint64_t size, max, fields;
  hd_buf_t pending, writing;
  uint64_t woff;
  int werr, err;
  const char *errmsg;
  uint8_t inflight, ended, aborted, storing;
  hd_multipart_t *mp; /* multipart/form-data, else NULL (raw body) */
  uint8_t in_file, had_file;
  char mime[HD_MEDIA_MIME_MAX + 1];
  char name[HD_MEDIA_NAME_MAX + 1]; /* "" when none */
  hd_media_probe_t probe;
  hd_media_kind_t kind;
} upload_t;

static void destroy(upload_t *u) {
  if (u->fd >= 0)
    close(u->fd);
  if (u->tmp[0])
    unlink(u->tmp); /* invariant 3 */
  hd_buf_dispose(&u->pending);
  hd_buf_dispose(&u->writing);
  hd_mem_free(u->mp);
  hd_mem_free(u);
}

static void fail_call(upload_t *u, int err, const char *msg) {
  hd_call_t *call = u->call;
  u->call = NULL;
  destroy(u);
  hd_api_error_msg(call, err, msg);
}

/* ---- writing ----------------------------------------------------------------------------- */

static void write_work(void *arg) { /* worker thread (invariant 1) */
  upload_t *u = arg;
  size_t off = 0;
  while (off < u->writing.len && !u->werr) {
    ssize_t n = pwrite(u->fd, u->writing.base + off, u->writing.len - off, (off_t)u->woff);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      u->werr = HD_ERR_IO;
      break;
    }
    off += (size_t)n;
    u->woff += (uint64_t)n;
  }
}

static void finalize(upload_t *u);
static void write_after(hd_loop_t *loop, void *arg, int status);

/* Start writing what is pending unless a write is in flight. */
static void kick(upload_t *u) {
  if (u->inflight || u->pending.len == 0)
    return;
  hd_buf_t t = u->writing;
  u->writing = u->pending;
  u->pending = t;
  u->pending.len = 0;
  u->inflight = 1;
  hd_loop_work(u->loop, write_work, write_after, u);
}

static void write_after(hd_loop_t *loop, void *arg, int status) {
  upload_t *u = arg;
  (void)loop;
  u->inflight = 0;
  u->writing.len = 0;
  if (status && !u->werr)
    u->werr = HD_ERR_IO;
  if (u->aborted) {
    destroy(u);
    return;
  }
  if (u->werr && !u->err) {
    u->err = u->werr;
    u->errmsg = "the upload could not be written to disk";
  }
  if (!u->err && u->pending.len) {
    kick(u);
    return;
  }
  if (u->ended)
    finalize(u);
  else
    hd_http_sink_resume(&u->base); /* a failed write is reported by the next on_data */
}

/* Bytes of the file itself (raw body, or the file part of a multipart body). */
static int file_bytes(upload_t *u, const char *p, size_t n) {
  if (n > u->max - u->size)
    return HD_ERR_TOO_LARGE;
  u->size += n;
  crypto_hash_sha256_update(&u->sha, (const unsigned char *)p, n);
  int r = hd_buf_append(&u->pending, p, n);
  if (r != 0)
    return r;
  kick(u);
  return 0;
}

/* ---- multipart callbacks ------------------------------------------------------------------ */

static int mp_part(void *data, const hd_multipart_part_t *part) {
  upload_t *u = data;
  u->in_file = 0;
  if (u->had_file || !(part->has_filename || strcmp(part->name, "file") == 0))
    return 0; /* other fields are skipped */
  u->in_file = u->had_file = 1;
  const char *ct = part->content_type[0] ? part->content_type : "application/octet-stream";
  if (hd_media_mime_check(hd_iov(ct, strlen(ct))) != 0)
    return HD_ERR_BAD_FIELD;
  memcpy(u->mime, ct, strlen(ct) + 1); /* <= HD_MEDIA_MIME_MAX: checked above */
  size_t nl = strlen(part->filename);
  if (nl) {
    if (hd_media_name_check(hd_iov(part->filename, nl)) != 0)
      return HD_ERR_BAD_FIELD;
    memcpy(u->name, part->filename, nl + 1);
  }
  return 0;
}

static int mp_data(void *data, const char *p, size_t n) {
  upload_t *u = data;
  if (u->in_file)
    return file_bytes(u, p, n);
  u->fields += n;
  return u->fields > HD_UPLOAD_FIELDS_MAX ? HD_ERR_TOO_LARGE : 0;
}

static int mp_part_end(void *data) {
  ((upload_t *)data)->in_file = 0;
  return 0;
}

/* ---- the sink ------------------------------------------------------------------------------ */

static int sink_data(hd_http_sink_t *s, const char *p, size_t n) {
  upload_t *u = (upload_t *)s;
  if (u->err)
    return u->err;
  int r = u->mp ? hd_multipart_feed(u->mp, p, n) : file_bytes(u, p, n);
  if (r < 0)
    return r;
  return u->inflight ? HD_HTTP_SINK_BUSY : 0;
}

static void sink_abort(hd_http_sink_t *s) {
  upload_t *u = (upload_t *)s;
  u->aborted = 1;
  u->call = NULL;
  if (!u->inflight && !u->storing)
    destroy(u);
}

static void sink_end(hd_http_sink_t *s, hd_http_req_t *req) {
  upload_t *u = (upload_t *)s;
  (void)req;
  u->ended = 1;
  if (!u->err && u->mp) {
    int r = hd_multipart_finish(u->mp);
    if (r) {
      u->err = r;
      u->errmsg = "the multipart body has no closing boundary";
    } else if (!u->had_file) {
      u->err = HD_ERR_BAD_MULTIPART;
      u->errmsg = "no file part (a part with a filename, or named \"file\")";
    }
  }
  if (!u->inflight)
    finalize(u);
}

/* ---- finishing --------------------------------------------------------------------------- */

static void store_work(void *arg) { /* worker: fsync, probe, classify, move into place */
  upload_t *u = arg;
  if (fsync(u->fd) != 0 || hd_media_probe(u->fd, u->size, &u->probe) != 0) {
    u->werr = HD_ERR_IO;
    return;
  }
  close(u->fd);
  u->fd = -1;
  if ((u->werr = hd_media_classify(u->mime, &u->probe, &u->kind)) != 0)
    return;
  if ((u->werr = hd_media_store_file(u->data_dir, u->tmp, u->hex)) == 0)
    u->tmp[0] = '\0'; /* renamed or dropped as a duplicate (invariant 3) */
}

static void create_done(hd_call_t *call, int status, void *arg) {
  hd_media_create_op_t *op = arg;
  if (status)
    hd_api_error(call, status);
  else
    hd_api_reply1(call, 201, "media", hd_json_media(&op->media));
}

static int run_create(hd_store_t *tx, void *arg) { return hd_media_create(tx, arg); }

static void store_after(hd_loop_t *loop, void *arg, int status) {
  upload_t *u = arg;
  (void)loop;
  u->storing = 0;
  if (u->aborted) { /* cannot happen after on_end, kept for symmetry with write_after */
    destroy(u);
    return;
  }
  int err = status ? HD_ERR_IO : u->werr;
  if (err) {
    fail_call(u, err,
              err == HD_ERR_MEDIA_TYPE_MISMATCH
                  ? "the bytes are not the image type given in Content-Type"
                  : NULL);
    return;
  }
  hd_call_t *call = u->call;
  hd_mem_pool_t *pool = &call->req->pool;
  hd_media_create_op_t *op = hd_mem_pool_alloc(pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  hd_media_t *m = &op->media;
  m->owner_id = call->user_id;
  m->sha256 = hd_mem_pool_strndup(pool, u->hex, 64);
  m->size = (int64_t)u->size;
  m->kind = u->kind;
  m->mime_type = hd_mem_pool_strndup(pool, u->mime, strlen(u->mime));
  if (u->probe.format != HD_MEDIA_FMT_OTHER) {
    m->width = u->probe.width;
    m->height = u->probe.height;
  }
  if (u->name[0])
    m->file_name = hd_mem_pool_strndup(pool, u->name, strlen(u->name));
  u->call = NULL;
  destroy(u);
  hd_api_write(call, run_create, op, create_done);
}

static void finalize(upload_t *u) {
  if (u->err) {
    fail_call(u, u->err, u->errmsg);
    return;
  }
  if (u->size == 0) {
    fail_call(u, HD_ERR_BAD_REQUEST, "the upload is empty");
    return;
  }
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&u->sha, d);
  sodium_bin2hex(u->hex, sizeof(u->hex), d, sizeof(d));
  u->storing = 1;
  hd_loop_work(u->loop, store_work, store_after, u);
}

int hd_api_media_sink(hd_call_t *call, hd_http_sink_t **sink) {
  hd_http_req_t *req = call->req;
  const hd_config_t *cfg = &call->ctx->app->cfg;
  hd_iovec_t ct = hd_http_header(req, "Content-Type");
  hd_iovec_t cl = hd_http_header(req, "Content-Length");
  char boundary[HD_MULTIPART_BOUNDARY_MAX + 1];
  int multipart = ct.len >= 10 && hd_iov_caseeq(hd_iov(ct.base, 10), "multipart/");
  if (multipart && hd_multipart_boundary(ct, boundary, sizeof(boundary)) != 0)
    return HD_ERR_BAD_MULTIPART;
  if (cl.base) { /* refuse before any body byte arrives */
    char num[24];
    size_t n = HD_MIN(cl.len, sizeof(num) - 1);
    memcpy(num, cl.base, n);
    num[n] = '\0';
    unsigned long long v = strtoull(num, NULL, 10);
    if (v > cfg->max_upload + (multipart ? HD_UPLOAD_FIELDS_MAX : 0))
      return HD_ERR_TOO_LARGE;
  }
  upload_t *u = hd_mem_calloc(sizeof(*u));
  u->fd = -1;
  u->call = call;
  u->loop = req->loop;
  u->data_dir = cfg->data_dir;
  u->max = cfg->max_upload;
  hd_buf_init(&u->pending, HD_UPLOAD_PENDING_MAX);
  hd_buf_init(&u->writing, HD_UPLOAD_PENDING_MAX);
  crypto_hash_sha256_init(&u->sha);
  int err = HD_ERR_BAD_FIELD;
  if (multipart) {
    u->mp = hd_mem_alloc(sizeof(*u->mp));
    hd_multipart_cb_t cb = {mp_part, mp_data, mp_part_end, u};
    if (hd_multipart_init(u->mp, boundary, &cb) != 0)
      goto fail;
  } else {
    hd_iovec_t name, xn = hd_http_header(req, "X-File-Name");
    if (!ct.base)
      ct = HD_IOV_LIT("application/octet-stream");
    if (hd_media_mime_check(ct) != 0)
      goto fail;
    memcpy(u->mime, ct.base, ct.len);
    if (xn.base)
      name = xn;
    else if (!hd_http_query(req, "name", &name))
      name = hd_iov(NULL, 0);
    if (name.len && hd_media_name_check(name) != 0)
      goto fail;
    if (name.len)
      memcpy(u->name, name.base, name.len);
  }
  err = HD_ERR_IO;
  char dir[1024];
  if (hd_media_prepare_dirs(u->data_dir) != 0 || hd_media_path(u->data_dir, NULL, dir, sizeof(dir)))
    goto fail;
  if (snprintf(u->tmp, sizeof(u->tmp), "%s/up-XXXXXX", dir) >= (int)sizeof(u->tmp))
    goto fail;
  if ((u->fd = mkostemp(u->tmp, O_CLOEXEC)) < 0) {
    u->tmp[0] = '\0';
    goto fail;
  }
  u->base.on_data = sink_data;
  u->base.on_end = sink_end;
  u->base.on_abort = sink_abort;
  *sink = &u->base;
  return 1;

fail:
  destroy(u);
  return err;
}

void hd_api_media_upload(hd_call_t *call) {
  hd_api_error_msg(call, HD_ERR_BAD_REQUEST, "the upload is empty");
}

/* ---- download ------------------------------------------------------------------------------- */

/* Parse one "bytes=" range against size. Returns 1 with [*off, *off + *len) set, 0 to send
 * the whole file (no Range, another unit, several ranges or bad syntax: RFC 9110 lets a
 * server ignore those), or -1 when it cannot be satisfied (416). */
static int parse_range(hd_iovec_t h, uint64_t size, uint64_t *off, uint64_t *len) {
  if (!h.base || h.len < 7 || !hd_iov_caseeq(hd_iov(h.base, 6), "bytes="))
    return 0;
  char buf[64];
  size_t n = h.len - 6;
  if (n >= sizeof(buf) || memchr(h.base + 6, ',', n))
    return 0;
  memcpy(buf, h.base + 6, n);
  buf[n] = '\0';
  char *dash = strchr(buf, '-');
  if (!dash)
    return 0;
  *dash = '\0';
  const char *a = buf, *b = dash + 1;
  for (const char *p = a; *p; p++)
    if (*p < '0' || *p > '9')
      return 0;
  for (const char *p = b; *p; p++)
    if (*p < '0' || *p > '9')
      return 0;
  if (!*a && !*b)
    return 0;
  if (!*a) { /* suffix: the last n bytes */
    unsigned long long last = strtoull(b, NULL, 10);
    if (last == 0 || size == 0)
      return -1;
    *len = last < size ? last : size;
    *off = size - *len;
    return 1;
  }
  unsigned long long first = strtoull(a, NULL, 10);
  if (first >= size)
    return -1;
  unsigned long long end = *b ? strtoull(b, NULL, 10) : size - 1;
  if (end < first)
    return 0; /* syntactically invalid: ignore */
  if (end >= size)
    end = size - 1;
  *off = first;
  *len = end - first + 1;
  return 1;
}

/* 1 when an If-None-Match list names etag (or is "*"). */
static int etag_matches(hd_iovec_t inm, const char *etag) {
  if (!inm.base)
    return 0;
  size_t el = strlen(etag);
  for (size_t i = 0; i < inm.len; i++) {
    if (inm.base[i] == '*')
      return 1;
    if (inm.len - i >= el && memcmp(inm.base + i, etag, el) == 0)
      return 1;
  }
  return 0;
}

/* Content-Disposition with the file name percent-encoded (RFC 6266 filename*). */
static void add_disposition(hd_call_t *call, const hd_media_t *m) {
  const char *kind = m->kind == HD_MEDIA_PHOTO ? "inline" : "attachment";
  if (!m->file_name) {
    hd_http_add_header(call->req, "Content-Disposition", kind);
    return;
  }
  char v[32 + 3 * HD_MEDIA_NAME_MAX];
  size_t o = (size_t)snprintf(v, sizeof(v), "%s; filename*=UTF-8''", kind);
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)m->file_name; *p && o + 4 < sizeof(v); p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
        strchr("!#$&+-.^_`|~", *p)) {
      v[o++] = (char)*p;
    } else {
      v[o++] = '%';
      v[o++] = hex[*p >> 4];
      v[o++] = hex[*p & 15];
    }
  }
  v[o] = '\0';
  hd_http_add_header(call->req, "Content-Disposition", v);
}

void hd_api_media_download(hd_call_t *call) {
  hd_media_t m;
  int rc =
      hd_media_get_for(call->ctx->rd, call->user_id, hd_call_id(call, 0), &call->req->pool, &m);
  int64_t held = 0; /* quarantined by a hash-bank match (safety/signals.h): staff only */
  if (rc == 0 &&
      (rc = call->ctx->rd->ops->safety->media_quarantined(call->ctx->rd, m.id, &held)) == 0 &&
      held) {
    hd_staff_role_t role = HD_STAFF_NONE;
    if ((rc = hd_staff_role_get(call->ctx->rd, call->user_id, &role)) == 0 &&
        role < HD_STAFF_MODERATOR)
      rc = HD_ERR_MEDIA_WITHHELD;
  }
  if (rc) {
    hd_api_error(call, rc);
    return;
  }
  char etag[70], path[1100];
  snprintf(etag, sizeof(etag), "\"%s\"", m.sha256);
  hd_http_add_header(call->req, "ETag", etag);
  hd_http_add_header(call->req, "Cache-Control", "private, max-age=31536000, immutable");
  hd_http_add_header(call->req, "Accept-Ranges", "bytes");
  if (etag_matches(hd_http_header(call->req, "If-None-Match"), etag)) {
    hd_http_respond(call->req, 304, m.mime_type, hd_iov(NULL, 0));
    return;
  }
  int fd = -1;
  struct stat st;
  if (hd_media_path(call->ctx->app->cfg.data_dir, m.sha256, path, sizeof(path)) != 0 ||
      (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0)
      close(fd);
    hd_log(HD_LOG_ERROR, "media file missing", "\"media_id\":%lld", (long long)m.id);
    hd_api_error(call, HD_ERR_IO);
    return;
  }
  uint64_t size = (uint64_t)st.st_size, off = 0, len = size;
  int r = parse_range(hd_http_header(call->req, "Range"), size, &off, &len);
  char cr[96];
  if (r < 0) {
    close(fd);
    snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)size);
    hd_http_add_header(call->req, "Content-Range", cr);
    hd_api_error(call, HD_ERR_RANGE);
    return;
  }
  add_disposition(call, &m);
  if (r == 1) {
    snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)off,
             (unsigned long long)(off + len - 1), (unsigned long long)size);
    hd_http_add_header(call->req, "Content-Range", cr);
  }
  hd_http_respond_file(call->req, r == 1 ? 206 : 200, m.mime_type, fd, off, len);
}
