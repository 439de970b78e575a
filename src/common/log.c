/*
 * log.c — JSON-lines logger (see log.h).
 */
#include "common/log.h"
#include "common/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static hd_log_level_t min_level = HD_LOG_INFO;
static const char *const names[] = {"debug", "info", "warn", "error"};

void hd_log_set_level(hd_log_level_t level) { min_level = level; }

int hd_log_parse_level(const char *s, hd_log_level_t *out) {
  for (int i = 0; i < 4; i++)
    if (strcmp(s, names[i]) == 0) {
      *out = (hd_log_level_t)i;
      return 0;
    }
  return -1;
}

int hd_log_enabled(hd_log_level_t level) { return level >= min_level; }

void hd_log(hd_log_level_t level, const char *msg, const char *extra_fmt, ...) {
  if (level < min_level)
    return;
  char line[2048];
  char ts[40];
  hd_time_iso8601(hd_time_now_ms(), ts, sizeof(ts));
  int n = snprintf(line, sizeof(line), "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"%s\"", ts,
                   names[level], msg);
  if (n < 0 || (size_t)n >= sizeof(line))
    n = (int)sizeof(line) - 3;
  if (extra_fmt && extra_fmt[0] && (size_t)n < sizeof(line) - 3) {
    line[n++] = ',';
    va_list ap;
    va_start(ap, extra_fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 2, extra_fmt, ap);
    va_end(ap);
    if (m > 0)
      n += (m < (int)(sizeof(line) - (size_t)n - 3) ? m : (int)(sizeof(line) - (size_t)n - 3));
  }
  line[n++] = '}';
  line[n++] = '\n';
  ssize_t w = write(2, line, (size_t)n);
  (void)w;
}

void hd_log_escape(char *out, size_t cap, const char *s, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < n && o + 7 < cap; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      out[o++] = '\\';
      out[o++] = (char)c;
    } else if (c < 0x20) {
      o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = '\0';
}
