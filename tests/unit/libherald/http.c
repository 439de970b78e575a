/* Tests src/libherald/http.c, conn.c and client.c: answer parsing (Content-Length, chunked,
 * to-EOF), ceilings, and herald_call() against a scripted server on loopback, including the
 * one retry on a keep-alive connection the server closed while idle. */
#include "common/error.h"
#include "libherald/client.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

Test(http_head, parses_status_and_headers) {
  const char *h = "HTTP/1.1 429 Too Many\r\nContent-Length: 12\r\nRetry-After: 3\r\n"
                  "Connection: keep-alive, Upgrade\r\nX-Other:  v \r\n\r\n";
  herald_http_head_t hd;
  cr_assert_eq(herald__http_head_length(h, strlen(h)), strlen(h));
  cr_assert_eq(herald__http_parse_head(h, strlen(h), &hd), 0);
  cr_assert_eq(hd.status, 429);
  cr_assert_eq(hd.content_length, 12);
  cr_assert_eq(hd.retry_after, 3);
  cr_assert(hd.keep_alive);
  cr_assert_eq(herald__http_head_length(h, strlen(h) - 1), 0);
}

Test(http_head, connection_semantics) {
  herald_http_head_t hd;
  const char *close = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  cr_assert_eq(herald__http_parse_head(close, strlen(close), &hd), 0);
  cr_assert_not(hd.keep_alive);
  const char *h10 = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
  cr_assert_eq(herald__http_parse_head(h10, strlen(h10), &hd), 0);
  cr_assert_not(hd.keep_alive);
  const char *eof = "HTTP/1.1 200 OK\r\n\r\n"; /* body to EOF: cannot reuse */
  cr_assert_eq(herald__http_parse_head(eof, strlen(eof), &hd), 0);
  cr_assert_not(hd.keep_alive);
  const char *chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n"
                        "Content-Length: 5\r\n\r\n";
  cr_assert_eq(herald__http_parse_head(chunked, strlen(chunked), &hd), 0);
  cr_assert(hd.chunked);
  cr_assert_eq(hd.content_length, -1);
  cr_assert(hd.keep_alive);
}

Test(http_head, rejects_malformed) {
  const char *bad[] = {
      "HTTP/2 200 OK\r\n\r\n",
      "HTTP/1.1 20 OK\r\n\r\n",
      "HTTP/1.1 200OK\r\n\r\n",
      "HTTP/1.1 200 OK\nX: y\r\n\r\n",
      "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
      "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
  };
  herald_http_head_t hd;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    cr_assert_eq(herald__http_parse_head(bad[i], strlen(bad[i]), &hd), HD_ERR_PROTOCOL, "%s",
                 bad[i]);
}

/* Feed text into one end of a socketpair and read one answer from the other. */
static int read_answer(const char *text, int close_after, herald_response_t *res, int *keep) {
  int sv[2];
  cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  cr_assert_eq(write(sv[1], text, strlen(text)), (ssize_t)strlen(text));
  if (close_after)
    close(sv[1]);
  herald_conn_t c;
  herald__conn_init(&c, HERALD_MAX_HEADER + 65536);
  herald__conn_adopt(&c, sv[0]);
  memset(res, 0, sizeof(*res));
  herald_http_head_t h;
  int got;
  int r = herald__http_read_head(&c, 2000, &h, &got);
  if (r == 0)
    r = herald__http_read_body(&c, 2000, &h, 0, res);
  *keep = h.keep_alive;
  herald__conn_dispose(&c);
  if (!close_after)
    close(sv[1]);
  return r;
}

Test(http_body, content_length_json) {
  herald_response_t res;
  int keep;
  cr_assert_eq(read_answer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\n"
                           "Content-Length: 44\r\n\r\n"
                           "{\"error\":{\"code\":\"not_found\",\"message\":\"m\"}}",
                           0, &res, &keep),
               0);
  cr_assert_eq(res.status, 404);
  cr_assert(keep);
  cr_assert_str_eq(herald_response_error_code(&res), "not_found");
  cr_assert_str_eq(herald_response_error_message(&res), "m");
  herald_response_dispose(&res);
}

Test(http_body, chunked_with_extensions_and_trailers) {
  herald_response_t res;
  int keep;
  cr_assert_eq(read_answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "4;ext=1\r\n{\"a\"\r\nA\r\n:[1,2,3]}\n\r\n0\r\nX-T: y\r\n\r\n",
                           0, &res, &keep),
               0);
  cr_assert_eq(res.raw_len, 14);
  cr_assert_eq(json_integer_value(json_array_get(json_object_get(res.body, "a"), 2)), 3);
  cr_assert_null(herald_response_error_code(&res)); /* not an error answer */
  herald_response_dispose(&res);
}

Test(http_body, bad_chunks_and_truncation) {
  herald_response_t res;
  int keep;
  cr_assert_eq(read_answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "zz\r\nab\r\n0\r\n\r\n",
                           0, &res, &keep),
               HD_ERR_PROTOCOL);
  cr_assert_eq(read_answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "2\r\nabc\r\n0\r\n\r\n",
                           0, &res, &keep),
               HD_ERR_PROTOCOL);
  cr_assert_eq(read_answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1, &res, &keep),
               HD_ERR_PEER_CLOSED);
  cr_assert_eq(
      read_answer("HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n", 1, &res, &keep),
      HD_ERR_PROTOCOL);
}

Test(http_body, read_to_eof_and_not_json) {
  herald_response_t res;
  int keep;
  cr_assert_eq(read_answer("HTTP/1.1 500 Oops\r\n\r\nplain text", 1, &res, &keep), 0);
  cr_assert_not(keep);
  cr_assert_eq(res.status, 500);
  cr_assert_null(res.body);
  cr_assert_str_eq(res.raw, "plain text");
  cr_assert_null(herald_response_error_code(&res));
  herald_response_dispose(&res);
}

Test(http_body, head_ceiling) {
  hd_buf_t big;
  hd_buf_init(&big, 0);
  hd_buf_appendf(&big, "HTTP/1.1 200 OK\r\n");
  while (big.len < HERALD_MAX_HEADER + 100)
    hd_buf_appendf(&big, "X-Pad: %0100d\r\n", 0);
  hd_buf_append(&big, "", 1);
  int sv[2];
  cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  herald_conn_t c;
  herald__conn_init(&c, HERALD_MAX_HEADER + 65536);
  herald__conn_adopt(&c, sv[0]);
  cr_assert_eq(write(sv[1], big.base, big.len - 1), (ssize_t)(big.len - 1));
  herald_http_head_t h;
  int got;
  cr_assert_eq(herald__http_read_head(&c, 2000, &h, &got), HD_ERR_TOO_LARGE);
  herald__conn_dispose(&c);
  close(sv[1]);
  hd_buf_dispose(&big);
}

/* A scripted server: accepts connections and answers each request with a canned answer; on
 * the first connection it closes after one answer without saying so (a stale keep-alive). */
typedef struct {
  int lfd;
  int port;
  int connections;
  int requests;
  char last_request[2048];
} fake_t;

static void *fake_run(void *arg) {
  fake_t *f = arg;
  for (int conn = 0; conn < 2; conn++) {
    int fd = accept(f->lfd, NULL, NULL);
    if (fd < 0)
      return NULL;
    f->connections++;
    char buf[2048];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n > 0) {
      buf[n] = '\0';
      memcpy(f->last_request, buf, (size_t)n + 1);
      f->requests++;
      const char *ans = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";
      cr_assert_eq(write(fd, ans, strlen(ans)), (ssize_t)strlen(ans));
    }
    usleep(100000); /* let the client read, then close without saying so */
    close(fd);
  }
  return NULL;
}

static void fake_start(fake_t *f, pthread_t *t) {
  memset(f, 0, sizeof(*f));
  f->lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(f->lfd, (struct sockaddr *)&a, &len);
  f->port = ntohs(a.sin_port);
  cr_assert_eq(listen(f->lfd, 4), 0);
  pthread_create(t, NULL, fake_run, f);
}

Test(client, retries_once_on_stale_keepalive) {
  fake_t f;
  pthread_t t;
  fake_start(&f, &t);
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", f.port);
  herald_client_t *c;
  cr_assert_eq(herald_client_create(&c, url), 0);
  herald_client_set_token(c, "tok123");
  herald_response_t res;
  json_t *body = json_pack("{s:s}", "text", "hi");
  cr_assert_eq(herald_call(c, "POST", "/v1/x", body, &res), 0);
  cr_assert_eq(res.status, 200);
  cr_assert(json_is_true(json_object_get(res.body, "ok")));
  herald_response_dispose(&res);
  cr_assert(strstr(f.last_request, "POST /v1/x HTTP/1.1\r\n"));
  cr_assert(strstr(f.last_request, "Authorization: Bearer tok123\r\n"));
  cr_assert(strstr(f.last_request, "Content-Length: 13\r\n"));
  cr_assert(strstr(f.last_request, "\r\n\r\n{\"text\":\"hi\"}"));
  usleep(300000); /* the server has closed the first connection by now */
  cr_assert_eq(herald_call(c, "GET", "/v1/y", NULL, &res), 0, "%s", herald_client_errmsg(c));
  cr_assert_eq(res.status, 200);
  herald_response_dispose(&res);
  cr_assert_eq(f.connections, 2);
  cr_assert(strstr(f.last_request, "GET /v1/y HTTP/1.1\r\n"));
  json_decref(body);
  pthread_join(t, NULL);
  close(f.lfd);
  herald_client_destroy(c);
}

Test(client, connect_failure_is_reported) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(fd, (struct sockaddr *)&a, sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, (struct sockaddr *)&a, &len);
  close(fd); /* nobody listens on this port now */
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));
  herald_client_t *c;
  cr_assert_eq(herald_client_create(&c, url), 0);
  herald_response_t res;
  cr_assert_eq(herald_call(c, "GET", "/healthz", NULL, &res), HD_ERR_CONNECT);
  cr_assert(strstr(herald_client_errmsg(c), "refused"), "%s", herald_client_errmsg(c));
  herald_response_dispose(&res);
  herald_client_destroy(c);
  cr_assert_eq(herald_client_create(&c, "https://x"), HD_ERR_BAD_REQUEST);
  cr_assert_null(c);
}

Test(client, random_ids_are_positive_and_distinct) {
  int64_t a = herald_random_id(), b = herald_random_id();
  cr_assert_gt(a, 0);
  cr_assert_gt(b, 0);
  cr_assert_neq(a, b);
}
