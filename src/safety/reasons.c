/*
 * reasons.c — the reason table (see reasons.h). Docs: docs/safety.md "Category mapping".
 */
#include "safety/reasons.h"

#include <string.h>

#define R(code, parent, label, cat, kw, sev, urg)                                                  \
  { code, parent, label, HD_DSA_CAT_##cat, HD_DSA_KW_##kw, sev, urg }

static const hd_reason_t reasons[] = {
    R("spam", NULL, "Spam", OTHER_VIOLATION_TC, OTHER, 1, 0),
    R("violence", NULL, "Violence", VIOLENCE, INCITEMENT_VIOLENCE_HATRED, 4, 0),
    R("violence.incitement", "violence", "Incitement to violence", VIOLENCE,
      INCITEMENT_VIOLENCE_HATRED, 4, 0),
    R("violence.hate_speech", "violence", "Hate speech", ILLEGAL_OR_HARMFUL_SPEECH, HATE_SPEECH, 3,
      0),
    R("pornography", NULL, "Pornography", OTHER_VIOLATION_TC, ADULT_SEXUAL_MATERIAL, 2, 0),
    R("child_abuse", NULL, "Child abuse", PROTECTION_OF_MINORS, CHILD_SEXUAL_ABUSE_MATERIAL, 5, 1),
    R("child_abuse.grooming", "child_abuse", "Grooming of minors", PROTECTION_OF_MINORS,
      GROOMING_SEXUAL_ENTICEMENT_MINORS, 5, 1),
    R("illegal_drugs", NULL, "Illegal drugs", UNSAFE_AND_PROHIBITED_PRODUCTS, PROHIBITED_PRODUCTS,
      3, 0),
    R("personal_details", NULL, "Personal details", DATA_PROTECTION_AND_PRIVACY_VIOLATIONS,
      MISSING_PROCESSING_GROUND, 3, 0),
    R("copyright", NULL, "Copyright", INTELLECTUAL_PROPERTY_INFRINGEMENTS, COPYRIGHT_INFRINGEMENT,
      2, 0),
    R("fake_account", NULL, "Fake account", SCAMS_AND_FRAUD, INAUTHENTIC_ACCOUNTS, 2, 0),
    R("fake_account.impersonation", "fake_account", "Impersonation", SCAMS_AND_FRAUD,
      IMPERSONATION_ACCOUNT_HIJACKING, 3, 0),
    R("terrorism", NULL, "Terrorism", RISK_FOR_PUBLIC_SECURITY, TERRORIST_CONTENT, 5, 1),
    R("scam", NULL, "Scam", SCAMS_AND_FRAUD, OTHER, 3, 0),
    R("scam.phishing", "scam", "Phishing", SCAMS_AND_FRAUD, PHISHING, 3, 0),
    R("scam.pyramid", "scam", "Pyramid scheme", SCAMS_AND_FRAUD, PYRAMID_SCHEMES, 3, 0),
    R("other", NULL, "Other", OTHER_VIOLATION_TC, OTHER, 1, 0),
};
#undef R

const hd_reason_t *hd_reasons(size_t *n) {
  *n = sizeof(reasons) / sizeof(reasons[0]);
  return reasons;
}

const hd_reason_t *hd_reason_find(const char *code) {
  for (size_t i = 0; code && i < sizeof(reasons) / sizeof(reasons[0]); i++)
    if (strcmp(reasons[i].code, code) == 0)
      return &reasons[i];
  return NULL;
}

const hd_reason_t *hd_reason_for_category(const char *category_key) {
  for (size_t i = 0; category_key && i < sizeof(reasons) / sizeof(reasons[0]); i++)
    if (strcmp(hd_dsa_cat_key(reasons[i].category), category_key) == 0)
      return &reasons[i];
  return NULL;
}
