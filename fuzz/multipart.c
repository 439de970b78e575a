/*
 * fuzz/multipart.c — the streaming multipart parser on any bytes: the first byte picks where
 * the input is split in two feeds, the boundary is fixed ("fz"). Checks that emitted part
 * data never exceeds the input (invariant 1's "nothing invented") and that no callback runs
 * after the parse failed or finished (invariant 3).
 */
#include "api/multipart.h"
#include "common/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  size_t data;
  int closed;
} state_t;

static int on_part(void *d, const hd_multipart_part_t *p) {
  state_t *s = d;
  if (s->closed || strlen(p->name) >= HD_MULTIPART_FIELD_MAX)
    abort();
  return 0;
}
static int on_data(void *d, const char *p, size_t n) {
  state_t *s = d;
  (void)p;
  if (s->closed)
    abort();
  s->data += n;
  return 0;
}
static int on_end(void *d) {
  if (((state_t *)d)->closed)
    abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  size_t cut = data[0] % size;
  const char *p = (const char *)data + 1;
  size_t n = size - 1;
  if (cut > n)
    cut = n;
  state_t s = {0, 0};
  hd_multipart_t *mp = malloc(sizeof(*mp));
  hd_multipart_cb_t cb = {on_part, on_data, on_end, &s};
  if (hd_multipart_init(mp, "fz", &cb) != 0)
    abort();
  int r = hd_multipart_feed(mp, p, cut);
  if (r == 0)
    r = hd_multipart_feed(mp, p + cut, n - cut);
  if (r == 0)
    r = hd_multipart_finish(mp);
  s.closed = 1;
  hd_multipart_feed(mp, "\r\n--fz\r\n\r\nx", 11); /* must not call back now if failed */
  if (s.data > n)
    abort();
  free(mp);
  return 0;
}
