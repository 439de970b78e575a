/*
 * dsa_enums.c — key tables generated from the X-maps of dsa_enums.h (see its comment).
 */
#include "safety/dsa_enums.h"

#include <string.h>

#define HD__KEY(name, key) key,

static const char *const vis_keys[] = {HD_DSA_VISIBILITY_MAP(HD__KEY)};
static const char *const mon_keys[] = {HD_DSA_MONETARY_MAP(HD__KEY)};
static const char *const prov_keys[] = {HD_DSA_PROVISION_MAP(HD__KEY)};
static const char *const acc_keys[] = {HD_DSA_ACCOUNT_MAP(HD__KEY)};
static const char *const acct_keys[] = {HD_DSA_ACCOUNT_TYPE_MAP(HD__KEY)};
static const char *const ground_keys[] = {HD_DSA_GROUND_MAP(HD__KEY)};
static const char *const ct_keys[] = {HD_DSA_CONTENT_TYPE_MAP(HD__KEY)};
static const char *const cat_keys[] = {HD_DSA_CATEGORY_MAP(HD__KEY)};
static const char *const kw_keys[] = {HD_DSA_KEYWORD_MAP(HD__KEY)};
static const char *const src_keys[] = {HD_DSA_SOURCE_MAP(HD__KEY)};
static const char *const auto_keys[] = {HD_DSA_AUTOMATED_MAP(HD__KEY)};
static const char *const terr_keys[] = {HD_DSA_TERRITORY_MAP(HD__KEY)};
#undef HD__KEY

static const hd_dsa_set_t sets[] = {
    {"decision_visibility", vis_keys, HD_DSA_VIS__COUNT},
    {"decision_monetary", mon_keys, HD_DSA_MON__COUNT},
    {"decision_provision", prov_keys, HD_DSA_PROV__COUNT},
    {"decision_account", acc_keys, HD_DSA_ACC__COUNT},
    {"account_type", acct_keys, HD_DSA_ACCT__COUNT},
    {"decision_ground", ground_keys, HD_DSA_GROUND__COUNT},
    {"content_type", ct_keys, HD_DSA_CT__COUNT},
    {"category", cat_keys, HD_DSA_CAT__COUNT},
    {"category_specification", kw_keys, HD_DSA_KW__COUNT},
    {"source_type", src_keys, HD_DSA_SRC__COUNT},
    {"automated_decision", auto_keys, HD_DSA_AUTO__COUNT},
    {"territorial_scope", terr_keys, HD_DSA_TERR__COUNT},
};

_Static_assert(sizeof(vis_keys) / sizeof(vis_keys[0]) == HD_DSA_VIS__COUNT, "decision_visibility");
_Static_assert(sizeof(mon_keys) / sizeof(mon_keys[0]) == HD_DSA_MON__COUNT, "decision_monetary");
_Static_assert(sizeof(prov_keys) / sizeof(prov_keys[0]) == HD_DSA_PROV__COUNT,
               "decision_provision");
_Static_assert(sizeof(acc_keys) / sizeof(acc_keys[0]) == HD_DSA_ACC__COUNT, "decision_account");
_Static_assert(sizeof(acct_keys) / sizeof(acct_keys[0]) == HD_DSA_ACCT__COUNT, "account_type");
_Static_assert(sizeof(ground_keys) / sizeof(ground_keys[0]) == HD_DSA_GROUND__COUNT,
               "decision_ground");
_Static_assert(sizeof(ct_keys) / sizeof(ct_keys[0]) == HD_DSA_CT__COUNT, "content_type");
_Static_assert(sizeof(cat_keys) / sizeof(cat_keys[0]) == HD_DSA_CAT__COUNT, "category");
_Static_assert(sizeof(kw_keys) / sizeof(kw_keys[0]) == HD_DSA_KW__COUNT, "category_specification");
_Static_assert(sizeof(src_keys) / sizeof(src_keys[0]) == HD_DSA_SRC__COUNT, "source_type");
_Static_assert(sizeof(auto_keys) / sizeof(auto_keys[0]) == HD_DSA_AUTO__COUNT,
               "automated_decision");
_Static_assert(sizeof(terr_keys) / sizeof(terr_keys[0]) == HD_DSA_TERR__COUNT, "territorial_scope");

const hd_dsa_set_t *hd_dsa_sets(size_t *n) {
  *n = sizeof(sets) / sizeof(sets[0]);
  return sets;
}

const hd_dsa_set_t *hd_dsa_set(const char *field) {
  for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
    if (strcmp(sets[i].field, field) == 0)
      return &sets[i];
  return NULL;
}

int hd_dsa_find(const hd_dsa_set_t *set, const char *key) {
  for (size_t i = 0; key && i < set->n; i++)
    if (strcmp(set->keys[i], key) == 0)
      return (int)i;
  return -1;
}

const char *hd_dsa_vis_key(hd_dsa_vis_t v) {
  return (unsigned)v < HD_DSA_VIS__COUNT ? vis_keys[v] : "";
}

const char *hd_dsa_mon_key(hd_dsa_mon_t v) {
  return (unsigned)v < HD_DSA_MON__COUNT ? mon_keys[v] : "";
}

const char *hd_dsa_prov_key(hd_dsa_prov_t v) {
  return (unsigned)v < HD_DSA_PROV__COUNT ? prov_keys[v] : "";
}

const char *hd_dsa_acc_key(hd_dsa_acc_t v) {
  return (unsigned)v < HD_DSA_ACC__COUNT ? acc_keys[v] : "";
}

const char *hd_dsa_acct_key(hd_dsa_acct_t v) {
  return (unsigned)v < HD_DSA_ACCT__COUNT ? acct_keys[v] : "";
}

const char *hd_dsa_ground_key(hd_dsa_ground_t v) {
  return (unsigned)v < HD_DSA_GROUND__COUNT ? ground_keys[v] : "";
}

const char *hd_dsa_ct_key(hd_dsa_ct_t v) {
  return (unsigned)v < HD_DSA_CT__COUNT ? ct_keys[v] : "";
}

const char *hd_dsa_cat_key(hd_dsa_cat_t v) {
  return (unsigned)v < HD_DSA_CAT__COUNT ? cat_keys[v] : "";
}

const char *hd_dsa_kw_key(hd_dsa_kw_t v) {
  return (unsigned)v < HD_DSA_KW__COUNT ? kw_keys[v] : "";
}

const char *hd_dsa_src_key(hd_dsa_src_t v) {
  return (unsigned)v < HD_DSA_SRC__COUNT ? src_keys[v] : "";
}

const char *hd_dsa_auto_key(hd_dsa_auto_t v) {
  return (unsigned)v < HD_DSA_AUTO__COUNT ? auto_keys[v] : "";
}

const char *hd_dsa_terr_key(hd_dsa_terr_t v) {
  return (unsigned)v < HD_DSA_TERR__COUNT ? terr_keys[v] : "";
}
