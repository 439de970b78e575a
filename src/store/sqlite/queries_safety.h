/*
 * sqlite/queries_safety.h — the two trust & safety statements on hot paths, spliced into
 * HD_SQ_QUERIES (queries.h) so they share the statement cache (sqlite/safety_effects.c):
 *
 *   SAFETY_ACCOUNT_BLOCK  every authenticated request: is the caller suspended/terminated?
 *                         (mod_effects_user: partial index on active account effects)
 *   SAFETY_CHAT_EFFECTS   every group/channel load and history page: active effects of the
 *                         chat (message_id 0) or of a range of its messages (mod_effects_chat)
 *
 * Kinds are hd_effect_kind_t (chat/moderation.h): 6 suspend, 7 terminate.
 */
#ifndef HD_STORE_SQLITE_QUERIES_SAFETY_H
#define HD_STORE_SQLITE_QUERIES_SAFETY_H

#define HD_SQ_EFFECT_COLS                                                                          \
  "id, decision_id, kind, chat_id, message_id, user_id, countries, label, until,"                  \
  " original_text, active, created_at, lifted_at"

#define HD_SQ_SAFETY_QUERIES(XX)                                                                   \
  XX(SAFETY_ACCOUNT_BLOCK,                                                                         \
     "SELECT max(CASE kind WHEN 7 THEN 9223372036854775807 ELSE until END) FROM mod_effects"       \
     " WHERE user_id = ?1 AND user_id > 0 AND active = 1 AND kind IN (6, 7)")                      \
  XX(SAFETY_CHAT_EFFECTS, "SELECT " HD_SQ_EFFECT_COLS " FROM mod_effects WHERE chat_id = ?1"       \
                          " AND message_id BETWEEN ?2 AND ?3 AND active = 1"                       \
                          " ORDER BY message_id, id LIMIT 200")

#endif
