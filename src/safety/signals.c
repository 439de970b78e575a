/*
 * signals.c — PDQ/SHA-256 matching of public media against the banks (see signals.h).
 *
 *   slot = first 8 bytes of the SHA-256 mod HD_SIGNALS_CACHE_SLOTS
 *   cache[slot] { used, sha256[32], hashable, quality, pdq[8] (dihedral variants) }
 *
 * A match opens a case on the message (target message, affected user the sender):
 *   source hash_match, urgent, reason from the bank's category (hd_signals_reason), one
 *   report (reporter 0) whose comment is the evidence JSON, and the media_quarantine row.
 */
#include "safety/signals.h"

#include "common/error.h"
#include "common/mem.h"
#include "common/time.h"
#include "safety/banksvc.h"
#include "safety/cases.h"
#include "safety/pdq_photo.h"
#include "safety/reasons.h"
#include "store/ops.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  int used;
  uint8_t sha256[32];
  int hashable; /* 0: the file did not decode (only the exact match applies) */
  int quality;
  hd_pdq_hash_t pdq[HD_PDQ_NUM_DIHEDRAL];
} slot_t;

struct st_hd_signals_t {
  hd_banksvc_t *banks;
  char *data_dir;
  pthread_mutex_t mu;
  slot_t *slots; /* HD_SIGNALS_CACHE_SLOTS */
  _Atomic uint64_t hash_runs, cache_hits, screened, matches;
};

hd_signals_t *hd_signals_create(hd_banksvc_t *banks, const char *data_dir) {
  hd_signals_t *sig = hd_mem_calloc(sizeof(*sig));
  sig->banks = banks;
  sig->data_dir = hd_strdup(data_dir ? data_dir : ".");
  pthread_mutex_init(&sig->mu, NULL);
  sig->slots = hd_mem_calloc(HD_SIGNALS_CACHE_SLOTS * sizeof(slot_t));
  return sig;
}

void hd_signals_destroy(hd_signals_t *sig) {
  if (!sig)
    return;
  pthread_mutex_destroy(&sig->mu);
  hd_mem_free(sig->slots);
  hd_mem_free(sig->data_dir);
  hd_mem_free(sig);
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

/* Decode 64 hex digits; 0 or HD_ERR_BAD_FIELD. */
static int sha_decode(const char *hex, uint8_t out[32]) {
  if (!hex || strlen(hex) != 64)
    return HD_ERR_BAD_FIELD;
  for (int i = 0; i < 32; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return HD_ERR_BAD_FIELD;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

static size_t slot_of(const uint8_t sha[32]) {
  uint64_t k;
  memcpy(&k, sha, sizeof(k));
  return (size_t)(k % HD_SIGNALS_CACHE_SLOTS);
}

/* Copy the cached entry for sha into *out (invariant 3); 1 when found. */
static int cache_get(hd_signals_t *sig, const uint8_t sha[32], slot_t *out) {
  size_t i = slot_of(sha);
  int found = 0;
  pthread_mutex_lock(&sig->mu);
  if (sig->slots[i].used && memcmp(sig->slots[i].sha256, sha, 32) == 0) {
    *out = sig->slots[i];
    found = 1;
  }
  pthread_mutex_unlock(&sig->mu);
  return found;
}

int hd_signals_cached(hd_signals_t *sig, const char *sha256) {
  uint8_t sha[32];
  slot_t s;
  if (sha_decode(sha256, sha) != 0 || !cache_get(sig, sha, &s))
    return 0;
  atomic_fetch_add(&sig->cache_hits, 1);
  return 1;
}

int hd_signals_hash(hd_signals_t *sig, const char *sha256) {
  slot_t s;
  memset(&s, 0, sizeof(s));
  if (sha_decode(sha256, s.sha256) != 0)
    return HD_ERR_BAD_FIELD;
  char path[4096];
  if (hd_media_path(sig->data_dir, sha256, path, sizeof(path)) != 0)
    return HD_ERR_TOO_LARGE;
  hd_pdq_work_t work;
  hd_pdq_work_init(&work);
  atomic_fetch_add(&sig->hash_runs, 1); /* invariant 1: the only PDQ computation */
  int ret =
      hd_pdq_hash_path(path, HD_PDQ_PROFILE_FULL, &work, s.pdq, HD_PDQ_NUM_DIHEDRAL, &s.quality);
  hd_pdq_work_dispose(&work);
  if (ret == HD_ERR_IO)
    return ret; /* not cached: a later send retries */
  s.used = 1;
  s.hashable = ret == 0;
  pthread_mutex_lock(&sig->mu);
  sig->slots[slot_of(s.sha256)] = s;
  pthread_mutex_unlock(&sig->mu);
  return ret;
}

const char *hd_signals_reason(const char *category) {
  if (category && strcmp(category, "csam") == 0)
    return "child_abuse";
  if (category && strcmp(category, "terrorism") == 0)
    return "terrorism";
  if (category && strcmp(category, "ncii") == 0)
    return "pornography";
  return "other";
}

/* Append s to the evidence JSON as a string body, dropping what would need escaping (bank
 * names and categories are validated identifiers; this only guards the format). */
static void json_safe(char *dst, size_t cap, const char *s) {
  size_t k = 0;
  for (; s && *s && k + 1 < cap; s++)
    if ((unsigned char)*s >= 0x20 && *s != '"' && *s != '\\')
      dst[k++] = *s;
  dst[k] = '\0';
}

/* Open the urgent case and quarantine the media for hit (invariant 2: same transaction). */
static int record_match(const hd_media_hook_event_t *ev, const hd_bank_hit_t *hit, int quality) {
  hd_store_t *tx = ev->tx;
  const hd_store_safety_ops_t *so = tx->ops->safety;
  const hd_reason_t *r = hd_reason_find(hd_signals_reason(hit->category));
  int64_t now = hd_time_now();
  if (!r)
    return HD_ERR_INTERNAL;
  hd_store_case_t c;
  /* a profile photo (no message: chat/media.h) is a case about the account */
  hd_target_type_t tt = ev->message_id ? HD_TARGET_MESSAGE : HD_TARGET_USER;
  int fresh = 0;
  int ret = hd_case_find_or_init(tx, tt, ev->chat_id, ev->message_id, ev->user_id, r->code,
                                 r->severity, HD_SOURCE_HASH_MATCH, now, ev->pool, &c, &fresh);
  if (ret != 0)
    return ret;
  c.urgent = 1; /* DESIGN.md: a bank match opens an urgent case */
  c.priority = hd_case_priority(c.severity, c.reporters, c.flagger_reports);
  if ((ret = fresh ? so->case_insert(tx, &c) : so->case_update(tx, &c)) != 0)
    return ret;

  char bank[2 * sizeof(hit->bank)], cat[2 * sizeof(hit->category)];
  json_safe(bank, sizeof(bank), hit->bank);
  json_safe(cat, sizeof(cat), hit->category);
  char *evidence = hd_mem_pool_alloc(ev->pool, 512);
  snprintf(evidence, 512,
           "{\"bank\":\"%s\",\"category\":\"%s\",\"signal\":\"%s\",\"distance\":%d,"
           "\"quality\":%d,\"media_id\":%lld,\"sha256\":\"%.64s\"}",
           bank, cat, hit->signal == HD_SIGNAL_PDQ ? "pdq" : "sha256", hit->distance, quality,
           (long long)ev->media->id, ev->media->sha256 ? ev->media->sha256 : "");
  hd_store_report_t rep = {.case_id = c.id,
                           .source = HD_SOURCE_HASH_MATCH,
                           .reason = r->code,
                           .comment = evidence,
                           .legal_ground = "",
                           .notifier_name = "",
                           .notifier_email = "",
                           .created_at = now};
  if ((ret = so->report_insert(tx, &rep)) != 0)
    return ret;
  return so->media_quarantine(tx, ev->media->id, c.id, now);
}

int hd_signals_hook(const hd_media_hook_event_t *ev, void *data, hd_media_verdict_t *verdict) {
  hd_signals_t *sig = data;
  *verdict = HD_MEDIA_ALLOW;
  uint8_t sha[32];
  if (!sig || !sig->banks || sha_decode(ev->media->sha256, sha) != 0)
    return 0;
  atomic_fetch_add(&sig->screened, 1);
  hd_bank_hits_t hits;
  hd_bank_hits_init(&hits, 16);
  int ret = hd_banksvc_match_exact(sig->banks, NULL, 0, HD_SIGNAL_SHA256, sha, &hits);
  slot_t s;
  int quality = 0;
  /* PDQ only from the cache: never hashed on the writer (invariant 1) */
  if (ret == 0 && ev->media->kind == HD_MEDIA_PHOTO && cache_get(sig, sha, &s) && s.hashable) {
    quality = s.quality;
    if (s.quality >= HD_PDQ_MIN_QUALITY)
      ret = hd_banksvc_match_pdq(sig->banks, NULL, 0, s.pdq, HD_PDQ_NUM_DIHEDRAL, HD_SIGNALS_RADIUS,
                                 &hits);
  }
  if (ret == 0 && hits.n > 0) {
    const hd_bank_hit_t *best = &hits.v[0];
    for (size_t i = 1; i < hits.n; i++)
      if (hits.v[i].distance < best->distance)
        best = &hits.v[i];
    if ((ret = record_match(ev, best, quality)) == 0) {
      *verdict = HD_MEDIA_QUARANTINE;
      atomic_fetch_add(&sig->matches, 1);
    }
  }
  hd_bank_hits_dispose(&hits);
  return ret;
}

void hd_signals_stats(hd_signals_t *sig, hd_signals_stats_t *out) {
  memset(out, 0, sizeof(*out));
  if (!sig)
    return;
  out->hash_runs = atomic_load(&sig->hash_runs);
  out->cache_hits = atomic_load(&sig->cache_hits);
  out->screened = atomic_load(&sig->screened);
  out->matches = atomic_load(&sig->matches);
}
