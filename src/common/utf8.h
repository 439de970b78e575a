/*
 * utf8.h — strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF)
 * and code-point counting. Used for message text limits and WebSocket text frames.
 * An incremental validator lets the WebSocket framer check fragmented text messages.
 */
#ifndef HD_COMMON_UTF8_H
#define HD_COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Return 1 when s[0..n) is valid UTF-8, else 0. */
int hd_utf8_valid(const char *s, size_t n);
/* Count code points in valid UTF-8 s[0..n). */
size_t hd_utf8_count(const char *s, size_t n);

/* Incremental validator: state 0 is "at a boundary". */
typedef struct {
  uint32_t state;
  uint32_t need;  /* continuation bytes still expected */
  uint32_t lower; /* allowed range of the next continuation byte */
  uint32_t upper;
} hd_utf8_state_t;

static inline void hd_utf8_state_init(hd_utf8_state_t *st) {
  st->state = st->need = 0;
  st->lower = 0x80;
  st->upper = 0xBF;
}
/* Feed bytes; returns 0 on error (invalid sequence), 1 if still valid so far. */
int hd_utf8_feed(hd_utf8_state_t *st, const char *s, size_t n);
/* Return 1 when the stream fed so far ends on a code-point boundary. */
static inline int hd_utf8_complete(const hd_utf8_state_t *st) { return st->need == 0; }

#endif
