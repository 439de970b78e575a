/*
 * Tests src/safety/pdq.c, image.c and pdq_photo.c: bit-exactness against every shared test
 * vector (both profiles, all dihedral hashes, quality), the optimised filter against a plain
 * port of the reference on random images, streamed rows (float luma or RGBX) in any batch
 * sizes, the JPEG fast path (RGBX in place, grey) against plain libjpeg output, and decode
 * failure paths.
 */
#include "common/error.h"
#include "safety/image.h"
#include "safety/pdq.h"
#include "safety/pdq_photo.h"

#include <criterion/criterion.h>
#include <stdio.h> /* before jpeglib.h */

#include <jpeglib.h>
#include <stdlib.h>
#include <string.h>

static const char *testdata(void) {
  const char *d = getenv("HD_TESTDATA");
  return d ? d : "/work/shared/testdata";
}

/* Kernel widths the filter tests cycle through: the CPU's widest (0), then 8 and 4 lanes. */
#define LANES(s) ((s) % 3 == 0 ? 0 : (s) % 3 == 1 ? 8 : 4)

/* Check every row of expected/<csv> (path,hash...,quality) with nd hashes per row. */
static void check_csv(const char *csv, hd_pdq_profile_t profile, int nd, int lanes) {
  char path[1024], line[2048];
  snprintf(path, sizeof(path), "%s/pdq/expected/%s", testdata(), csv);
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f, "cannot open %s", path);
  hd_pdq_work_t w;
  hd_pdq_work_init(&w);
  w.lanes = lanes; /* 0: the CPU's widest kernels; 8 or 4: narrower ones (same bits) */
  int rows = 0, bad = 0;
  cr_assert_not_null(fgets(line, sizeof(line), f)); /* header */
  while (fgets(line, sizeof(line), f)) {
    char *fields[12];
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; p && n < 12;) { /* split at commas in place */
      fields[n++] = p;
      p = strchr(p, ',');
      if (p)
        *p++ = '\0';
    }
    cr_assert_eq(n, nd + 2, "bad row in %s", csv);
    char img[4096]; /* room for testdata() plus a whole CSV field */
    snprintf(img, sizeof(img), "%s/pdq/images/%s", testdata(), fields[0]);
    hd_pdq_hash_t h[HD_PDQ_NUM_DIHEDRAL];
    int q = -1, err = hd_pdq_hash_path(img, profile, &w, h, nd, &q);
    cr_assert_eq(err, 0, "%s: %s", fields[0], hd_strerror(err));
    for (int d = 0; d < nd; d++) {
      char hex[65];
      hd_pdq_format(&h[d], hex);
      if (strcmp(hex, fields[1 + d]) != 0) {
        hd_pdq_hash_t want;
        hd_pdq_parse(fields[1 + d], 64, &want);
        cr_log_error("%s %s %s: got %s want %s (distance %d)", csv, fields[0],
                     hd_pdq_dihedral_name((hd_pdq_dihedral_t)d), hex, fields[1 + d],
                     hd_pdq_distance(&h[d], &want));
        bad++;
      }
    }
    if (q != (int)strtol(fields[nd + 1], NULL, 10)) {
      cr_log_error("%s %s: quality %d want %s", csv, fields[0], q, fields[nd + 1]);
      bad++;
    }
    rows++;
  }
  fclose(f);
  hd_pdq_work_dispose(&w);
  cr_assert_eq(bad, 0, "%d mismatches in %s", bad, csv);
  cr_assert(rows >= 38, "only %d rows in %s", rows, csv);
}

Test(pdq, fullres_core_vectors) { check_csv("fullres-core.csv", HD_PDQ_PROFILE_FULL, 1, 0); }
Test(pdq, fullres_core_vectors_narrow_kernels) {
  check_csv("fullres-core.csv", HD_PDQ_PROFILE_FULL, 1, 8);
  check_csv("fullres-core.csv", HD_PDQ_PROFILE_FULL, 1, 4);
}
Test(pdq, cpp_cli_vectors) { check_csv("cpp-cli.csv", HD_PDQ_PROFILE_512, 1, 0); }
Test(pdq, cpp_cli_dihedral_vectors) {
  check_csv("cpp-cli-dihedral.csv", HD_PDQ_PROFILE_512, HD_PDQ_NUM_DIHEDRAL, 0);
  check_csv("cpp-cli-dihedral.csv", HD_PDQ_PROFILE_512, HD_PDQ_NUM_DIHEDRAL, 8);
  check_csv("cpp-cli-dihedral.csv", HD_PDQ_PROFILE_512, HD_PDQ_NUM_DIHEDRAL, 4);
}

/* ---- a plain port of the reference algorithm, to check the optimised filter against ---- */

static void ref_box1d(const float *in, float *out, int len, int stride, int w) {
  int half = (w + 2) / 2, li = 0, ri = 0, oi = 0, n = 0;
  float sum = 0.0f;
  for (int i = 0; i < half - 1; i++, ri += stride, n++)
    sum += in[ri];
  for (int i = 0; i < w - half + 1; i++, ri += stride, oi += stride) {
    sum += in[ri];
    n++;
    out[oi] = sum / n;
  }
  for (int i = 0; i < len - w; i++, li += stride, ri += stride, oi += stride) {
    sum += in[ri];
    sum -= in[li];
    out[oi] = sum / n;
  }
  for (int i = 0; i < half - 1; i++, li += stride, oi += stride) {
    sum -= in[li];
    n--;
    out[oi] = sum / n;
  }
}

static void ref_hash(const float *luma, int rows, int cols, hd_pdq_hash_t *h, int *quality) {
  float *b1 = malloc(sizeof(float) * (size_t)rows * cols),
        *b2 = malloc(sizeof(float) * (size_t)rows * cols);
  static float a[64][64];
  memcpy(b1, luma, sizeof(float) * (size_t)rows * cols);
  int wr = (cols + 127) / 128, wc = (rows + 127) / 128;
  if (rows == 64 && cols == 64) {
    memcpy(a, b1, sizeof(a));
  } else {
    for (int pass = 0; pass < 2; pass++) {
      for (int r = 0; r < rows; r++)
        ref_box1d(b1 + (size_t)r * cols, b2 + (size_t)r * cols, cols, 1, wr);
      for (int c = 0; c < cols; c++)
        ref_box1d(b2 + c, b1 + c, rows, cols, wc);
    }
    for (int i = 0; i < 64; i++)
      for (int j = 0; j < 64; j++)
        a[i][j] =
            b1[(size_t)(int)(((i + 0.5) * rows) / 64) * cols + (int)(((j + 0.5) * cols) / 64)];
  }
  /* quality, DCT and bits through the library on a 64x64 input (no filter at 64x64) */
  hd_pdq_work_t w;
  hd_pdq_work_init(&w);
  cr_assert_eq(hd_pdq_hash_luma(&a[0][0], 64, 64, &w, h, 1, quality), 0);
  hd_pdq_work_dispose(&w);
  free(b1);
  free(b2);
}

Test(pdq, optimised_filter_equals_reference_port) {
  /* odd widths (partial 16-column blocks), strips of 1-15 rows, and tall images whose column
   * window (17 or 40 rows) spans several strips and groups of the streaming pass-1 ring */
  static const int sizes[][2] = {
      {5, 5},      {64, 64},    {63, 65}, {7, 300},  {300, 7},   {128, 129}, {200, 333}, {513, 97},
      {1004, 160}, {100, 1600}, {17, 31}, {2100, 9}, {2049, 40}, {9, 2100},  {5000, 7},  {7, 5000}};
  hd_pdq_work_t w;
  hd_pdq_work_init(&w);
  srand(12345);
  for (size_t s = 0; s < 3 * sizeof(sizes) / sizeof(sizes[0]); s++) {
    w.lanes = LANES(s); /* each size with the CPU's kernels, then the 8- and 4-lane ones */
    int rows = sizes[s / 3][0], cols = sizes[s / 3][1];
    float *luma = malloc(sizeof(float) * (size_t)rows * cols);
    for (int i = 0; i < rows * cols; i++) /* smooth pattern plus noise, values as from RGB */
      luma[i] = (float)(0.299 * (rand() % 256) + 0.587 * ((i / cols + i % cols) % 256));
    hd_pdq_hash_t a, b;
    int qa, qb;
    cr_assert_eq(hd_pdq_hash_luma(luma, rows, cols, &w, &a, 1, &qa), 0);
    ref_hash(luma, rows, cols, &b, &qb);
    cr_assert_eq(hd_pdq_distance(&a, &b), 0, "%dx%d (lanes %d) differs from the reference port",
                 rows, cols, w.lanes);
    cr_assert_eq(qa, qb);
    free(luma);
  }
  hd_pdq_work_dispose(&w);
}

Test(pdq, hex_round_trip_and_errors) {
  const char *s = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
  hd_pdq_hash_t h, z = {{0}};
  char out[65];
  cr_assert_eq(hd_pdq_parse(s, 64, &h), 0);
  hd_pdq_format(&h, out);
  cr_assert_str_eq(out, s);
  cr_assert_eq(hd_pdq_distance(&h, &z), 128);
  cr_assert_eq(hd_pdq_parse(s, 63, &h), HD_ERR_BAD_HASH);
  cr_assert_eq(
      hd_pdq_parse("x8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22", 64, &h),
      HD_ERR_BAD_HASH);
  hd_pdq_profile_t p;
  cr_assert_eq(hd_pdq_profile_parse("512", &p), 0);
  cr_assert_eq(p, HD_PDQ_PROFILE_512);
  cr_assert_neq(hd_pdq_profile_parse("256", &p), 0);
}

Test(pdq, too_small_is_an_error_not_a_zero_hash) {
  float luma[4 * 100] = {0};
  hd_pdq_hash_t h;
  int q;
  hd_pdq_work_t w;
  hd_pdq_work_init(&w);
  cr_assert_eq(hd_pdq_hash_luma(luma, 4, 100, &w, &h, 1, &q), HD_ERR_IMAGE_TOO_SMALL);
  cr_assert_eq(hd_pdq_hash_luma(luma, 100, 4, &w, &h, 1, &q), HD_ERR_IMAGE_TOO_SMALL);
  hd_pdq_work_dispose(&w);
}

static hd_buf_t slurp(const char *rel) {
  char path[1024];
  hd_buf_t b;
  snprintf(path, sizeof(path), "%s/pdq/images/%s", testdata(), rel);
  cr_assert_eq(hd_pdq_read_file(path, 1 << 26, &b), 0, "%s", path);
  return b;
}

static int hash_bytes(const void *p, size_t n) {
  hd_pdq_work_t w;
  hd_pdq_hash_t h;
  int q;
  hd_pdq_work_init(&w);
  int err = hd_pdq_hash_bytes(hd_iov(p, n), HD_PDQ_PROFILE_FULL, &w, &h, 1, &q);
  hd_pdq_work_dispose(&w);
  return err;
}

Test(image, truncated_and_corrupt_files_fail) {
  const char *files[] = {"bridge-mods/square-128x128.jpg", "misc-images/wee.jpg",
                         "misc-images/small.jpg", "reg-test-input/dih/bridge-2-rotate-90.jpg"};
  for (size_t i = 0; i < 4; i++) {
    hd_buf_t b = slurp(files[i]);
    cr_assert_eq(hash_bytes(b.base, b.len), 0, "%s", files[i]);
    cr_assert_eq(hash_bytes(b.base, b.len / 2), HD_ERR_DECODE, "%s truncated", files[i]);
    cr_assert_eq(hash_bytes(b.base, 200), HD_ERR_DECODE, "%s header only", files[i]);
    hd_buf_dispose(&b);
  }
  hd_buf_t png = slurp("misc-images/modes/1.png");
  cr_assert_eq(hash_bytes(png.base, png.len - 20), HD_ERR_DECODE);
  png.base[png.len / 2] ^= 0x55; /* IDAT CRC now wrong */
  cr_assert_eq(hash_bytes(png.base, png.len), HD_ERR_DECODE);
  hd_buf_dispose(&png);
  cr_assert_eq(hash_bytes("GIF89a....", 10), HD_ERR_UNSUPPORTED);
  cr_assert_eq(hash_bytes("", 0), HD_ERR_UNSUPPORTED);
  cr_assert_eq(hash_bytes("\xff\xd8\xff", 3), HD_ERR_DECODE);
  cr_assert_eq(hash_bytes("\x89PNG\r\n\x1a\n", 8), HD_ERR_DECODE);
}

Test(image, pixel_limit_is_enforced) {
  hd_buf_t b = slurp("bridge-mods/aaa-orig.jpg");
  hd_luma_image_t img;
  cr_assert_eq(hd_image_decode_luma(hd_iov(b.base, b.len), 1000, &img), HD_ERR_TOO_LARGE);
  cr_assert_null(img.luma);
  cr_assert_eq(hd_image_decode_luma(hd_iov(b.base, b.len), HD_IMAGE_DEFAULT_MAX_PIXELS, &img), 0);
  cr_assert_eq(img.width, 1600);
  cr_assert_eq(img.height, 1004);
  hd_luma_image_dispose(&img);
  hd_buf_dispose(&b);
}

Test(pdq, streamed_rows_in_any_batches_equal_whole_plane) {
  static const int sizes[][2] = {{64, 64}, {5, 9}, {37, 130}, {333, 200}, {1004, 160}, {2100, 21}};
  hd_pdq_work_t w;
  hd_pdq_work_init(&w);
  srand(777);
  for (size_t s = 0; s < 3 * sizeof(sizes) / sizeof(sizes[0]); s++) {
    int rows = sizes[s / 3][0], cols = sizes[s / 3][1];
    w.lanes = LANES(s);
    float *luma = malloc(sizeof(float) * (size_t)rows * cols);
    for (int i = 0; i < rows * cols; i++)
      luma[i] = (float)(rand() % 25600) / 100.0f;
    hd_pdq_hash_t a[HD_PDQ_NUM_DIHEDRAL], b[HD_PDQ_NUM_DIHEDRAL];
    int qa, qb;
    cr_assert_eq(hd_pdq_hash_luma(luma, rows, cols, &w, a, HD_PDQ_NUM_DIHEDRAL, &qa), 0);
    cr_assert_eq(hd_pdq_stream_begin(&w, rows, cols), 0);
    for (int y = 0, k = 1; y < rows; k = k % 11 + 1) { /* batches of 1, 2, ... 11 rows */
      int n = rows - y < k ? rows - y : k;
      hd_pdq_stream_push(&w, luma + (size_t)y * cols, n);
      y += n;
    }
    cr_assert_eq(hd_pdq_stream_finish(&w, b, HD_PDQ_NUM_DIHEDRAL, &qb), 0);
    for (int d = 0; d < HD_PDQ_NUM_DIHEDRAL; d++)
      cr_assert_eq(hd_pdq_distance(&a[d], &b[d]), 0, "%dx%d hash %d", rows, cols, d);
    cr_assert_eq(qa, qb);
    free(luma);
  }
  cr_assert_eq(hd_pdq_stream_begin(&w, 4, 100), HD_ERR_IMAGE_TOO_SMALL);
  hd_pdq_work_dispose(&w);
}

Test(pdq, rgbx_rows_equal_luma_rows) {
  /* luma computed inside pass 1 from RGBX (push_rgbx, aligned strips and unaligned batches)
   * must equal the plain float formula pushed as luma */
  static const int sizes[][2] = {{64, 64}, {5, 9}, {37, 130}, {333, 203}, {1004, 160}, {17, 16}};
  hd_pdq_work_t w;
  hd_pdq_work_init(&w);
  srand(31337);
  for (size_t s = 0; s < 3 * sizeof(sizes) / sizeof(sizes[0]); s++) {
    int rows = sizes[s / 3][0], cols = sizes[s / 3][1];
    w.lanes = LANES(s);
    size_t stride = (size_t)cols * 4 + 12; /* rows need not be contiguous */
    unsigned char *px = malloc(stride * (size_t)rows);
    float *luma = malloc(sizeof(float) * (size_t)rows * cols);
    for (int y = 0; y < rows; y++)
      for (int x = 0; x < cols; x++) {
        unsigned char *p = px + (size_t)y * stride + 4 * (size_t)x;
        for (int c = 0; c < 4; c++)
          p[c] = (unsigned char)(rand() % 256);
        luma[(size_t)y * cols + x] =
            (float)0.299 * (float)p[0] + (float)0.587 * (float)p[1] + (float)0.114 * (float)p[2];
      }
    for (int batch = 1; batch <= 32; batch += 15) { /* 1 (staged), 16 (aligned), 31 (mixed) */
      hd_pdq_hash_t a[HD_PDQ_NUM_DIHEDRAL], b[HD_PDQ_NUM_DIHEDRAL];
      int qa, qb;
      cr_assert_eq(hd_pdq_hash_luma(luma, rows, cols, &w, a, HD_PDQ_NUM_DIHEDRAL, &qa), 0);
      cr_assert_eq(hd_pdq_stream_begin(&w, rows, cols), 0);
      for (int y = 0; y < rows; y += batch)
        hd_pdq_stream_push_rgbx(&w, px + (size_t)y * stride, stride,
                                rows - y < batch ? rows - y : batch);
      cr_assert_eq(hd_pdq_stream_finish(&w, b, HD_PDQ_NUM_DIHEDRAL, &qb), 0);
      for (int d = 0; d < HD_PDQ_NUM_DIHEDRAL; d++)
        cr_assert_eq(hd_pdq_distance(&a[d], &b[d]), 0, "%dx%d batch %d hash %d", rows, cols, batch,
                     d);
      cr_assert_eq(qa, qb);
    }
    free(px);
    free(luma);
  }
  hd_pdq_work_dispose(&w);
}

/* Encode a w×h image of nc (1 or 3) components as a baseline JPEG into *out (malloc'd). */
static unsigned long encode_jpeg(const unsigned char *px, int w, int h, int nc,
                                 unsigned char **out) {
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr e;
  unsigned long len = 0;
  *out = NULL;
  c.err = jpeg_std_error(&e);
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, out, &len);
  c.image_width = (JDIMENSION)w;
  c.image_height = (JDIMENSION)h;
  c.input_components = nc;
  c.in_color_space = nc == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 85, TRUE);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = (JSAMPROW)(px + (size_t)c.next_scanline * w * nc);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  return len;
}

/* Decode with plain libjpeg defaults (JCS_RGB or grey, one row a call) into floats. */
static float *plain_decode(const unsigned char *jpg, unsigned long len, int *w, int *h) {
  struct jpeg_decompress_struct c;
  struct jpeg_error_mgr e;
  c.err = jpeg_std_error(&e);
  jpeg_create_decompress(&c);
  jpeg_mem_src(&c, jpg, len);
  jpeg_read_header(&c, TRUE);
  jpeg_start_decompress(&c);
  *w = (int)c.output_width;
  *h = (int)c.output_height;
  int nc = c.output_components;
  unsigned char *row = malloc((size_t)*w * nc);
  float *luma = malloc(sizeof(float) * (size_t)*w * *h);
  while (c.output_scanline < c.output_height) {
    float *dst = luma + (size_t)c.output_scanline * *w;
    jpeg_read_scanlines(&c, &row, 1);
    for (int x = 0; x < *w; x++) /* the reference's luma: float products, summed in order */
      dst[x] = nc == 1 ? (float)row[x]
                       : (float)0.299 * (float)row[3 * x] + (float)0.587 * (float)row[3 * x + 1] +
                             (float)0.114 * (float)row[3 * x + 2];
  }
  jpeg_finish_decompress(&c);
  jpeg_destroy_decompress(&c);
  free(row);
  return luma;
}

Test(image, jpeg_fast_path_equals_plain_libjpeg) {
  enum { W = 203, H = 77 }; /* odd sizes: partial SIMD steps and partial row batches */
  static unsigned char px[W * H * 3];
  srand(4242);
  for (int nc = 1; nc <= 3; nc += 2) {
    for (int i = 0; i < W * H * nc; i++)
      px[i] = (unsigned char)((i / nc % W) * 3 + (i / (W * nc)) * 2 + rand() % 40 + i % nc * 50);
    unsigned char *jpg;
    unsigned long len = encode_jpeg(px, W, H, nc, &jpg);
    int w, h;
    float *want = plain_decode(jpg, len, &w, &h);
    hd_luma_image_t img;
    cr_assert_eq(hd_image_decode_luma(hd_iov(jpg, len), HD_IMAGE_DEFAULT_MAX_PIXELS, &img), 0);
    cr_assert_eq(img.width, W);
    cr_assert_eq(img.height, H);
    cr_assert_eq(memcmp(img.luma, want, sizeof(float) * W * H), 0, "%d components", nc);
    /* the streamed path (RGBX rows converted inside the filter) hashes the same pixels */
    hd_pdq_work_t pw;
    hd_pdq_hash_t ha[HD_PDQ_NUM_DIHEDRAL], hb[HD_PDQ_NUM_DIHEDRAL];
    int qa, qb;
    hd_pdq_work_init(&pw);
    cr_assert_eq(hd_pdq_hash_luma(want, H, W, &pw, ha, HD_PDQ_NUM_DIHEDRAL, &qa), 0);
    cr_assert_eq(
        hd_pdq_hash_bytes(hd_iov(jpg, len), HD_PDQ_PROFILE_FULL, &pw, hb, HD_PDQ_NUM_DIHEDRAL, &qb),
        0);
    for (int d = 0; d < HD_PDQ_NUM_DIHEDRAL; d++)
      cr_assert_eq(hd_pdq_distance(&ha[d], &hb[d]), 0, "%d components, hash %d", nc, d);
    cr_assert_eq(qa, qb);
    hd_pdq_work_dispose(&pw);
    hd_luma_image_dispose(&img);
    free(want);
    free(jpg);
  }
}
