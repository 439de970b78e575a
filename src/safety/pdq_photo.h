/*
 * pdq_photo.h — hash an image file or buffer: decode (image.h), apply the input profile,
 * run the PDQ core (pdq.h).
 *
 *   bytes ──► profile full: hd_image_decode_luma_rows ──► hd_pdq_stream_* (row batches)
 *         ──► profile 512:  hd_image_decode_luma ──► W or H > 512 → 512×512 nearest squash
 *                           ──► hd_pdq_hash_luma ──► hash(es), quality
 *
 * The 512 squash is the C++ CLI's CImg resize(512,512) with nearest-neighbour sampling:
 * output (x, y) takes source (floor(x·W/512), floor(y·H/512)). Luma is per pixel, so
 * squashing the luma plane equals squashing RGB first.
 *
 * Invariants:
 *  1. A non-zero return leaves out and *quality untouched: no hash is reported for a file
 *     that failed to decode.
 */
#ifndef HD_SAFETY_PDQ_PHOTO_H
#define HD_SAFETY_PDQ_PHOTO_H

#include "common/mem.h"
#include "safety/image.h"
#include "safety/pdq.h"

#define HD_PDQ_MAX_FILE_BYTES ((size_t)256 << 20) /* larger files are refused */

/* Hash a decoded luma plane under profile (ndihedral as in hd_pdq_hash_luma()). */
int hd_pdq_hash_image(const hd_luma_image_t *img, hd_pdq_profile_t profile, hd_pdq_work_t *work,
                      hd_pdq_hash_t *out, int ndihedral, int *quality);

/* Decode and hash an encoded image held in memory. Errors as hd_image_decode_luma(). */
int hd_pdq_hash_bytes(hd_iovec_t data, hd_pdq_profile_t profile, hd_pdq_work_t *work,
                      hd_pdq_hash_t *out, int ndihedral, int *quality);

/* Read path and hash it; HD_ERR_IO if it cannot be read, HD_ERR_TOO_LARGE past the limit.
 * The file is read into work's reusable buffer (work->file; freed by hd_pdq_work_dispose). */
int hd_pdq_hash_path(const char *path, hd_pdq_profile_t profile, hd_pdq_work_t *work,
                     hd_pdq_hash_t *out, int ndihedral, int *quality);

/* Read a whole file into *buf (caller disposes); HD_ERR_IO or HD_ERR_TOO_LARGE past max. */
int hd_pdq_read_file(const char *path, size_t max, hd_buf_t *buf);

#endif
