/*
 * pdq.h — the PDQ perceptual hash (Meta's open standard) computed bit-exactly.
 *
 * PDQ turns an image into 256 bits such that visually similar images have hashes a small
 * Hamming distance apart. The pipeline, as the reference implementation defines it:
 *
 *   pixels ──► float luma (0.299 R + 0.587 G + 0.114 B, or grey as is)
 *          ──► Jarosz tent filter: 2 × (box along rows, box along columns), windows
 *              ceil(W/128) and ceil(H/128)
 *          ──► decimate to 64×64 (sample centres)        ──► quality (gradient sum, 0..100)
 *          ──► 16×16 DCT (rows 1..16 of the 64-point DCT-II, DC skipped)
 *          ──► bit (16 i + j) = dct[i][j] > median(dct)  ──► 256-bit hash
 *
 * The 8 dihedral hashes (rotations and flips of the image) come from sign flips and a
 * transpose of the one 16×16 DCT, so they cost 8 medians, not 8 filters.
 *
 * Speed: the reference walks columns of the full image for the vertical box filter. Here
 * every pass runs with SIMD lanes (16 with AVX-512F, 8 with AVX2, else 4) across independent
 * rows or columns (data is transposed between passes in registers), all four passes stream
 * over rings of rows, and the last two passes compute divisions only where the 64×64
 * decimation samples. A decoder may also push RGBX rows; their luma is then computed inside
 * the first pass. Each lane performs exactly the reference's float
 * operations in the reference's order, so results are bit-identical (tests compare with a
 * straightforward re-implementation on random images). Decoders can stream rows in
 * (hd_pdq_stream_*), so a full-size luma plane is never needed:
 *
 *   stream_begin(rows, cols) ──► stream_push(n rows) × k ──► stream_finish() ──► hashes
 *        (sizes work)            (pass 1 on each batch)      (passes 2-4, DCT, bits)
 *
 * Bit layout: bit k (k = 16 i + j) lives in w[k / 64] bit (k % 64). The hex form is the
 * reference's: 64 hex digits, most significant (bit 255) first.
 *
 * Invariants:
 *  1. hd_pdq_hash_luma() performs the reference's float operations in the reference's order
 *     (no FMA, no reassociation); the file is compiled without fast-math.
 *  2. A hash reported with return value 0 comes from an image of at least HD_PDQ_MIN_DIM
 *     pixels on each side; smaller inputs fail with HD_ERR_IMAGE_TOO_SMALL, never a zero hash.
 *  3. Every hash produced by hd_pdq_hash_luma() has at most 128 bits set (exactly 128 unless
 *     DCT values tie with the median).
 */
#ifndef HD_SAFETY_PDQ_H
#define HD_SAFETY_PDQ_H

#include <stddef.h>
#include <stdint.h>

#define HD_PDQ_HEX_LEN        64 /* hex digits in a formatted hash */
#define HD_PDQ_MIN_DIM        5  /* the reference refuses smaller images */
#define HD_PDQ_DEFAULT_RADIUS 31 /* match threshold recommended by the PDQ authors */
#define HD_PDQ_MIN_QUALITY    50 /* below this the hash is too unreliable to act on */

/* A 256-bit PDQ hash; w[0] holds bits 0..63. */
typedef struct {
  uint64_t w[4];
} hd_pdq_hash_t;

/* How input pixels are prepared before the hashing core. */
typedef enum {
  HD_PDQ_PROFILE_FULL, /* full-resolution pixels (HMA, Java, pdqhash PyPI); the default */
  HD_PDQ_PROFILE_512   /* C++ CLI: images over 512 on a side squashed to 512×512 (nearest) */
} hd_pdq_profile_t;

/* The 8 dihedral transforms, in the reference's --pdqdih output order. */
typedef enum {
  HD_PDQ_ORIG,        /* the image as given */
  HD_PDQ_ROT90,       /* rotated 90° */
  HD_PDQ_ROT180,      /* rotated 180° */
  HD_PDQ_ROT270,      /* rotated 270° */
  HD_PDQ_FLIPX,       /* mirrored top-bottom */
  HD_PDQ_FLIPY,       /* mirrored left-right */
  HD_PDQ_FLIP_PLUS1,  /* transposed */
  HD_PDQ_FLIP_MINUS1, /* anti-transposed */
  HD_PDQ_NUM_DIHEDRAL /* count, not a transform */
} hd_pdq_dihedral_t;

/* Scratch buffers reused across hashes (grow-only) and the state of a streamed image;
 * embed, _init, _dispose. One image at a time per work. */
typedef struct {
  float *buf;           /* one grow-only allocation holding every buffer (pdq.c: layout_t) */
  size_t cap;           /* floats in buf */
  int rows, cols, next; /* streamed image: size and rows pushed so far (0 = none) */
  int staged;           /* pushed rows waiting for a full strip */
  int out2;             /* rows the column pass (pass 2) has produced */
  int strip;            /* rows of a first-pass strip for the kernels in use (set by begin) */
  int lanes;            /* 0: the CPU's widest kernels (16 lanes with AVX-512F, 8 with AVX2,
                         * else 4); 8 or 4 asks for narrower ones (tests: same bits) */
  char *file;           /* hd_pdq_hash_path's file buffer (grow-only, freed by _dispose) */
  size_t file_cap;      /* bytes allocated at file */
} hd_pdq_work_t;

void hd_pdq_work_init(hd_pdq_work_t *w);
void hd_pdq_work_dispose(hd_pdq_work_t *w);

/*
 * Hash a rows×cols float luma image (row-major, not modified). Writes ndihedral hashes into
 * out (1 = original only, HD_PDQ_NUM_DIHEDRAL = all eight, in hd_pdq_dihedral_t order) and
 * the quality (0..100) into *quality. Returns 0, HD_ERR_IMAGE_TOO_SMALL, or HD_ERR_TOO_LARGE
 * (the scratch for a client-sized image could not be allocated).
 */
int hd_pdq_hash_luma(const float *luma, int rows, int cols, hd_pdq_work_t *work, hd_pdq_hash_t *out,
                     int ndihedral, int *quality);

/*
 * The same computation fed row by row, for decoders that produce rows top to bottom (no
 * full-size luma plane needed): begin(rows, cols) sizes work (HD_ERR_IMAGE_TOO_SMALL,
 * HD_ERR_TOO_LARGE); push(luma, n) consumes the next n rows (n × cols floats, any n, read
 * during the call only); finish() after all rows writes the hashes and quality exactly as
 * hd_pdq_hash_luma() would. Abandoning a stream (no finish) is fine: begin resets it.
 */
int hd_pdq_stream_begin(hd_pdq_work_t *work, int rows, int cols);
void hd_pdq_stream_push(hd_pdq_work_t *work, const float *luma, int n);
int hd_pdq_stream_finish(hd_pdq_work_t *work, hd_pdq_hash_t *out, int ndihedral, int *quality);
/*
 * hd_pdq_stream_push() for n rows of RGBX pixels (4 bytes: R, G, B, unused; rows `stride`
 * bytes apart, read during the call only): each pixel's luma is (0.299 R + 0.587 G) + 0.114 B
 * in float, the same operations image.c uses, computed inside the first filter pass.
 */
void hd_pdq_stream_push_rgbx(hd_pdq_work_t *work, const unsigned char *rgbx, size_t stride, int n);

/* Number of differing bits (0..256). */
static inline int hd_pdq_distance(const hd_pdq_hash_t *a, const hd_pdq_hash_t *b) {
  return __builtin_popcountll(a->w[0] ^ b->w[0]) + __builtin_popcountll(a->w[1] ^ b->w[1]) +
         __builtin_popcountll(a->w[2] ^ b->w[2]) + __builtin_popcountll(a->w[3] ^ b->w[3]);
}

/* Write the 64 lowercase hex digits plus NUL into out. */
void hd_pdq_format(const hd_pdq_hash_t *h, char out[HD_PDQ_HEX_LEN + 1]);
/* Parse exactly 64 hex digits (either case) from s[0..len); HD_ERR_BAD_HASH otherwise. */
int hd_pdq_parse(const char *s, size_t len, hd_pdq_hash_t *out);
/* Return the profile named "full" or "512" in *out, or HD_ERR_BAD_REQUEST. */
int hd_pdq_profile_parse(const char *s, hd_pdq_profile_t *out);
/* Name of a dihedral transform as the reference's CSV headers spell it ("rot90"). */
const char *hd_pdq_dihedral_name(hd_pdq_dihedral_t d);

#endif
