/* Tests src/libherald/upload.c: content types, a streamed upload read back by a scripted
 * server with progress reports, and a server that refuses before reading the body. */
#include "common/error.h"
#include "libherald/client.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

Test(upload, content_types) {
  cr_assert_str_eq(herald_guess_content_type("a/b/photo.JPG"), "image/jpeg");
  cr_assert_str_eq(herald_guess_content_type("x.png"), "image/png");
  cr_assert_str_eq(herald_guess_content_type("clip.mp4"), "video/mp4");
  cr_assert_str_eq(herald_guess_content_type("noext"), "application/octet-stream");
  cr_assert_str_eq(herald_guess_content_type(".png"), "application/octet-stream");
  cr_assert_str_eq(herald_guess_content_type("dir.png/file"), "application/octet-stream");
}

typedef struct {
  int lfd, port;
  int refuse;        /* answer 413 at once without reading the body */
  size_t body_bytes; /* bytes of body received */
  unsigned sum;      /* checksum of the body */
} srv_t;

static void *srv_run(void *arg) {
  srv_t *s = arg;
  int fd = accept(s->lfd, NULL, NULL);
  char buf[65536];
  size_t have = 0;
  char *end = NULL;
  while (end == NULL) {
    ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
    if (n <= 0)
      break;
    have += (size_t)n;
    buf[have] = '\0';
    end = strstr(buf, "\r\n\r\n");
  }
  if (s->refuse) {
    const char *a = "HTTP/1.1 413 Too Large\r\nContent-Length: 52\r\nConnection: close\r\n\r\n"
                    "{\"error\":{\"code\":\"too_large\",\"message\":\"too big!!\"}}";
    cr_assert_eq(write(fd, a, strlen(a)), (ssize_t)strlen(a));
    usleep(200000);
    close(fd);
    return NULL;
  }
  const char *cl = strstr(buf, "Content-Length: ");
  size_t want = cl ? strtoul(cl + 16, NULL, 10) : 0;
  cr_assert(strstr(buf, "Content-Type: image/png\r\n"));
  size_t got = have - (size_t)(end + 4 - buf);
  for (size_t i = 0; i < got; i++)
    s->sum += (unsigned char)end[4 + i];
  while (got < want) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0)
      break;
    for (ssize_t i = 0; i < n; i++)
      s->sum += (unsigned char)buf[i];
    got += (size_t)n;
  }
  s->body_bytes = got;
  const char *a = "HTTP/1.1 201 Created\r\nContent-Length: 15\r\n\r\n{\"media_id\":99}";
  cr_assert_eq(write(fd, a, strlen(a)), (ssize_t)strlen(a));
  usleep(100000);
  close(fd);
  return NULL;
}

static void srv_start(srv_t *s, pthread_t *t) {
  s->lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(s->lfd, (struct sockaddr *)&a, &len);
  s->port = ntohs(a.sin_port);
  cr_assert_eq(listen(s->lfd, 2), 0);
  pthread_create(t, NULL, srv_run, s);
}

typedef struct {
  uint64_t last, calls, total;
} prog_t;

static int on_progress(void *ud, uint64_t sent, uint64_t total) {
  prog_t *p = ud;
  cr_assert_gt(sent, p->last, "progress must grow");
  cr_assert_leq(sent, total);
  p->last = sent;
  p->total = total;
  p->calls++;
  return 0;
}

static void make_file(const char *path, size_t n, unsigned *sum) {
  FILE *f = fopen(path, "wb");
  *sum = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)(i * 7 + 3);
    fputc(ch, f);
    *sum += ch;
  }
  fclose(f);
}

Test(upload, streams_file_in_chunks_with_progress) {
  char path[] = "/tmp/herald-upload-XXXXXX.png";
  int fd = mkstemps(path, 4);
  close(fd);
  unsigned sum;
  size_t size = 300 * 1024 + 17;
  make_file(path, size, &sum);
  srv_t s = {0};
  pthread_t t;
  srv_start(&s, &t);
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
  herald_client_t *c;
  cr_assert_eq(herald_client_create(&c, url), 0);
  prog_t p = {0};
  herald_response_t res;
  cr_assert_eq(herald_upload_file(c, "/v1/media", path, herald_guess_content_type(path),
                                  on_progress, &p, &res),
               0, "%s", herald_client_errmsg(c));
  pthread_join(t, NULL);
  cr_assert_eq(res.status, 201);
  cr_assert_eq(json_integer_value(json_object_get(res.body, "media_id")), 99);
  cr_assert_eq(s.body_bytes, size);
  cr_assert_eq(s.sum, sum);
  cr_assert_eq(p.last, size);
  cr_assert_eq(p.total, size);
  cr_assert_geq(p.calls, 5); /* 64 KiB chunks */
  herald_response_dispose(&res);
  herald_client_destroy(c);
  close(s.lfd);
  unlink(path);
}

Test(upload, early_refusal_is_returned_not_a_broken_pipe) {
  char path[] = "/tmp/herald-upload-XXXXXX.png";
  int fd = mkstemps(path, 4);
  close(fd);
  unsigned sum;
  make_file(path, 8 * 1024 * 1024, &sum);
  srv_t s = {0};
  s.refuse = 1;
  pthread_t t;
  srv_start(&s, &t);
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
  herald_client_t *c;
  cr_assert_eq(herald_client_create(&c, url), 0);
  herald_response_t res;
  cr_assert_eq(herald_upload_file(c, "/v1/media", path, "image/png", NULL, NULL, &res), 0, "%s",
               herald_client_errmsg(c));
  cr_assert_eq(res.status, 413);
  cr_assert_str_eq(herald_response_error_code(&res), "too_large");
  herald_response_dispose(&res);
  pthread_join(t, NULL);
  herald_client_destroy(c);
  close(s.lfd);
  unlink(path);
}

Test(upload, missing_file) {
  herald_client_t *c;
  cr_assert_eq(herald_client_create(&c, "http://127.0.0.1:1"), 0);
  herald_response_t res;
  cr_assert_eq(
      herald_upload_file(c, "/v1/media", "/nonexistent/x.png", "image/png", NULL, NULL, &res),
      HD_ERR_IO);
  cr_assert(strstr(herald_client_errmsg(c), "/nonexistent/x.png"));
  herald_client_destroy(c);
}
