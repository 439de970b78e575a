/*
 * media.h — uploaded media: where the bytes live, what they are, who may attach and fetch
 * them, and the safety hook media in public chats passes through.
 *
 * Storage is content-addressed under the data directory; the same bytes are stored once:
 *
 *   <data>/media/tmp/<random>          an upload being written (api/media.c)
 *   <data>/media/ab/cd/<sha256>        ab, cd = the first two byte pairs of the hex digest
 *
 *   upload: tmp ─fsync─► probe (type, width, height) ─► classify ─► rename into place
 *           (or drop tmp when the digest exists) ─► fsync dirs ─► hd_media_create (a row)
 *
 * One row per upload (owner, declared type, file name); many rows may share a file. A media
 * id is usable by its uploader to attach to messages; the message carries a copy of the
 * row's public fields (types.h hd_message_t.media).
 *
 * Who may download (hd_media_get_for): the uploader; a member of any chat in which a live
 * message carries it; anyone logged in when such a chat is a public channel, or when it is
 * some account's current profile photo. Everyone else gets HD_ERR_MEDIA_NOT_FOUND (no
 * existence leak).
 *
 * The safety hook (hd_media_set_hook): called on the writer thread for media attached to a
 * message in a public group or channel (a chat with a @username), right after the message
 * row is inserted, in the same transaction; never for private chats or private groups. The
 * default (no hook) allows. A QUARANTINE verdict keeps the message but marks its media
 * quarantined (the hook recorded why in the store: safety/signals.h); a hook error aborts
 * the whole write job. A profile photo being set (chat/accounts.c) passes through the same
 * hook with chat_id = message_id = 0: it has an audience (everyone who sees the user).
 *
 * Invariants:
 *  1. A file under media/ab/cd/ is complete and fsynced (file and directory) before any row
 *     names its digest; tmp files are never named by a row.
 *  2. kind == PHOTO iff the declared type is image/jpeg or image/png and the bytes are that
 *     format with readable dimensions; a declared JPEG/PNG the bytes contradict is refused
 *     (HD_ERR_MEDIA_TYPE_MISMATCH).
 */
#ifndef HD_CHAT_MEDIA_H
#define HD_CHAT_MEDIA_H

#include "chat/types.h"
#include "common/mem.h"
#include "store/store.h"

#define HD_MEDIA_MIME_MAX 127 /* declared Content-Type, bytes */
#define HD_MEDIA_NAME_MAX 255 /* file name, bytes */

/* What the bytes are, found by hd_media_probe(). */
typedef enum {
  HD_MEDIA_FMT_OTHER = 0, /* not recognised */
  HD_MEDIA_FMT_JPEG = 1,  /* FF D8 FF … with a SOFn segment */
  HD_MEDIA_FMT_PNG = 2    /* PNG signature + IHDR */
} hd_media_format_t;

typedef struct {
  hd_media_format_t format;
  int64_t width, height; /* 0 when the format is OTHER */
} hd_media_probe_t;

/* Inspect the file open at fd (size bytes) with pread: JPEG/PNG signature and dimensions.
 * A JPEG or PNG whose dimensions cannot be read is reported as OTHER. Returns 0 or HD_ERR_IO. */
int hd_media_probe(int fd, uint64_t size, hd_media_probe_t *out);

/* Decide the kind from the declared type (parameters and case ignored) and the probe.
 * Returns 0 or HD_ERR_MEDIA_TYPE_MISMATCH (invariant 2). */
int hd_media_classify(const char *declared, const hd_media_probe_t *probe, hd_media_kind_t *kind);

/* Validate a declared type ("type/subtype", printable ASCII, <= HD_MEDIA_MIME_MAX) and a file
 * name (valid UTF-8, no '/', NUL or control characters, <= HD_MEDIA_NAME_MAX). 0 or
 * HD_ERR_BAD_FIELD. */
int hd_media_mime_check(hd_iovec_t mime);
int hd_media_name_check(hd_iovec_t name);
/* A caption: empty, or valid UTF-8 of at most HD_CAPTION_MAX code points.
 * Returns 0, HD_ERR_BAD_UTF8 or HD_ERR_CAPTION_TOO_LONG. */
int hd_media_caption_check(hd_iovec_t text);

/* Write "<data_dir>/media/ab/cd/<sha256>" (or, with sha256 NULL, "<data_dir>/media/tmp")
 * into out. Returns 0 or HD_ERR_TOO_LARGE when cap is too small. */
int hd_media_path(const char *data_dir, const char *sha256, char *out, size_t cap);
/* Create <data_dir>/media/tmp (and parents), mode 0700. Returns 0 or HD_ERR_IO. */
int hd_media_prepare_dirs(const char *data_dir);
/* Move the fsynced tmp file into its content address (dropping tmp when the digest is
 * already stored), fsync the directories touched. Blocking: run on a worker thread.
 * Returns 0 or HD_ERR_IO; tmp_path is gone either way on success. */
int hd_media_store_file(const char *data_dir, const char *tmp_path, const char *sha256);

/* Write job: insert an upload's row. */
typedef struct {
  hd_media_t media; /* in: every field but id and created_at; out: id, created_at set */
} hd_media_create_op_t;
int hd_media_create(hd_store_t *tx, hd_media_create_op_t *op);

/* Read: media_id as user may see it (see the rules above), else HD_ERR_MEDIA_NOT_FOUND. */
int hd_media_get_for(hd_store_t *rd, int64_t user_id, int64_t media_id, hd_mem_pool_t *pool,
                     hd_media_t *out);

/* The safety hook. */
typedef enum {
  HD_MEDIA_ALLOW = 0,     /* nothing found */
  HD_MEDIA_QUARANTINE = 1 /* message kept, media withheld from non-staff (media.quarantined) */
} hd_media_verdict_t;

typedef struct {
  hd_store_t *tx;          /* the send's write transaction */
  hd_mem_pool_t *pool;     /* the send's pool */
  const hd_media_t *media; /* the media row (sha256 set) */
  int64_t chat_id;         /* 0: a profile photo of user_id */
  int64_t message_id;      /* the message just inserted; 0 for a profile photo */
  hd_chat_type_t chat_type;
  const char *chat_username; /* the public name that put it in scope */
  int64_t user_id;           /* the sender, or the account whose photo it is */
} hd_media_hook_event_t;

/* Returns 0 with *verdict set, or an error that aborts the write job. */
typedef int (*hd_media_hook_t)(const hd_media_hook_event_t *ev, void *data,
                               hd_media_verdict_t *verdict);
/* Register the hook (NULL: none). Call at start-up, before any loop runs; it is then called
 * from the writer thread. */
void hd_media_set_hook(hd_media_hook_t fn, void *data);

/* For messages.c: load media_id for attaching by user (the uploader only, else
 * HD_ERR_MEDIA_NOT_FOUND) into *out. */
int hd__media_attach(hd_store_t *tx, int64_t user_id, int64_t media_id, hd_mem_pool_t *pool,
                     hd_media_t *out);
/* For messages.c: run the hook on the inserted message m when chat is public; sets
 * *quarantined. Returns 0 or the hook's error. */
int hd__media_screen(hd_store_t *tx, const hd_chat_t *chat, const hd_message_t *m,
                     const hd_media_t *media, hd_mem_pool_t *pool, int *quarantined);
/* For accounts.c: run the hook on media (a full row) becoming user_id's profile photo;
 * sets *quarantined. Returns 0 or the hook's error. */
int hd__media_screen_photo(hd_store_t *tx, int64_t user_id, const hd_media_t *media,
                           hd_mem_pool_t *pool, int *quarantined);

#endif
