/*
 * flaggers.c — registering and authenticating trusted flaggers (see flaggers.h).
 */
#include "safety/flaggers.h"

#include "common/error.h"
#include "common/time.h"
#include "safety/audit.h"
#include "safety/reasons.h"
#include "store/ops.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* Each comma-separated code must be a known reason. */
static int check_categories(const char *csv) {
  if (!csv || !csv[0])
    return HD_ERR_BAD_FIELD;
  for (const char *p = csv;;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    char code[64];
    if (len == 0 || len >= sizeof(code))
      return HD_ERR_BAD_FIELD;
    memcpy(code, p, len);
    code[len] = '\0';
    if (!hd_reason_find(code))
      return HD_ERR_BAD_FIELD;
    if (!e)
      return 0;
    p = e + 1;
  }
}

int hd_flagger_register(hd_store_t *tx, hd_flagger_register_op_t *op) {
  if (!op->name || !op->name[0] || strlen(op->name) > HD_FLAGGER_NAME_MAX || !op->country ||
      strlen(op->country) != 2 || op->country[0] < 'A' || op->country[0] > 'Z' ||
      op->country[1] < 'A' || op->country[1] > 'Z' || check_categories(op->categories) != 0)
    return HD_ERR_BAD_FIELD;
  uint8_t raw[32], hash[32];
  randombytes_buf(raw, sizeof(raw));
  sodium_bin2hex(op->key, sizeof(op->key), raw, sizeof(raw));
  crypto_hash_sha256(hash, (const unsigned char *)op->key, HD_FLAGGER_KEY_HEX);
  sodium_memzero(raw, sizeof(raw));
  hd_store_flagger_t *f = &op->flagger;
  memset(f, 0, sizeof(*f));
  f->name = op->name;
  f->country = op->country;
  f->categories = op->categories;
  f->created_by = op->actor_id;
  f->created_at = hd_time_now();
  int ret = tx->ops->safety->flagger_insert(tx, f, hash); /* invariant 1 */
  if (ret != 0)
    return ret;
  char subject[HD_FLAGGER_NAME_MAX + 16], after[256];
  snprintf(subject, sizeof(subject), "flagger:%lld", (long long)f->id);
  snprintf(after, sizeof(after), "%.100s/%s/%.120s", f->name, f->country, f->categories);
  return hd_audit_append(tx, op->actor_id, "flagger.create", subject, "none", after);
}

int hd_flagger_auth(hd_store_t *rd, const char *key, size_t len, hd_mem_pool_t *pool,
                    hd_store_flagger_t *out) {
  if (!key || len != HD_FLAGGER_KEY_HEX)
    return HD_ERR_UNAUTHORIZED;
  uint8_t hash[32];
  crypto_hash_sha256(hash, (const unsigned char *)key, len);
  return rd->ops->safety->flagger_by_key(rd, hash, pool, out);
}

int hd_flagger_accredited(const hd_store_flagger_t *f, const char *reason) {
  size_t rlen = strlen(reason);
  const char *dot = strchr(reason, '.');
  size_t plen = dot ? (size_t)(dot - reason) : rlen;
  for (const char *p = f->categories; p && *p;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if ((len == rlen && memcmp(p, reason, len) == 0) ||
        (len == plen && memcmp(p, reason, len) == 0))
      return 1;
    if (!e)
      break;
    p = e + 1;
  }
  return 0;
}

int64_t hd_flagger_sla(const char *reason, int64_t sla_urgent, int64_t sla_default) {
  const hd_reason_t *r = hd_reason_find(reason);
  return (r && r->urgent) ? sla_urgent : sla_default;
}
