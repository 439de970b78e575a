/*
 * image.h — decode JPEG and PNG bytes in process to the float luma plane PDQ hashes.
 *
 * The pixels must be the ones the PDQ reference saw (ImageMagick-decoded, then CImg), or the
 * hashes drift by a few bits:
 *
 *   JPEG  libjpeg defaults (ISLOW IDCT, fancy upsampling); grey stays grey; YCbCr/RGB → RGB;
 *         CMYK/YCCK samples are taken as Adobe-inverted and converted with ImageMagick's
 *         CMYK→RGB formula at 16 bits, then rounded to 8 bits. EXIF orientation is ignored.
 *   PNG   palette → RGB, 1/2/4-bit grey → 0..255, 16-bit → 8-bit with ImageMagick's
 *         rounding, alpha (and tRNS) dropped, not composited.
 *   luma  grey: the sample as a float; RGB: 0.299 R + 0.587 G + 0.114 B in float.
 *
 * Untrusted input: every libjpeg/libpng error *and warning* (truncation, bad Huffman data,
 * CRC errors) fails the decode with HD_ERR_DECODE; nothing half-decoded is returned.
 *
 * Streaming: hd_image_decode_luma_rows() hands luma rows to a callback batch by batch;
 * hd_image_decode_rows() may instead hand a colour JPEG's rows as the RGBX libjpeg produced
 * (the PDQ filter then computes the same luma inside its first pass).
 *
 * Invariants:
 *  1. On success out->luma holds width*height floats and width, height >= 1; on failure
 *     out is zeroed and owns nothing.
 *  2. width * height <= max_pixels is checked before any pixel buffer is allocated.
 */
#ifndef HD_SAFETY_IMAGE_H
#define HD_SAFETY_IMAGE_H

#include "common/mem.h"

#include <stddef.h>

#define HD_IMAGE_DEFAULT_MAX_PIXELS ((size_t)100 * 1000 * 1000)

/* Container formats recognised by their signature. */
typedef enum {
  HD_IMAGE_UNKNOWN, /* neither signature */
  HD_IMAGE_JPEG,    /* FF D8 FF */
  HD_IMAGE_PNG      /* 89 'PNG' 0D 0A 1A 0A */
} hd_image_format_t;

/* A decoded luma plane; owns luma (free with hd_luma_image_dispose()). */
typedef struct {
  int width, height;
  float *luma; /* height rows of width floats */
} hd_luma_image_t;

/* Identify the format from the first bytes. */
hd_image_format_t hd_image_sniff(hd_iovec_t data);

/*
 * Decode data (JPEG or PNG) into out. Returns 0, HD_ERR_UNSUPPORTED (not JPEG/PNG),
 * HD_ERR_DECODE (corrupt or truncated), or HD_ERR_TOO_LARGE (more than max_pixels, or the
 * buffer cannot be allocated). data is only read during the call.
 */
int hd_image_decode_luma(hd_iovec_t data, size_t max_pixels, hd_luma_image_t *out);

/*
 * Receives decoded luma rows top to bottom: rows [y, y + n) of an width×height image, n rows
 * of width floats, valid during the call only. A non-zero return aborts the decode and is
 * returned by hd_image_decode_luma_rows().
 */
typedef int (*hd_luma_rows_cb)(void *ctx, int width, int height, int y, int n, const float *rows);

/*
 * Decode data like hd_image_decode_luma() but hand the rows to cb in batches instead of
 * returning a plane: JPEGs never hold more than a few rows (PNGs are decoded whole and
 * delivered in one batch). Errors as hd_image_decode_luma(), or cb's. cb may have seen some
 * rows before a later decode error: only a 0 return means the image was complete.
 */
int hd_image_decode_luma_rows(hd_iovec_t data, size_t max_pixels, hd_luma_rows_cb cb, void *ctx);

/*
 * Receives decoded colour rows unconverted: rows [y, y + n) of a width×height image as RGBX
 * pixels (4 bytes: R, G, B, unused), rows `stride` bytes apart, valid during the call only.
 * Returns like hd_luma_rows_cb.
 */
typedef int (*hd_rgbx_rows_cb)(void *ctx, int width, int height, int y, int n,
                               const unsigned char *rgbx, size_t stride);

/*
 * hd_image_decode_luma_rows(), except that a colour JPEG's rows go to rgbx_cb as RGBX (the
 * caller computes luma, e.g. fused into its own first pass); grey, CMYK and PNG rows still go
 * to cb as luma.
 */
int hd_image_decode_rows(hd_iovec_t data, size_t max_pixels, hd_luma_rows_cb cb,
                         hd_rgbx_rows_cb rgbx_cb, void *ctx);

/* Free the plane and zero *img; safe on a zeroed or already disposed image. */
void hd_luma_image_dispose(hd_luma_image_t *img);

#endif
