/*
 * log.h — structured logging: one JSON object per line on stderr.
 *
 * hd_log(HD_LOG_INFO, "listening", "\"addr\":\"%s\"", addr) prints
 *   {"time":"2026-11-29T01:02:03.456Z","level":"info","msg":"listening","addr":"..."}
 * The third argument is a printf format for extra JSON members (already JSON-escaped by the
 * caller; use hd_log_escape() for untrusted strings). Lines are written with one write(2)
 * so threads do not interleave. A thread may buffer its lines (hd_log_buffer): they are then
 * written in batches by hd_log_flush(), and immediately from level warn up.
 */
#ifndef HD_COMMON_LOG_H
#define HD_COMMON_LOG_H

#include <stddef.h>

typedef enum {
  HD_LOG_DEBUG, /* developer detail */
  HD_LOG_INFO,  /* normal operation, one line per request */
  HD_LOG_WARN,  /* something unexpected but handled */
  HD_LOG_ERROR  /* an operation failed */
} hd_log_level_t;

/* Set the minimum level printed (default HD_LOG_INFO). */
void hd_log_set_level(hd_log_level_t level);
/* Parse "debug|info|warn|error"; returns 0 and sets *out, or -1. */
int hd_log_parse_level(const char *s, hd_log_level_t *out);
int hd_log_enabled(hd_log_level_t level);
void hd_log(hd_log_level_t level, const char *msg, const char *extra_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Buffer this thread's lines in cap bytes (once; no-op if already buffered or out of
 * memory). The thread must call hd_log_flush() regularly and hd_log_unbuffer() before it
 * exits. */
void hd_log_buffer(size_t cap);
/* Write this thread's buffered lines (one write); no-op for an unbuffered thread. */
void hd_log_flush(void);
/* Flush and stop buffering this thread's lines. */
void hd_log_unbuffer(void);
/* Write s (n bytes) JSON-escaped into out (cap bytes, NUL-terminated, truncated). */
void hd_log_escape(char *out, size_t cap, const char *s, size_t n);

#endif
