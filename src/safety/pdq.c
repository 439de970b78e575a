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
 * 8 floats of a GCC vector (two SSE2 registers, or one AVX2 register in the clone the loader
 * picks on CPUs that have it), so 8 (or S) independent sums advance together:
 *
 *   vertical pass:    lanes = the S (cols rounded up to 8) columns, steps = rows
 *   horizontal pass:  8 rows are transposed (4×4 register shuffles) into a cols×8 strip
 *                     (L1-resident), lanes = the 8 rows, steps = columns, then transposed back
 *
 *   luma ─pass 1 (rows)─► b1 ─pass 2 (cols)─► ring[8 rows] ─pass 3 (rows, 64 sampled cols)─►
 *        b2 (rows×64) ─pass 4 (cols, sampled rows)─► b1 ─► out64
 *
 * Pass 2 hands each finished row to pass 3 through an 8-row ring (box_lanes' row callback),
 * so its full-size output never goes to memory. Passes 3 and 4 divide only at the indices the
 * 64×64 decimation samples (`want`), and pass 3 writes only the 64 sampled columns, so pass 4
 * filters a rows×64 matrix.
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

/* Called by box_lanes after each output row, so a consumer can take rows from a small ring. */
typedef struct {
  void (*fn)(void *ctx, int row);
  void *ctx;
} row_sink_t;

/* 8 float lanes for the box filter: two SSE2 registers, or one AVX2 register in the clone. */
typedef float v8f __attribute__((vector_size(32)));
/* an unaligned, aliasing view for loads and stores (macros: no v8f crosses a call ABI) */
typedef float v8f_u __attribute__((vector_size(32), aligned(4), may_alias));
#define ld8(p)    (*(const v8f_u *)(p))
#define st8(p, v) (*(v8f_u *)(p) = (v))
#define splat8(f) ((v8f){(f), (f), (f), (f), (f), (f), (f), (f)})

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) &&       \
    !defined(HD_PDQ_NO_CLONES)
#define HD_PDQ_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define HD_PDQ_CLONES
#endif

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
  memset(w, 0, sizeof(*w));
}

/*
 * Box-filter `len` steps of 8*n8 lanes: in step s lane l is in[s*in_stride + l]. Writes
 * out[o*out_stride + l] for each output o with want == NULL or want[o] != 0. `sum` is
 * scratch of 8*n8 floats. With rs, output row o goes to out[(o % 8)*out_stride + l] (a ring of
 * 8 rows) and rs->fn(rs->ctx, o) runs once it is written. On x86-64 GCC also emits an AVX2 clone
 * chosen at load time (ifunc): the same element-wise IEEE operations on 8-float registers (AVX2
 * does not enable FMA, and ISO C mode does not contract), so both clones produce identical bits.
 */
HD_PDQ_CLONES
static void box_lanes(const float *in, size_t in_stride, float *out, size_t out_stride, int len,
                      int n8, int w, const uint8_t *want, float *sum, const row_sink_t *rs) {
  int half = (w + 2) / 2;
  int p1 = half - 1, p2 = w - half + 1, p3 = len - w, p4 = half - 1;
  int ri = 0, li = 0, oi = 0, n = 0;
  memset(sum, 0, sizeof(float) * 8 * (size_t)n8);
  for (int s = 0; s < p1; s++, ri++) {
    const float *a = in + (size_t)ri * in_stride;
    for (int c = 0; c < n8; c++)
      st8(sum + 8 * c, ld8(sum + 8 * c) + ld8(a + 8 * c));
    n++;
  }
  for (int s = 0; s < p2; s++, ri++, oi++) {
    const float *a = in + (size_t)ri * in_stride;
    float *o = out + (size_t)(rs ? (oi & 7) : oi) * out_stride;
    n++;
    v8f d = splat8((float)n);
    int wr = !want || want[oi];
    for (int c = 0; c < n8; c++) {
      v8f v = ld8(sum + 8 * c) + ld8(a + 8 * c);
      st8(sum + 8 * c, v);
      if (wr)
        st8(o + 8 * c, v / d);
    }
    if (rs)
      rs->fn(rs->ctx, oi);
  }
  {
    v8f d = splat8((float)n);
    for (int s = 0; s < p3; s++, ri++, li++, oi++) {
      const float *a = in + (size_t)ri * in_stride, *b = in + (size_t)li * in_stride;
      float *o = out + (size_t)(rs ? (oi & 7) : oi) * out_stride;
      if (!want || want[oi]) {
        for (int c = 0; c < n8; c++) {
          v8f v = (ld8(sum + 8 * c) + ld8(a + 8 * c)) - ld8(b + 8 * c);
          st8(sum + 8 * c, v);
          st8(o + 8 * c, v / d);
        }
      } else {
        for (int c = 0; c < n8; c++)
          st8(sum + 8 * c, (ld8(sum + 8 * c) + ld8(a + 8 * c)) - ld8(b + 8 * c));
      }
      if (rs)
        rs->fn(rs->ctx, oi);
    }
  }
  for (int s = 0; s < p4; s++, li++, oi++) {
    const float *b = in + (size_t)li * in_stride;
    float *o = out + (size_t)(rs ? (oi & 7) : oi) * out_stride;
    n--;
    v8f d = splat8((float)n);
    int wr = !want || want[oi];
    for (int c = 0; c < n8; c++) {
      v8f v = ld8(sum + 8 * c) - ld8(b + 8 * c);
      st8(sum + 8 * c, v);
      if (wr)
        st8(o + 8 * c, v / d);
    }
    if (rs)
      rs->fn(rs->ctx, oi);
  }
}

/* 4×4 transpose of rows a..d (lane shuffles only: values are moved, never recomputed). */
#if defined(__clang__)
#define SHUF4(x, y, i, j, k, l) __builtin_shufflevector(x, y, i, j, k, l)
#else
typedef int v4i __attribute__((vector_size(16)));
#define SHUF4(x, y, i, j, k, l) __builtin_shuffle(x, y, (v4i){i, j, k, l})
#endif

static inline void transpose4(v4f *a, v4f *b, v4f *c, v4f *d) {
  v4f t0 = SHUF4(*a, *b, 0, 4, 1, 5), t1 = SHUF4(*a, *b, 2, 6, 3, 7);
  v4f t2 = SHUF4(*c, *d, 0, 4, 1, 5), t3 = SHUF4(*c, *d, 2, 6, 3, 7);
  *a = SHUF4(t0, t2, 0, 1, 4, 5);
  *b = SHUF4(t0, t2, 2, 3, 6, 7);
  *c = SHUF4(t1, t3, 0, 1, 4, 5);
  *d = SHUF4(t1, t3, 2, 3, 6, 7);
}

/* Strip t[c * 8 + k0 + i] = row i (of 4) column c, for cols columns. */
static void rows_to_strip(const float *const src[4], int cols, float *t, int k0) {
  int c = 0;
  for (; c + 4 <= cols; c += 4) {
    v4f a = ld4(src[0] + c), b = ld4(src[1] + c), cc = ld4(src[2] + c), d = ld4(src[3] + c);
    transpose4(&a, &b, &cc, &d);
    st4(t + (size_t)c * 8 + k0, a);
    st4(t + (size_t)(c + 1) * 8 + k0, b);
    st4(t + (size_t)(c + 2) * 8 + k0, cc);
    st4(t + (size_t)(c + 3) * 8 + k0, d);
  }
  for (; c < cols; c++)
    for (int i = 0; i < 4; i++)
      t[(size_t)c * 8 + k0 + i] = src[i][c];
}

/* The inverse: row i (of 4) column c = t[c * 8 + k0 + i]. */
static void strip_to_rows(const float *t, int cols, int k0, float *const dst[4]) {
  int c = 0;
  for (; c + 4 <= cols; c += 4) {
    v4f a = ld4(t + (size_t)c * 8 + k0), b = ld4(t + (size_t)(c + 1) * 8 + k0);
    v4f cc = ld4(t + (size_t)(c + 2) * 8 + k0), d = ld4(t + (size_t)(c + 3) * 8 + k0);
    transpose4(&a, &b, &cc, &d);
    st4(dst[0] + c, a);
    st4(dst[1] + c, b);
    st4(dst[2] + c, cc);
    st4(dst[3] + c, d);
  }
  for (; c < cols; c++)
    for (int i = 0; i < 4; i++)
      dst[i][c] = t[(size_t)c * 8 + k0 + i];
}

/*
 * Horizontal pass: filter each of `rows` rows of `cols` floats with window w. With sel == NULL
 * writes every column to out (stride out_stride); else writes out[r*64 + j] = filtered
 * column sel[j] for j < 64, where want marks the columns in sel. Rows past the image in the
 * last strip read from `zero` (cols zero floats) and are written to `sink`.
 */
static void box_rows(const float *in, size_t in_stride, float *out, size_t out_stride, int rows,
                     int cols, int w, const int *sel, const uint8_t *want, float *t1, float *t2,
                     const float *zero, float *sink) {
  float sum[8];
  for (int r0 = 0; r0 < rows; r0 += 8) {
    int lanes = HD_MIN(8, rows - r0);
    for (int k0 = 0; k0 < 8; k0 += 4) {
      const float *src[4];
      for (int i = 0; i < 4; i++)
        src[i] = k0 + i < lanes ? in + (size_t)(r0 + k0 + i) * in_stride : zero;
      rows_to_strip(src, cols, t1, k0);
    }
    box_lanes(t1, 8, t2, 8, cols, 1, w, want, sum, NULL);
    if (sel) {
      for (int k = 0; k < lanes; k++) {
        float *dst = out + (size_t)(r0 + k) * out_stride;
        for (int j = 0; j < 64; j++)
          dst[j] = t2[(size_t)sel[j] * 8 + k];
      }
      continue;
    }
    for (int k0 = 0; k0 < lanes; k0 += 4) {
      float *dst[4];
      for (int i = 0; i < 4; i++)
        dst[i] = k0 + i < lanes ? out + (size_t)(r0 + k0 + i) * out_stride : sink;
      strip_to_rows(t2, cols, k0, dst);
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

/* Pass 3 fed from pass 2's ring: the state box_lanes' row callback needs. */
typedef struct {
  const float *ring;
  size_t S;
  float *out; /* rows×64 */
  int rows, cols, w;
  const int *sel;
  const uint8_t *want;
  float *t1, *t2;
  const float *zero;
  float *sink;
} pass3_t;

/* Once ring rows r0..row (r0 = row rounded down to 8) are complete, filter them along rows. */
static void pass3_rows(void *ctx, int row) {
  pass3_t *p = ctx;
  if ((row & 7) != 7 && row != p->rows - 1)
    return;
  int r0 = row & ~7;
  box_rows(p->ring, p->S, p->out + (size_t)r0 * 64, 64, row - r0 + 1, p->cols, p->w, p->sel,
           p->want, p->t1, p->t2, p->zero, p->sink);
}

/* Where downsample's buffers live for a rows×cols image (see reserve()). */
typedef struct {
  size_t S, wide, plane, strip;
  float *b1, *b2, *t1, *t2, *sum, *zero, *sink, *ring;
} layout_t;

/* Size work for a rows×cols image and lay out the buffers; HD_ERR_TOO_LARGE if impossible. */
static int reserve(hd_pdq_work_t *work, int rows, int cols, layout_t *L) {
  L->S = ((size_t)cols + 7) & ~(size_t)7;
  L->wide = HD_MAX(L->S, (size_t)64);
  L->plane = (size_t)rows * L->wide;
  L->strip = (size_t)cols * 8;
  /* per buffer: plane, strip; buf1 tail: zero row; buf2 tail: sum, sink row, 8-row ring */
  size_t need = L->plane + L->strip + 10 * L->wide;
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
  L->b1 = work->buf1;
  L->b2 = work->buf2;
  L->t1 = L->b1 + L->plane;
  L->zero = L->t1 + L->strip;
  L->t2 = L->b2 + L->plane;
  L->sum = L->t2 + L->strip;
  L->sink = L->sum + L->wide;
  L->ring = L->sink + L->wide;
  return 0;
}

int hd_pdq_stream_begin(hd_pdq_work_t *work, int rows, int cols) {
  layout_t L;
  work->rows = work->cols = work->next = 0;
  if (rows < HD_PDQ_MIN_DIM || cols < HD_PDQ_MIN_DIM)
    return HD_ERR_IMAGE_TOO_SMALL;
  int err = reserve(work, rows, cols, &L);
  if (err)
    return err;
  memset(L.zero, 0, sizeof(float) * L.wide);
  work->rows = rows;
  work->cols = cols;
  return 0;
}

void hd_pdq_stream_push(hd_pdq_work_t *work, const float *luma, int n) {
  layout_t L;
  int rows = work->rows, cols = work->cols, y = work->next;
  HD_ASSERT(rows > 0 && n >= 0 && n <= rows - y);
  int err = reserve(work, rows, cols, &L); /* sized by begin: no allocation here */
  HD_ASSERT(err == 0);
  float *dst = L.b1 + (size_t)y * L.S;
  if (rows == 64 && cols == 64) { /* the reference skips the filter at exactly 64×64 */
    for (int r = 0; r < n; r++)
      memcpy(dst + (size_t)r * L.S, luma + (size_t)r * 64, 64 * sizeof(float));
  } else {
    /* pass 1: rows of luma -> b1 (stride S); rows are independent, so any batch works */
    box_rows(luma, (size_t)cols, dst, L.S, n, cols, (cols + 127) / 128, NULL, NULL, L.t1, L.t2,
             L.zero, L.sink);
  }
  for (int r = 0; r < n && L.S > (size_t)cols; r++) /* zero pad columns for pass 2 */
    memset(dst + (size_t)r * L.S + cols, 0, sizeof(float) * (L.S - (size_t)cols));
  work->next = y + n;
}

/* Passes 2-4 over b1 (pass 1 done) and decimation into out64. */
static void downsample_rest(hd_pdq_work_t *work, float out64[64][64]) {
  layout_t L;
  int rows = work->rows, cols = work->cols, err = reserve(work, rows, cols, &L);
  HD_ASSERT(err == 0);
  if (rows == 64 && cols == 64) {
    for (int i = 0; i < 64; i++)
      memcpy(out64[i], L.b1 + (size_t)i * L.S, sizeof(out64[i]));
    return;
  }
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
  /* passes 2+3: columns of b1 into an 8-row ring; each full ring is filtered along rows
   * (sampled columns only) into b2 as rows×64, so pass 2's output never goes to memory */
  pass3_t p3 = {L.ring, L.S, L.b2, rows, cols, wr, sel_c, want_c, L.t1, L.t2, L.zero, L.sink};
  row_sink_t rs = {pass3_rows, &p3};
  box_lanes(L.b1, L.S, L.ring, L.S, rows, (int)(L.S / 8), wc, NULL, L.sum, &rs);
  /* pass 4: columns of the rows×64 matrix, sampled rows only */
  box_lanes(L.b2, 64, L.b1, 64, rows, 8, wc, want_r, L.sum, NULL);
  for (int i = 0; i < 64; i++)
    memcpy(out64[i], L.b1 + (size_t)sel_r[i] * 64, sizeof(out64[i]));
  hd_mem_free(want_c);
}

int hd_pdq_stream_finish(hd_pdq_work_t *work, hd_pdq_hash_t *out, int ndihedral, int *quality) {
  float a64[64][64], dct[16][16], aux[16][16];
  HD_ASSERT(ndihedral >= 1 && ndihedral <= HD_PDQ_NUM_DIHEDRAL);
  HD_ASSERT(work->rows > 0 && work->next == work->rows);
  pthread_once(&dct_once, dct_matrix_init);
  downsample_rest(work, a64);
  work->rows = work->cols = work->next = 0;
  *quality = quality_metric((const float(*)[64])a64);
  dct64_to_16((const float(*)[64])a64, dct);
  bits_from_dct((const float(*)[16])dct, &out[0]);
  for (int d = 1; d < ndihedral; d++) {
    dct_dihedral((const float(*)[16])dct, (hd_pdq_dihedral_t)d, aux);
    bits_from_dct((const float(*)[16])aux, &out[d]);
  }
  return 0;
}

int hd_pdq_hash_luma(const float *luma, int rows, int cols, hd_pdq_work_t *work, hd_pdq_hash_t *out,
                     int ndihedral, int *quality) {
  HD_ASSERT(ndihedral >= 1 && ndihedral <= HD_PDQ_NUM_DIHEDRAL);
  int err = hd_pdq_stream_begin(work, rows, cols);
  if (err)
    return err;
  hd_pdq_stream_push(work, luma, rows);
  return hd_pdq_stream_finish(work, out, ndihedral, quality);
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
