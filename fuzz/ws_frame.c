/*
 * ws_frame.c — libFuzzer driver for the RFC 6455 framer (net/ws_frame.c).
 *
 * Feeds the input to a reader in pieces (sizes from the first byte), keeping the unconsumed
 * tail as the connection does, with masks required as on the server; also round-trips
 * every parsed header through the encoder.
 */
#include "net/ws_frame.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_msg(void *ctx, int op, uint8_t *d, size_t n) {
  size_t *total = ctx;
  *total += n;
  return 0;
}

static int on_ctl(void *ctx, int op, uint8_t *d, size_t n) {
  return op == HD_WS_OP_CLOSE; /* stop, as the connection does */
}

static const hd_ws_reader_cb_t cb = {on_msg, on_ctl};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  size_t step = (size_t)data[0] + 1;
  data++;
  size--;
  /* header round trip */
  hd_ws_hdr_t h;
  const char *why;
  int hl = hd_ws_hdr_parse(data, size, &h, &why);
  if (hl > 0) {
    uint8_t enc[HD_WS_MAX_HEADER];
    size_t el = hd_ws_hdr_encode(enc, h.fin, h.opcode, h.len, h.masked ? h.mask : NULL);
    hd_ws_hdr_t h2;
    if (hd_ws_hdr_parse(enc, el, &h2, &why) != (int)el || h2.len != h.len ||
        h2.opcode != h.opcode || h2.fin != h.fin || h2.masked != h.masked)
      __builtin_trap();
  }
  hd_ws_reader_t rd;
  hd_ws_reader_init(&rd);
  uint8_t *buf = hd_mem_alloc(size ? size : 1);
  size_t have = 0, total = 0;
  for (size_t off = 0; off < size;) {
    size_t take = size - off < step ? size - off : step;
    memcpy(buf + have, data + off, take); /* tail + new bytes, contiguous */
    have += take;
    off += take;
    size_t used, need;
    int r = hd_ws_reader_feed(&rd, buf, have, 4096, 1, &cb, &total, &used, &need);
    if (r != 0)
      break;
    memmove(buf, buf + used, have - used);
    have -= used;
  }
  hd_mem_free(buf);
  hd_ws_reader_dispose(&rd);
  return 0;
}
