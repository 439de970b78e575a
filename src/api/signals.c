/*
 * signals.c — pre-hashing public media before a send, and the signal stats (signals.h).
 *
 * The checks here run on the loop's read handle and only decide whether the worker should
 * hash; the write job re-checks everything (chat visibility, ownership) and the hook in
 * chat/media.c decides on the committed state. A chat that turns public between this check
 * and the write job gets the exact SHA-256 match only (the PDQ hash is not cached).
 */
#include "api/signals.h"

#include "api/handler.h"
#include "api/staff.h"
#include "chat/chats.h"
#include "chat/media.h"
#include "chat/messages.h"
#include "common/error.h"
#include "net/server.h"
#include "safety/rules.h"
#include "safety/signals.h"
#include "store/ops.h"

#include <string.h>

typedef struct {
  hd_call_t *call;
  hd_signals_t *sig;
  char sha256[65];
  hd_api_cont_t cont;
  void *arg;
} prehash_t;

int hd_api_signals_start(hd_app_t *app, const hd_store_config_t *sc) {
  hd_store_t *rd;
  int rc = hd_store_open(sc, 1, &rd);
  if (rc)
    return rc;
  app->signals = hd_signals_create(app->banks, app->cfg.data_dir);
  app->rules = hd_rules_create();
  if ((rc = hd_rules_load(app->rules, rd)) != 0) {
    hd_rules_destroy(app->rules);
    hd_signals_destroy(app->signals);
    app->rules = NULL;
    app->signals = NULL;
  } else {
    hd_media_set_hook(hd_signals_hook, app->signals);
  }
  hd_store_close(rd);
  return rc;
}

void hd_api_signals_stop(hd_app_t *app) {
  hd_media_set_hook(NULL, NULL);
  hd_rules_destroy(app->rules);
  hd_signals_destroy(app->signals);
  app->rules = NULL;
  app->signals = NULL;
}

static int prehash(hd_call_t *call, int64_t media_id, int64_t owner, hd_api_cont_t cont, void *arg);

static void prehash_work(void *arg) {
  prehash_t *p = arg;
  hd_signals_hash(p->sig, p->sha256); /* a file that does not decode is cached as such */
}

static void prehash_after(hd_loop_t *loop, void *arg, int status) {
  (void)loop;
  (void)status; /* no hash: the hook still matches the exact SHA-256 */
  prehash_t *p = arg;
  p->cont(p->call, p->arg);
}

int hd_api_signals_prepare(hd_call_t *call, int64_t chat_id, int64_t media_id, int64_t fwd_chat_id,
                           int64_t fwd_message_id, hd_api_cont_t cont, void *arg) {
  hd_signals_t *sig = call->ctx->app->signals;
  hd_store_t *rd = call->ctx->rd;
  hd_mem_pool_t *pool = &call->req->pool;
  hd_chat_t c;
  if (!sig || (media_id == 0 && fwd_chat_id == 0))
    return 0;
  if (hd_chat_get(rd, call->user_id, chat_id, pool, &c) != 0 || c.type == HD_CHAT_PRIVATE ||
      c.username == NULL || c.username[0] == '\0')
    return 0; /* invariant 1: private conversations are never hashed */
  if (fwd_chat_id) {
    hd_message_t src;
    if (hd_message_get(rd, call->user_id, fwd_chat_id, fwd_message_id, pool, &src) != 0 ||
        src.media.id == 0)
      return 0;
    media_id = src.media.id;
  }
  return prehash(call, media_id, 0, cont, arg);
}

int hd_api_signals_prepare_photo(hd_call_t *call, int64_t media_id, hd_api_cont_t cont, void *arg) {
  if (!call->ctx->app->signals || media_id <= 0)
    return 0;
  return prehash(call, media_id, call->user_id, cont, arg);
}

/* Hash media_id on a worker unless cached (owner > 0: only that uploader's media). */
static int prehash(hd_call_t *call, int64_t media_id, int64_t owner, hd_api_cont_t cont,
                   void *arg) {
  hd_signals_t *sig = call->ctx->app->signals;
  hd_store_t *rd = call->ctx->rd;
  hd_mem_pool_t *pool = &call->req->pool;
  hd_media_t m;
  if (rd->ops->media_get(rd, media_id, pool, &m) != 0 || m.kind != HD_MEDIA_PHOTO ||
      (owner > 0 && m.owner_id != owner) || m.sha256 == NULL || strlen(m.sha256) != 64 ||
      hd_signals_cached(sig, m.sha256))
    return 0;
  prehash_t *p = hd_mem_pool_alloc(pool, sizeof(*p));
  p->call = call;
  p->sig = sig;
  memcpy(p->sha256, m.sha256, 65);
  p->cont = cont;
  p->arg = arg;
  hd_loop_work(call->ctx->loop, prehash_work, prehash_after, p);
  return 1;
}

void hd_api_signals_stats(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0)
    return;
  hd_signals_stats_t s;
  hd_signals_stats(call->ctx->app->signals, &s);
  hd_rules_stats_t r;
  hd_rules_stats(call->ctx->app->rules, &r);
  json_t *o = json_pack("{s:I,s:I,s:I,s:I}", "hash_runs", (json_int_t)s.hash_runs, "cache_hits",
                        (json_int_t)s.cache_hits, "screened", (json_int_t)s.screened, "matches",
                        (json_int_t)s.matches);
  json_object_set_new(o, "rule_runs", json_integer((json_int_t)r.runs));
  json_object_set_new(o, "rule_matches", json_integer((json_int_t)r.matches));
  hd_api_reply(call, 200, o);
}
