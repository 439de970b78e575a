/*
 * store.c — opening a store: picks the back-end and hands back the vtable-carrying handle.
 *
 *   hd_store_open(cfg, readonly) ──► hd__sq_open()  (store/sqlite/, the only back-end today)
 *   hd_store_close(s)            ──► s->ops->close(s)
 *
 * A PostgreSQL back-end would add a config field naming the back-end and a branch here;
 * nothing above src/store/ changes, because domain code only sees hd_store_t and its ops.
 *
 * Invariants:
 *  1. Every handle returned carries a non-NULL ops table whose every member is set.
 */
#include "store/store.h"

#include "common/error.h"
#include "store/ops.h"
#include "store/sqlite/internal.h"

#include <stddef.h>

int hd_store_open(const hd_store_config_t *cfg, int readonly, hd_store_t **out) {
  if (cfg == NULL || out == NULL)
    return HD_ERR_INTERNAL;
  hd_store_t *s = NULL;
  int ret = hd__sq_open(cfg, readonly, &s);
  if (ret != 0)
    return ret;
  HD_ASSERT(s->ops != NULL && s->ops->close != NULL);
  *out = s;
  return 0;
}

void hd_store_close(hd_store_t *s) {
  if (s != NULL)
    s->ops->close(s);
}
