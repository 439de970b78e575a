/*
 * ratelimit.c — token-bucket table (see ratelimit.h).
 *
 * Storage: a chained hash table, FNV-1a over the key, power-of-two slot count doubled when
 * the load passes 1. Each entry records when its bucket will be full again (`full_at_ms`),
 * which is all the sweep needs to decide it can go.
 *
 *   slots[h & mask] ──► entry{key, tokens, last_ms, full_at_ms} ──► entry ──► NULL
 *
 * The sweep runs when at least one second of wall time passed since the last one and the
 * table holds more than 1024 entries, or when the table is at max_entries. If the table is
 * still full after a sweep the request is allowed (fail open) rather than blocking everyone:
 * an attacker able to fill a million keys is not stopped by this table anyway.
 *
 * Invariants:
 *  1. 0 <= tokens <= burst of the last take() for that key.
 *  2. count == number of entries reachable from slots; count <= max.
 *  3. All access to the table happens with mu held.
 */
#include "api/ratelimit.h"
#include "common/mem.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

typedef struct st_entry_t entry_t;
struct st_entry_t {
  entry_t *next;
  uint64_t hash;
  double tokens;
  int64_t last_ms;
  int64_t full_at_ms;
  char key[HD_RATELIMIT_KEY_MAX + 1];
};

struct st_hd_ratelimit_t {
  pthread_mutex_t mu;
  entry_t **slots;
  size_t mask;
  size_t count;
  size_t max;
  int64_t last_sweep_ms;
};

static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

hd_ratelimit_t *hd_ratelimit_create(size_t max_entries) {
  hd_ratelimit_t *rl = hd_mem_calloc(sizeof(*rl));
  pthread_mutex_init(&rl->mu, NULL);
  rl->mask = 255;
  rl->slots = hd_mem_calloc((rl->mask + 1) * sizeof(entry_t *));
  rl->max = max_entries ? max_entries : 1000000;
  return rl;
}

void hd_ratelimit_destroy(hd_ratelimit_t *rl) {
  if (!rl)
    return;
  for (size_t i = 0; i <= rl->mask; i++) {
    entry_t *e = rl->slots[i];
    while (e) {
      entry_t *next = e->next;
      hd_mem_free(e);
      e = next;
    }
  }
  hd_mem_free(rl->slots);
  pthread_mutex_destroy(&rl->mu);
  hd_mem_free(rl);
}

static void grow(hd_ratelimit_t *rl) {
  size_t nmask = rl->mask * 2 + 1;
  entry_t **ns = hd_mem_calloc((nmask + 1) * sizeof(entry_t *));
  for (size_t i = 0; i <= rl->mask; i++) {
    entry_t *e = rl->slots[i];
    while (e) {
      entry_t *next = e->next;
      e->next = ns[e->hash & nmask];
      ns[e->hash & nmask] = e;
      e = next;
    }
  }
  hd_mem_free(rl->slots);
  rl->slots = ns;
  rl->mask = nmask;
}

static size_t sweep_locked(hd_ratelimit_t *rl, int64_t now_ms) {
  size_t dropped = 0;
  for (size_t i = 0; i <= rl->mask; i++) {
    entry_t **pp = &rl->slots[i];
    while (*pp) {
      entry_t *e = *pp;
      if (e->full_at_ms <= now_ms) {
        *pp = e->next;
        hd_mem_free(e);
        dropped++;
      } else {
        pp = &e->next;
      }
    }
  }
  rl->count -= dropped;
  rl->last_sweep_ms = now_ms;
  return dropped;
}

size_t hd_ratelimit_sweep(hd_ratelimit_t *rl, int64_t now_ms) {
  pthread_mutex_lock(&rl->mu);
  size_t n = sweep_locked(rl, now_ms);
  pthread_mutex_unlock(&rl->mu);
  return n;
}

size_t hd_ratelimit_size(hd_ratelimit_t *rl) {
  pthread_mutex_lock(&rl->mu);
  size_t n = rl->count;
  pthread_mutex_unlock(&rl->mu);
  return n;
}

/* Find or insert the entry for key; NULL when the table is full even after a sweep. */
static entry_t *lookup_locked(hd_ratelimit_t *rl, const char *key, size_t klen, double burst,
                              int64_t now_ms) {
  uint64_t h = fnv1a(key, klen);
  for (entry_t *e = rl->slots[h & rl->mask]; e; e = e->next)
    if (e->hash == h && strlen(e->key) == klen && memcmp(e->key, key, klen) == 0)
      return e;
  if (rl->count >= rl->max || (rl->count > 1024 && now_ms - rl->last_sweep_ms >= 1000))
    sweep_locked(rl, now_ms);
  if (rl->count >= rl->max)
    return NULL;
  if (rl->count > rl->mask)
    grow(rl);
  entry_t *e = hd_mem_calloc(sizeof(*e));
  memcpy(e->key, key, klen);
  e->hash = h;
  e->tokens = burst;
  e->last_ms = now_ms;
  e->full_at_ms = now_ms;
  e->next = rl->slots[h & rl->mask];
  rl->slots[h & rl->mask] = e;
  rl->count++;
  return e;
}

uint32_t hd_ratelimit_take(hd_ratelimit_t *rl, const char *key, double rate, double burst,
                           int64_t now_ms) {
  if (rate <= 0)
    return 0;
  if (burst < 1)
    burst = 1;
  size_t klen = strlen(key);
  if (klen > HD_RATELIMIT_KEY_MAX)
    klen = HD_RATELIMIT_KEY_MAX;

  uint32_t retry = 0;
  pthread_mutex_lock(&rl->mu);
  entry_t *e = lookup_locked(rl, key, klen, burst, now_ms);
  if (e) {
    if (now_ms > e->last_ms) { /* a clock stepping back refills nothing */
      e->tokens += (double)(now_ms - e->last_ms) * rate / 1000.0;
      e->last_ms = now_ms;
    }
    if (e->tokens > burst)
      e->tokens = burst;
    if (e->tokens >= 1.0) {
      e->tokens -= 1.0;
    } else {
      double wait_s = (1.0 - e->tokens) / rate;
      double r = ceil(wait_s - 1e-9);
      retry = r < 1 ? 1 : r > 86400 ? 86400 : (uint32_t)r;
    }
    e->full_at_ms = e->last_ms + (int64_t)ceil((burst - e->tokens) * 1000.0 / rate);
  }
  pthread_mutex_unlock(&rl->mu);
  return retry;
}
