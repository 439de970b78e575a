/*
 * multipart.h — a streaming multipart/form-data parser (RFC 7578, RFC 2046 §5.1) for
 * uploads: bytes go in as they arrive, part bodies come out as slices of the input (or of
 * the delimiter, for bytes that only looked like its start), so nothing is buffered but a
 * part's headers.
 *
 *   PREAMBLE ─"--B"─► AFTER ─CRLF─► HEADERS ─CRLF CRLF (on_part)─► BODY ─"CRLF--B"─► AFTER
 *                       └─"--"─► DONE (epilogue ignored)          (on_data …, on_part_end)
 *   any state ──malformed / callback error──► FAILED (err kept; terminal)
 *
 * Delimiter matching keeps only a count of matched delimiter bytes (m). The delimiter is
 * "\r\n--" + boundary, and boundaries cannot contain CR (RFC 2046 bchars), so CR occurs only
 * at its position 0: on a mismatch the held bytes delim[0..m) are emitted as data and the
 * current byte restarts the match iff it is CR. No look-behind buffer is needed.
 *
 * Invariants:
 *  1. Data emitted for a part is exactly its body bytes, whatever the split of the input.
 *  2. Headers of one part are at most HD_MULTIPART_HEAD_MAX bytes (else HD_ERR_BAD_MULTIPART).
 *  3. After FAILED or DONE no callback is called again.
 *
 * Pure: no I/O; fuzzed by fuzz/multipart.c, unit-tested by tests/unit/api/multipart.c.
 */
#ifndef HD_API_MULTIPART_H
#define HD_API_MULTIPART_H

#include "common/mem.h"

#include <stddef.h>

#define HD_MULTIPART_BOUNDARY_MAX 70 /* RFC 2046 */
#define HD_MULTIPART_HEAD_MAX     8192
#define HD_MULTIPART_FIELD_MAX    256 /* name / filename / content type kept per part */

/* A part as announced by its headers; strings are NUL-terminated, "" when absent. */
typedef struct {
  char name[HD_MULTIPART_FIELD_MAX];     /* Content-Disposition name= */
  char filename[HD_MULTIPART_FIELD_MAX]; /* Content-Disposition filename= */
  char content_type[HD_MULTIPART_FIELD_MAX];
  int has_filename; /* filename= was present (possibly empty) */
} hd_multipart_part_t;

typedef struct {
  /* Each returns 0 or a negative hd_err_t that fails the parse with that error. */
  int (*on_part)(void *data, const hd_multipart_part_t *part);
  int (*on_data)(void *data, const char *p, size_t n);
  int (*on_part_end)(void *data);
  void *data;
} hd_multipart_cb_t;

enum {
  HD_MP_PREAMBLE, /* before the first delimiter */
  HD_MP_AFTER,    /* just after a delimiter: "--" or CRLF */
  HD_MP_HEADERS,  /* a part's header block */
  HD_MP_BODY,     /* a part's body */
  HD_MP_DONE,     /* after the close delimiter */
  HD_MP_FAILED    /* err set */
};

typedef struct {
  char delim[4 + HD_MULTIPART_BOUNDARY_MAX];
  size_t dlen;
  size_t m; /* delimiter bytes matched so far */
  int state;
  int err;
  char after[2];
  size_t nafter;
  char head[HD_MULTIPART_HEAD_MAX];
  size_t hlen;
  hd_multipart_part_t part;
  hd_multipart_cb_t cb;
} hd_multipart_t;

/* Extract the boundary parameter of a Content-Type ("multipart/form-data; boundary=..."),
 * quoted or not, into out (NUL-terminated). Returns 0, or HD_ERR_BAD_MULTIPART when the type
 * is not multipart/form-data or the boundary is missing or invalid. */
int hd_multipart_boundary(hd_iovec_t content_type, char *out, size_t cap);
/* Start a parse for boundary (validated by hd_multipart_boundary). Returns 0 or
 * HD_ERR_BAD_MULTIPART. */
int hd_multipart_init(hd_multipart_t *mp, const char *boundary, const hd_multipart_cb_t *cb);
/* Feed the next n bytes. Returns 0 or the error the parse failed with (sticky). */
int hd_multipart_feed(hd_multipart_t *mp, const char *p, size_t n);
/* The input ended: 0 if the close delimiter was seen, else HD_ERR_BAD_MULTIPART. */
int hd_multipart_finish(hd_multipart_t *mp);

#endif
