/*
 * router.h — matching a request's method and path against a route table.
 *
 * A route is (method, pattern, handler, flags). Patterns are split on '/'; a segment is a
 * literal ("chats"), "{id}" (a strictly parsed non-negative 64-bit integer) or "{name}" (any
 * non-empty segment). Captures are returned in order, at most HD_ROUTER_MAX_PARAMS.
 *
 *   GET /v1/chats/12/messages/7
 *        │   │     │    │      └─ {id}   ─► params[1] = "7"
 *        │   │     │    └─ literal
 *        │   │     └─ {id}             ─► params[0] = "12"
 *        └───┴─ literals
 *
 * Choosing a route (hd_router_match):
 *   1. Every pattern whose shape matches the path is a candidate (method ignored).
 *   2. The most specific candidate pattern wins: literal segments beat captures, earlier
 *      segments weigh more ("/v1/chats/join" beats "/v1/chats/{id}").
 *   3. Among routes with that pattern, the one with the request's method is chosen; if none
 *      has it the answer is 405 (HD_ERR_METHOD) with the allowed methods listed.
 *   4. Only then are {id} captures parsed; a malformed id is 400 (HD_ERR_BAD_REQUEST).
 *   No candidate at all is 404 (HD_ERR_NOT_FOUND).
 *
 * This module is pure (no I/O, no allocation): the table lives with the dispatcher (app.c)
 * and unit tests drive the matcher with their own tables.
 */
#ifndef HD_API_ROUTER_H
#define HD_API_ROUTER_H

#include "api/app.h"
#include "common/mem.h"

#include <stdint.h>

#define HD_ROUTER_MAX_PARAMS   4
#define HD_ROUTER_MAX_SEGMENTS 16

/* A request handler: must eventually answer the call exactly once (hd_api_reply/error or
 * an upgrade). */
typedef void (*hd_api_fn_t)(hd_call_t *call);

typedef enum {
  HD_ROUTE_PUBLIC = 0,     /* no authentication */
  HD_ROUTE_AUTH = 1,       /* Authorization: Bearer <token> required */
  HD_ROUTE_TOKEN_QUERY = 2 /* with AUTH: ?token= is accepted as well (WebSocket upgrade) */
} hd_route_flag_t;

typedef struct {
  const char *method;  /* "GET", "POST", "PATCH", "DELETE" */
  const char *pattern; /* "/v1/chats/{id}/messages/{id}" */
  hd_api_fn_t handler; /* called with the matched call (opaque to the matcher) */
  unsigned flags;      /* hd_route_flag_t bits */
} hd_route_t;

typedef struct {
  const hd_route_t *route;                 /* the chosen route (0 returned) */
  hd_iovec_t params[HD_ROUTER_MAX_PARAMS]; /* captures, pointing into the path */
  size_t nparams;
  char allow[64]; /* HD_ERR_METHOD: "GET, POST" */
} hd_route_match_t;

/* Match method+path against routes[0..n). Returns 0 and fills m, or HD_ERR_NOT_FOUND,
 * HD_ERR_METHOD (m->allow filled) or HD_ERR_BAD_REQUEST (a malformed {id}). */
int hd_router_match(const hd_route_t *routes, size_t n, hd_iovec_t method, hd_iovec_t path,
                    hd_route_match_t *m);

/* Parse a strict decimal id: "0" or [1-9][0-9]* fitting int64, nothing else (no sign, no
 * spaces, no leading zeros). Returns 0 and sets *out, or HD_ERR_BAD_REQUEST. */
int hd_parse_id(hd_iovec_t s, int64_t *out);

/* Check a route table for mistakes (bad pattern syntax, too many captures, two routes with
 * the same method and pattern). Returns 0 or HD_ERR_INTERNAL; used by tests and at start. */
int hd_router_check(const hd_route_t *routes, size_t n);

#endif
