/*
 * error.h — the one error table of Herald.
 *
 * Every function that can fail returns 0 or a negative hd_err_t. The table below is the
 * single source: the enum, hd_strerror(), the API error code string ("chat_not_found") and
 * the HTTP status the API answers with are all generated from it (X-macro, as libuv's
 * UV_ERRNO_MAP). tests/unit/common/error.c fails if two entries share a code string.
 *
 * Invariants:
 *  1. HD_OK is 0 and every error is negative.
 *  2. Code strings are lower_snake_case and unique; they are part of the public API.
 */
#ifndef HD_COMMON_ERROR_H
#define HD_COMMON_ERROR_H

/* XX(NAME, http_status, "api_code", "human message") */
#define HD_ERRNO_MAP(XX)                                                                           \
  XX(NOMEM, 503, "out_of_memory", "the server is out of memory")                                   \
  XX(INTERNAL, 500, "internal", "internal error")                                                  \
  XX(STORAGE, 503, "storage_unavailable", "the store could not complete the operation")            \
  XX(TOO_LARGE, 413, "too_large", "input exceeds the size limit")                                  \
  XX(BAD_JSON, 400, "bad_json", "the body is not valid JSON")                                      \
  XX(BAD_REQUEST, 400, "bad_request", "the request is malformed")                                  \
  XX(BAD_FIELD, 400, "bad_field", "a field is missing or has the wrong type")                      \
  XX(BAD_UTF8, 400, "bad_utf8", "text is not valid UTF-8")                                         \
  XX(NOT_FOUND, 404, "not_found", "no such endpoint")                                              \
  XX(METHOD, 405, "method_not_allowed", "method not allowed on this endpoint")                     \
  XX(UNAUTHORIZED, 401, "unauthorized", "a valid bearer token is required")                        \
  XX(FORBIDDEN, 403, "forbidden", "you may not do this")                                           \
  XX(RATE_LIMITED, 429, "rate_limited", "too many requests; retry later")                          \
  XX(HEADERS_TOO_LARGE, 431, "headers_too_large", "request headers are too large")                 \
  XX(TIMEOUT, 408, "request_timeout", "the request was not received in time")                      \
  XX(CONFLICT, 409, "conflict", "the request conflicts with the current state")                    \
  XX(USERNAME_INVALID, 400, "username_invalid",                                                    \
     "usernames are 5-32 characters of a-z, 0-9 and underscore, starting with a letter")           \
  XX(USERNAME_TAKEN, 409, "username_taken", "that username is taken")                              \
  XX(PASSWORD_INVALID, 400, "password_invalid", "passwords are 8-256 bytes")                       \
  XX(COUNTRY_INVALID, 400, "country_invalid", "country must be an ISO 3166-1 alpha-2 code")        \
  XX(NAME_INVALID, 400, "name_invalid", "names are 1-64 characters")                               \
  XX(BAD_CREDENTIALS, 401, "bad_credentials", "wrong username or password")                        \
  XX(USER_NOT_FOUND, 404, "user_not_found", "no such user")                                        \
  XX(SESSION_NOT_FOUND, 404, "session_not_found", "no such session")                               \
  XX(CHAT_NOT_FOUND, 404, "chat_not_found", "no such chat, or you are not a member")               \
  XX(MESSAGE_NOT_FOUND, 404, "message_not_found", "no such message")                               \
  XX(MESSAGE_EMPTY, 400, "message_empty", "message text is empty")                                 \
  XX(MESSAGE_TOO_LONG, 400, "message_too_long", "message text exceeds 4096 characters")            \
  XX(NOT_ADMIN, 403, "chat_admin_required", "only chat admins may do this")                        \
  XX(NOT_OWNER, 403, "chat_owner_required", "only the chat owner may do this")                     \
  XX(CANNOT_POST, 403, "chat_write_forbidden", "you may not post in this chat")                    \
  XX(ALREADY_MEMBER, 409, "already_member", "the user is already a member")                        \
  XX(NOT_MEMBER, 404, "not_member", "the user is not a member")                                    \
  XX(CHAT_FULL, 403, "chat_full", "the chat has reached its member limit")                         \
  XX(PRIVATE_CHAT, 400, "private_chat", "not possible in a private chat")                          \
  XX(OWNER_CANNOT_LEAVE, 400, "owner_cannot_leave", "the owner cannot leave the chat")             \
  XX(RANDOM_ID_INVALID, 400, "random_id_invalid", "random_id must be a non-zero integer")          \
  XX(DECODE, 400, "decode_failed", "the input could not be decoded")                               \
  XX(UNSUPPORTED, 415, "unsupported", "the input format is not supported")                         \
  XX(IO, 500, "io_error", "an I/O operation failed")                                               \
  XX(CONNECT, 502, "connect_failed", "could not connect to the server")                            \
  XX(PROTOCOL, 502, "protocol_error", "the peer violated the protocol")                            \
  XX(PEER_CLOSED, 502, "peer_closed", "the peer closed the connection")                            \
  XX(IMAGE_TOO_SMALL, 422, "image_too_small", "the image is too small to hash")                    \
  XX(BAD_HASH, 400, "bad_hash", "not a valid hash")                                                \
  XX(BANK_NOT_FOUND, 404, "bank_not_found", "no such hash bank")                                   \
  XX(BANK_EXISTS, 409, "bank_exists", "a hash bank with that name exists")                         \
  XX(CATEGORY_INVALID, 400, "category_invalid", "category must be csam, terrorism, ncii or other") \
  XX(CASE_NOT_FOUND, 404, "case_not_found", "no such case")                                        \
  XX(REPORT_NOT_FOUND, 404, "report_not_found", "no such report")                                  \
  XX(REASON_INVALID, 400, "reason_invalid", "reason must be a code from GET /v1/reports/reasons")  \
  XX(CASE_CLAIMED, 409, "case_claimed", "another moderator holds this case")                       \
  XX(CASE_CLOSED, 409, "case_closed", "the case is already decided")                               \
  XX(SENIOR_REQUIRED, 403, "senior_moderator_required", "this case needs a senior moderator")      \
  XX(ACCOUNT_SUSPENDED, 403, "account_suspended", "this account is suspended")                     \
  XX(MEDIA_NOT_FOUND, 404, "media_not_found", "no such media, or you may not see it")              \
  XX(MEDIA_TYPE_MISMATCH, 400, "media_type_mismatch",                                              \
     "the declared type does not match the bytes")                                                 \
  XX(CAPTION_TOO_LONG, 400, "caption_too_long", "a caption exceeds 1024 characters")               \
  XX(MEDIA_QUARANTINED, 403, "media_quarantined", "the media was held for review")                 \
  XX(RANGE, 416, "range_not_satisfiable", "the requested range is not satisfiable")                \
  XX(BAD_MULTIPART, 400, "bad_multipart", "the multipart/form-data body is malformed")             \
  XX(STATEMENT_NOT_FOUND, 404, "statement_not_found", "no such statement of reasons")              \
  XX(APPEAL_NOT_FOUND, 404, "appeal_not_found", "no such appeal")                                  \
  XX(APPEAL_CLOSED, 409, "appeal_closed", "this decision cannot be appealed (again)")              \
  XX(APPEAL_EXPIRED, 403, "appeal_expired", "the 6-month appeal window has passed")                \
  XX(SAME_MODERATOR, 403, "same_moderator", "an appeal is decided by another moderator")           \
  XX(FLAGGER_CATEGORY, 403, "flagger_category", "the flagger is not accredited for this reason")   \
  XX(MEDIA_WITHHELD, 451, "media_withheld", "the media is held for review")                        \
  XX(RULE_INVALID, 400, "rule_invalid", "the rule's pattern does not compile")                     \
  XX(RULE_NOT_FOUND, 404, "rule_not_found", "no such rule")

typedef enum {
  HD_OK = 0, /* success */
#define HD__ERR_ENUM(name, status, code, msg) HD_ERR_##name,
  HD__ERR_FIRST = -1000, /* marker: errors count up from here */
  HD_ERRNO_MAP(HD__ERR_ENUM)
#undef HD__ERR_ENUM
      HD__ERR_LAST /* marker: one past the last error */
} hd_err_t;

/* Return the human-readable message for err (static storage, never NULL). */
const char *hd_strerror(int err);
/* Return the API code string ("chat_not_found") for err (static storage, never NULL). */
const char *hd_err_code(int err);
/* Return the HTTP status the API answers err with (500 for unknown values). */
int hd_err_status(int err);

#endif
