/*
 * pdq_lanes.h — pdq.c's filter kernels for one SIMD lane width (internal; included 3 times).
 *
 * pdq.c includes this file with VL = 16 (v16f: one AVX-512 register), VL = 8 (v8f: one AVX2
 * register) and VL = 4 (v4f: SSE2 or NEON), compiled for those targets, and picks the widest
 * the CPU has at run time (pick_kernels). GCC keeps a vector in registers only where the target
 * has registers that wide (a 64-byte vector in an AVX2 build lives in memory: 3-5× slower),
 * hence one kernel set per width rather than one width for all. All sets perform the same
 * element-wise float operations in the same order and only move values in their transposes,
 * so they produce the same bits (the tests run every set the CPU has). Geometry, in rows:
 * pass-1 strips are P1 (P1 / VL vectors a step, that many dependency chains in flight),
 * pass-2 groups and pass-3 strips P3.
 *
 * Parameters, defined by pdq.c before the include and undefined at the end of this file:
 *   VL           lanes (4, 8 or 16)          VF, VFU, VI   vector, unaligned vector, int vector
 *   P1, P3       pass-1 / pass-3 strip rows (multiples of VL, at most 16 / 32)
 *   FN(name)     name suffixed by the width  TGT           target attribute of the kernels
 *   VSPLAT(f)    broadcast                   TRANSPOSE(r)  VL×VL transpose of r[VL] in registers
 */

#define VLD(p)    (*(const VFU *)(p))
#define VST(p, v) (*(VFU *)(p) = (v))

/* Strip t[c * P1 + i] = src[i][c] for the P1 rows src[] and cols columns. */
INLINE void FN(rows_to_strip)(const float *const *src, int cols, float *t) {
  int c = 0;
  for (; c + VL <= cols; c += VL)
    for (int h = 0; h < P1; h += VL) {
      VF r[VL];
      for (int i = 0; i < VL; i++)
        r[i] = VLD(src[h + i] + c);
      TRANSPOSE(r);
      for (int j = 0; j < VL; j++)
        VST(t + (size_t)(c + j) * P1 + h, r[j]);
    }
  for (; c < cols; c++)
    for (int i = 0; i < P1; i++)
      t[(size_t)c * P1 + i] = src[i][c];
}

/* The same for RGBX rows: t[c * P1 + i] = luma of pixel c of src[i], (0.299 R + 0.587 G) +
 * 0.114 B element-wise (ISO C: no FMA contraction), as rgbx_luma() and image.c compute it. */
INLINE void FN(rgbx_to_strip)(const unsigned char *const *src, int cols, float *t) {
  const float fr = (float)0.299, fg = (float)0.587, fb = (float)0.114;
  int c = 0;
  for (; c + VL <= cols; c += VL)
    for (int h = 0; h < P1; h += VL) {
      VF r[VL];
      for (int i = 0; i < VL; i++) {
        VI px;
        memcpy(&px, src[h + i] + 4 * (size_t)c, sizeof(px));
        VF R = __builtin_convertvector(px & 0xff, VF);
        VF G = __builtin_convertvector((px >> 8) & 0xff, VF);
        VF B = __builtin_convertvector((px >> 16) & 0xff, VF);
        r[i] = (VSPLAT(fr) * R + VSPLAT(fg) * G) + VSPLAT(fb) * B;
      }
      TRANSPOSE(r);
      for (int j = 0; j < VL; j++)
        VST(t + (size_t)(c + j) * P1 + h, r[j]);
    }
  for (; c < cols; c++)
    for (int i = 0; i < P1; i++)
      t[(size_t)c * P1 + i] = rgbx_luma(src[i] + 4 * (size_t)c);
}

/* Transpose the tile (VL columns from c0, tile[k * P1 + i] = row i column c0 + k) into
 * dst[i][c0 .. c0 + VL) for the P1 rows. */
INLINE void FN(flush_tile)(const float *tile, float *const *dst, int c0) {
  for (int h = 0; h < P1; h += VL) {
    VF r[VL];
    for (int k = 0; k < VL; k++)
      r[k] = VLD(tile + P1 * k + h);
    TRANSPOSE(r);
    for (int i = 0; i < VL; i++)
      VST(dst[h + i] + c0, r[i]);
  }
}

/*
 * Pass 1 on one strip: P1 rows src[] (zero rows as padding), or P1 RGBX rows rgbx[] turned
 * into luma on the way, → filtered rows dst[] (S floats each, S a multiple of 16). The rows
 * are transposed into t (cols × P1), filtered with the reference's sequence (one running sum
 * per lane, P1 / VL vectors a step), and each VL outputs are transposed back from an L1 tile;
 * the last tile's columns past cols are written as zeros, so dst's pad columns stay zero
 * (pdq.c invariant 3).
 */
TGT static void FN(strip_pass1)(const float *const *src, const unsigned char *const *rgbx,
                                float *const *dst, int cols, int w, float *t) {
  float tile[VL * P1];
  if (rgbx)
    FN(rgbx_to_strip)(rgbx, cols, t);
  else
    FN(rows_to_strip)(src, cols, t);
  int half = (w + 2) / 2;
  int p1 = half - 1, p2 = w - half + 1, p3 = cols - w, p4 = half - 1, n = 0;
  unsigned o = 0; /* outputs so far (unsigned: o % VL is a mask) */
  const float *a = t, *b = t;
  VF s[P1 / VL];
  for (int k = 0; k < P1 / VL; k++)
    s[k] = VSPLAT(0.0f);
#define EMIT(d)                                                                                    \
  do {                                                                                             \
    for (int k = 0; k < P1 / VL; k++)                                                              \
      VST(tile + P1 * (o % VL) + VL * k, s[k] / (d));                                              \
    if (o % VL == VL - 1)                                                                          \
      FN(flush_tile)(tile, dst, (int)o - (VL - 1));                                                \
    o++;                                                                                           \
  } while (0)
  for (int i = 0; i < p1; i++, a += P1, n++)
    for (int k = 0; k < P1 / VL; k++)
      s[k] = s[k] + VLD(a + VL * k);
  for (int i = 0; i < p2; i++, a += P1) {
    n++;
    for (int k = 0; k < P1 / VL; k++)
      s[k] = s[k] + VLD(a + VL * k);
    EMIT(VSPLAT((float)n));
  }
  VF d = VSPLAT((float)n);
  for (int i = 0; i < p3; i++, a += P1, b += P1) {
    for (int k = 0; k < P1 / VL; k++)
      s[k] = (s[k] + VLD(a + VL * k)) - VLD(b + VL * k);
    EMIT(d);
  }
  for (int i = 0; i < p4; i++, b += P1) {
    n--;
    for (int k = 0; k < P1 / VL; k++)
      s[k] = s[k] - VLD(b + VL * k);
    EMIT(VSPLAT((float)n));
  }
#undef EMIT
  if (o % VL) {
    for (int k = (int)(o % VL); k < VL; k++)
      for (int h = 0; h < P1; h += VL)
        VST(tile + P1 * k + h, VSPLAT(0.0f));
    FN(flush_tile)(tile, dst, (int)(o - o % VL));
  }
}

/*
 * Box-filter `len` steps of nv*VL lanes (nv <= 16) held in registers: in step s lane l is
 * in[s*stride + l]; output o goes to out[o*stride + l] when want[o]. The reference's four
 * phases (grow, grow+write, slide, shrink) with its operation order: sum + a, (sum + a) - b,
 * sum - b, then sum / (float)n.
 */
INLINE void FN(box_steps)(const float *in, float *out, size_t stride, int len, int w,
                          const uint8_t *want, const int nv) {
  int half = (w + 2) / 2;
  int p1 = half - 1, p2 = w - half + 1, p3 = len - w, p4 = half - 1;
  const float *a = in, *b = in;
  float *o = out;
  const uint8_t *wo = want;
  VF s[16];
  int n = 0;
  for (int k = 0; k < nv; k++)
    s[k] = VSPLAT(0.0f);
  for (int i = 0; i < p1; i++, a += stride, n++)
    for (int k = 0; k < nv; k++)
      s[k] = s[k] + VLD(a + VL * k);
  for (int i = 0; i < p2; i++, a += stride, o += stride, wo++) {
    n++;
    VF d = VSPLAT((float)n);
    for (int k = 0; k < nv; k++)
      s[k] = s[k] + VLD(a + VL * k);
    if (*wo)
      for (int k = 0; k < nv; k++)
        VST(o + VL * k, s[k] / d);
  }
  VF d = VSPLAT((float)n);
  for (int i = 0; i < p3; i++, a += stride, b += stride, o += stride, wo++) {
    for (int k = 0; k < nv; k++)
      s[k] = (s[k] + VLD(a + VL * k)) - VLD(b + VL * k);
    if (*wo)
      for (int k = 0; k < nv; k++)
        VST(o + VL * k, s[k] / d);
  }
  for (int i = 0; i < p4; i++, b += stride, o += stride, wo++) {
    n--;
    d = VSPLAT((float)n);
    for (int k = 0; k < nv; k++)
      s[k] = s[k] - VLD(b + VL * k);
    if (*wo)
      for (int k = 0; k < nv; k++)
        VST(o + VL * k, s[k] / d);
  }
}

/* Pass 3 on the strip t1 (cols × P3, filled by pass2_group): out[i*64 + j] = row i filtered,
 * at column sel[j], for the first nrows rows; t2 (cols × P3) is scratch. */
TGT static void FN(strip_pass3)(float *out, int nrows, int cols, int w, const int *sel,
                                const uint8_t *want, const float *t1, float *t2) {
  FN(box_steps)(t1, t2, P3, cols, w, want, P3 / VL);
  for (int i = 0; i < nrows; i++)
    for (int j = 0; j < 64; j++)
      out[(size_t)i * 64 + j] = t2[(size_t)sel[j] * P3 + i];
}

/*
 * g (<= P3) consecutive output rows of pass 2 (columns), VL columns a vector with the
 * running sums in registers: row i is sum = (sum + A[i]) - B[i], out = sum / dv[i], where a
 * missing operand (outside the image) is a zero row (see pdq.c advance_pass2). Each VL×VL
 * block of outputs is transposed in registers straight into pass 3's strip t (cols × P3);
 * rows g.. of t are zero. ncols is a multiple of VL.
 */
TGT static void FN(pass2_group)(const float *const *A, const float *const *B, const float *dv,
                                int g, float *sum, int ncols, float *t) {
  for (int c = 0; c < ncols; c += VL) {
    VF s = VLD(sum + c);
    for (int h = 0; h < P3; h += VL) {
      VF r[VL];
      for (int i = 0; i < VL; i++) {
        if (h + i < g) {
          s = (s + VLD(A[h + i] + c)) - VLD(B[h + i] + c);
          r[i] = s / VSPLAT(dv[h + i]);
        } else {
          r[i] = VSPLAT(0.0f);
        }
      }
      TRANSPOSE(r);
      for (int j = 0; j < VL; j++)
        VST(t + (size_t)(c + j) * P3 + h, r[j]);
    }
    VST(sum + c, s);
  }
}

/* sum = sum + A over ncols columns (a multiple of VL): pass 2's first phase. */
TGT static void FN(pass2_add)(const float *A, float *sum, int ncols) {
  for (int c = 0; c < ncols; c += VL)
    VST(sum + c, VLD(sum + c) + VLD(A + c));
}

/* Pass 4: columns of the rows×64 matrix in, 64 lanes, sampled rows (want) only. */
TGT static void FN(pass4)(const float *in, float *out, int rows, int w, const uint8_t *want) {
  FN(box_steps)(in, out, 64, rows, w, want, 64 / VL);
}

static const kernels_t FN(kernels) = {
    P1, P3, FN(strip_pass1), FN(pass2_add), FN(pass2_group), FN(strip_pass3), FN(pass4)};

#undef VLD
#undef VST
/* the parameters too, so the next width defines them afresh */
#undef VL
#undef P1
#undef P3
#undef VF
#undef VFU
#undef VI
#undef VSPLAT
#undef TRANSPOSE
#undef FN
#undef TGT
