/*
 * utf8.c — strict UTF-8 (see utf8.h). The incremental form follows the well-formed byte
 * sequence table of Unicode §3.9 (Table 3-7): the first byte fixes the count and the
 * permitted range of the second byte; later continuation bytes are 80..BF.
 */
#include "common/utf8.h"

int hd_utf8_feed(hd_utf8_state_t *st, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (st->need == 0) {
      if (c < 0x80)
        continue;
      st->lower = 0x80;
      st->upper = 0xBF;
      if (c >= 0xC2 && c <= 0xDF)
        st->need = 1;
      else if (c >= 0xE0 && c <= 0xEF) {
        st->need = 2;
        if (c == 0xE0)
          st->lower = 0xA0;
        else if (c == 0xED)
          st->upper = 0x9F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        st->need = 3;
        if (c == 0xF0)
          st->lower = 0x90;
        else if (c == 0xF4)
          st->upper = 0x8F;
      } else
        return 0;
    } else {
      if (c < st->lower || c > st->upper)
        return 0;
      st->lower = 0x80;
      st->upper = 0xBF;
      st->need--;
    }
  }
  return 1;
}

int hd_utf8_valid(const char *s, size_t n) {
  hd_utf8_state_t st;
  hd_utf8_state_init(&st);
  return hd_utf8_feed(&st, s, n) && hd_utf8_complete(&st);
}

size_t hd_utf8_count(const char *s, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80)
      count++;
  return count;
}
