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
 * so output o adds input o + half - 1 (while inside) and subtracts input o - (w - half + 1)
 * (once >= 0). Every SIMD lane runs that exact sequence for one row or column, so VL
 * independent sums advance together. The kernels (pdq_lanes.h) exist for VL = 16 (AVX-512F),
 * 8 (AVX2) and 4 (SSE2, NEON); hd_pdq_stream_begin picks the widest the CPU runs. Horizontal
 * passes need rows in lanes, vertical passes columns, so data is transposed between passes,
 * always as VL×VL blocks in registers (transpose16/8/4). The whole filter streams: rows
 * arrive from the decoder in batches (hd_pdq_stream_push, or _push_rgbx with luma computed
 * here) and only rings of rows are kept (P1 = 16 rows, P3 = 32 for every width):
 *
 *   P1 pushed rows (float luma, or RGBX → luma in registers; `stage` only for unaligned pushes)
 *     ─► pass 1 (rows, window wr, strip_pass1): transposed into a cols×P1 strip t1, one
 *        running sum per row, each VL outputs transposed back from an L1 tile ─► ring1
 *     ─► pass 2 (columns, window wc, pass2_group): P3 output rows at a time once their inputs
 *        are in ring1; lanes = VL columns, sums in sum2; the VL×VL output blocks are
 *        transposed in registers straight into pass 3's cols×P3 strip t1
 *     ─► pass 3 (rows, window wr, strip_pass3): P3 rows as P3 / VL lane vectors (that many
 *        dependency chains), dividing only at the 64 sampled columns ─► b2 (rows × 64)
 *   finish: pass 4 (columns of b2, 64 lanes, sampled rows only) ─► b4 ─► 64×64 ─► DCT, bits
 *
 * Measured and not done: replacing sum / n by a reciprocal multiply (+ FMA correction) — the
 * loops are bound by the add/subtract dependency chains and by transposes, not by division
 * (swapping the divisions for multiplications changed the filter time by < 5 %, in the noise);
 * decoding 4:2:0 JPEGs with raw_data_out and upsampling / converting here (image.c).
 *
 * Invariants:
 *  1. (pdq.h 1) Each lane computes sum + in[ri], (sum + in[ri]) - in[li] or sum - in[li],
 *     then sum / (float)n, with the reference's phase lengths and starting from sum = +0;
 *     pass 2 writes the first and last forms as (sum + in[ri]) - 0 and (sum + 0) - in[li],
 *     which are the same bits because a running sum is never -0 (advance_pass2). Vector ops
 *     are element-wise IEEE and ISO C mode does not contract to FMA (no kernel target enables
 *     FMA either), so every kernel width's lanes equal the reference's scalar results.
 *     tests/unit/safety/pdq.c checks this against a plain port, in any push batch sizes, for
 *     each kernel width (hd_pdq_work_t.lanes).
 *  2. Transposes only move values (lane shuffles), never recompute them; RGBX → luma in pass 1
 *     is (0.299 R + 0.587 G) + 0.114 B element-wise, the same operations as image.c.
 *  3. Pad lanes (rows past the image in a strip, columns cols..S-1 of ring1) read zeros
 *     (`zero`; ring1's pad columns are zeroed by begin and rewritten only with zeros by
 *     strip_pass1's last tile) and write to `sink` or to pad columns; their results are never
 *     read.
 *  4. ring1 holds R1 = wc + SH1MAX + SH3MAX rows: pass 2 never reads a slot overwritten
 *     since its row was written (advance_pass2 gives the bound).
 *  5. work->buf holds layout_t's buffers for the streamed image, sized by begin (reserve());
 *     push and finish never allocate.
 */
#include "safety/pdq.h"

#include "common/error.h"
#include "common/mem.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* 4 float lanes (the DCT): SSE2 on x86-64, NEON on arm64; element-wise IEEE either way. */
typedef float v4f __attribute__((vector_size(16)));

static inline v4f ld4(const float *p) {
  v4f v;
  memcpy(&v, p, sizeof(v));
  return v;
}
static inline void st4(float *p, v4f v) { memcpy(p, &v, sizeof(v)); }
static inline v4f splat4(float f) { return (v4f){f, f, f, f}; }

/* The filter's lane vectors: 16 floats (AVX-512), 8 (AVX2) or 4 (SSE2, NEON), each one native
 * register. Unaligned, aliasing views for loads and stores. */
typedef float v16f __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef int v16s __attribute__((vector_size(64)));
typedef int v8s __attribute__((vector_size(32)));
typedef int v4s __attribute__((vector_size(16)));
typedef float v16f_u __attribute__((vector_size(64), aligned(4), may_alias));
typedef float v8f_u __attribute__((vector_size(32), aligned(4), may_alias));
typedef float v4f_u __attribute__((vector_size(16), aligned(4), may_alias));
#define INLINE static inline __attribute__((always_inline))

/* broadcast f (a plain variable or constant: it is evaluated once per lane) */
#define splat16(f) ((v16f){f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f})
#define splat8(f)  ((v8f){f, f, f, f, f, f, f, f})
#define splat4v(f) ((v4f){f, f, f, f})

#define SH1MAX 16 /* largest pass-1 strip P1 (rows) */
#define SH3MAX 32 /* largest pass-2 group / pass-3 strip P3 (rows) */

/* x86-64 GCC builds compile the 16- and 8-lane kernels for AVX-512F and AVX2 and pick them at
 * run time; elsewhere only the 4-lane kernels (SSE2 / NEON) are used. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) &&       \
    !defined(HD_PDQ_NO_CLONES)
#define HD_PDQ_AVX512     __attribute__((target("avx512f")))
#define HD_PDQ_AVX2       __attribute__((target("avx2")))
#define HD_PDQ_HAVE(feat) __builtin_cpu_supports(feat)
#else
#define HD_PDQ_AVX512
#define HD_PDQ_AVX2
#define HD_PDQ_HAVE(feat) 0
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
  hd_mem_free(w->buf);
  hd_mem_free(w->file);
  memset(w, 0, sizeof(*w));
}

/* Two-source lane shuffles (values are moved, never recomputed). */
#if defined(__clang__)
#define SHUF16(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
typedef int v16i __attribute__((vector_size(64)));
#define SHUF16(a, b, ...) __builtin_shuffle(a, b, (v16i){__VA_ARGS__})
#endif
/* within each 128-bit lane: a0 b0 a1 b1 / a2 b2 a3 b3 (unpcklps / unpckhps) */
#define UNPACK_LO_PS(a, b) SHUF16(a, b, 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29)
#define UNPACK_HI_PS(a, b) SHUF16(a, b, 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31)
/* within each 128-bit lane, pairs of floats: a01 b01 / a23 b23 (unpcklpd / unpckhpd) */
#define UNPACK_LO_PD(a, b) SHUF16(a, b, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29)
#define UNPACK_HI_PD(a, b) SHUF16(a, b, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31)
/* 128-bit lanes: (a.0, a.2, b.0, b.2) / (a.1, a.3, b.1, b.3) (shuff32x4) */
#define LANES_02(a, b)     SHUF16(a, b, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27)
#define LANES_13(a, b)     SHUF16(a, b, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31)

/*
 * Transpose the 16×16 block r[row][col] in registers: 4×4 transposes inside each 128-bit
 * lane (unpack ps, then pd: u[4j + m] lane L = rows 4j..4j+3 of column 4L + m), then a 4×4
 * transpose of the 128-bit lanes (two rounds of lane shuffles).
 */
INLINE void transpose16(v16f r[16]) {
  v16f t[16], u[16];
  for (int j = 0; j < 16; j += 2) {
    t[j] = UNPACK_LO_PS(r[j], r[j + 1]);
    t[j + 1] = UNPACK_HI_PS(r[j], r[j + 1]);
  }
  for (int j = 0; j < 16; j += 4) {
    u[j] = UNPACK_LO_PD(t[j], t[j + 2]);
    u[j + 1] = UNPACK_HI_PD(t[j], t[j + 2]);
    u[j + 2] = UNPACK_LO_PD(t[j + 1], t[j + 3]);
    u[j + 3] = UNPACK_HI_PD(t[j + 1], t[j + 3]);
  }
  for (int m = 0; m < 4; m++) {
    v16f w0 = LANES_02(u[m], u[4 + m]), w1 = LANES_13(u[m], u[4 + m]);
    v16f w2 = LANES_02(u[8 + m], u[12 + m]), w3 = LANES_13(u[8 + m], u[12 + m]);
    r[m] = LANES_02(w0, w2);      /* column m:      lane 0 of each group */
    r[4 + m] = LANES_02(w1, w3);  /* column 4 + m:  lane 1 */
    r[8 + m] = LANES_13(w0, w2);  /* column 8 + m:  lane 2 */
    r[12 + m] = LANES_13(w1, w3); /* column 12 + m: lane 3 */
  }
}

/* 8×8 transposes for the 8-lane kernels. */
#if defined(__clang__)
#define SHUF8(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
typedef int v8i __attribute__((vector_size(32)));
#define SHUF8(a, b, ...) __builtin_shuffle(a, b, (v8i){__VA_ARGS__})
#endif

/* Transpose the 8×8 block r[row][col]: the same three steps as transpose16 on two 128-bit
 * lanes (unpack ps, unpack pd, then combine lanes), i.e. AVX2's unpck/shufps/vperm2f128. */
INLINE void transpose8(v8f r[8]) {
  v8f t[8], u[8];
  for (int j = 0; j < 8; j += 2) {
    t[j] = SHUF8(r[j], r[j + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[j + 1] = SHUF8(r[j], r[j + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int j = 0; j < 8; j += 4) {
    u[j] = SHUF8(t[j], t[j + 2], 0, 1, 8, 9, 4, 5, 12, 13);
    u[j + 1] = SHUF8(t[j], t[j + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    u[j + 2] = SHUF8(t[j + 1], t[j + 3], 0, 1, 8, 9, 4, 5, 12, 13);
    u[j + 3] = SHUF8(t[j + 1], t[j + 3], 2, 3, 10, 11, 6, 7, 14, 15);
  }
  for (int m = 0; m < 4; m++) {
    r[m] = SHUF8(u[m], u[4 + m], 0, 1, 2, 3, 8, 9, 10, 11);
    r[4 + m] = SHUF8(u[m], u[4 + m], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

/* 4×4 transpose for the 4-lane kernels (unpcklps/unpckhps, movlhps/movhlps). */
#if defined(__clang__)
#define SHUF4(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
typedef int v4i __attribute__((vector_size(16)));
#define SHUF4(a, b, ...) __builtin_shuffle(a, b, (v4i){__VA_ARGS__})
#endif
INLINE void transpose4(v4f r[4]) {
  v4f t0 = SHUF4(r[0], r[1], 0, 4, 1, 5), t1 = SHUF4(r[0], r[1], 2, 6, 3, 7);
  v4f t2 = SHUF4(r[2], r[3], 0, 4, 1, 5), t3 = SHUF4(r[2], r[3], 2, 6, 3, 7);
  r[0] = SHUF4(t0, t2, 0, 1, 4, 5);
  r[1] = SHUF4(t0, t2, 2, 3, 6, 7);
  r[2] = SHUF4(t1, t3, 0, 1, 4, 5);
  r[3] = SHUF4(t1, t3, 2, 3, 6, 7);
}

/* Luma of one RGBX pixel: (0.299 R + 0.587 G) + 0.114 B in float, the reference's
 * operations in its order (image.c's row_to_luma computes the same). */
static inline float rgbx_luma(const unsigned char *p) {
  return ((float)0.299 * (float)p[0] + (float)0.587 * (float)p[1]) + (float)0.114 * (float)p[2];
}

/* One lane width's kernels (pdq_lanes.h), chosen by hd_pdq_stream_begin. */
typedef struct {
  int p1, p3; /* rows of a pass-1 strip, of a pass-2 group / pass-3 strip */
  void (*pass1)(const float *const *src, const unsigned char *const *rgbx, float *const *dst,
                int cols, int w, float *t);
  void (*pass2_add)(const float *A, float *sum, int ncols);
  void (*pass2_group)(const float *const *A, const float *const *B, const float *dv, int g,
                      float *sum, int ncols, float *t);
  void (*pass3)(float *out, int nrows, int cols, int w, const int *sel, const uint8_t *want,
                const float *t1, float *t2);
  void (*pass4)(const float *in, float *out, int rows, int w, const uint8_t *want);
} kernels_t;

#define VL           16
#define P1           16
#define P3           32
#define VF           v16f
#define VFU          v16f_u
#define VI           v16s
#define VSPLAT(f)    splat16(f)
#define TRANSPOSE(r) transpose16(r)
#define FN(name)     name##_16
#define TGT          HD_PDQ_AVX512
#include "safety/pdq_lanes.h" /* undefines the parameters */

#define VL           8
#define P1           16
#define P3           32
#define VF           v8f
#define VFU          v8f_u
#define VI           v8s
#define VSPLAT(f)    splat8(f)
#define TRANSPOSE(r) transpose8(r)
#define FN(name)     name##_8
#define TGT          HD_PDQ_AVX2
#include "safety/pdq_lanes.h" /* undefines the parameters */

#define VL           4
#define P1           16
#define P3           32
#define VF           v4f
#define VFU          v4f_u
#define VI           v4s
#define VSPLAT(f)    splat4v(f)
#define TRANSPOSE(r) transpose4(r)
#define FN(name)     name##_4
#define TGT
#include "safety/pdq_lanes.h" /* undefines the parameters */

/* The widest kernels this CPU runs, or narrower ones if `lanes` (tests) asks for 8 or 4. */
static const kernels_t *pick_kernels(int lanes) {
  if ((lanes == 0 || lanes >= 16) && HD_PDQ_HAVE("avx512f"))
    return &kernels_16;
  if ((lanes == 0 || lanes >= 8) && HD_PDQ_HAVE("avx2"))
    return &kernels_8;
  return &kernels_4;
}

/* Where the stream's buffers live in work->buf for a rows×cols image (see reserve()). */
typedef struct {
  size_t S;        /* cols rounded up to 16: the lanes of pass 2 */
  int R1;          /* rows in ring1 */
  float *stage;    /* SH1MAX rows × S: pushed rows waiting to fill a strip */
  float *t1;       /* cols × P1 pass-1 strip, then cols × P3 pass-3 strip (pass2_group) */
  float *t2;       /* cols × P3: pass-3 output (only the sampled columns are written) */
  float *ring1;    /* R1 rows × S: pass-1 output, row r in slot r % R1 */
  float *sum2;     /* S: pass-2 running sums */
  float *b2, *b4;  /* rows × 64: pass-3 output, pass-4 output */
  float *zero;     /* S zeros: the source of pad lanes and of missing pass-2 operands */
  float *sink;     /* S: where pad lanes are written; a scratch row for push_rgbx */
  uint8_t *want_c; /* cols flags: columns the decimation samples */
  uint8_t *want_r; /* rows flags: rows the decimation samples */
} layout_t;

/* Size work for a rows×cols image and lay out the buffers; HD_ERR_TOO_LARGE if impossible. */
static int reserve(hd_pdq_work_t *work, int rows, int cols, layout_t *L) {
  size_t S = ((size_t)cols + 15) & ~(size_t)15, wc = ((size_t)rows + 127) / 128;
  size_t R1 = wc + SH1MAX + SH3MAX; /* see advance_pass2 */
  size_t flags = ((size_t)cols + (size_t)rows + 3) / 4;
  size_t need = SH1MAX * S + 2 * S * SH3MAX + R1 * S + S + 2 * (size_t)rows * 64 + 2 * S + flags;
  if (need > work->cap) {
    if (need > ((size_t)1 << 40) / sizeof(float))
      return HD_ERR_TOO_LARGE;
    float *p = hd_mem_try_alloc(need * sizeof(float));
    if (!p)
      return HD_ERR_TOO_LARGE;
    hd_mem_free(work->buf);
    work->buf = p;
    work->cap = need;
  }
  float *p = work->buf;
  L->S = S;
  L->R1 = (int)R1;
  L->stage = p, p += SH1MAX * S;
  L->t1 = p, p += S * SH3MAX;
  L->t2 = p, p += S * SH3MAX;
  L->ring1 = p, p += R1 * S;
  L->sum2 = p, p += S;
  L->b2 = p, p += (size_t)rows * 64;
  L->b4 = p, p += (size_t)rows * 64;
  L->zero = p, p += S;
  L->sink = p, p += S;
  L->want_c = (uint8_t *)p;
  L->want_r = L->want_c + cols;
  return 0;
}

/* The 64 rows (columns) of an n-row (-column) image that the decimation samples. */
static int sample_index(int i, int n) { return (int)(((i + 0.5) * n) / 64); }

int hd_pdq_stream_begin(hd_pdq_work_t *work, int rows, int cols) {
  layout_t L;
  work->rows = work->cols = work->next = work->staged = work->out2 = 0;
  if (rows < HD_PDQ_MIN_DIM || cols < HD_PDQ_MIN_DIM)
    return HD_ERR_IMAGE_TOO_SMALL;
  int err = reserve(work, rows, cols, &L);
  if (err)
    return err;
  memset(L.zero, 0, sizeof(float) * L.S);
  memset(L.sum2, 0, sizeof(float) * L.S);
  memset(L.want_c, 0, (size_t)cols + (size_t)rows);
  for (int i = 0; i < 64; i++) {
    L.want_c[sample_index(i, cols)] = 1;
    L.want_r[sample_index(i, rows)] = 1;
  }
  for (int r = 0; r < L.R1; r++) /* pad columns of pass 2's input (invariant 3) */
    memset(L.ring1 + (size_t)r * L.S + cols, 0, sizeof(float) * (L.S - (size_t)cols));
  work->strip = pick_kernels(work->lanes)->p1;
  work->rows = rows;
  work->cols = cols;
  return 0;
}

/*
 * Advance passes 2 and 3 over the pass-1 rows available so far (avail), P3 output rows at a
 * time. Pass 2 (columns, window wc): output row o adds input row o + half - 1 (a zero row
 * once past the image) and subtracts row o - (wc - half + 1) (a zero row while negative),
 * after the first half - 1 rows were added to the zero sums. Adding or subtracting +0 leaves
 * a running sum unchanged bit for bit unless the sum is -0, and a sum that starts at +0 never
 * becomes -0 (x + y and x - y give -0 only from a -0 operand x), so this is exactly the
 * reference's grow / slide / shrink sequence. A group [o0, o0 + g) needs input rows up to
 * o0 + g + half - 2; its oldest input is o0 - (wc - half + 1) > avail_before - P3 - wc, and
 * at most P1 rows arrive at once, so ring1 (wc + SH1MAX + SH3MAX rows) never overwrites a row
 * still needed.
 */
static void advance_pass2(hd_pdq_work_t *work, const kernels_t *K, const layout_t *L, int avail) {
  int rows = work->rows, cols = work->cols, wc = (rows + 127) / 128, half = (wc + 2) / 2;
  int lag = wc - half + 1, ncols = (int)L->S, group = K->p3;
#define RING1(r) (L->ring1 + (size_t)((r) % L->R1) * L->S)
  while (work->out2 < rows) {
    int o0 = work->out2, g = HD_MIN(group, rows - o0);
    if (HD_MIN(rows, o0 + g + half - 1) > avail)
      break;
    if (o0 == 0)
      for (int r = 0; r < half - 1; r++)
        K->pass2_add(RING1(r), L->sum2, ncols);
    const float *A[SH3MAX], *B[SH3MAX];
    float dv[SH3MAX];
    int sel[64];
    for (int i = 0; i < g; i++) {
      int o = o0 + i, a = o + half - 1, b = o - lag;
      A[i] = a < rows ? RING1(a) : L->zero;
      B[i] = b >= 0 ? RING1(b) : L->zero;
      dv[i] = (float)((a < rows ? a : rows - 1) - (b >= 0 ? b : -1));
    }
    K->pass2_group(A, B, dv, g, L->sum2, ncols, L->t1);
    for (int j = 0; j < 64; j++)
      sel[j] = sample_index(j, cols);
    K->pass3(L->b2 + (size_t)o0 * 64, g, cols, (cols + 127) / 128, sel, L->want_c, L->t1, L->t2);
    work->out2 = o0 + g;
  }
#undef RING1
}

/* Pass 1 on rows [y0, y0 + k) (k <= P1) given by src[] (floats) or rgbx[] (RGBX), the rest
 * pointing at zeros, into ring1; then advance passes 2 and 3. */
static void push_strip(hd_pdq_work_t *work, const layout_t *L, const float *const *src,
                       const unsigned char *const *rgbx, int y0, int k) {
  const kernels_t *K = pick_kernels(work->lanes);
  const float *s[SH1MAX];
  const unsigned char *x[SH1MAX];
  float *d[SH1MAX];
  for (int i = 0; i < K->p1; i++) {
    s[i] = src && i < k ? src[i] : L->zero;
    x[i] = rgbx && i < k ? rgbx[i] : (const unsigned char *)L->zero;
    d[i] = i < k ? L->ring1 + (size_t)((y0 + i) % L->R1) * L->S : L->sink;
  }
  K->pass1(s, rgbx ? x : NULL, d, work->cols, (work->cols + 127) / 128, L->t1);
  advance_pass2(work, K, L, y0 + k);
}

void hd_pdq_stream_push(hd_pdq_work_t *work, const float *luma, int n) {
  layout_t L;
  int rows = work->rows, cols = work->cols, strip = work->strip;
  HD_ASSERT(rows > 0 && n >= 0 && n <= rows - work->next);
  int err = reserve(work, rows, cols, &L); /* sized by begin: no allocation here */
  HD_ASSERT(err == 0);
  if (rows == 64 && cols == 64) { /* the reference skips the filter at exactly 64×64 */
    memcpy(L.b4 + (size_t)work->next * 64, luma, sizeof(float) * 64 * (size_t)n);
    work->next += n;
    return;
  }
  while (n > 0) {
    const float *src[SH1MAX];
    int y = work->next;
    if (work->staged == 0 && (n >= strip || n == rows - y)) { /* whole strip straight from luma */
      int k = HD_MIN(n, strip);
      for (int i = 0; i < k; i++)
        src[i] = luma + (size_t)i * cols;
      push_strip(work, &L, src, NULL, y, k);
      luma += (size_t)k * cols, n -= k, work->next += k;
      continue;
    }
    int k = HD_MIN(n, strip - work->staged); /* otherwise gather rows in the stage */
    for (int i = 0; i < k; i++)
      memcpy(L.stage + (size_t)(work->staged + i) * L.S, luma + (size_t)i * cols,
             sizeof(float) * (size_t)cols);
    work->staged += k, work->next += k, luma += (size_t)k * cols, n -= k;
    if (work->staged == strip || work->next == rows) {
      for (int i = 0; i < work->staged; i++)
        src[i] = L.stage + (size_t)i * L.S;
      push_strip(work, &L, src, NULL, work->next - work->staged, work->staged);
      work->staged = 0;
    }
  }
}

void hd_pdq_stream_push_rgbx(hd_pdq_work_t *work, const unsigned char *rgbx, size_t stride, int n) {
  layout_t L;
  int rows = work->rows, cols = work->cols, strip = work->strip;
  HD_ASSERT(rows > 0 && n >= 0 && n <= rows - work->next);
  int err = reserve(work, rows, cols, &L);
  HD_ASSERT(err == 0);
  while (n > 0) {
    int y = work->next;
    if (work->staged == 0 && !(rows == 64 && cols == 64) && (n >= strip || n == rows - y)) {
      const unsigned char *src[SH1MAX]; /* whole strip: luma computed inside pass 1 */
      int k = HD_MIN(n, strip);
      for (int i = 0; i < k; i++)
        src[i] = rgbx + (size_t)i * stride;
      push_strip(work, &L, NULL, src, y, k);
      rgbx += (size_t)k * stride, n -= k, work->next += k;
      continue;
    }
    float *row = L.sink; /* otherwise one row at a time through the float path */
    for (int x = 0; x < cols; x++)
      row[x] = rgbx_luma(rgbx + 4 * (size_t)x);
    hd_pdq_stream_push(work, row, 1);
    rgbx += stride, n--;
  }
}

/* Pass 4 and decimation into out64, once every row was pushed (passes 1-3 are done). */
static void downsample_rest(hd_pdq_work_t *work, float out64[64][64]) {
  layout_t L;
  int rows = work->rows, cols = work->cols, err = reserve(work, rows, cols, &L);
  HD_ASSERT(err == 0);
  if (!(rows == 64 && cols == 64))
    pick_kernels(work->lanes)->pass4(L.b2, L.b4, rows, (rows + 127) / 128, L.want_r);
  for (int i = 0; i < 64; i++)
    memcpy(out64[i], L.b4 + (size_t)sample_index(i, rows) * 64, sizeof(out64[i]));
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
