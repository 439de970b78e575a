/*
 * image.c — JPEG (libjpeg-turbo) and PNG (libpng) decoding to a float luma plane.
 *
 * Both libraries report fatal errors through a callback that must not return; we longjmp
 * back to the decode function, which then frees what it allocated:
 *
 *   hd_image_decode_luma ─► decode_jpeg / decode_png
 *        setjmp ─► header ─► size check ─► alloc luma ─► scanlines → row_to_luma() ─► done
 *          ▲                                                   │
 *          └──────── error_exit / emit_message(warning) ◄──────┘  (longjmp; free ctx.*)
 *
 * Everything that must survive the longjmp lives in a context struct, never in locals
 * changed after setjmp.
 *
 * JPEG speed: libjpeg-turbo is asked for JCS_EXT_RGBX (the same R, G, B as JCS_RGB: only the
 * layout differs), 16 scanlines a call, written straight into the float luma rows: an RGBX
 * pixel is 4 bytes, the size of the float it becomes, so each row is converted in place while
 * it is still in cache (16 pixels a step, AVX-512/AVX2/SSE2 clones: (0.299 R + 0.587 G) +
 * 0.114 B, float products and sums in the reference's order; ISO C mode forbids FMA
 * contraction). Grey rows are widened from the end. CMYK keeps one row of scratch. PNG luma
 * uses per-channel product tables (R*r, G*g, B*b as floats): the same products, added in the
 * same order.
 *
 * hd_image_decode_rows() hands a colour JPEG's RGBX batches to the caller unconverted (the
 * PDQ filter computes the same luma inside its first pass, saving a pass over the rows).
 *
 * Tried and dropped (measured slower): raw_data_out for 4:2:0 files with our own fancy
 * upsampling + YCbCr→RGB + luma (byte-exact on the tests, but libjpeg-turbo's 16-bit SIMD for
 * those steps beats 32-bit-lane vector code: 6.65 vs 6.05 ms a file), see docs/hashing.md.
 *
 * Invariants:
 *  1. (image.h 1/2) luma is allocated only after width*height <= max_pixels is checked.
 *  2. A libjpeg warning is treated as an error: libjpeg "recovers" from truncation by
 *     padding with grey, which would yield a plausible but wrong hash.
 */
#include "safety/image.h"

#include "common/error.h"

#include <stdio.h> /* before jpeglib.h, which uses FILE */

#include <jpeglib.h>
#include <png.h>
#include <setjmp.h>
#include <string.h>

#define HD_JPEG_BATCH 16 /* scanlines per batch (>= rec_outbuf_height; the PDQ strip height) */

typedef struct {
  float r[256], g[256], b[256];
} luma_tables_t;

static void luma_tables_init(luma_tables_t *t) {
  const float cr = (float)0.299, cg = (float)0.587, cb = (float)0.114;
  for (int i = 0; i < 256; i++) {
    t->r[i] = cr * (float)i;
    t->g[i] = cg * (float)i;
    t->b[i] = cb * (float)i;
  }
}

/* ImageMagick's 16-bit to 8-bit quantum scaling (ScaleQuantumToChar). */
static inline unsigned q16_to_8(unsigned v) { return ((v + 128u) - ((v + 128u) >> 8)) >> 8; }

/* One CMYK sample set to RGB as ImageMagick (Q16) does for an Adobe-inverted JPEG. */
static void cmyk_to_rgb(const unsigned char *p, unsigned char rgb[3]) {
  double k = 65535.0 - 257.0 * p[3];
  for (int i = 0; i < 3; i++) {
    double c = 65535.0 - 257.0 * p[i];
    double v = 65535.0 - (c * (65535.0 - k) / 65535.0 + k);
    if (v < 0)
      v = 0;
    if (v > 65535.0)
      v = 65535.0;
    rgb[i] = (unsigned char)q16_to_8((unsigned)(v + 0.5));
  }
}

hd_image_format_t hd_image_sniff(hd_iovec_t d) {
  const unsigned char *p = (const unsigned char *)d.base;
  if (d.len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
    return HD_IMAGE_JPEG;
  if (d.len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
    return HD_IMAGE_PNG;
  return HD_IMAGE_UNKNOWN;
}

void hd_luma_image_dispose(hd_luma_image_t *img) {
  hd_mem_free(img->luma);
  memset(img, 0, sizeof(*img));
}

static float *alloc_plane(size_t w, size_t h, size_t max_pixels) {
  if (w == 0 || h == 0 || w > max_pixels / h)
    return NULL;
  return hd_mem_try_alloc(w * h * sizeof(float));
}

/* ---- JPEG ---- */

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jb;
  unsigned char *row;
  float *luma;
} jpeg_ctx_t;

static void jpeg_fail(j_common_ptr cinfo) {
  jpeg_ctx_t *ctx = (jpeg_ctx_t *)cinfo->err;
  longjmp(ctx->jb, 1);
}

static void jpeg_message(j_common_ptr cinfo, int level) {
  if (level < 0) /* warning: corrupt data libjpeg would paper over */
    jpeg_fail(cinfo);
}

/* 16 lanes: one AVX-512 register, two AVX2 or four SSE2 registers; element-wise IEEE. */
typedef float v16f __attribute__((vector_size(64)));
typedef int v16i __attribute__((vector_size(64)));

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) &&       \
    !defined(HD_PDQ_NO_CLONES)
#define HD_IMAGE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define HD_IMAGE_CLONES
#endif

/*
 * Convert one decoded row in place: the row's float slots first hold w RGBX pixels (4 bytes
 * each, the same size as a float) or w grey bytes. RGBX uses 16 lanes of (cr * R + cg * G) +
 * cb * B, the reference's float operations in its order (no FMA: ISO C, no contraction); each
 * 16-pixel chunk is loaded before its floats overwrite it. The clones (AVX-512, AVX2, SSE2)
 * perform the same element-wise operations, so they produce the same bits.
 */
HD_IMAGE_CLONES
static void row_to_luma(float *row, size_t w, int nc) {
  unsigned char *b = (unsigned char *)row;
  if (nc == 1) { /* grey bytes sit at the front: widen from the end */
    for (size_t x = w; x-- > 0;)
      row[x] = (float)b[x];
    return;
  }
  const float fr = (float)0.299, fg = (float)0.587, fb = (float)0.114;
  const v16f cr = {fr, fr, fr, fr, fr, fr, fr, fr, fr, fr, fr, fr, fr, fr, fr, fr};
  const v16f cg = {fg, fg, fg, fg, fg, fg, fg, fg, fg, fg, fg, fg, fg, fg, fg, fg};
  const v16f cb = {fb, fb, fb, fb, fb, fb, fb, fb, fb, fb, fb, fb, fb, fb, fb, fb};
  size_t x = 0;
  for (; x + 16 <= w; x += 16) {
    v16i px;
    memcpy(&px, b + 4 * x, sizeof(px));
    v16f r = __builtin_convertvector(px & 0xff, v16f);
    v16f g = __builtin_convertvector((px >> 8) & 0xff, v16f);
    v16f bl = __builtin_convertvector((px >> 16) & 0xff, v16f);
    v16f l = (cr * r + cg * g) + cb * bl;
    memcpy(row + x, &l, sizeof(l));
  }
  for (; x < w; x++) {
    const unsigned char *p = b + 4 * x;
    row[x] = (fr * (float)p[0] + fg * (float)p[1]) + fb * (float)p[2];
  }
}

/*
 * Decode a JPEG. With cb == NULL the whole plane goes to out; otherwise rows are decoded into
 * a HD_JPEG_BATCH-row scratch and handed to cb batch by batch (out is not used).
 */
static int decode_jpeg(hd_iovec_t data, size_t max_pixels, hd_luma_image_t *out, hd_luma_rows_cb cb,
                       hd_rgbx_rows_cb rgbx_cb, void *cb_ctx) {
  struct jpeg_decompress_struct cinfo;
  jpeg_ctx_t ctx;
  luma_tables_t t;
  volatile int err = HD_ERR_DECODE; /* read after longjmp */

  memset(&ctx, 0, sizeof(ctx));
  memset(&cinfo, 0, sizeof(cinfo));
  cinfo.err = jpeg_std_error(&ctx.pub);
  ctx.pub.error_exit = jpeg_fail;
  ctx.pub.emit_message = jpeg_message;
  if (setjmp(ctx.jb))
    goto fail_jpeg;
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, (const unsigned char *)data.base, (unsigned long)data.len);
  jpeg_read_header(&cinfo, TRUE);
  switch (cinfo.jpeg_color_space) {
  case JCS_GRAYSCALE:
    cinfo.out_color_space = JCS_GRAYSCALE;
    break;
  case JCS_CMYK:
  case JCS_YCCK:
    cinfo.out_color_space = JCS_CMYK;
    break;
  default: /* same R, G, B as JCS_RGB, padded to 4 bytes so a pixel fills a float slot */
    cinfo.out_color_space = JCS_EXT_RGBX;
    break;
  }
  size_t w = cinfo.image_width, h = cinfo.image_height;
  if (w == 0 || h == 0 || w > max_pixels / h) {
    err = HD_ERR_TOO_LARGE;
    goto fail_jpeg;
  }
  jpeg_start_decompress(&cinfo);
  int nc = cinfo.output_components;
  ctx.luma = alloc_plane(w, cb ? HD_MIN(h, (size_t)HD_JPEG_BATCH) : h, max_pixels);
  ctx.row = cinfo.out_color_space == JCS_CMYK ? hd_mem_try_alloc(w * (size_t)nc) : NULL;
  if (!ctx.luma || (cinfo.out_color_space == JCS_CMYK && !ctx.row)) {
    err = HD_ERR_TOO_LARGE;
    goto fail_jpeg;
  }
  luma_tables_init(&t);
  while (cinfo.output_scanline < cinfo.output_height) {
    /* grey and RGBX decode straight into the luma rows (a pixel fits in its float slot),
     * up to HD_JPEG_BATCH rows per call; CMYK goes through one row of scratch */
    JSAMPROW rows[HD_JPEG_BATCH];
    size_t y = cinfo.output_scanline, k = 0;
    float *base = cb ? ctx.luma : ctx.luma + y * w; /* where row y goes */
    if (ctx.row) {
      rows[k++] = ctx.row;
    } else {
      for (; k < HD_JPEG_BATCH && y + k < h; k++)
        rows[k] = (JSAMPROW)(base + k * w);
    }
    /* libjpeg returns a row group (1-2 rows) a call: fill the batch so the consumer (the PDQ
     * filter's 8-row strips) gets full batches */
    JDIMENSION got = 0;
    while (got < k) {
      JDIMENSION n = jpeg_read_scanlines(&cinfo, rows + got, (JDIMENSION)k - got);
      if (n == 0)
        goto fail_jpeg;
      got += n;
    }
    if (rgbx_cb && nc == 4 && !ctx.row) { /* RGBX rows as decoded: the caller converts */
      int cb_err = rgbx_cb(cb_ctx, (int)w, (int)h, (int)y, (int)got, (const unsigned char *)base,
                           w * sizeof(float));
      if (cb_err) {
        err = cb_err;
        goto fail_jpeg;
      }
      continue;
    }
    for (JDIMENSION i = 0; i < got; i++) {
      float *dst = base + i * w;
      if (!ctx.row) {
        row_to_luma(dst, w, nc);
        continue;
      }
      const unsigned char *p = ctx.row;
      for (size_t x = 0; x < w; x++, p += 4) {
        unsigned char rgb[3];
        cmyk_to_rgb(p, rgb);
        dst[x] = t.r[rgb[0]] + t.g[rgb[1]] + t.b[rgb[2]];
      }
    }
    int cb_err = cb ? cb(cb_ctx, (int)w, (int)h, (int)y, (int)got, base) : 0;
    if (cb_err) {
      err = cb_err;
      goto fail_jpeg;
    }
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  hd_mem_free(ctx.row);
  if (cb) {
    hd_mem_free(ctx.luma);
    return 0;
  }
  out->width = (int)w;
  out->height = (int)h;
  out->luma = ctx.luma;
  return 0;

fail_jpeg:
  jpeg_destroy_decompress(&cinfo);
  hd_mem_free(ctx.row);
  hd_mem_free(ctx.luma);
  return err;
}

/* ---- PNG ---- */

typedef struct {
  jmp_buf jb;
  const unsigned char *src;
  size_t len, pos;
  unsigned char *pixels;
  png_bytep *rows;
  float *luma;
} png_ctx_t;

static void png_fail(png_structp png, png_const_charp msg) {
  png_ctx_t *ctx = png_get_error_ptr(png);
  longjmp(ctx->jb, 1);
}

static void png_warn(png_structp png, png_const_charp msg) {}

static void png_read_mem(png_structp png, png_bytep dst, png_size_t n) {
  png_ctx_t *ctx = png_get_io_ptr(png);
  if (n > ctx->len - ctx->pos)
    png_error(png, "truncated");
  memcpy(dst, ctx->src + ctx->pos, n);
  ctx->pos += n;
}

static int decode_png(hd_iovec_t data, size_t max_pixels, hd_luma_image_t *out) {
  png_ctx_t ctx;
  png_structp png;
  png_infop info = NULL;
  luma_tables_t t;
  volatile int err = HD_ERR_DECODE; /* read after longjmp */

  memset(&ctx, 0, sizeof(ctx));
  ctx.src = (const unsigned char *)data.base;
  ctx.len = data.len;
  png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, png_fail, png_warn);
  if (!png)
    return HD_ERR_NOMEM;
  info = png_create_info_struct(png);
  if (!info) {
    err = HD_ERR_NOMEM;
    goto fail_png;
  }
  if (setjmp(ctx.jb))
    goto fail_png;
  png_set_read_fn(png, &ctx, png_read_mem);
  png_set_user_limits(png, 1u << 20, 1u << 20);
  png_read_info(png, info);
  png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  int ctype = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
  if (w == 0 || h == 0 || (size_t)w > max_pixels / h) {
    err = HD_ERR_TOO_LARGE;
    goto fail_png;
  }
  if (ctype == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb(png);
  if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
    png_set_expand_gray_1_2_4_to_8(png);
  png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  int nc = png_get_channels(png, info), bytes = png_get_bit_depth(png, info) == 16 ? 2 : 1;
  size_t rowbytes = png_get_rowbytes(png, info);
  if (nc < 1 || nc > 4 || rowbytes < (size_t)w * (size_t)nc * (size_t)bytes) {
    err = HD_ERR_UNSUPPORTED;
    goto fail_png;
  }
  ctx.luma = alloc_plane(w, h, max_pixels);
  ctx.pixels = ctx.luma ? hd_mem_try_alloc(rowbytes * h) : NULL;
  ctx.rows = ctx.pixels ? hd_mem_try_alloc(sizeof(png_bytep) * h) : NULL;
  if (!ctx.rows) {
    err = HD_ERR_TOO_LARGE;
    goto fail_png;
  }
  for (png_uint_32 y = 0; y < h; y++)
    ctx.rows[y] = ctx.pixels + (size_t)y * rowbytes;
  png_read_image(png, ctx.rows);
  png_read_end(png, NULL);
  luma_tables_init(&t);
  for (png_uint_32 y = 0; y < h; y++) {
    const unsigned char *p = ctx.rows[y];
    float *dst = ctx.luma + (size_t)y * w;
    for (png_uint_32 x = 0; x < w; x++, p += (size_t)nc * bytes) {
      unsigned s[3];
      for (int c = 0; c < 3 && c < nc; c++)
        s[c] = bytes == 2 ? q16_to_8((unsigned)p[2 * c] << 8 | p[2 * c + 1]) : p[c];
      dst[x] = nc >= 3 ? t.r[s[0]] + t.g[s[1]] + t.b[s[2]] : (float)s[0];
    }
  }
  png_destroy_read_struct(&png, &info, NULL);
  hd_mem_free(ctx.rows);
  hd_mem_free(ctx.pixels);
  out->width = (int)w;
  out->height = (int)h;
  out->luma = ctx.luma;
  return 0;

fail_png:
  png_destroy_read_struct(&png, info ? &info : NULL, NULL);
  hd_mem_free(ctx.rows);
  hd_mem_free(ctx.pixels);
  hd_mem_free(ctx.luma);
  return err;
}

int hd_image_decode_rows(hd_iovec_t data, size_t max_pixels, hd_luma_rows_cb cb,
                         hd_rgbx_rows_cb rgbx_cb, void *ctx) {
  hd_luma_image_t img;
  if (hd_image_sniff(data) == HD_IMAGE_JPEG)
    return decode_jpeg(data, max_pixels, NULL, cb, rgbx_cb, ctx);
  int err = hd_image_decode_luma(data, max_pixels, &img); /* PNG: whole plane, one batch */
  if (err)
    return err;
  err = cb(ctx, img.width, img.height, 0, img.height, img.luma);
  hd_luma_image_dispose(&img);
  return err;
}

int hd_image_decode_luma_rows(hd_iovec_t data, size_t max_pixels, hd_luma_rows_cb cb, void *ctx) {
  return hd_image_decode_rows(data, max_pixels, cb, NULL, ctx);
}

int hd_image_decode_luma(hd_iovec_t data, size_t max_pixels, hd_luma_image_t *out) {
  memset(out, 0, sizeof(*out));
  switch (hd_image_sniff(data)) {
  case HD_IMAGE_JPEG:
    return decode_jpeg(data, max_pixels, out, NULL, NULL, NULL);
  case HD_IMAGE_PNG:
    return decode_png(data, max_pixels, out);
  default:
    return HD_ERR_UNSUPPORTED;
  }
}
