/*
 * pdq.c — PDQ hashing core: Jarosz filter, decimation, quality, DCT, dihedral bits.
 *
 * See pdq.h for the algorithm. This file is about doing it fast without changing a bit.
 *
 * The box filter (reference: one running sum per row or column, walked in order):
 *
 *   step:   0  1  2 … w-1 | w … len-1        | (drain)
 *   sum:   +a0 +a1 …      | +a[ri] -a[li]    | -a[li]
 *   write:       from step half-1 on, out[o] = sum / window   (window grows, stays, shrinks)
 *
 * Every lane of box_lanes() runs that exact sequence for one row or column; the lanes are the
 * 8 floats of a GCC vector, so 8 (or S) independent sums advance together:
 *
 *   vertical pass:    lanes = the S (cols rounded up to 8) columns, steps = rows
 *   horizontal pass:  8 rows are transposed into a cols×8 strip (L1-resident), lanes = the 8
 *                     rows, steps = columns, then transposed back
 *
 * Passes 3 and 4 divide only at the indices the 64×64 decimation samples (`want`), and pass 3
 * writes only the 64 sampled columns, so pass 4 filters a rows×64 matrix.
 *
 * Invariants:
 *  1. (pdq.h 1) Each lane computes sum += in[ri]; sum -= in[li]; out = sum / (float)n with the
 *     reference's phase lengths; vector ops are element-wise IEEE, so lanes equal the
 *     reference's scalar results. tests/unit/safety/pdq.c checks this against a plain port.
 *  2. Pad lanes (columns cols..S-1, rows past the image in a strip) are zero-filled inputs
 *     whose results are never read.
 *  3. work->buf1/buf2 each hold at least rows * max(S, 64) floats, plus the strip scratch.
 */
#include "safety/pdq.h"

#include "common/error.h"
#include "common/mem.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* 4 float lanes: SSE2 on x86-64, NEON on arm64; element-wise IEEE arithmetic either way. */
typedef float v4f __attribute__((vector_size(16)));

static inline v4f ld4(const float *p) {
  v4f v;
  memcpy(&v, p, sizeof(v));
  return v;
}
static inline void st4(float *p, v4f v) { memcpy(p, &v, sizeof(v)); }
static inline v4f splat4(float f) { return (v4f){f, f, f, f}; }

/* ---- DCT matrix: rows 1..16 of the 64-point DCT-II, computed as the reference does ---- */

static float dct_matrix[16][64];
static pthread_once_t dct_once = PTHREAD_ONCE_INIT;

static void dct_matrix_init(void) {
  const float scale = (float)sqrt(2.0 / 64.0);
  const double pi = 3.14159265358979323846;
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 64; j++)
      dct_matrix[i][j] =
          (float)(scale * cos((pi / 2.0 / 64.0) * (double)(i + 1) * (double)(2 * j + 1)));
}

void hd_pdq_work_init(hd_pdq_work_t *w) { memset(w, 0, sizeof(*w)); }

void hd_pdq_work_dispose(hd_pdq_work_t *w) {
  hd_mem_free(w->buf1);
  w->buf1 = w->buf2 = NULL;
  w->cap = 0;
}

/*
 * Box-filter `len` steps of 4*n4 lanes: in step s lane l is in[s*in_stride + l]. Writes
 * out[o*out_stride + l] for each output o with want == NULL or want[o] != 0. `sum` is
 * scratch of 4*n4 floats.
 */
static void box_lanes(const float *in, size_t in_stride, float *out, size_t out_stride, int len,
                      int n4, int w, const uint8_t *want, float *sum) {
  int half = (w + 2) / 2;
  int p1 = half - 1, p2 = w - half + 1, p3 = len - w, p4 = half - 1;
  int ri = 0, li = 0, oi = 0, n = 0;
  memset(sum, 0, sizeof(float) * 4 * (size_t)n4);
  for (int s = 0; s < p1; s++, ri++) {
    const float *a = in + (size_t)ri * in_stride;
    for (int c = 0; c < n4; c++)
      st4(sum + 4 * c, ld4(sum + 4 * c) + ld4(a + 4 * c));
    n++;
  }
  for (int s = 0; s < p2; s++, ri++, oi++) {
    const float *a = in + (size_t)ri * in_stride;
    float *o = out + (size_t)oi * out_stride;
    n++;
    v4f d = splat4((float)n);
    int wr = !want || want[oi];
    for (int c = 0; c < n4; c++) {
      v4f v = ld4(sum + 4 * c) + ld4(a + 4 * c);
      st4(sum + 4 * c, v);
      if (wr)
        st4(o + 4 * c, v / d);
    }
  }
  {
    v4f d = splat4((float)n);
    for (int s = 0; s < p3; s++, ri++, li++, oi++) {
      const float *a = in + (size_t)ri * in_stride, *b = in + (size_t)li * in_stride;
      float *o = out + (size_t)oi * out_stride;
      if (!want || want[oi]) {
        for (int c = 0; c < n4; c++) {
          v4f v = (ld4(sum + 4 * c) + ld4(a + 4 * c)) - ld4(b + 4 * c);
          st4(sum + 4 * c, v);
          st4(o + 4 * c, v / d);
        }
      } else {
        for (int c = 0; c < n4; c++)
          st4(sum + 4 * c, (ld4(sum + 4 * c) + ld4(a + 4 * c)) - ld4(b + 4 * c));
      }
    }
  }
  for (int s = 0; s < p4; s++, li++, oi++) {
    const float *b = in + (size_t)li * in_stride;
    float *o = out + (size_t)oi * out_stride;
    n--;
    v4f d = splat4((float)n);
    int wr = !want || want[oi];
    for (int c = 0; c < n4; c++) {
      v4f v = ld4(sum + 4 * c) - ld4(b + 4 * c);
      st4(sum + 4 * c, v);
      if (wr)
        st4(o + 4 * c, v / d);
    }
  }
}

/*
 * Horizontal pass: filter each of `rows` rows of `cols` floats with window w. With sel == NULL
 * writes every column to out (stride out_stride); else writes out[r*64 + j] = filtered
 * column sel[j] for j < 64, where want marks the columns in sel.
 */
static void box_rows(const float *in, size_t in_stride, float *out, size_t out_stride, int rows,
                     int cols, int w, const int *sel, const uint8_t *want, float *t1, float *t2) {
  float sum[8];
  for (int r0 = 0; r0 < rows; r0 += 8) {
    int lanes = HD_MIN(8, rows - r0);
    for (int k = 0; k < 8; k++) {
      if (k < lanes) {
        const float *src = in + (size_t)(r0 + k) * in_stride;
        for (int c = 0; c < cols; c++)
          t1[(size_t)c * 8 + k] = src[c];
      } else {
        for (int c = 0; c < cols; c++)
          t1[(size_t)c * 8 + k] = 0.0f;
      }
    }
    box_lanes(t1, 8, t2, 8, cols, 2, w, want, sum);
    for (int k = 0; k < lanes; k++) {
      float *dst = out + (size_t)(r0 + k) * out_stride;
      if (sel) {
        for (int j = 0; j < 64; j++)
          dst[j] = t2[(size_t)sel[j] * 8 + k];
      } else {
        for (int c = 0; c < cols; c++)
          dst[c] = t2[(size_t)c * 8 + k];
      }
    }
  }
}

static int quality_metric(const float a[64][64]) {
  int sum = 0;
  for (int i = 0; i < 63; i++)
    for (int j = 0; j < 64; j++) {
      int d = (int)(((a[i][j] - a[i + 1][j]) * 100) / 255);
      sum += abs(d);
    }
  for (int i = 0; i < 64; i++)
    for (int j = 0; j < 63; j++) {
      int d = (int)(((a[i][j] - a[i][j + 1]) * 100) / 255);
      sum += abs(d);
    }
  int q = sum / 90;
  return q > 100 ? 100 : q;
}

/* B = D A D^T with the reference's summation order (k ascending, one float accumulator). */
static void dct64_to_16(const float a[64][64], float b[16][16]) {
  float t[16][64];
  for (int i = 0; i < 16; i++) {
    float acc[64] = {0};
    for (int k = 0; k < 64; k++) {
      v4f d = splat4(dct_matrix[i][k]);
      for (int c = 0; c < 16; c++)
        st4(acc + 4 * c, ld4(acc + 4 * c) + d * ld4(&a[k][4 * c]));
    }
    memcpy(t[i], acc, sizeof(acc));
  }
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++) {
      float s = 0.0f;
      for (int k = 0; k < 64; k++)
        s += t[i][k] * dct_matrix[j][k];
      b[i][j] = s;
    }
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* Threshold at the 128th smallest value, which is what the reference's Torben median picks. */
static void bits_from_dct(const float b[16][16], hd_pdq_hash_t *h) {
  float tmp[256];
  memcpy(tmp, b, sizeof(tmp));
  qsort(tmp, 256, sizeof(float), cmp_float);
  float median = tmp[127];
  memset(h, 0, sizeof(*h));
  const float *v = &b[0][0];
  for (int k = 0; k < 256; k++)
    if (v[k] > median)
      h->w[k >> 6] |= (uint64_t)1 << (k & 63);
}

/* Apply dihedral transform d to the DCT coefficients (sign flips and transposes). */
static void dct_dihedral(const float a[16][16], hd_pdq_dihedral_t d, float b[16][16]) {
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++) {
      float v = a[i][j];
      switch (d) {
      case HD_PDQ_ROT90:
        b[j][i] = (j & 1) ? v : -v;
        break;
      case HD_PDQ_ROT180:
        b[i][j] = ((i + j) & 1) ? -v : v;
        break;
      case HD_PDQ_ROT270:
        b[j][i] = (i & 1) ? v : -v;
        break;
      case HD_PDQ_FLIPX:
        b[i][j] = (i & 1) ? v : -v;
        break;
      case HD_PDQ_FLIPY:
        b[i][j] = (j & 1) ? v : -v;
        break;
      case HD_PDQ_FLIP_PLUS1:
        b[j][i] = v;
        break;
      case HD_PDQ_FLIP_MINUS1:
        b[j][i] = ((i + j) & 1) ? -v : v;
        break;
      default:
        b[i][j] = v;
        break;
      }
    }
}

/* Blur and decimate rows×cols luma into out64 (the reference's jaroszFilterFloat + decimate). */
static int downsample(const float *luma, int rows, int cols, hd_pdq_work_t *work,
                      float out64[64][64]) {
  size_t S = ((size_t)cols + 7) & ~(size_t)7;
  size_t wide = HD_MAX(S, (size_t)64);
  size_t plane = (size_t)rows * wide;
  size_t strip = (size_t)cols * 8;
  size_t need = plane + strip + wide; /* per buffer; buf2 tail holds sum scratch */
  if (need > work->cap) {
    if (need > ((size_t)1 << 40) / (2 * sizeof(float)))
      return HD_ERR_TOO_LARGE;
    float *p = hd_mem_try_alloc(2 * need * sizeof(float));
    if (!p)
      return HD_ERR_TOO_LARGE;
    hd_mem_free(work->buf1);
    work->buf1 = p;
    work->buf2 = p + need;
    work->cap = need;
  }
  float *b1 = work->buf1, *b2 = work->buf2;
  float *t1 = b1 + plane, *t2 = b2 + plane, *sum = b2 + plane + strip;
  int wr = (cols + 127) / 128, wc = (rows + 127) / 128;

  int sel_c[64], sel_r[64];
  uint8_t *want_c = hd_mem_calloc((size_t)cols + (size_t)rows);
  uint8_t *want_r = want_c + cols;
  for (int i = 0; i < 64; i++) {
    sel_r[i] = (int)(((i + 0.5) * rows) / 64);
    sel_c[i] = (int)(((i + 0.5) * cols) / 64);
    want_r[sel_r[i]] = 1;
    want_c[sel_c[i]] = 1;
  }
  /* pass 1: rows of luma -> b1 (stride S); zero the pad columns for pass 2 */
  box_rows(luma, (size_t)cols, b1, S, rows, cols, wr, NULL, NULL, t1, t2);
  for (int r = 0; r < rows && S > (size_t)cols; r++)
    memset(b1 + (size_t)r * S + cols, 0, sizeof(float) * (S - (size_t)cols));
  /* pass 2: columns b1 -> b2 */
  box_lanes(b1, S, b2, S, rows, (int)(S / 4), wc, NULL, sum);
  /* pass 3: rows b2 -> b1 as rows×64 (sampled columns only) */
  box_rows(b2, S, b1, 64, rows, cols, wr, sel_c, want_c, t1, t2);
  /* pass 4: columns of the rows×64 matrix, sampled rows only */
  box_lanes(b1, 64, b2, 64, rows, 16, wc, want_r, sum);
  for (int i = 0; i < 64; i++)
    memcpy(out64[i], b2 + (size_t)sel_r[i] * 64, sizeof(out64[i]));
  hd_mem_free(want_c);
  return 0;
}

int hd_pdq_hash_luma(const float *luma, int rows, int cols, hd_pdq_work_t *work, hd_pdq_hash_t *out,
                     int ndihedral, int *quality) {
  float a64[64][64], dct[16][16], aux[16][16];
  HD_ASSERT(ndihedral >= 1 && ndihedral <= HD_PDQ_NUM_DIHEDRAL);
  if (rows < HD_PDQ_MIN_DIM || cols < HD_PDQ_MIN_DIM)
    return HD_ERR_IMAGE_TOO_SMALL;
  pthread_once(&dct_once, dct_matrix_init);
  if (rows == 64 && cols == 64) {
    memcpy(a64, luma, sizeof(a64)); /* the reference skips the filter at exactly 64×64 */
  } else {
    int err = downsample(luma, rows, cols, work, a64);
    if (err)
      return err;
  }
  *quality = quality_metric((const float(*)[64])a64);
  dct64_to_16((const float(*)[64])a64, dct);
  bits_from_dct((const float(*)[16])dct, &out[0]);
  for (int d = 1; d < ndihedral; d++) {
    dct_dihedral((const float(*)[16])dct, (hd_pdq_dihedral_t)d, aux);
    bits_from_dct((const float(*)[16])aux, &out[d]);
  }
  return 0;
}

void hd_pdq_format(const hd_pdq_hash_t *h, char out[HD_PDQ_HEX_LEN + 1]) {
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 64; i++) {
    int nib = 63 - i; /* nibble index from the least significant end */
    out[i] = hex[(h->w[nib >> 4] >> ((nib & 15) * 4)) & 15];
  }
  out[64] = '\0';
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int hd_pdq_parse(const char *s, size_t len, hd_pdq_hash_t *out) {
  hd_pdq_hash_t h = {{0, 0, 0, 0}};
  if (len != HD_PDQ_HEX_LEN)
    return HD_ERR_BAD_HASH;
  for (int i = 0; i < 64; i++) {
    int v = hexval(s[i]), nib = 63 - i;
    if (v < 0)
      return HD_ERR_BAD_HASH;
    h.w[nib >> 4] |= (uint64_t)v << ((nib & 15) * 4);
  }
  *out = h;
  return 0;
}

int hd_pdq_profile_parse(const char *s, hd_pdq_profile_t *out) {
  if (strcmp(s, "full") == 0)
    *out = HD_PDQ_PROFILE_FULL;
  else if (strcmp(s, "512") == 0)
    *out = HD_PDQ_PROFILE_512;
  else
    return HD_ERR_BAD_REQUEST;
  return 0;
}

const char *hd_pdq_dihedral_name(hd_pdq_dihedral_t d) {
  static const char *names[HD_PDQ_NUM_DIHEDRAL] = {"orig",  "rot90", "rot180", "rot270",
                                                   "flipx", "flipy", "flipp",  "flipm"};
  return (unsigned)d < HD_PDQ_NUM_DIHEDRAL ? names[d] : "?";
}
