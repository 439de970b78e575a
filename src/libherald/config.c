/*
 * config.c — loading and atomically saving the client's config file (see config.h).
 *
 * Save path:  mkdir -p dir (0700) ─► open dir/.config.json.tmp.PID (O_EXCL, 0600) ─► write
 *             ─► fchmod 0600 ─► fsync ─► rename over config.json ─► fsync(dir)
 */
#include "libherald/config.h"
#include "common/error.h"
#include "common/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_NAME "config.json"

int herald_config_dir(char *out, size_t cap) {
  const char *xdg = getenv("XDG_CONFIG_HOME");
  const char *home = getenv("HOME");
  int n;
  if (xdg && xdg[0] == '/')
    n = snprintf(out, cap, "%s/herald", xdg);
  else if (home && home[0] != '\0')
    n = snprintf(out, cap, "%s/.config/herald", home);
  else
    return HD_ERR_NOT_FOUND;
  return n < 0 || (size_t)n >= cap ? HD_ERR_TOO_LARGE : 0;
}

void herald_config_set(char **field, const char *value) {
  hd_mem_free(*field);
  *field = value ? hd_strdup(value) : NULL;
}

void herald_config_dispose(herald_config_t *cfg) {
  hd_mem_free(cfg->server);
  hd_mem_free(cfg->token);
  hd_mem_free(cfg->username);
  memset(cfg, 0, sizeof(*cfg));
}

static void take_str(json_t *o, const char *key, char **field) {
  const char *s = json_string_value(json_object_get(o, key));
  if (s && *s)
    herald_config_set(field, s);
}

int herald_config_load(herald_config_t *cfg, const char *dir) {
  memset(cfg, 0, sizeof(*cfg));
  char path[4096];
  if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, CONFIG_NAME) >= sizeof(path))
    return HD_ERR_TOO_LARGE;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : HD_ERR_IO;
  struct stat st;
  if (fstat(fd, &st) == 0 && (st.st_mode & 077))
    fchmod(fd, 0600); /* invariant 1: never leave a token readable by others */
  json_error_t jerr;
  json_t *o = json_loadfd(fd, 0, &jerr);
  close(fd);
  if (!json_is_object(o)) {
    if (o)
      json_decref(o);
    return HD_ERR_BAD_JSON;
  }
  take_str(o, "server", &cfg->server);
  take_str(o, "token", &cfg->token);
  take_str(o, "username", &cfg->username);
  json_t *id = json_object_get(o, "user_id");
  cfg->user_id = json_is_integer(id) ? (int64_t)json_integer_value(id) : 0;
  json_decref(o);
  return 0;
}

/* mkdir -p with mode 0700 for every directory created. */
static int make_dirs(const char *dir) {
  char tmp[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof(tmp))
    return HD_ERR_IO;
  memcpy(tmp, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (tmp[i] == '/' || tmp[i] == '\0') {
      char saved = tmp[i];
      tmp[i] = '\0';
      if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return HD_ERR_IO;
      tmp[i] = saved;
    }
  }
  return 0;
}

static void put_str(json_t *o, const char *key, const char *v) {
  if (v)
    json_object_set_new(o, key, json_string(v));
}

int herald_config_save(const herald_config_t *cfg, const char *dir) {
  char path[4096], tmp[4200];
  if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, CONFIG_NAME) >= sizeof(path))
    return HD_ERR_TOO_LARGE;
  snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%ld", dir, CONFIG_NAME, (long)getpid());
  if (make_dirs(dir) != 0)
    return HD_ERR_IO;
  json_t *o = json_object();
  put_str(o, "server", cfg->server);
  put_str(o, "token", cfg->token);
  put_str(o, "username", cfg->username);
  if (cfg->user_id)
    json_object_set_new(o, "user_id", json_integer(cfg->user_id));
  char *text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
  json_decref(o);
  if (text == NULL)
    return HD_ERR_IO;
  int r = HD_ERR_IO;
  unlink(tmp);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    goto fail_open;
  size_t len = strlen(text), off = 0;
  while (off < len) {
    ssize_t w = write(fd, text + off, len - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      goto fail_write;
    off += (size_t)w;
  }
  if (write(fd, "\n", 1) != 1 || fchmod(fd, 0600) != 0 || fsync(fd) != 0)
    goto fail_write;
  if (close(fd) != 0) {
    fd = -1;
    goto fail_write;
  }
  fd = -1;
  if (rename(tmp, path) != 0)
    goto fail_write;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  hd_mem_free(text);
  return 0;

fail_write:
  if (fd >= 0)
    close(fd);
  unlink(tmp);
fail_open:
  hd_mem_free(text);
  return r;
}
