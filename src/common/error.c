/*
 * error.c — lookups generated from HD_ERRNO_MAP (see error.h for the design).
 */
#include "common/error.h"

#include <stddef.h>

typedef struct {
  int status;
  const char *code;
  const char *msg;
} hd_err_entry_t;

static const hd_err_entry_t table[] = {
#define HD__ERR_ROW(name, status, code, msg) {status, code, msg},
    HD_ERRNO_MAP(HD__ERR_ROW)
#undef HD__ERR_ROW
};

static const hd_err_entry_t *lookup(int err) {
  if (err <= HD__ERR_FIRST || err >= HD__ERR_LAST)
    return NULL;
  return &table[err - HD__ERR_FIRST - 1];
}

const char *hd_strerror(int err) {
  if (err == HD_OK)
    return "success";
  const hd_err_entry_t *e = lookup(err);
  return e ? e->msg : "unknown error";
}

const char *hd_err_code(int err) {
  if (err == HD_OK)
    return "ok";
  const hd_err_entry_t *e = lookup(err);
  return e ? e->code : "internal";
}

int hd_err_status(int err) {
  if (err == HD_OK)
    return 200;
  const hd_err_entry_t *e = lookup(err);
  return e ? e->status : 500;
}
