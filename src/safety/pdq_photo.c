/*
 * pdq_photo.c — file/buffer → PDQ hash, with the full and 512 input profiles.
 *
 * See pdq_photo.h. The only transformation here is the 512 profile's nearest-neighbour
 * squash; everything pixel-exact lives in image.c and pdq.c. The full profile streams the
 * decoder's rows into the filter (no full-size plane): luma rows, or a colour JPEG's RGBX rows
 * whose luma pdq.c computes inside its first pass (hd_pdq_stream_push_rgbx).
 *
 * Invariants:
 *  1. (pdq_photo.h 1) out/quality are written only after every step succeeded.
 */
#include "safety/pdq_photo.h"

#include "common/error.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define HD_PDQ_KEEP_FILE_BYTES ((size_t)16 << 20) /* larger file buffers are freed after use */

int hd_pdq_hash_image(const hd_luma_image_t *img, hd_pdq_profile_t profile, hd_pdq_work_t *work,
                      hd_pdq_hash_t *out, int ndihedral, int *quality) {
  int W = img->width, H = img->height;
  if (profile != HD_PDQ_PROFILE_512 || (W <= 512 && H <= 512))
    return hd_pdq_hash_luma(img->luma, H, W, work, out, ndihedral, quality);
  float *sq = hd_mem_try_alloc(512 * 512 * sizeof(float));
  if (!sq)
    return HD_ERR_NOMEM;
  int xs[512];
  for (int x = 0; x < 512; x++)
    xs[x] = (int)((double)x * W / 512.0);
  for (int y = 0; y < 512; y++) {
    const float *src = img->luma + (size_t)(int)((double)y * H / 512.0) * (size_t)W;
    for (int x = 0; x < 512; x++)
      sq[y * 512 + x] = src[xs[x]];
  }
  int err = hd_pdq_hash_luma(sq, 512, 512, work, out, ndihedral, quality);
  hd_mem_free(sq);
  return err;
}

typedef struct {
  hd_pdq_work_t *work;
  int err; /* begin's error, reported only once the whole file decoded */
} stream_ctx_t;

/* Start the filter on the first batch. Returns 1 when the batch is to be pushed, 0 when it
 * is to be dropped (a too-small image is still decoded to the end, so that a corrupt file
 * reports decode_failed), or a negative error that stops the decode. */
static int stream_take(stream_ctx_t *s, int width, int height, int y) {
  if (y == 0)
    s->err = hd_pdq_stream_begin(s->work, height, width);
  if (s->err == HD_ERR_TOO_LARGE)
    return s->err;
  return s->err == 0;
}

/* Rows from the decoder straight into the PDQ filter (full profile). */
static int stream_rows(void *ctx, int width, int height, int y, int n, const float *rows) {
  int take = stream_take(ctx, width, height, y);
  if (take > 0)
    hd_pdq_stream_push(((stream_ctx_t *)ctx)->work, rows, n);
  return take < 0 ? take : 0;
}

/* The same for colour JPEG rows as RGBX: luma is computed inside the filter's first pass. */
static int stream_rgbx(void *ctx, int width, int height, int y, int n, const unsigned char *rgbx,
                       size_t stride) {
  int take = stream_take(ctx, width, height, y);
  if (take > 0)
    hd_pdq_stream_push_rgbx(((stream_ctx_t *)ctx)->work, rgbx, stride, n);
  return take < 0 ? take : 0;
}

int hd_pdq_hash_bytes(hd_iovec_t data, hd_pdq_profile_t profile, hd_pdq_work_t *work,
                      hd_pdq_hash_t *out, int ndihedral, int *quality) {
  hd_luma_image_t img;
  if (profile == HD_PDQ_PROFILE_FULL) { /* no full-size luma plane: rows go to the filter */
    stream_ctx_t s = {work, 0};
    int err = hd_image_decode_rows(data, HD_IMAGE_DEFAULT_MAX_PIXELS, stream_rows, stream_rgbx, &s);
    if (!err)
      err = s.err;
    return err ? err : hd_pdq_stream_finish(work, out, ndihedral, quality);
  }
  int err = hd_image_decode_luma(data, HD_IMAGE_DEFAULT_MAX_PIXELS, &img);
  if (err)
    return err;
  err = hd_pdq_hash_image(&img, profile, work, out, ndihedral, quality);
  hd_luma_image_dispose(&img);
  return err;
}

/* Read the file at path into buf (initialised by the caller; its memory is reused), refusing
 * more than buf->max bytes. On error buf keeps its memory and an undefined length. */
static int read_into(const char *path, hd_buf_t *buf) {
  FILE *f = fopen(path, "rb");
  int err = 0;
  buf->len = 0;
  if (!f)
    return HD_ERR_IO;
  struct stat st; /* a regular file's size: one allocation, one read (a hint only) */
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size < buf->max &&
      (err = hd_buf_try_reserve(buf, (size_t)st.st_size + 1)) != 0)
    goto fail;
  for (;;) {
    size_t room = buf->max - buf->len; /* reserve at most one byte past the ceiling */
    if ((err = hd_buf_try_reserve(buf, HD_MIN((size_t)1 << 16, room + 1))) != 0)
      goto fail;
    size_t n = fread(buf->base + buf->len, 1, buf->cap - buf->len, f);
    buf->len += n;
    if (n == 0) {
      if (ferror(f))
        err = HD_ERR_IO;
      break;
    }
  }
fail:
  fclose(f);
  return err;
}

int hd_pdq_read_file(const char *path, size_t max, hd_buf_t *buf) {
  hd_buf_init(buf, max);
  int err = read_into(path, buf);
  if (err)
    hd_buf_dispose(buf);
  return err;
}

int hd_pdq_hash_path(const char *path, hd_pdq_profile_t profile, hd_pdq_work_t *work,
                     hd_pdq_hash_t *out, int ndihedral, int *quality) {
  /* the file goes into work's grow-only buffer: no allocation (and no fresh pages to fault
   * in) per file once it is large enough */
  hd_buf_t buf = {
      .base = work->file, .len = 0, .cap = work->file_cap, .max = HD_PDQ_MAX_FILE_BYTES};
  int err = read_into(path, &buf);
  if (!err)
    err = hd_pdq_hash_bytes(hd_iov(buf.base, buf.len), profile, work, out, ndihedral, quality);
  if (buf.cap > HD_PDQ_KEEP_FILE_BYTES) /* do not keep a huge file's buffer around */
    hd_buf_dispose(&buf);
  work->file = buf.base;
  work->file_cap = buf.cap;
  return err;
}
