/*
 * hashbank.h — hash banks: named lists of known-bad hashes (PDQ, SHA-256, MD5) with
 * metadata, list import, a stable serialised form, and matching.
 *
 *   bank "ncmec-csam" ── source, category, added (unix seconds)
 *     ├─ pdq[]     insertion order, unique; position = id in the bank's hd_pdq_index_t
 *     ├─ sha256[]  unique, hash-set lookup
 *     └─ md5[]     unique, hash-set lookup
 *
 * Import accepts the ThreatExchange list format (one hex hash per line, extra columns after
 * a comma, tab or space ignored, '#' comments) and CSV with a header naming the hash column
 * (pdq, pdq_hash, hash, signal_value, value, sha256 or md5) and optionally a per-row
 * signal_type column. Duplicates (within the file or against the bank) are counted, not
 * added. Malformed lines are rejected with their line number; the rest is imported unless
 * opts.strict is set, in which case nothing is.
 *
 * Persistence: hd_hashbank_encode()/decode() produce/consume one self-checking blob (format
 * in hashbank.c), which the CLI keeps as DIR/NAME.hbank and the store can keep as a row.
 * hd_hashbank_save()/load() are the file variant (written atomically via rename).
 *
 * Invariants:
 *  1. No two entries of one signal type in a bank are equal.
 *  2. PDQ entries are only appended, so ids handed to an index stay valid; hd_hashbank_t.index
 *     always covers exactly pdq[0 .. npdq).
 *  3. A blob that fails its checksum or bounds checks is rejected whole (HD_ERR_DECODE).
 */
#ifndef HD_SAFETY_HASHBANK_H
#define HD_SAFETY_HASHBANK_H

#include "common/mem.h"
#include "safety/pdq.h"
#include "safety/pdq_index.h"

#include <stddef.h>
#include <stdint.h>

/* Kinds of hash a bank holds. */
typedef enum {
  HD_SIGNAL_PDQ,    /* 256-bit PDQ, matched by Hamming distance */
  HD_SIGNAL_SHA256, /* file SHA-256, exact */
  HD_SIGNAL_MD5     /* file MD5, exact */
} hd_signal_type_t;

#define HD_HASHBANK_NAME_MAX 64

typedef struct st_hd_hashset_t hd_hashset_t;

typedef struct {
  char *name, *source, *category; /* owned NUL-terminated strings; source/category may be "" */
  int64_t added;                  /* unix seconds the bank was created */
  hd_pdq_hash_t *pdq;
  uint8_t (*sha256)[32];
  uint8_t (*md5)[16];
  size_t npdq, nsha256, nmd5;
  size_t cap_pdq, cap_sha256, cap_md5;
  hd_pdq_index_t *index; /* over pdq[], built on demand */
  hd_hashset_t *set_pdq, *set_sha256, *set_md5;
} hd_hashbank_t;

/* Progress callback for long imports: bytes consumed so far of total. */
typedef void (*hd_hashbank_progress_cb)(size_t done, size_t total, void *arg);

typedef struct {
  hd_signal_type_t default_type; /* for files with neither header nor type column */
  int strict;                    /* reject the whole import on any malformed line */
  hd_hashbank_progress_cb progress;
  void *progress_arg;
  size_t max_errors; /* error lines kept in the report (0 = 20) */
} hd_hashbank_import_opts_t;

typedef struct {
  size_t lines, added, duplicates, rejected;
  hd_buf_t errors; /* "line N: reason\n" for the first max_errors rejections */
} hd_hashbank_report_t;

/* Initialise an empty bank; name must pass hd_hashbank_name_valid(). Copies the strings. */
void hd_hashbank_init(hd_hashbank_t *b, const char *name, const char *source, const char *category,
                      int64_t added);
void hd_hashbank_dispose(hd_hashbank_t *b);
/* Return nonzero for 1..64 characters of [A-Za-z0-9_.-] not starting with '.'. */
int hd_hashbank_name_valid(const char *name);
/* Parse "pdq" / "sha256" / "md5". */
int hd_signal_type_parse(const char *s, hd_signal_type_t *out);
const char *hd_signal_type_name(hd_signal_type_t t);

/*
 * Add one hash of type t (bytes: 32 for PDQ in hex order and SHA-256, 16 for MD5). Returns 1
 * if added, 0 if already present. New PDQ hashes go into the live index too.
 */
int hd_hashbank_add(hd_hashbank_t *b, hd_signal_type_t t, const uint8_t *bytes);
int hd_hashbank_add_pdq(hd_hashbank_t *b, const hd_pdq_hash_t *h);

/* Report lifecycle. */
void hd_hashbank_report_init(hd_hashbank_report_t *r);
void hd_hashbank_report_dispose(hd_hashbank_report_t *r);

/*
 * Import a hash list held in data into b. Returns 0 (see report for rejections), or
 * HD_ERR_BAD_REQUEST when opts->strict and any line was rejected (b unchanged).
 */
int hd_hashbank_import(hd_hashbank_t *b, hd_iovec_t data, const hd_hashbank_import_opts_t *opts,
                       hd_hashbank_report_t *report);

/* Build (or bring up to date) the PDQ index; called lazily by the match functions. */
int hd_hashbank_index(hd_hashbank_t *b);
/* Append PDQ entries within radius of q (ids index b->pdq) to out. dihedral: q holds 8. */
int hd_hashbank_match_pdq(hd_hashbank_t *b, const hd_pdq_hash_t *q, int nq, int radius,
                          hd_pdq_matches_t *out);
/* Return 1 if the exact hash (SHA-256 or MD5 bytes) is in the bank. */
int hd_hashbank_match_exact(const hd_hashbank_t *b, hd_signal_type_t t, const uint8_t *bytes);

/* Serialise b into out (appended). */
int hd_hashbank_encode(const hd_hashbank_t *b, hd_buf_t *out);
/* Parse a blob into a fresh bank (initialised here; dispose on success only). */
int hd_hashbank_decode(hd_iovec_t blob, hd_hashbank_t *b);
/* DIR/NAME.hbank, written to a temporary file and renamed into place. */
int hd_hashbank_save(const hd_hashbank_t *b, const char *dir);
int hd_hashbank_load(const char *dir, const char *name, hd_hashbank_t *b);

/* PDQ hash <-> 32 bytes in hex order (byte 0 = the first two hex digits). */
void hd_pdq_to_bytes(const hd_pdq_hash_t *h, uint8_t out[32]);
void hd_pdq_from_bytes(const uint8_t in[32], hd_pdq_hash_t *h);

#endif
