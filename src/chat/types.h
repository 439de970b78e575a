/*
 * types.h — the domain's value types: users, sessions, chats, members, messages, updates.
 *
 * These are plain structs filled by the domain from the store and turned into JSON by api/.
 * Strings in them are NUL-terminated and owned by the hd_mem_pool_t the caller passed to the
 * function that produced them (they die with that pool).
 *
 * Model (Telegram's):
 *
 *   user ──< member >── chat ──< message (chat_id, id)  id = 1,2,3… per chat, no gaps
 *                        │
 *   private chat: type PRIVATE, exactly two members, one per unordered user pair.
 *   group:   owner/admin/member roles, members post; public when it has a @username.
 *   channel: owner/admins post, members are subscribers; public when it has a @username.
 *
 *   updates: private chats fan out on write — one row per participant in that user's log,
 *            numbered by the user's pts. Groups/channels fan out on read — one row in the
 *            chat's log, numbered by the chat's pts.
 */
#ifndef HD_CHAT_TYPES_H
#define HD_CHAT_TYPES_H

#include <stddef.h>
#include <stdint.h>

#define HD_USERNAME_MIN      5
#define HD_USERNAME_MAX      32
#define HD_PASSWORD_MIN      8
#define HD_PASSWORD_MAX      256
#define HD_NAME_MAX          64   /* display names and chat titles, in code points */
#define HD_BIO_MAX           256  /* profile bio / chat about, in code points */
#define HD_MESSAGE_MAX       4096 /* message text, in code points */
#define HD_GROUP_MAX_MEMBERS 200000
#define HD_PAGE_MAX          100 /* most rows one history/difference/member page returns */

typedef enum {
  HD_CHAT_PRIVATE = 1, /* one-to-one */
  HD_CHAT_GROUP = 2,   /* many-to-many, members post */
  HD_CHAT_CHANNEL = 3  /* broadcast, only owner/admins post */
} hd_chat_type_t;

typedef enum {
  HD_ROLE_NONE = 0,   /* not a member */
  HD_ROLE_MEMBER = 1, /* member (group) or subscriber (channel) */
  HD_ROLE_ADMIN = 2,  /* may add/remove members, delete any message, post in channels */
  HD_ROLE_OWNER = 3   /* creator; may promote/demote admins; cannot leave */
} hd_role_t;

typedef enum {
  HD_MEDIA_NONE = 0,    /* no media (a message without attachment) */
  HD_MEDIA_PHOTO = 1,   /* JPEG or PNG whose bytes match the declared type */
  HD_MEDIA_DOCUMENT = 2 /* anything else, with its file name */
} hd_media_kind_t;

#define HD_CAPTION_MAX 1024 /* caption of a message with media, in code points */

/* An uploaded file (chat/media.h): content-addressed by sha256 on disk, one row per upload. */
typedef struct {
  int64_t id;            /* 0: none */
  int64_t owner_id;      /* the uploader */
  const char *sha256;    /* 64 lower-case hex digits */
  int64_t size;          /* bytes */
  const char *mime_type; /* as declared (photos: the type the bytes proved) */
  hd_media_kind_t kind;
  int64_t width, height; /* JPEG/PNG only, else 0 */
  const char *file_name; /* NULL when none was given */
  int64_t created_at;
  int quarantined; /* held by a hash-bank match (safety/signals.h): staff-only download */
} hd_media_t;

typedef struct {
  int64_t id;
  const char *username; /* as registered (capitalisation kept) */
  const char *display_name;
  const char *bio;     /* "" when unset */
  const char *country; /* ISO 3166-1 alpha-2, upper case */
  int64_t created_at;  /* unix seconds */
  hd_media_t photo;    /* profile photo (id 0: none), quarantined set by a bank match */
} hd_user_t;

typedef struct {
  int64_t id;
  int64_t user_id;
  const char *device; /* free text given at login, "" if none */
  const char *ip;     /* address at login */
  int64_t created_at;
  int64_t last_seen_at;
} hd_session_t;

typedef struct {
  int64_t id;
  hd_chat_type_t type;
  const char *title;    /* private chats: the peer's display name */
  const char *username; /* public groups/channels; NULL otherwise */
  const char *about;    /* "" when unset */
  int64_t owner_id;     /* 0 for private chats */
  int64_t created_at;
  int64_t member_count;    /* subscribers, for channels */
  int64_t pts;             /* the chat's update counter (groups/channels; 0 for private) */
  int64_t last_message_id; /* highest id ever assigned in this chat */
  int64_t peer_user_id;    /* private chats: the other participant, as seen by the viewer */
  int64_t pair[2];         /* private chats: both participants (lo, hi) as stored; else 0 */
  hd_role_t my_role;       /* the viewer's role */
  int64_t my_read_max_id;  /* the viewer's read marker */
} hd_chat_t;

typedef struct {
  int64_t chat_id;
  int64_t id;
  int64_t sender_id;
  int64_t random_id;        /* the sender's idempotency key */
  int64_t date;             /* unix seconds */
  int64_t edit_date;        /* 0 if never edited */
  int64_t reply_to_id;      /* 0 if not a reply */
  int64_t fwd_from_chat_id; /* 0 if not forwarded; else the origin */
  int64_t fwd_from_message_id;
  int64_t fwd_from_user_id;
  int64_t fwd_date;
  int64_t views;    /* channels: distinct viewers */
  const char *text; /* UTF-8, NUL-terminated; the caption when media.id != 0 */
  hd_media_t media; /* attached media (media.id == 0: none; sha256/owner not loaded) */
} hd_message_t;

typedef struct {
  int64_t chat_id;
  int64_t user_id;
  hd_role_t role;
  int64_t joined_at;
  const char *username;
  const char *display_name;
} hd_member_t;

/* A dialog-list row: the chat, its last visible message (NULL if none) and unread count. */
typedef struct {
  hd_chat_t chat;
  hd_message_t *last_message;
  int64_t unread_count;
} hd_dialog_t;

typedef enum {
  HD_UPD_NEW_MESSAGE = 1,    /* message_id is new in chat_id */
  HD_UPD_EDIT_MESSAGE = 2,   /* message_id was edited */
  HD_UPD_DELETE_MESSAGE = 3, /* message_id deleted (for everyone, or for this user only) */
  HD_UPD_MEMBER_JOINED = 4,  /* chat log: user_id joined or was added to chat_id */
  HD_UPD_MEMBER_LEFT = 5,    /* chat log: user_id left or was removed from chat_id */
  HD_UPD_CHAT_JOINED = 6,    /* user log: this user became a member of chat_id */
  HD_UPD_CHAT_LEFT = 7,      /* user log: this user is no longer a member of chat_id */
  HD_UPD_READ_INBOX = 8,     /* user log: this user read chat_id up to message_id */
  HD_UPD_READ_OUTBOX = 9,    /* user log: the peer read this user's messages up to message_id */
  HD_UPD_ROLE_CHANGED = 10   /* chat log: user_id's role in chat_id is now `role` */
} hd_update_type_t;

/* One entry of a user's or a chat's update log. */
typedef struct {
  int64_t pts;
  hd_update_type_t type;
  int64_t chat_id;
  int64_t message_id; /* 0 when not about a message */
  int64_t user_id;    /* member updates: whom it is about; else 0 */
  hd_role_t role;     /* ROLE_CHANGED / MEMBER_JOINED: the role */
  int64_t date;
  hd_message_t *message; /* NEW/EDIT: the message as it is now; NULL if since deleted */
} hd_update_t;

/* Names for the JSON encoding ("new_message", ...), static storage. */
const char *hd_update_type_name(hd_update_type_t t);
const char *hd_chat_type_name(hd_chat_type_t t);
const char *hd_role_name(hd_role_t r);

#endif

#ifndef HD_CHAT_EVENT_DEFINED
#define HD_CHAT_EVENT_DEFINED
/* An update a write appended, for real-time delivery after commit: to user_id's log, or to
 * the chat's log (update.chat_id) when user_id == 0. */
typedef struct {
  int64_t user_id;
  hd_update_t update;
} hd_event_t;

/* Events produced by one write operation (array in the op's pool). */
typedef struct {
  hd_event_t *items;
  size_t len;
} hd_events_t;
#endif
