/*
 * upload.c — streaming a file from disk as a raw request body (herald_upload_file()).
 *
 *    open + fstat ──► head (Content-Length = file size) ──► chunk, chunk, … ──► read answer
 *                                     │ server answered early (readable) or write failed
 *                                     └──────────────► read that answer, then close
 *
 * The file is read and sent 64 KiB at a time, so memory stays flat whatever its size. A
 * server may refuse the upload (404, 413) before reading the body and close the connection;
 * the client notices readable bytes between chunks (or a failed write) and reports the
 * server's answer instead of a broken pipe.
 *
 * Invariants:
 *  1. The progress callback sees sent strictly increasing and never above total.
 *  2. An upload always uses a fresh connection and is never retried (herald.h invariant 2
 *     does not apply: a body cannot be replayed from a pipe, and uploads are not idempotent).
 *  3. After an early answer the connection is closed: the unsent rest of the body would
 *     otherwise be read as the next request.
 */
#include "libherald/client.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define HERALD_UPLOAD_CHUNK 65536

static const struct {
  const char *ext;
  const char *type;
} content_types[] = {
    {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"},   {"png", "image/png"},
    {"gif", "image/gif"},       {"webp", "image/webp"},   {"mp4", "video/mp4"},
    {"webm", "video/webm"},     {"mp3", "audio/mpeg"},    {"ogg", "audio/ogg"},
    {"pdf", "application/pdf"}, {"txt", "text/plain"},    {"json", "application/json"},
    {"zip", "application/zip"}, {"svg", "image/svg+xml"}, {"mov", "video/quicktime"},
};

const char *herald_guess_content_type(const char *file_path) {
  const char *slash = strrchr(file_path, '/');
  const char *base = slash ? slash + 1 : file_path;
  const char *dot = strrchr(base, '.');
  if (dot && dot != base)
    for (size_t i = 0; i < HD_ARRAY_SIZE(content_types); i++)
      if (strcasecmp(dot + 1, content_types[i].ext) == 0)
        return content_types[i].type;
  return "application/octet-stream";
}

/* Send the file body; returns 0 when all was sent, 1 when the server answered early, or a
 * negative error (write errors are returned so the caller can still look for an answer). */
static int send_body(herald_client_t *c, int fd, uint64_t total, herald_progress_cb progress,
                     void *ud) {
  char *chunk = hd_mem_alloc(HERALD_UPLOAD_CHUNK);
  uint64_t sent = 0;
  int r = 0;
  while (sent < total) {
    if (herald__conn_readable(&c->conn)) {
      r = 1;
      break;
    }
    ssize_t n = read(fd, chunk, HERALD_UPLOAD_CHUNK);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0 || (uint64_t)n > total - sent) {
      snprintf(c->errmsg, sizeof(c->errmsg), "the file changed size while being uploaded");
      r = HD_ERR_IO;
      break;
    }
    if ((r = herald__conn_write_watch(&c->conn, chunk, (size_t)n, c->timeout_ms)) != 0)
      break; /* 1: early answer; < 0: failure */
    sent += (uint64_t)n;
    if (progress && progress(ud, sent, total) != 0) {
      snprintf(c->errmsg, sizeof(c->errmsg), "upload cancelled");
      r = HD_ERR_IO;
      break;
    }
  }
  hd_mem_free(chunk);
  return r;
}

int herald_upload_file(herald_client_t *c, const char *path, const char *file_path,
                       const char *content_type, herald_progress_cb progress, void *ud,
                       herald_response_t *res) {
  memset(res, 0, sizeof(*res));
  res->retry_after = -1;
  c->errmsg[0] = c->conn.errmsg[0] = '\0';
  hd_buf_t head;
  hd_buf_init(&head, 0);
  int r, reused;
  int fd = open(file_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(c->errmsg, sizeof(c->errmsg), "%s: %s", file_path, strerror(errno));
    r = HD_ERR_IO;
    goto fail_open;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(c->errmsg, sizeof(c->errmsg), "%s: not a regular file", file_path);
    r = HD_ERR_IO;
    goto fail_stat;
  }
  herald__conn_close(&c->conn); /* invariant 2: fresh connection */
  if ((r = herald__client_ensure_open(c, &reused)) != 0)
    goto fail_conn;
  r = herald__http_write_head(&head, "POST", c->hostport, c->url.prefix, path, c->token,
                              content_type, (uint64_t)st.st_size);
  if (r == 0)
    r = herald__conn_write(&c->conn, head.base, head.len, c->timeout_ms);
  if (r != 0)
    goto fail_conn;
  int sent = send_body(c, fd, (uint64_t)st.st_size, progress, ud);
  if (sent < 0 && !herald__conn_readable(&c->conn)) {
    r = sent; /* no answer waiting: the failure itself is the news */
    goto fail_conn;
  }
  herald_http_head_t h;
  int got_any;
  if ((r = herald__http_read_head(&c->conn, c->timeout_ms, &h, &got_any)) != 0)
    goto fail_conn;
  if ((r = herald__http_read_body(&c->conn, c->timeout_ms, &h, 0, res)) != 0)
    goto fail_conn;
  if (sent != 0 || !h.keep_alive)
    herald__conn_close(&c->conn); /* invariant 3 */
  close(fd);
  hd_buf_dispose(&head);
  return 0;

fail_conn:
  herald__client_fail(c, r);
fail_stat:
  close(fd);
fail_open:
  hd_buf_dispose(&head);
  return r;
}
