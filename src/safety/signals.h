/*
 * signals.h — automated signals on public media: PDQ / SHA-256 matching against the hash
 * banks at send time, quarantine and an urgent case (DESIGN.md "Hash matching").
 *
 *   loop    api/signals.c: chat public? media a photo? hash cached? ──no──► worker
 *           (PATCH /v1/me photo_media_id: profile photos always qualify — they have an
 *           audience — and match as a case about the account, target type user)
 *   worker  hd_signals_hash(sha256)   read <data>/media/ab/cd/<sha256>, PDQ × 8 dihedral
 *                                     variants + quality ──► cache[sha256]
 *   writer  chat/media.c hook ─► hd_signals_screen (after the message insert, same tx):
 *             SHA-256 exact match, and PDQ within HD_SIGNALS_RADIUS when quality >=
 *             HD_PDQ_MIN_QUALITY (cache lookup only; a miss is never hashed here)
 *             match ──► media_quarantine row + case (source hash_match, urgent) + report
 *                       whose comment is the evidence {"bank","category","signal","distance"}
 *
 *   cache: direct-mapped, HD_SIGNALS_CACHE_SLOTS slots keyed by the SHA-256 (a colliding
 *   digest replaces the slot: bounded memory, recomputed at worst), one mutex.
 *
 * Counters (hd_signals_stats): hash_runs counts PDQ computations (tests prove private media
 * is never hashed), cache_hits, screened (public media checked), matches.
 *
 * Invariants:
 *  1. PDQ is computed only by hd_signals_hash, called only from worker threads, and only
 *     for media attached to a public group or channel or set as a profile photo
 *     (api/signals.c decides).
 *  2. A match quarantines the media row and opens the case in the message's own write job:
 *     a committed message with matching media is never visible without the quarantine.
 *  3. A cache entry is written only after its hash completed; readers see whole entries
 *     (copied under the mutex).
 */
#ifndef HD_SAFETY_SIGNALS_H
#define HD_SAFETY_SIGNALS_H

#include "chat/media.h"
#include "safety/pdq.h"
#include "store/store.h"

#include <stdint.h>

#define HD_SIGNALS_RADIUS      31   /* PDQ distance that counts as a match */
#define HD_SIGNALS_CACHE_SLOTS 8192 /* hashes remembered (direct-mapped) */

typedef struct st_hd_signals_t hd_signals_t;
typedef struct st_hd_banksvc_t hd_banksvc_t;

typedef struct {
  uint64_t hash_runs;  /* PDQ computations */
  uint64_t cache_hits; /* hashes served from the cache */
  uint64_t screened;   /* public media checked against the banks */
  uint64_t matches;    /* media quarantined */
} hd_signals_stats_t;

/* Create the service over banks (not owned; may be NULL: nothing matches) and the data
 * directory holding media/ (copied). Free with hd_signals_destroy. */
hd_signals_t *hd_signals_create(hd_banksvc_t *banks, const char *data_dir);
void hd_signals_destroy(hd_signals_t *sig);

/* 1 when the PDQ hash of the file sha256 (64 hex digits) is cached. Any thread. */
int hd_signals_cached(hd_signals_t *sig, const char *sha256);
/* Worker thread: hash the stored file sha256 and cache hash and quality (a file that does
 * not decode is cached as unhashable). Returns 0 or the decode/IO error. */
int hd_signals_hash(hd_signals_t *sig, const char *sha256);

/* The chat/media.h hook (data: the hd_signals_t). Register with hd_media_set_hook. */
int hd_signals_hook(const hd_media_hook_event_t *ev, void *data, hd_media_verdict_t *verdict);

void hd_signals_stats(hd_signals_t *sig, hd_signals_stats_t *out);

/* Map a bank category (csam, terrorism, ncii, other) to a report reason code. */
const char *hd_signals_reason(const char *category);

#endif
