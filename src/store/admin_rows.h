/*
 * admin_rows.h — the plain row structs of the staff, audit and hash-bank tables, as the
 * store hands them to src/safety/ (staff.c, audit.c, banksvc.c). A header of structs, no
 * code, like chat/types.h for the chat tables.
 *
 *   staff_roles  (user_id, role, granted_by, granted_at)       one row per staff member
 *   audit_log    (id, time, actor_id, kind, subject, before, after)        append-only
 *   banks        (id, name UNIQUE, source, category, created_at, created_by)
 *   bank_entries (bank_id, signal, value, metadata, added_at)  unique per (bank, signal, value)
 *
 * Invariants:
 *  1. Strings point into the pool given to the store call that filled the struct.
 *  2. audit_log rows are never updated or deleted; ids increase with time of append.
 */
#ifndef HD_STORE_ADMIN_ROWS_H
#define HD_STORE_ADMIN_ROWS_H

#include <stddef.h>
#include <stdint.h>

/* One staff member (role is an hd_staff_role_t value, 1..3). */
typedef struct {
  int64_t user_id;
  const char *username;
  int role;
  int64_t granted_by; /* 0: the set-up command */
  int64_t granted_at; /* unix seconds */
} hd_store_staff_t;

/* One audit record. before/after are short human-readable texts ("" when none). */
typedef struct {
  int64_t id;
  int64_t time_ms; /* unix milliseconds */
  int64_t actor_id;
  const char *kind;    /* "staff.grant", "bank.create", … */
  const char *subject; /* what was acted on: "user:42", "bank:ncmec" */
  const char *before;
  const char *after;
} hd_store_audit_t;

/* One hash bank's metadata and entry counts (counts filled by bank_list only). */
typedef struct {
  int64_t id;
  const char *name;
  const char *source;
  const char *category; /* csam | terrorism | ncii | other */
  int64_t created_at;   /* unix seconds */
  int64_t created_by;
  int64_t npdq, nsha256, nmd5;
} hd_store_bank_t;

/* Called once per entry by bank_entries_each; return non-zero to stop (that value is
 * returned). signal is an hd_signal_type_t value; value holds len bytes (32 or 16). */
typedef int (*hd_store_entry_cb)(void *arg, int64_t bank_id, int signal, const uint8_t *value,
                                 size_t len);

#endif
