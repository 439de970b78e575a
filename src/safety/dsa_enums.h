/*
 * dsa_enums.h — the DSA Transparency Database enumerations, declared once (STYLE.md §4).
 *
 * Each HD_DSA_<SET>_MAP(XX) lists XX(NAME, "WIRE_KEY") in the order of
 * ../shared/spec/dsa-sor-enums.json "enums". From each map come a C enum (HD_DSA_<P>_<NAME>)
 * and the table hd_dsa_sets(), which tests/unit/api/dsa.c compares with the spec file in both
 * directions: a value added to, removed from or renamed in the spec fails the build's tests.
 *
 *   spec JSON ──(generated once, checked forever)──► X-maps ──► enums + key tables
 *
 * Invariants:
 *  1. Enum values are dense from 0 in map order; HD_DSA_<P>__COUNT is the set's size.
 *  2. Wire keys are exactly the spec's strings (enum KEY strings; territorial codes ISO).
 */
#ifndef HD_SAFETY_DSA_ENUMS_H
#define HD_SAFETY_DSA_ENUMS_H

#include <stddef.h>

/* decision_visibility */
#define HD_DSA_VISIBILITY_MAP(XX)                                                                  \
  XX(CONTENT_REMOVED, "DECISION_VISIBILITY_CONTENT_REMOVED")                                       \
  XX(CONTENT_DISABLED, "DECISION_VISIBILITY_CONTENT_DISABLED")                                     \
  XX(CONTENT_DEMOTED, "DECISION_VISIBILITY_CONTENT_DEMOTED")                                       \
  XX(CONTENT_AGE_RESTRICTED, "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED")                         \
  XX(CONTENT_INTERACTION_RESTRICTED, "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED")         \
  XX(CONTENT_LABELLED, "DECISION_VISIBILITY_CONTENT_LABELLED")                                     \
  XX(OTHER, "DECISION_VISIBILITY_OTHER")

/* decision_monetary */
#define HD_DSA_MONETARY_MAP(XX)                                                                    \
  XX(SUSPENSION, "DECISION_MONETARY_SUSPENSION")                                                   \
  XX(TERMINATION, "DECISION_MONETARY_TERMINATION")                                                 \
  XX(OTHER, "DECISION_MONETARY_OTHER")

/* decision_provision */
#define HD_DSA_PROVISION_MAP(XX)                                                                   \
  XX(PARTIAL_SUSPENSION, "DECISION_PROVISION_PARTIAL_SUSPENSION")                                  \
  XX(TOTAL_SUSPENSION, "DECISION_PROVISION_TOTAL_SUSPENSION")                                      \
  XX(PARTIAL_TERMINATION, "DECISION_PROVISION_PARTIAL_TERMINATION")                                \
  XX(TOTAL_TERMINATION, "DECISION_PROVISION_TOTAL_TERMINATION")

/* decision_account */
#define HD_DSA_ACCOUNT_MAP(XX)                                                                     \
  XX(SUSPENDED, "DECISION_ACCOUNT_SUSPENDED")                                                      \
  XX(TERMINATED, "DECISION_ACCOUNT_TERMINATED")

/* account_type */
#define HD_DSA_ACCOUNT_TYPE_MAP(XX)                                                                \
  XX(BUSINESS, "ACCOUNT_TYPE_BUSINESS")                                                            \
  XX(PRIVATE, "ACCOUNT_TYPE_PRIVATE")

/* decision_ground */
#define HD_DSA_GROUND_MAP(XX)                                                                      \
  XX(ILLEGAL_CONTENT, "DECISION_GROUND_ILLEGAL_CONTENT")                                           \
  XX(INCOMPATIBLE_CONTENT, "DECISION_GROUND_INCOMPATIBLE_CONTENT")

/* content_type */
#define HD_DSA_CONTENT_TYPE_MAP(XX)                                                                \
  XX(APP, "CONTENT_TYPE_APP")                                                                      \
  XX(AUDIO, "CONTENT_TYPE_AUDIO")                                                                  \
  XX(IMAGE, "CONTENT_TYPE_IMAGE")                                                                  \
  XX(PRODUCT, "CONTENT_TYPE_PRODUCT")                                                              \
  XX(SYNTHETIC_MEDIA, "CONTENT_TYPE_SYNTHETIC_MEDIA")                                              \
  XX(TEXT, "CONTENT_TYPE_TEXT")                                                                    \
  XX(VIDEO, "CONTENT_TYPE_VIDEO")                                                                  \
  XX(OTHER, "CONTENT_TYPE_OTHER")

/* category */
#define HD_DSA_CATEGORY_MAP(XX)                                                                    \
  XX(ANIMAL_WELFARE, "STATEMENT_CATEGORY_ANIMAL_WELFARE")                                          \
  XX(CONSUMER_INFORMATION, "STATEMENT_CATEGORY_CONSUMER_INFORMATION")                              \
  XX(CYBER_VIOLENCE, "STATEMENT_CATEGORY_CYBER_VIOLENCE")                                          \
  XX(CYBER_VIOLENCE_AGAINST_WOMEN, "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN")              \
  XX(DATA_PROTECTION_AND_PRIVACY_VIOLATIONS,                                                       \
     "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS")                                  \
  XX(ILLEGAL_OR_HARMFUL_SPEECH, "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH")                    \
  XX(INTELLECTUAL_PROPERTY_INFRINGEMENTS,                                                          \
     "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS")                                     \
  XX(NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS,                                             \
     "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS")                        \
  XX(NOT_SPECIFIED_NOTICE, "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE")                              \
  XX(OTHER_VIOLATION_TC, "STATEMENT_CATEGORY_OTHER_VIOLATION_TC")                                  \
  XX(PROTECTION_OF_MINORS, "STATEMENT_CATEGORY_PROTECTION_OF_MINORS")                              \
  XX(RISK_FOR_PUBLIC_SECURITY, "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY")                      \
  XX(SCAMS_AND_FRAUD, "STATEMENT_CATEGORY_SCAMS_AND_FRAUD")                                        \
  XX(SELF_HARM, "STATEMENT_CATEGORY_SELF_HARM")                                                    \
  XX(UNSAFE_AND_PROHIBITED_PRODUCTS, "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS")          \
  XX(VIOLENCE, "STATEMENT_CATEGORY_VIOLENCE")

/* category_specification */
#define HD_DSA_KEYWORD_MAP(XX)                                                                     \
  XX(ADULT_SEXUAL_MATERIAL, "KEYWORD_ADULT_SEXUAL_MATERIAL")                                       \
  XX(AGE_SPECIFIC_RESTRICTIONS, "KEYWORD_AGE_SPECIFIC_RESTRICTIONS")                               \
  XX(AGE_SPECIFIC_RESTRICTIONS_MINORS, "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS")                 \
  XX(ANIMAL_HARM, "KEYWORD_ANIMAL_HARM")                                                           \
  XX(BIOMETRIC_DATA_BREACH, "KEYWORD_BIOMETRIC_DATA_BREACH")                                       \
  XX(BULLYING_AGAINST_GIRLS, "KEYWORD_BULLYING_AGAINST_GIRLS")                                     \
  XX(CHILD_SEXUAL_ABUSE_MATERIAL, "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL")                           \
  XX(CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE, "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE")         \
  XX(CONTENT_PROMOTING_EATING_DISORDERS, "KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS")             \
  XX(COORDINATED_HARM, "KEYWORD_COORDINATED_HARM")                                                 \
  XX(COPYRIGHT_INFRINGEMENT, "KEYWORD_COPYRIGHT_INFRINGEMENT")                                     \
  XX(CYBER_BULLYING_INTIMIDATION, "KEYWORD_CYBER_BULLYING_INTIMIDATION")                           \
  XX(CYBER_HARASSMENT, "KEYWORD_CYBER_HARASSMENT")                                                 \
  XX(CYBER_HARASSMENT_AGAINST_WOMEN, "KEYWORD_CYBER_HARASSMENT_AGAINST_WOMEN")                     \
  XX(CYBER_INCITEMENT, "KEYWORD_CYBER_INCITEMENT")                                                 \
  XX(CYBER_STALKING, "KEYWORD_CYBER_STALKING")                                                     \
  XX(CYBER_STALKING_AGAINST_WOMEN, "KEYWORD_CYBER_STALKING_AGAINST_WOMEN")                         \
  XX(DATA_FALSIFICATION, "KEYWORD_DATA_FALSIFICATION")                                             \
  XX(DEFAMATION, "KEYWORD_DEFAMATION")                                                             \
  XX(DESIGN_INFRINGEMENT, "KEYWORD_DESIGN_INFRINGEMENT")                                           \
  XX(DISCRIMINATION, "KEYWORD_DISCRIMINATION")                                                     \
  XX(FEMALE_GENDERED_DISINFORMATION, "KEYWORD_FEMALE_GENDERED_DISINFORMATION")                     \
  XX(GEOGRAPHIC_INDICATIONS_INFRINGEMENT, "KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT")           \
  XX(GEOGRAPHICAL_REQUIREMENTS, "KEYWORD_GEOGRAPHICAL_REQUIREMENTS")                               \
  XX(GOODS_SERVICES_NOT_PERMITTED, "KEYWORD_GOODS_SERVICES_NOT_PERMITTED")                         \
  XX(GROOMING_SEXUAL_ENTICEMENT_MINORS, "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS")               \
  XX(HATE_SPEECH, "KEYWORD_HATE_SPEECH")                                                           \
  XX(HIDDEN_ADVERTISEMENT, "KEYWORD_HIDDEN_ADVERTISEMENT")                                         \
  XX(HUMAN_EXPLOITATION, "KEYWORD_HUMAN_EXPLOITATION")                                             \
  XX(HUMAN_TRAFFICKING, "KEYWORD_HUMAN_TRAFFICKING")                                               \
  XX(ILLEGAL_ORGANIZATIONS, "KEYWORD_ILLEGAL_ORGANIZATIONS")                                       \
  XX(IMPERSONATION_ACCOUNT_HIJACKING, "KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING")                   \
  XX(INAUTHENTIC_ACCOUNTS, "KEYWORD_INAUTHENTIC_ACCOUNTS")                                         \
  XX(INAUTHENTIC_LISTINGS, "KEYWORD_INAUTHENTIC_LISTINGS")                                         \
  XX(INAUTHENTIC_USER_REVIEWS, "KEYWORD_INAUTHENTIC_USER_REVIEWS")                                 \
  XX(INCITEMENT_AGAINST_WOMEN, "KEYWORD_INCITEMENT_AGAINST_WOMEN")                                 \
  XX(INCITEMENT_VIOLENCE_HATRED, "KEYWORD_INCITEMENT_VIOLENCE_HATRED")                             \
  XX(INSUFFICIENT_INFORMATION_ON_TRADERS, "KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS")           \
  XX(LANGUAGE_REQUIREMENTS, "KEYWORD_LANGUAGE_REQUIREMENTS")                                       \
  XX(MISINFORMATION_DISINFORMATION, "KEYWORD_MISINFORMATION_DISINFORMATION")                       \
  XX(MISLEADING_INFO_CONSUMER_RIGHTS, "KEYWORD_MISLEADING_INFO_CONSUMER_RIGHTS")                   \
  XX(MISLEADING_INFO_GOODS_SERVICES, "KEYWORD_MISLEADING_INFO_GOODS_SERVICES")                     \
  XX(MISSING_PROCESSING_GROUND, "KEYWORD_MISSING_PROCESSING_GROUND")                               \
  XX(NON_CONSENSUAL_IMAGE_SHARING, "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING")                         \
  XX(NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN,                                                   \
     "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN")                                         \
  XX(NON_CONSENSUAL_MATERIAL_DEEPFAKE, "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE")                 \
  XX(NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN,                                               \
     "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN")                                     \
  XX(NONCOMPLIANCE_PRICING, "KEYWORD_NONCOMPLIANCE_PRICING")                                       \
  XX(NUDITY, "KEYWORD_NUDITY")                                                                     \
  XX(PATENT_INFRINGEMENT, "KEYWORD_PATENT_INFRINGEMENT")                                           \
  XX(PHISHING, "KEYWORD_PHISHING")                                                                 \
  XX(PROHIBITED_PRODUCTS, "KEYWORD_PROHIBITED_PRODUCTS")                                           \
  XX(PYRAMID_SCHEMES, "KEYWORD_PYRAMID_SCHEMES")                                                   \
  XX(RIGHT_TO_BE_FORGOTTEN, "KEYWORD_RIGHT_TO_BE_FORGOTTEN")                                       \
  XX(RISK_ENVIRONMENTAL_DAMAGE, "KEYWORD_RISK_ENVIRONMENTAL_DAMAGE")                               \
  XX(RISK_PUBLIC_HEALTH, "KEYWORD_RISK_PUBLIC_HEALTH")                                             \
  XX(SELF_MUTILATION, "KEYWORD_SELF_MUTILATION")                                                   \
  XX(STALKING, "KEYWORD_STALKING")                                                                 \
  XX(SUICIDE, "KEYWORD_SUICIDE")                                                                   \
  XX(TERRORIST_CONTENT, "KEYWORD_TERRORIST_CONTENT")                                               \
  XX(TRADE_SECRET_INFRINGEMENT, "KEYWORD_TRADE_SECRET_INFRINGEMENT")                               \
  XX(TRADEMARK_INFRINGEMENT, "KEYWORD_TRADEMARK_INFRINGEMENT")                                     \
  XX(TRAFFICKING_WOMEN_GIRLS, "KEYWORD_TRAFFICKING_WOMEN_GIRLS")                                   \
  XX(UNLAWFUL_SALE_ANIMALS, "KEYWORD_UNLAWFUL_SALE_ANIMALS")                                       \
  XX(UNSAFE_CHALLENGES, "KEYWORD_UNSAFE_CHALLENGES")                                               \
  XX(UNSAFE_PRODUCTS, "KEYWORD_UNSAFE_PRODUCTS")                                                   \
  XX(VIOLATION_EU_LAW, "KEYWORD_VIOLATION_EU_LAW")                                                 \
  XX(VIOLATION_NATIONAL_LAW, "KEYWORD_VIOLATION_NATIONAL_LAW")                                     \
  XX(OTHER, "KEYWORD_OTHER")

/* source_type */
#define HD_DSA_SOURCE_MAP(XX)                                                                      \
  XX(ARTICLE_16, "SOURCE_ARTICLE_16")                                                              \
  XX(TRUSTED_FLAGGER, "SOURCE_TRUSTED_FLAGGER")                                                    \
  XX(TYPE_OTHER_NOTIFICATION, "SOURCE_TYPE_OTHER_NOTIFICATION")                                    \
  XX(VOLUNTARY, "SOURCE_VOLUNTARY")

/* automated_decision */
#define HD_DSA_AUTOMATED_MAP(XX)                                                                   \
  XX(FULLY, "AUTOMATED_DECISION_FULLY")                                                            \
  XX(PARTIALLY, "AUTOMATED_DECISION_PARTIALLY")                                                    \
  XX(NOT_AUTOMATED, "AUTOMATED_DECISION_NOT_AUTOMATED")

/* territorial_scope */
#define HD_DSA_TERRITORY_MAP(XX)                                                                   \
  XX(AT, "AT")                                                                                     \
  XX(BE, "BE")                                                                                     \
  XX(BG, "BG")                                                                                     \
  XX(CY, "CY")                                                                                     \
  XX(CZ, "CZ")                                                                                     \
  XX(DE, "DE")                                                                                     \
  XX(DK, "DK")                                                                                     \
  XX(EE, "EE")                                                                                     \
  XX(ES, "ES")                                                                                     \
  XX(FI, "FI")                                                                                     \
  XX(FR, "FR")                                                                                     \
  XX(GR, "GR")                                                                                     \
  XX(HR, "HR")                                                                                     \
  XX(HU, "HU")                                                                                     \
  XX(IE, "IE")                                                                                     \
  XX(IS, "IS")                                                                                     \
  XX(IT, "IT")                                                                                     \
  XX(LI, "LI")                                                                                     \
  XX(LT, "LT")                                                                                     \
  XX(LU, "LU")                                                                                     \
  XX(LV, "LV")                                                                                     \
  XX(MT, "MT")                                                                                     \
  XX(NL, "NL")                                                                                     \
  XX(NO, "NO")                                                                                     \
  XX(PL, "PL")                                                                                     \
  XX(PT, "PT")                                                                                     \
  XX(RO, "RO")                                                                                     \
  XX(SE, "SE")                                                                                     \
  XX(SI, "SI")                                                                                     \
  XX(SK, "SK")

typedef enum {
#define HD__X(name, key) HD_DSA_VIS_##name, /* key */
  HD_DSA_VISIBILITY_MAP(HD__X)
#undef HD__X
      HD_DSA_VIS__COUNT /* number of values */
} hd_dsa_vis_t;

typedef enum {
#define HD__X(name, key) HD_DSA_MON_##name, /* key */
  HD_DSA_MONETARY_MAP(HD__X)
#undef HD__X
      HD_DSA_MON__COUNT /* number of values */
} hd_dsa_mon_t;

typedef enum {
#define HD__X(name, key) HD_DSA_PROV_##name, /* key */
  HD_DSA_PROVISION_MAP(HD__X)
#undef HD__X
      HD_DSA_PROV__COUNT /* number of values */
} hd_dsa_prov_t;

typedef enum {
#define HD__X(name, key) HD_DSA_ACC_##name, /* key */
  HD_DSA_ACCOUNT_MAP(HD__X)
#undef HD__X
      HD_DSA_ACC__COUNT /* number of values */
} hd_dsa_acc_t;

typedef enum {
#define HD__X(name, key) HD_DSA_ACCT_##name, /* key */
  HD_DSA_ACCOUNT_TYPE_MAP(HD__X)
#undef HD__X
      HD_DSA_ACCT__COUNT /* number of values */
} hd_dsa_acct_t;

typedef enum {
#define HD__X(name, key) HD_DSA_GROUND_##name, /* key */
  HD_DSA_GROUND_MAP(HD__X)
#undef HD__X
      HD_DSA_GROUND__COUNT /* number of values */
} hd_dsa_ground_t;

typedef enum {
#define HD__X(name, key) HD_DSA_CT_##name, /* key */
  HD_DSA_CONTENT_TYPE_MAP(HD__X)
#undef HD__X
      HD_DSA_CT__COUNT /* number of values */
} hd_dsa_ct_t;

typedef enum {
#define HD__X(name, key) HD_DSA_CAT_##name, /* key */
  HD_DSA_CATEGORY_MAP(HD__X)
#undef HD__X
      HD_DSA_CAT__COUNT /* number of values */
} hd_dsa_cat_t;

typedef enum {
#define HD__X(name, key) HD_DSA_KW_##name, /* key */
  HD_DSA_KEYWORD_MAP(HD__X)
#undef HD__X
      HD_DSA_KW__COUNT /* number of values */
} hd_dsa_kw_t;

typedef enum {
#define HD__X(name, key) HD_DSA_SRC_##name, /* key */
  HD_DSA_SOURCE_MAP(HD__X)
#undef HD__X
      HD_DSA_SRC__COUNT /* number of values */
} hd_dsa_src_t;

typedef enum {
#define HD__X(name, key) HD_DSA_AUTO_##name, /* key */
  HD_DSA_AUTOMATED_MAP(HD__X)
#undef HD__X
      HD_DSA_AUTO__COUNT /* number of values */
} hd_dsa_auto_t;

typedef enum {
#define HD__X(name, key) HD_DSA_TERR_##name, /* key */
  HD_DSA_TERRITORY_MAP(HD__X)
#undef HD__X
      HD_DSA_TERR__COUNT /* number of values */
} hd_dsa_terr_t;

/* One enumerated field of the schema: its name in the spec and its keys in order. */
typedef struct {
  const char *field;       /* "decision_visibility" */
  const char *const *keys; /* keys[i] is the wire string of value i */
  size_t n;
} hd_dsa_set_t;

/* Every enumerated set above (static storage); *n receives the count. */
const hd_dsa_set_t *hd_dsa_sets(size_t *n);
/* The set named field, or NULL. */
const hd_dsa_set_t *hd_dsa_set(const char *field);
/* The index of key in set, or -1. */
int hd_dsa_find(const hd_dsa_set_t *set, const char *key);

const char *hd_dsa_vis_key(hd_dsa_vis_t v);
const char *hd_dsa_mon_key(hd_dsa_mon_t v);
const char *hd_dsa_prov_key(hd_dsa_prov_t v);
const char *hd_dsa_acc_key(hd_dsa_acc_t v);
const char *hd_dsa_acct_key(hd_dsa_acct_t v);
const char *hd_dsa_ground_key(hd_dsa_ground_t v);
const char *hd_dsa_ct_key(hd_dsa_ct_t v);
const char *hd_dsa_cat_key(hd_dsa_cat_t v);
const char *hd_dsa_kw_key(hd_dsa_kw_t v);
const char *hd_dsa_src_key(hd_dsa_src_t v);
const char *hd_dsa_auto_key(hd_dsa_auto_t v);
const char *hd_dsa_terr_key(hd_dsa_terr_t v);

#endif
