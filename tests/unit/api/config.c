/* Tests src/api/config.c: defaults, flag syntax, validation messages, config files. */
#include "api/config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static hd_config_t cfg;
static char err[256];

static int parse(int argc, const char **argv) {
  hd_config_default(&cfg);
  return hd_config_parse(&cfg, argc, (char **)argv, err, sizeof(err));
}
#define PARSE(...)                                                                                 \
  ({                                                                                               \
    const char *a_[] = {"heraldd", __VA_ARGS__};                                                   \
    parse((int)(sizeof(a_) / sizeof(a_[0])), a_);                                                  \
  })

Test(config, defaults) {
  cr_assert_eq(PARSE("--data", "/tmp/x"), 0);
  cr_assert_str_eq(cfg.host, "127.0.0.1");
  cr_assert_eq(cfg.port, 8080);
  cr_assert_eq(cfg.sync_full, 1);
  cr_assert_eq(cfg.max_batch, 32);
  cr_assert_eq(cfg.pipeline, 1);
  cr_assert_eq(cfg.test_sync_delay_ms, 0);
  cr_assert_eq(cfg.rate_register_per_min, 10);
  cr_assert_eq(cfg.rate_login_per_min, 30);
  cr_assert_eq(cfg.rate_send_per_sec, 50);
  cr_assert_eq(cfg.rate_ip_per_sec, 0);
  cr_assert_eq(cfg.net.max_body_bytes, 1024 * 1024);
  cr_assert_eq(cfg.net.max_header_bytes, 16 * 1024);
  cr_assert_eq(cfg.net.read_timeout_ms, 30000);
  cr_assert_eq(cfg.net.idle_timeout_ms, 60000);
  cr_assert_eq(cfg.access_log, 0);
  cr_assert_str_eq(cfg.data_dir, "/tmp/x");
}

Test(config, flags_both_syntaxes) {
  cr_assert_eq(PARSE("--listen", "0.0.0.0:0", "--max-body=2M", "--read-timeout", "1",
                     "--idle-timeout=250ms", "--pwhash", "min", "--sync", "normal", "--log-level",
                     "debug", "--access-log", "on", "--rate-ip", "7", "--loops", "3",
                     "--ws-max-queued", "64K"),
               0, "%s", err);
  cr_assert_str_eq(cfg.host, "0.0.0.0");
  cr_assert_eq(cfg.port, 0);
  cr_assert_eq(cfg.net.max_body_bytes, 2 * 1024 * 1024);
  cr_assert_eq(cfg.net.read_timeout_ms, 1000);
  cr_assert_eq(cfg.net.idle_timeout_ms, 250);
  cr_assert_eq(cfg.pwhash, HD_PWHASH_MIN);
  cr_assert_eq(cfg.sync_full, 0);
  cr_assert_eq(cfg.log_level, HD_LOG_DEBUG);
  cr_assert_eq(cfg.access_log, 1);
  cr_assert_eq(cfg.rate_ip_per_sec, 7);
  cr_assert_eq(cfg.loops, 3);
  cr_assert_eq(cfg.net.ws_max_queued, 64 * 1024);
}

Test(config, ipv6_listen) {
  cr_assert_eq(PARSE("--listen", "[::1]:9000"), 0, "%s", err);
  cr_assert_str_eq(cfg.host, "::1");
  cr_assert_eq(cfg.port, 9000);
}

Test(config, errors_name_the_setting) {
  struct {
    const char *flag, *value, *needle;
  } cases[] = {
      {"--listen", "localhost", "--listen"},
      {"--listen", "1.2.3.4:70000", "port"},
      {"--listen", "nohost:80", "address"},
      {"--loops", "-1", "--loops"},
      {"--loops", "9999", "--loops"},
      {"--max-body", "1X", "suffix"},
      {"--max-body", "0", "--max-body"},
      {"--read-timeout", "soon", "--read-timeout"},
      {"--sync", "sometimes", "--sync"},
      {"--pwhash", "max", "--pwhash"},
      {"--log-level", "loud", "--log-level"},
      {"--access-log", "yes", "--access-log"},
      {"--rate-send", "1.5", "--rate-send"},
      {"--bogus", "1", "bogus"},
      {"--data", "", "--data"},
      {"--rate-login", "", "--rate-login"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cr_assert_lt(PARSE(cases[i].flag, cases[i].value), 0, "%s %s accepted", cases[i].flag,
                 cases[i].value);
    cr_assert(strstr(err, cases[i].needle), "%s %s: message '%s'", cases[i].flag, cases[i].value,
              err);
  }
}

Test(config, missing_value_and_stray_argument) {
  cr_assert_lt(PARSE("--data"), 0);
  cr_assert(strstr(err, "needs a value"), "%s", err);
  cr_assert_lt(PARSE("serve"), 0);
  cr_assert(strstr(err, "serve"), "%s", err);
}

Test(config, help) {
  cr_assert_eq(PARSE("--help"), 1);
  cr_assert_eq(PARSE("--data", "x", "-h"), 1);
}

Test(config, file_then_flags_override) {
  char path[] = "/tmp/hd_cfg_XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  const char *text = "# comment\n\n  rate-send = 9\nlisten=127.0.0.1:1234\naccess-log = on\n";
  cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  cr_assert_eq(PARSE("--config", path, "--rate-send", "11"), 0, "%s", err);
  cr_assert_eq(cfg.rate_send_per_sec, 11);
  cr_assert_eq(cfg.port, 1234);
  cr_assert_eq(cfg.access_log, 1);

  FILE *f = fopen(path, "w");
  fputs("rate-send = 2\nmax-batch = lots\n", f);
  fclose(f);
  cr_assert_lt(PARSE("--config", path), 0);
  cr_assert(strstr(err, ":2:") && strstr(err, "max-batch"), "%s", err);
  f = fopen(path, "w");
  fputs("just words\n", f);
  fclose(f);
  cr_assert_lt(PARSE("--config", path), 0);
  cr_assert(strstr(err, "key = value"), "%s", err);
  unlink(path);
  cr_assert_lt(PARSE("--config", "/nonexistent/herald.conf"), 0);
  cr_assert(strstr(err, "cannot open"), "%s", err);
}
