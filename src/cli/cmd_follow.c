/*
 * cmd_follow.c — `herald follow`: print updates live, surviving dropped connections.
 *
 * The state is the last pts printed per log: the user log (private chats, chat_joined, …) and
 * one per group/channel. Updates are printed only when their pts is past the log's state, so
 * an update seen both live and in a difference is printed once.
 *
 *    GET /v1/updates/state ─► connect WS ─► resync ─► read WS ─┬─► update: gap? resync log
 *            (baseline)          ▲                             │          else print, advance
 *                                └── backoff 0.25 s … 8 s ◄────┴─ dropped / closed / silent
 *
 * resync = GET /v1/updates/difference?pts=user_pts (pages while "more"), then for every known
 * chat GET /v1/chats/{id}/difference?pts=chat_pts, then GET /v1/updates/state to learn chats
 * joined meanwhile. The WebSocket is opened before the resync, so an update posted during the
 * resync is either in the difference or queued on the socket: nothing falls in between.
 *
 * Invariants:
 *  1. Each log's pts only grows; an update with pts <= the log's pts is never printed.
 *  2. A user-log pts that jumps by more than one, or a chat pts that jumps, triggers a resync
 *     of that log before the update is considered (the difference then contains it).
 *  3. A chat first seen through a live update starts at that update (pts - 1): history from
 *     before we followed it is not replayed.
 */
#include "cli/cli.h"
#include "common/error.h"
#include "libherald/json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define FOLLOW_PAGE           100
#define FOLLOW_IDLE_MS        25000
#define FOLLOW_BACKOFF_MIN_MS 250
#define FOLLOW_BACKOFF_MAX_MS 8000

typedef struct {
  int64_t chat_id;
  int64_t pts;
} chat_pts_t;

typedef struct {
  hd_cli_ctx_t *ctx;
  int64_t pts; /* user log */
  chat_pts_t *chats;
  size_t nchats, cap;
  int64_t printed, max_count; /* --count: stop after max_count updates (0: never) */
} follow_t;

static chat_pts_t *find_chat(follow_t *f, int64_t chat_id) {
  for (size_t i = 0; i < f->nchats; i++)
    if (f->chats[i].chat_id == chat_id)
      return &f->chats[i];
  return NULL;
}

static chat_pts_t *add_chat(follow_t *f, int64_t chat_id, int64_t pts) {
  chat_pts_t *c = find_chat(f, chat_id);
  if (c)
    return c;
  if (f->nchats == f->cap) {
    f->cap = f->cap ? f->cap * 2 : 16;
    f->chats = hd_mem_realloc(f->chats, f->cap * sizeof(*f->chats));
  }
  c = &f->chats[f->nchats++];
  c->chat_id = chat_id;
  c->pts = pts;
  return c;
}

static void forget_chat(follow_t *f, int64_t chat_id) {
  chat_pts_t *c = find_chat(f, chat_id);
  if (c)
    *c = f->chats[--f->nchats];
}

static void emit(follow_t *f, const json_t *u) {
  if (f->ctx->json)
    hd_cli_print_json(u);
  else
    hd_cli_print_update(u);
  f->printed++;
}

static int done(const follow_t *f) { return f->max_count > 0 && f->printed >= f->max_count; }

/* Load the state (user pts and each chat's pts); with only_new, add only unknown chats. */
static int load_state(follow_t *f, int only_new) {
  herald_response_t res;
  int rc = hd_cli_call(f->ctx, "GET", "/v1/updates/state", NULL, &res);
  if (rc != HD_CLI_OK)
    return rc;
  if (!only_new)
    f->pts = herald_json_int(res.body, "pts", 0);
  size_t i;
  json_t *c;
  json_array_foreach(herald_json_at(res.body, "chats"), i, c) {
    int64_t id = herald_json_int(c, "chat_id", 0);
    if (id > 0 && (!only_new || !find_chat(f, id)))
      add_chat(f, id, herald_json_int(c, "pts", 0))->pts = herald_json_int(c, "pts", 0);
  }
  herald_response_dispose(&res);
  return HD_CLI_OK;
}

static int resync_user(follow_t *f);
static int resync_chat(follow_t *f, int64_t chat_id);

/* Return the pts of a log (chat_id 0: the user log), or -1 for a chat no longer followed. */
static int64_t log_pts(follow_t *f, int64_t chat_id) {
  if (chat_id == 0)
    return f->pts;
  chat_pts_t *c = find_chat(f, chat_id);
  return c ? c->pts : -1;
}

static void set_log_pts(follow_t *f, int64_t chat_id, int64_t pts) {
  chat_pts_t *c = chat_id ? find_chat(f, chat_id) : NULL;
  int64_t *slot = chat_id == 0 ? &f->pts : c ? &c->pts : NULL;
  if (slot && pts > *slot)
    *slot = pts; /* invariant 1 */
}

/* Consider one update (live or from a difference): print it once, in order (invariants 1-2).
 * Returns an exit code. */
static int on_update(follow_t *f, const json_t *u, int live) {
  int64_t pts = herald_json_int(u, "pts", 0);
  int64_t chat_id = herald_json_int(u, "chat_id", 0);
  int64_t log = strcmp(herald_json_str(u, "log", "user"), "chat") == 0 ? chat_id : 0;
  if (done(f) || (log != 0 && chat_id <= 0))
    return HD_CLI_OK;
  if (log != 0 && find_chat(f, log) == NULL)
    add_chat(f, log, pts - 1); /* invariant 3 */
  if (pts <= log_pts(f, log))
    return HD_CLI_OK;
  if (live && pts > log_pts(f, log) + 1) {
    int rc = log ? resync_chat(f, log) : resync_user(f); /* the difference holds it too */
    if (rc != HD_CLI_OK || pts <= log_pts(f, log))
      return rc;
  }
  set_log_pts(f, log, pts);
  if (log == 0 && strcmp(herald_json_str(u, "type", ""), "chat_left") == 0)
    forget_chat(f, chat_id);
  emit(f, u);
  return HD_CLI_OK;
}

/* Page through the difference endpoint base of log (0: the user log) from its pts. */
static int difference(follow_t *f, const char *base, int64_t log) {
  for (;;) {
    int64_t from = log_pts(f, log);
    if (from < 0)
      return HD_CLI_OK;
    char path[160];
    snprintf(path, sizeof(path), "%s?pts=%lld&limit=%d", base, (long long)from, FOLLOW_PAGE);
    herald_response_t res;
    int rc = hd_cli_call(f->ctx, "GET", path, NULL, &res);
    if (rc != HD_CLI_OK)
      return rc;
    size_t i;
    json_t *u;
    json_array_foreach(herald_json_at(res.body, "updates"), i, u) {
      if ((rc = on_update(f, u, 0)) != HD_CLI_OK)
        break;
    }
    int more = herald_json_bool(res.body, "more", 0);
    int64_t cur = herald_json_int(res.body, "pts", 0);
    herald_response_dispose(&res);
    if (rc != HD_CLI_OK || done(f))
      return rc;
    if (!more) {
      set_log_pts(f, log, cur); /* the log's truth up to cur was all in this answer */
      return HD_CLI_OK;
    }
    if (log_pts(f, log) <= from)
      return HD_CLI_OK; /* "more" without progress: do not spin */
  }
}

static int resync_user(follow_t *f) { return difference(f, "/v1/updates/difference", 0); }

static int resync_chat(follow_t *f, int64_t chat_id) {
  char base[64];
  snprintf(base, sizeof(base), "/v1/chats/%lld/difference", (long long)chat_id);
  int rc = difference(f, base, chat_id);
  if (rc == HD_CLI_API) {
    forget_chat(f, chat_id); /* left or gone: not ours to follow any more */
    return HD_CLI_OK;
  }
  return rc;
}

static int resync_all(follow_t *f) {
  int rc = resync_user(f);
  for (size_t i = 0; rc == HD_CLI_OK && i < f->nchats; i++) {
    int64_t id = f->chats[i].chat_id;
    rc = resync_chat(f, id);
    if (i < f->nchats && f->chats[i].chat_id != id)
      i--; /* forgotten: another chat moved into slot i */
  }
  if (rc == HD_CLI_OK)
    rc = load_state(f, 1);
  return rc;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0)
    ;
}

/* Read the WebSocket until it drops; returns an exit code for fatal errors, -1 to reconnect. */
static int pump(follow_t *f, herald_ws_t *ws) {
  int idle = 0;
  while (!done(f)) {
    json_t *m = NULL;
    int r = herald_ws_next(ws, FOLLOW_IDLE_MS, &m);
    if (r == HD_ERR_TIMEOUT) {
      if (idle++ >= 1)
        return -1; /* no pong to our ping: the connection is dead */
      static const char ping[] = "{\"type\":\"ping\"}";
      if (herald_ws_send_text(ws, ping, sizeof(ping) - 1) != 0)
        return -1;
      continue;
    }
    if (r == HD_ERR_BAD_JSON)
      continue;
    if (r != 0)
      return -1;
    idle = 0;
    const char *type = herald_json_str(m, "type", "");
    int rc = HD_CLI_OK;
    if (strcmp(type, "hello") == 0) {
      if (herald_json_int(m, "pts", 0) > f->pts)
        rc = resync_user(f);
    } else if (strcmp(type, "pong") != 0 && herald_json_at(m, "pts")) {
      rc = on_update(f, m, 1);
    }
    json_decref(m);
    if (rc == HD_CLI_NET)
      return -1;
    if (rc != HD_CLI_OK)
      return rc;
  }
  return HD_CLI_OK;
}

static const herald_opt_spec_t follow_opts[] = {
    {"count", 'c', 1, "N", "exit after printing N updates"},
    {NULL, 0, 0, NULL, NULL},
};

static int run_follow(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  follow_t f;
  memset(&f, 0, sizeof(f));
  f.ctx = ctx;
  int rc = hd_cli_opt_int(a, "count", 1, INT64_MAX, 0, &f.max_count);
  if (rc == HD_CLI_OK)
    rc = load_state(&f, 0);
  if (rc != HD_CLI_OK)
    goto done;
  int backoff = 0;
  while (!done(&f)) {
    herald_ws_t *ws = NULL;
    int r = herald_ws_connect(ctx->client, "/v1/updates/ws", &ws);
    if (r == HD_ERR_UNAUTHORIZED) {
      rc = hd_cli_net_error(ctx, r);
      break;
    }
    if (r == 0) {
      rc = resync_all(&f);
      if (rc == HD_CLI_OK || rc == HD_CLI_NET) {
        if (rc == HD_CLI_OK)
          backoff = 0;
        rc = rc == HD_CLI_OK ? pump(&f, ws) : -1;
      }
      herald_ws_close(ws);
      if (rc >= 0)
        break;
    }
    backoff = backoff ? HD_MIN(backoff * 2, FOLLOW_BACKOFF_MAX_MS) : FOLLOW_BACKOFF_MIN_MS;
    if (r != 0)
      hd_cli_err("cannot connect (%s); retrying in %d ms", herald_client_errmsg(ctx->client),
                 backoff);
    else
      hd_cli_err("connection lost; reconnecting in %d ms", backoff);
    sleep_ms(backoff);
    rc = HD_CLI_OK;
  }
done:
  hd_mem_free(f.chats);
  return rc;
}

const hd_cli_command_t hd_cli_cmd_follow = {
    "follow",
    "",
    "print updates live; reconnects and resyncs after a dropped connection",
    "Prints each update once, in order. After a dropped connection it reconnects with backoff\n"
    "and fetches what it missed (GET /v1/updates/difference and each chat's difference).\n"
    "With --json each update is printed as the server's JSON object, one per line.",
    follow_opts,
    0,
    0,
    1,
    run_follow};
