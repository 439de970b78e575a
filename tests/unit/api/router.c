/* Tests src/api/router.c (matching rules 1-4 of router.h) and the real route table. */
#include "api/handler.h"
#include "api/router.h"
#include "common/error.h"

#include <criterion/criterion.h>
#include <string.h>

static void h_a(hd_call_t *c) { (void)c; }
static void h_b(hd_call_t *c) { (void)c; }
static void h_c(hd_call_t *c) { (void)c; }
static void h_d(hd_call_t *c) { (void)c; }
static void h_e(hd_call_t *c) { (void)c; }

static const hd_route_t table[] = {
    {"GET", "/v1/chats", h_a, HD_ROUTE_AUTH},
    {"POST", "/v1/chats", h_b, HD_ROUTE_AUTH},
    {"GET", "/v1/chats/{id}", h_c, HD_ROUTE_AUTH},
    {"POST", "/v1/chats/join", h_d, HD_ROUTE_AUTH},
    {"GET", "/v1/chats/{id}/messages/{id}", h_e, HD_ROUTE_AUTH},
    {"PATCH", "/v1/chats/{id}/messages/{id}", h_a, HD_ROUTE_AUTH},
    {"GET", "/v1/users/{name}", h_b, HD_ROUTE_AUTH},
    {"GET", "/healthz", h_c, HD_ROUTE_PUBLIC},
};

static int match(const char *method, const char *path, hd_route_match_t *m) {
  return hd_router_match(table, HD_ARRAY_SIZE(table), hd_iov(method, strlen(method)),
                         hd_iov(path, strlen(path)), m);
}

static int param_is(hd_route_match_t *m, size_t i, const char *s) {
  return i < m->nparams && hd_iov_eq(m->params[i], s);
}

Test(router, table_is_valid) { cr_assert_eq(hd_router_check(table, HD_ARRAY_SIZE(table)), 0); }

Test(router, literal_and_method) {
  hd_route_match_t m;
  cr_assert_eq(match("GET", "/v1/chats", &m), 0);
  cr_assert_eq(m.route->handler, h_a);
  cr_assert_eq(m.nparams, 0);
  cr_assert_eq(match("POST", "/v1/chats", &m), 0);
  cr_assert_eq(m.route->handler, h_b);
  cr_assert_eq(match("GET", "/healthz", &m), 0);
  cr_assert_eq(m.route->flags, HD_ROUTE_PUBLIC);
}

Test(router, captures_in_order) {
  hd_route_match_t m;
  cr_assert_eq(match("GET", "/v1/chats/12/messages/7", &m), 0);
  cr_assert_eq(m.route->handler, h_e);
  cr_assert_eq(m.nparams, 2);
  cr_assert(param_is(&m, 0, "12"));
  cr_assert(param_is(&m, 1, "7"));
  cr_assert_eq(match("GET", "/v1/users/Alice_01", &m), 0);
  cr_assert(param_is(&m, 0, "Alice_01"));
}

Test(router, literal_beats_capture) {
  hd_route_match_t m;
  cr_assert_eq(match("POST", "/v1/chats/join", &m), 0);
  cr_assert_eq(m.route->handler, h_d);
  /* the literal pattern wins even for another method: 405, not a 400 for id "join" */
  cr_assert_eq(match("GET", "/v1/chats/join", &m), HD_ERR_METHOD);
  cr_assert_str_eq(m.allow, "POST");
}

Test(router, method_not_allowed_lists_methods) {
  hd_route_match_t m;
  cr_assert_eq(match("DELETE", "/v1/chats", &m), HD_ERR_METHOD);
  cr_assert_str_eq(m.allow, "GET, POST");
  cr_assert_eq(match("DELETE", "/v1/chats/1/messages/2", &m), HD_ERR_METHOD);
  cr_assert_str_eq(m.allow, "GET, PATCH");
  cr_assert_eq(match("get", "/v1/chats", &m), HD_ERR_METHOD); /* methods are case-sensitive */
}

Test(router, not_found) {
  hd_route_match_t m;
  const char *paths[] = {"/v1/nope",
                         "/v1/chats/",
                         "/v1/chats//messages",
                         "//v1/chats",
                         "v1/chats",
                         "/",
                         "",
                         "/v1/chats/1/messages",
                         "/healthz/x",
                         "/v1/chats/1/messages/2/3",
                         "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r"};
  for (size_t i = 0; i < HD_ARRAY_SIZE(paths); i++)
    cr_assert_eq(match("GET", paths[i], &m), HD_ERR_NOT_FOUND, "%s", paths[i]);
}

Test(router, ids_are_strict) {
  hd_route_match_t m;
  const char *bad[] = {"/v1/chats/abc",
                       "/v1/chats/12x",
                       "/v1/chats/-1",
                       "/v1/chats/+1",
                       "/v1/chats/01",
                       "/v1/chats/%31",
                       "/v1/chats/1.0",
                       "/v1/chats/9223372036854775808",
                       "/v1/chats/99999999999999999999999",
                       "/v1/chats/1/messages/x"};
  for (size_t i = 0; i < HD_ARRAY_SIZE(bad); i++)
    cr_assert_eq(match("GET", bad[i], &m), HD_ERR_BAD_REQUEST, "%s", bad[i]);
  cr_assert_eq(match("GET", "/v1/chats/9223372036854775807", &m), 0);
  cr_assert_eq(match("GET", "/v1/chats/0", &m), 0);
}

Test(router, parse_id) {
  int64_t v;
  cr_assert_eq(hd_parse_id(HD_IOV_LIT("42"), &v), 0);
  cr_assert_eq(v, 42);
  cr_assert_eq(hd_parse_id(HD_IOV_LIT("0"), &v), 0);
  cr_assert_eq(v, 0);
  cr_assert_eq(hd_parse_id(HD_IOV_LIT(""), &v), HD_ERR_BAD_REQUEST);
  cr_assert_eq(hd_parse_id(HD_IOV_LIT(" 1"), &v), HD_ERR_BAD_REQUEST);
  cr_assert_eq(hd_parse_id(HD_IOV_LIT("1 "), &v), HD_ERR_BAD_REQUEST);
  cr_assert_eq(hd_parse_id(HD_IOV_LIT("00"), &v), HD_ERR_BAD_REQUEST);
  cr_assert_eq(hd_parse_id(HD_IOV_LIT("18446744073709551616"), &v), HD_ERR_BAD_REQUEST);
}

Test(router, check_rejects_bad_tables) {
  hd_route_t dup[] = {{"GET", "/a/{id}", h_a, 0}, {"GET", "/a/{id}", h_b, 0}};
  cr_assert_neq(hd_router_check(dup, 2), 0);
  hd_route_t syntax[] = {{"GET", "/a/{x}", h_a, 0}};
  cr_assert_neq(hd_router_check(syntax, 1), 0);
  hd_route_t empty[] = {{"GET", "/a//b", h_a, 0}};
  cr_assert_neq(hd_router_check(empty, 1), 0);
  hd_route_t many[] = {{"GET", "/{id}/{id}/{id}/{id}/{id}", h_a, 0}};
  cr_assert_neq(hd_router_check(many, 1), 0);
}

/* The real table: valid, and it answers docs/api.md's endpoints with the right auth. */
Test(router, real_table) {
  size_t n;
  const hd_route_t *r = hd_api_routes(&n);
  cr_assert_eq(hd_router_check(r, n), 0);
  struct {
    const char *method, *path;
    int rc;
    unsigned flags;
  } cases[] = {
      {"GET", "/healthz", 0, HD_ROUTE_PUBLIC},
      {"POST", "/v1/auth/register", 0, HD_ROUTE_PUBLIC},
      {"POST", "/v1/auth/login", 0, HD_ROUTE_PUBLIC},
      {"POST", "/v1/auth/logout", 0, HD_ROUTE_AUTH},
      {"DELETE", "/v1/sessions/3", 0, HD_ROUTE_AUTH},
      {"PATCH", "/v1/me", 0, HD_ROUTE_AUTH},
      {"GET", "/v1/resolve/news", 0, HD_ROUTE_AUTH},
      {"POST", "/v1/chats/private", 0, HD_ROUTE_AUTH},
      {"POST", "/v1/chats/join", 0, HD_ROUTE_AUTH},
      {"GET", "/v1/chats/private", HD_ERR_METHOD, 0},
      {"PATCH", "/v1/chats/7/members/9", 0, HD_ROUTE_AUTH},
      {"POST", "/v1/chats/7/views", 0, HD_ROUTE_AUTH},
      {"GET", "/v1/chats/7/difference", 0, HD_ROUTE_AUTH},
      {"GET", "/v1/updates/ws", 0, HD_ROUTE_AUTH | HD_ROUTE_TOKEN_QUERY},
      {"DELETE", "/v1/me", HD_ERR_METHOD, 0},
      {"GET", "/v1/chats/1/leave", HD_ERR_METHOD, 0},
      {"GET", "/v1/me/extra", HD_ERR_NOT_FOUND, 0},
      {"GET", "/v1/chats/abc/difference", HD_ERR_BAD_REQUEST, 0},
  };
  for (size_t i = 0; i < HD_ARRAY_SIZE(cases); i++) {
    hd_route_match_t m;
    int rc = hd_router_match(r, n, hd_iov(cases[i].method, strlen(cases[i].method)),
                             hd_iov(cases[i].path, strlen(cases[i].path)), &m);
    cr_assert_eq(rc, cases[i].rc, "%s %s: %d", cases[i].method, cases[i].path, rc);
    if (rc == 0)
      cr_assert_eq(m.route->flags, cases[i].flags, "%s %s", cases[i].method, cases[i].path);
  }
}
