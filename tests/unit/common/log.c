/* Tests src/common/log.c: line format and per-thread buffering (log.h). */
#include "common/log.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int saved_fd = -1;
static char path[64];

/* Point fd 2 at a temp file for the test. */
static void capture(void) {
  snprintf(path, sizeof(path), "/tmp/hd_log_XXXXXX");
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  saved_fd = dup(2);
  dup2(fd, 2);
  close(fd);
  hd_log_set_level(HD_LOG_INFO);
}

static void restore(void) {
  hd_log_unbuffer();
  dup2(saved_fd, 2);
  close(saved_fd);
  unlink(path);
}

/* Everything written to the captured file so far (static buffer). */
static const char *written(void) {
  static char buf[1 << 16];
  FILE *f = fopen(path, "r");
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

static int lines(const char *s) {
  int n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

TestSuite(log, .init = capture, .fini = restore);

Test(log, unbuffered_lines_are_written_at_once) {
  hd_log(HD_LOG_INFO, "one", "\"n\":%d", 1);
  cr_assert(strstr(written(), "\"level\":\"info\",\"msg\":\"one\",\"n\":1}\n") != NULL);
  hd_log(HD_LOG_DEBUG, "hidden", NULL);
  cr_assert_eq(lines(written()), 1);
}

Test(log, buffered_lines_wait_for_flush_and_keep_order) {
  hd_log_buffer(4096);
  hd_log(HD_LOG_INFO, "a", NULL);
  hd_log(HD_LOG_INFO, "b", NULL);
  cr_assert_eq(lines(written()), 0, "buffered lines were written early");
  hd_log_flush();
  const char *s = written();
  cr_assert_eq(lines(s), 2);
  cr_assert(strstr(s, "\"msg\":\"a\"") < strstr(s, "\"msg\":\"b\""));
  hd_log(HD_LOG_INFO, "c", NULL);
  hd_log(HD_LOG_WARN, "d", NULL); /* warn and up: written at once, after what came before */
  s = written();
  cr_assert_eq(lines(s), 4);
  cr_assert(strstr(s, "\"msg\":\"c\"") < strstr(s, "\"msg\":\"d\""));
}

Test(log, a_full_buffer_is_written_whole_lines_only) {
  hd_log_buffer(300); /* about three lines */
  for (int i = 0; i < 50; i++)
    hd_log(HD_LOG_INFO, "fill", "\"i\":%d", i);
  const char *s = written();
  size_t len = strlen(s);
  cr_assert_gt(len, 0, "a full buffer was not written");
  cr_assert_eq(s[len - 1], '\n', "a line was split across writes");
  hd_log_unbuffer();
  s = written();
  cr_assert_eq(lines(s), 50);
  char want[32];
  for (int i = 0; i < 50; i++) { /* every line once, in order */
    snprintf(want, sizeof(want), "\"i\":%d}", i);
    const char *at = strstr(s, want);
    cr_assert_not_null(at, "line %d missing", i);
    s = at;
  }
}

Test(log, a_line_larger_than_the_buffer_goes_straight_out) {
  hd_log_buffer(64);
  hd_log(HD_LOG_INFO, "this message is longer than the sixty-four byte buffer", NULL);
  cr_assert_eq(lines(written()), 1);
}
