/*
 * log.c — JSON-lines logger (see log.h).
 *
 * Unbuffered threads write each line with one write(2). A thread that called
 * hd_log_buffer() (the event loops) appends lines to its own buffer instead:
 *
 *   hd_log ─► format the line ─► buffered thread? ─no──► write(2)
 *                                   │ yes
 *                                   ├─ line does not fit ─► flush, then append
 *                                   └─ append; level >= warn ─► flush
 *   hd_log_flush (the loop, once per iteration before it polls) ─► one write(2)
 *
 * With --access-log on, an unbuffered loop makes one write(2) per answered request on top of
 * its socket writes; buffered, it makes one per loop iteration, and the log stays within one
 * iteration of real time. (In the msgs benchmark the difference was within run-to-run noise.)
 *
 * Invariants:
 *  1. A line is never split: the buffer is written whole and only ends at line boundaries.
 *  2. A thread's lines reach the file in the order it logged them.
 */
#include "common/log.h"
#include "common/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <stdlib.h>

static hd_log_level_t min_level = HD_LOG_INFO;

typedef struct {
  char *buf;
  size_t len, cap;
} log_buf_t;
static _Thread_local log_buf_t tl_buf;

static void write_all(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(2, p, n);
    if (w <= 0)
      return; /* nowhere to report a failing log */
    p += w;
    n -= (size_t)w;
  }
}

void hd_log_buffer(size_t cap) {
  if (tl_buf.buf || cap == 0)
    return;
  tl_buf.buf = malloc(cap);
  tl_buf.cap = tl_buf.buf ? cap : 0;
  tl_buf.len = 0;
}

void hd_log_flush(void) {
  if (tl_buf.len == 0)
    return;
  write_all(tl_buf.buf, tl_buf.len);
  tl_buf.len = 0;
}

void hd_log_unbuffer(void) {
  hd_log_flush();
  free(tl_buf.buf);
  memset(&tl_buf, 0, sizeof(tl_buf));
}
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
  if (tl_buf.buf == NULL) {
    write_all(line, (size_t)n);
    return;
  }
  if (tl_buf.len + (size_t)n > tl_buf.cap)
    hd_log_flush();
  if ((size_t)n > tl_buf.cap) {
    write_all(line, (size_t)n);
    return;
  }
  memcpy(tl_buf.buf + tl_buf.len, line, (size_t)n);
  tl_buf.len += (size_t)n;
  if (level >= HD_LOG_WARN)
    hd_log_flush();
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
