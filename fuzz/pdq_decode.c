/*
 * pdq_decode.c — libFuzzer driver for the JPEG/PNG decode-and-hash path
 * (src/safety/image.c, pdq_photo.c, pdq.c). Any input must either hash or fail with an
 * error code; a success must carry a sane quality. In the full profile the streamed path
 * (hd_pdq_hash_bytes: RGBX rows straight into the filter) must agree with the decoded-plane
 * path bit for bit, errors included. Seeds: fuzz/corpus/pdq_decode/.
 */
#include "common/mem.h"
#include "safety/pdq_photo.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static hd_pdq_work_t work;
  hd_luma_image_t img;
  hd_pdq_hash_t h[HD_PDQ_NUM_DIHEDRAL];
  int q = -1;
  /* a small pixel ceiling keeps each run fast; the limit path itself is exercised too */
  if (hd_image_decode_luma(hd_iov(data, size), (size_t)4 << 20, &img) != 0)
    return 0;
  int nd = size & 1 ? HD_PDQ_NUM_DIHEDRAL : 1;
  hd_pdq_profile_t p = size & 2 ? HD_PDQ_PROFILE_512 : HD_PDQ_PROFILE_FULL;
  int err = hd_pdq_hash_image(&img, p, &work, h, nd, &q);
  if (err == 0)
    HD_ASSERT(q >= 0 && q <= 100);
  hd_luma_image_dispose(&img);
  if (p == HD_PDQ_PROFILE_FULL) {
    static hd_pdq_work_t streamed;
    hd_pdq_hash_t h2[HD_PDQ_NUM_DIHEDRAL];
    int q2 = -1;
    int err2 = hd_pdq_hash_bytes(hd_iov(data, size), p, &streamed, h2, nd, &q2);
    HD_ASSERT((err == 0) == (err2 == 0));
    HD_ASSERT(err != 0 || (q == q2 && memcmp(h, h2, (size_t)nd * sizeof(h[0])) == 0));
  }
  return 0;
}
