/*
 * pdq_decode.c — libFuzzer driver for the JPEG/PNG decode-and-hash path
 * (src/safety/image.c, pdq_photo.c, pdq.c). Any input must either hash or fail with an
 * error code; a success must carry a sane quality. Seeds: fuzz/corpus/pdq_decode/.
 */
#include "common/mem.h"
#include "safety/pdq_photo.h"

#include <stddef.h>
#include <stdint.h>

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
  if (hd_pdq_hash_image(&img, p, &work, h, nd, &q) == 0)
    HD_ASSERT(q >= 0 && q <= 100);
  hd_luma_image_dispose(&img);
  return 0;
}
