/*
 * handler.h — the request dispatcher (app.c) and the helpers every surface module
 * (accounts.c, chats.c, messages.c, health.c) uses to read a call and answer it.
 *
 * Life of a call:
 *
 *   net ──► hd_api_handle(req) ──► per-IP limit ──► hd_router_match ──► auth ──► handler
 *             (call in req->pool)     429              404/405/400          401     │
 *                                                                                   ▼
 *      reads on ctx->rd ──► hd_api_reply ─────────────────────────────────► response
 *      writes ──► hd_api_write ──► writer thread ──► hd_loop_post ──► done ──► reply
 *      hashing ──► hd_loop_work ──► worker thread ──► after (on the loop) ──► write/reply
 *
 * Helpers that may answer the call themselves return -1 when they did (the handler must
 * then return without touching the call: replying frees it with the request pool).
 */
#ifndef HD_API_HANDLER_H
#define HD_API_HANDLER_H

#include "api/app.h"
#include "api/json.h"
#include "api/router.h"

/* The server's HTTP handler (hd_server_config_t.handler); data is the hd_app_t. */
void hd_api_handle(hd_http_req_t *req, void *data);
/* The server's on_response hook (hd_server_config_t.on_response); data is the hd_app_t:
 * counts the answer in app->metrics and writes the access-log line. */
void hd_api_on_response(hd_loop_t *loop, const hd_http_done_t *ev, void *data);
/* The route table, for tests and the start-up check. */
const hd_route_t *hd_api_routes(size_t *n);

/* Parse the body into in. On error answers the call, disposes in and returns -1. */
int hd_api_body(hd_call_t *call, hd_jin_t *in);
/* If a field getter recorded an error: answer it, dispose in, return -1. Else 0. */
int hd_api_fields(hd_call_t *call, hd_jin_t *in);

/* The i-th path capture as an id (validated by the router) or as a pool string. */
int64_t hd_call_id(hd_call_t *call, size_t i);
const char *hd_call_str(hd_call_t *call, size_t i);

/* Query parameter `name` as an integer in [min, max] (def when absent). On a malformed or
 * out-of-range value answers 400 bad_request and returns -1. */
int hd_api_query_int(hd_call_t *call, const char *name, int64_t min, int64_t max, int64_t def,
                     int64_t *out);

/* Take a token from bucket "<kind>:<subject>" at rate/s with burst. When exhausted answers
 * 429 with Retry-After and returns -1. rate <= 0: no limit. */
int hd_api_rate(hd_call_t *call, const char *kind, const char *subject, double rate, double burst);

/* Publish a committed write's events to online clients (no-op when empty or shutting down). */
void hd_api_publish(hd_call_t *call, const hd_events_t *events);
/* The common head of a write's completion: on a failed status answer the error and return 0;
 * otherwise publish events and return 1 (the caller then replies). */
int hd_api_published(hd_call_t *call, int status, const hd_events_t *events);

/* Define `static int name(hd_store_t *tx, void *arg)` calling the typed write job fn, so a
 * domain function can be passed to hd_api_write without casting function pointers. */
#define HD_WJOB(name, fn, type)                                                                    \
  static int name(hd_store_t *tx, void *arg) { return fn(tx, (type *)arg); }

/* Answer 200 {"ok":true}. */
void hd_api_ok(hd_call_t *call);
/* Answer status with {key: value} (value consumed). */
void hd_api_reply1(hd_call_t *call, int status, const char *key, json_t *value);

#endif
