/*
 * app.h — the application object the API surfaces share, and the per-loop context.
 *
 *   hd_app_t (one per process)            hd_loop_ctx_t (one per event loop)
 *     config, writer (group commit)         read handle on the store (indexed reads)
 *     server (loops, listeners)             realtime registry (online WebSockets)
 *     metrics counters                      rate-limit buckets
 *
 * A handler receives an hd_call_t: the request, its loop context, the authenticated user
 * (0 if none) and the path parameters the router captured.
 */
#ifndef HD_API_APP_H
#define HD_API_APP_H

#include "api/config.h"
#include "chat/types.h"
#include "net/http.h"
#include "store/store.h"
#include "store/writer.h"

#include <jansson.h>
#include <stdatomic.h>

typedef struct st_hd_app_t hd_app_t;
typedef struct st_hd_loop_ctx_t hd_loop_ctx_t;
typedef struct st_hd_rt_loop_t hd_rt_loop_t;
typedef struct st_hd_ratelimit_t hd_ratelimit_t;
typedef struct st_hd_banksvc_t hd_banksvc_t;
typedef struct st_hd_metrics_t hd_metrics_t;
typedef struct st_hd_signals_t hd_signals_t;
typedef struct st_hd_rules_t hd_rules_t;

#define HD_APP_MAX_LOOPS 256

struct st_hd_app_t {
  hd_config_t cfg;
  hd_loop_ctx_t *_Atomic loops[HD_APP_MAX_LOOPS]; /* set by each loop at start (main.c) */
  hd_server_t *server;
  hd_writer_t *writer;
  _Atomic uint64_t messages_sent; /* for /metrics */
  hd_ratelimit_t *limits;         /* token buckets shared by all loops (api/ratelimit.h) */
  hd_banksvc_t *banks;            /* live hash banks (safety/banksvc.h), loaded at start */
  hd_metrics_t *metrics;          /* per-loop request counters (api/metrics.h), may be NULL */
  hd_signals_t *signals;          /* hash matching of public media (safety/signals.h) */
  hd_rules_t *rules;              /* rules over public text (safety/rules.h) */
};

/* Per-loop cache of successful token checks (app.c invariant 6): 4-way set associative,
 * set = the token hash's first 8 bytes mod HD_AUTH_CACHE_SETS; a slot is valid while
 * user_id > 0, epoch equals the writer's auth epoch and the monotonic clock is below
 * until_ms. 64 B a slot: 256 KiB per loop. */
#define HD_AUTH_CACHE_SETS   1024
#define HD_AUTH_CACHE_WAYS   4
#define HD_AUTH_CACHE_TTL_MS 1000
typedef struct {
  uint8_t hash[32];
  int64_t user_id, session_id;
  uint64_t epoch, until_ms;
} hd_auth_slot_t;

typedef struct st_hd_parked_t hd_parked_t;

struct st_hd_loop_ctx_t {
  hd_app_t *app;
  hd_loop_t *loop;
  hd_store_t *rd;   /* this loop's read handle */
  hd_rt_loop_t *rt; /* online WebSocket subscribers on this loop */
  /* replies waiting for durability (hd_api_reply, writer.h 7); list is this loop's only */
  hd_parked_t *parked_head, *parked_tail;
  _Atomic int parked;      /* the list is not empty (read by the writer's threads) */
  _Atomic int wake_posted; /* a release is already posted to this loop */
  hd_auth_slot_t auth[HD_AUTH_CACHE_SETS][HD_AUTH_CACHE_WAYS]; /* zeroed = empty; this loop
                                                                  only */
};

#define HD_MAX_PATH_PARAMS 4

typedef struct {
  hd_http_req_t *req;
  hd_loop_ctx_t *ctx;
  int64_t user_id; /* authenticated caller, 0 if none */
  int64_t session_id;
  hd_iovec_t params[HD_MAX_PATH_PARAMS]; /* path captures in order: /v1/chats/{id}/... */
  size_t nparams;
  size_t route_id; /* 1 + index of the matched route in the table; 0 before/without a match */
  int durable;     /* answered from a write job's result: already durable (writer.h 7) */
} hd_call_t;

/* Respond with a JSON value (consumed) and the given status. A reply that may carry what this
 * loop read from the store waits, if needed, until everything those reads could see is
 * durable (writer.h 7): with pipelined commits a batch is visible up to one fdatasync before
 * it is on disk, and no client may receive what a crash could take back. Replies to write
 * jobs (call->durable) go at once. */
void hd_api_reply(hd_call_t *call, int status, json_t *body);
/* hd_api_reply with the body already encoded (api/encode.h direct encoders); takes the
 * buffer's contents (body is left empty). */
void hd_api_reply_json_bytes(hd_call_t *call, int status, hd_buf_t *body);
/* The writer's durability callback (main.c registers it with the app as ctx): wakes the loops
 * that hold parked replies. */
void hd_api_on_durable(void *app, uint64_t durable_seq);
/* On the loop thread as it stops: parked replies are answered 503 (the store never confirmed
 * them durable). */
void hd_api_loop_stop(hd_loop_ctx_t *ctx);
/* Respond with the error envelope {"error":{"code","message"}} for err (hd_err_t). */
void hd_api_error(hd_call_t *call, int err);
/* Same with a specific message (e.g. naming the bad field). */
void hd_api_error_msg(hd_call_t *call, int err, const char *message);

/* Run a write job on the writer thread, then call done(call, status, arg) back on the
 * call's loop. The call (and its request) stays alive until done responds. */
typedef void (*hd_api_done_t)(hd_call_t *call, int status, void *arg);
void hd_api_write(hd_call_t *call, hd_wjob_run_t run, void *arg, hd_api_done_t done);
/* hd_api_write for a job that changes no session and no account block (writer.h
 * invariant 6): it leaves every loop's session cache valid. */
void hd_api_write_auth_neutral(hd_call_t *call, hd_wjob_run_t run, void *arg, hd_api_done_t done);

#endif
