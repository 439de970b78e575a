/*
 * staff.h — staff roles on accounts (trust & safety and operations).
 *
 * Roles are levels, each including the ones below it:
 *
 *   none < moderator < senior_moderator < admin
 *
 *   moderator         works the moderation queue, decides ordinary cases
 *   senior_moderator  also decides urgent CSAM/terrorism cases and appeals
 *   admin             also grants roles, registers trusted flaggers, manages hash banks
 *
 * The first admin is created at set-up with `heraldd admin grant USERNAME admin --data DIR`
 * (which opens the store directly); later grants go through the admin API. Every grant is an
 * append-only audit record (actor, time, before, after).
 */
#ifndef HD_SAFETY_STAFF_H
#define HD_SAFETY_STAFF_H

#include "common/mem.h"
#include "store/admin_rows.h"
#include "store/store.h"

#include <stdint.h>

typedef enum {
  HD_STAFF_NONE = 0,      /* an ordinary user */
  HD_STAFF_MODERATOR = 1, /* decides ordinary cases */
  HD_STAFF_SENIOR = 2,    /* senior_moderator: urgent cases and appeals */
  HD_STAFF_ADMIN = 3      /* roles, flaggers, banks */
} hd_staff_role_t;

/* "moderator" etc. (static storage); hd_staff_role_parse returns 0 or HD_ERR_BAD_FIELD. */
const char *hd_staff_role_name(hd_staff_role_t r);
int hd_staff_role_parse(const char *s, hd_staff_role_t *out);

/* Read: the user's role (HD_STAFF_NONE when none). */
int hd_staff_role_get(hd_store_t *rd, int64_t user_id, hd_staff_role_t *out);
/* Read: every staff member (role > none) by user id, with usernames, in pool. */
int hd_staff_list(hd_store_t *rd, hd_mem_pool_t *pool, hd_store_staff_t **out, size_t *n);

typedef struct {
  /* in */
  int64_t actor_id; /* the admin granting; 0 for the set-up command */
  int64_t user_id;
  hd_staff_role_t role; /* HD_STAFF_NONE revokes */
  /* out */
  hd_staff_role_t before;
} hd_staff_grant_op_t;
/* Write job: set a user's role and append an audit record. Actor must be admin (unless 0). */
int hd_staff_grant(hd_store_t *tx, hd_staff_grant_op_t *op);

#endif
