/*
 * config.c — heraldd settings: defaults, command-line flags, config files (see config.h).
 *
 * One table declares every setting once (name, kind, where it goes, bounds); flags and file
 * lines go through the same setter, so `--rate-send 5` and `rate-send = 5` cannot drift.
 *
 *   argv ──► "--name value" | "--name=value" ─┐
 *   --config FILE ──► "name = value" lines ───┴─► set_one(table row, value) ─► hd_config_t
 *
 * Value syntax: sizes are bytes with an optional K/M/G suffix (powers of 1024); durations
 * are seconds, or milliseconds with an "ms" suffix; counts are plain decimal integers.
 *
 * Invariants:
 *  1. hd_config_parse() either returns 0 with every field within its documented bounds, or
 *     returns a negative code with a one-line message naming the offending setting.
 *  2. Settings are applied in order: a later flag overrides an earlier one or a file line.
 */
#include "api/config.h"
#include "common/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
  K_STR,    /* char[] copied */
  K_LISTEN, /* HOST:PORT */
  K_INT,    /* int in [min,max] */
  K_SIZE,   /* size_t bytes in [min,max] */
  K_MS,     /* uint32_t milliseconds in [min,max] */
  K_SYNC,   /* full|normal */
  K_PWHASH, /* interactive|min */
  K_LEVEL,  /* debug|info|warn|error */
  K_ONOFF   /* on|off */
} kind_t;

typedef struct {
  const char *name;
  kind_t kind;
  size_t off;
  size_t cap; /* K_STR: buffer size */
  long long min, max;
  const char *help;
} opt_t;

#define OFF(f) offsetof(hd_config_t, f)
#define KIB    1024LL
#define MIB    (1024LL * 1024)
static const opt_t opts[] = {
    {"data", K_STR, OFF(data_dir), sizeof(((hd_config_t *)0)->data_dir), 0, 0,
     "DIR      data directory (default ./herald-data)"},
    {"listen", K_LISTEN, 0, 0, 0, 0, "HOST:PORT listen address (default 127.0.0.1:8080)"},
    {"port-file", K_STR, OFF(port_file), sizeof(((hd_config_t *)0)->port_file), 0, 0,
     "F        write the bound port to F after binding"},
    {"loops", K_INT, OFF(loops), 0, 0, 256, "N        event loops (default 0: one per core)"},
    {"max-body", K_SIZE, OFF(net.max_body_bytes), 0, 1, 1024 * MIB,
     "BYTES    largest request body (default 1M)"},
    {"max-header", K_SIZE, OFF(net.max_header_bytes), 0, 1 * KIB, 1 * MIB,
     "BYTES    largest request line + headers (default 16K)"},
    {"idle-timeout", K_MS, OFF(net.idle_timeout_ms), 0, 1, 86400000,
     "SECS     close idle keep-alive connections (default 60; '500ms' accepted)"},
    {"read-timeout", K_MS, OFF(net.read_timeout_ms), 0, 1, 86400000,
     "SECS     a request must arrive within (default 30)"},
    {"ws-max-message", K_SIZE, OFF(net.ws_max_message), 0, 125, 64 * MIB,
     "BYTES    largest WebSocket message from a client (default 64K)"},
    {"ws-max-queued", K_SIZE, OFF(net.ws_max_queued), 0, 4 * KIB, 1024 * MIB,
     "BYTES    queued output per WebSocket before it is closed (default 1M)"},
    {"ws-ping-interval", K_MS, OFF(net.ws_ping_interval_ms), 0, 1, 86400000,
     "SECS     WebSocket keepalive ping period (default 30)"},
    {"sync", K_SYNC, OFF(sync_full), 0, 0, 0, "full|normal durability of commits (default full)"},
    {"pipeline", K_ONOFF, OFF(pipeline), 0, 0, 0,
     "on|off   overlap each commit's log sync with the next batch (default on)"},
    {"test-sync-delay", K_INT, OFF(test_sync_delay_ms), 0, 0, 10000,
     "MS       hold every pipelined log sync this long (test suites only; default 0)"},
    {"max-batch", K_SIZE, OFF(max_batch), 0, 1, 1000000,
     "N        most jobs in one group commit (default 32)"},
    {"pwhash", K_PWHASH, OFF(pwhash), 0, 0, 0,
     "interactive|min password hashing cost (min: test suites only)"},
    {"rate-register", K_INT, OFF(rate_register_per_min), 0, 0, 1000000,
     "N        registrations per IP per minute (default 10, 0 = off)"},
    {"rate-login", K_INT, OFF(rate_login_per_min), 0, 0, 1000000,
     "N        logins per IP and per account per minute (default 30, 0 = off)"},
    {"rate-send", K_INT, OFF(rate_send_per_sec), 0, 0, 1000000,
     "N        sends per account per second, burst 2N (default 50, 0 = off)"},
    {"rate-ip", K_INT, OFF(rate_ip_per_sec), 0, 0, 1000000,
     "N        requests per IP per second, burst 2N (default 0 = off)"},
    {"log-level", K_LEVEL, OFF(log_level), 0, 0, 0, "debug|info|warn|error (default info)"},
    {"access-log", K_ONOFF, OFF(access_log), 0, 0, 0,
     "on|off   one JSON line per request (default off)"},
    {"metrics", K_ONOFF, OFF(metrics), 0, 0, 0,
     "on|off   serve GET /metrics, Prometheus text (default on)"},
    {"max-upload", K_SIZE, OFF(max_upload), 0, 1, 64LL * 1024 * MIB,
     "BYTES    largest media upload, streamed to disk (default 50M)"},
    {"sla-urgent", K_INT, OFF(sla_urgent), 0, 1, 30 * 86400,
     "SECS     trusted-flagger SLA for CSAM/terrorism reports (default 3600)"},
    {"sla-default", K_INT, OFF(sla_default), 0, 1, 30 * 86400,
     "SECS     trusted-flagger SLA for other reports (default 86400)"},
    {"misuse-warn", K_INT, OFF(misuse.warn_at), 0, 1, 1000,
     "N        illegal-content decisions in the window before a warning (default 2)"},
    {"misuse-suspend", K_INT, OFF(misuse.suspend_at), 0, 2, 1000,
     "N        ... before an automatic suspension, > misuse-warn (default 3)"},
    {"misuse-window", K_INT, OFF(misuse.window_days), 0, 1, 3650,
     "DAYS     how long a misuse strike counts (default 90)"},
    {"misuse-suspend-days", K_INT, OFF(misuse.suspend_days), 0, 1, 3650,
     "DAYS     length of an automatic suspension (default 7)"},
    {"unfounded-warn", K_INT, OFF(misuse.unfounded_warn_at), 0, 1, 10000,
     "N        unfounded reports in the window before a warning (default 5)"},
    {"unfounded-deprioritise", K_INT, OFF(misuse.unfounded_deprio_at), 0, 2, 10000,
     "N        ... before reports add no priority, > unfounded-warn (default 10)"},
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return HD_ERR_BAD_REQUEST;
}

void hd_config_default(hd_config_t *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", "./herald-data");
  snprintf(cfg->host, sizeof(cfg->host), "%s", "127.0.0.1");
  cfg->port = 8080;
  cfg->loops = 0;
  hd_net_limits_default(&cfg->net);
  cfg->sync_full = 1;
  cfg->pipeline = 1;
  cfg->max_batch = 32; /* with pipelined commits, smaller commits ack sooner: docs/benchmarks.md */
  cfg->pwhash = HD_PWHASH_INTERACTIVE;
  cfg->rate_register_per_min = 10;
  cfg->rate_login_per_min = 30;
  cfg->rate_send_per_sec = 50;
  cfg->rate_ip_per_sec = 0;
  cfg->log_level = HD_LOG_INFO;
  cfg->access_log = 0;
  cfg->metrics = 1;
  cfg->max_upload = 50 * 1024 * 1024;
  cfg->sla_urgent = 3600;
  cfg->sla_default = 86400;
  hd_misuse_cfg_default(&cfg->misuse);
}

/* Parse a decimal integer with an optional suffix scaled by mult(suffix). Strict: the whole
 * string must be consumed, no sign, no spaces. */
static int parse_num(const char *v, long long *out, const char **suffix) {
  if (!v[0] || v[0] < '0' || v[0] > '9')
    return -1;
  errno = 0;
  char *end;
  unsigned long long x = strtoull(v, &end, 10);
  if (errno || x > (unsigned long long)LLONG_MAX)
    return -1;
  *out = (long long)x;
  *suffix = end;
  return 0;
}

static int parse_listen(hd_config_t *cfg, const char *v, char *err, size_t errlen) {
  const char *colon = strrchr(v, ':');
  if (!colon)
    return fail(err, errlen, "--listen: expected HOST:PORT, got '%s'", v);
  const char *h = v;
  size_t hlen = (size_t)(colon - v);
  if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
    h++;
    hlen -= 2;
  }
  char host[64];
  if (hlen == 0 || hlen >= sizeof(host))
    return fail(err, errlen, "--listen: bad host in '%s'", v);
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  unsigned char addr[16];
  if (inet_pton(AF_INET, host, addr) != 1 && inet_pton(AF_INET6, host, addr) != 1)
    return fail(err, errlen, "--listen: '%s' is not an IPv4 or IPv6 address", host);
  long long port;
  const char *suf;
  if (parse_num(colon + 1, &port, &suf) != 0 || *suf || port > 65535)
    return fail(err, errlen, "--listen: bad port in '%s' (0-65535)", v);
  memcpy(cfg->host, host, hlen + 1);
  cfg->port = (int)port;
  return 0;
}

static int set_one(hd_config_t *cfg, const opt_t *o, const char *v, char *err, size_t errlen) {
  char *base = (char *)cfg;
  long long x;
  const char *suf;
  switch (o->kind) {
  case K_STR:
    if (!v[0] || strlen(v) >= o->cap)
      return fail(err, errlen, "--%s: value empty or longer than %zu bytes", o->name, o->cap - 1);
    memcpy(base + o->off, v, strlen(v) + 1);
    return 0;
  case K_LISTEN:
    return parse_listen(cfg, v, err, errlen);
  case K_INT:
    if (parse_num(v, &x, &suf) != 0 || *suf || x < o->min || x > o->max)
      return fail(err, errlen, "--%s: expected an integer in %lld..%lld, got '%s'", o->name, o->min,
                  o->max, v);
    *(int *)(base + o->off) = (int)x;
    return 0;
  case K_SIZE: {
    long long mult = 1;
    if (parse_num(v, &x, &suf) != 0)
      return fail(err, errlen, "--%s: expected a size, got '%s'", o->name, v);
    if (!strcmp(suf, "K") || !strcmp(suf, "k"))
      mult = KIB;
    else if (!strcmp(suf, "M") || !strcmp(suf, "m"))
      mult = MIB;
    else if (!strcmp(suf, "G") || !strcmp(suf, "g"))
      mult = 1024 * MIB;
    else if (*suf)
      return fail(err, errlen, "--%s: bad size suffix in '%s' (K, M or G)", o->name, v);
    if (x > o->max / mult || x * mult < o->min)
      return fail(err, errlen, "--%s: %s is out of range (%lld..%lld)", o->name, v, o->min, o->max);
    *(size_t *)(base + o->off) = (size_t)(x * mult);
    return 0;
  }
  case K_MS: {
    if (parse_num(v, &x, &suf) != 0 || (*suf && strcmp(suf, "ms") && strcmp(suf, "s")))
      return fail(err, errlen, "--%s: expected seconds (or N ms), got '%s'", o->name, v);
    if (strcmp(suf, "ms") != 0) {
      if (x > o->max / 1000)
        return fail(err, errlen, "--%s: %s is too long", o->name, v);
      x *= 1000;
    }
    if (x < o->min || x > o->max)
      return fail(err, errlen, "--%s: %s is out of range", o->name, v);
    *(uint32_t *)(base + o->off) = (uint32_t)x;
    return 0;
  }
  case K_SYNC:
    if (strcmp(v, "full") && strcmp(v, "normal"))
      return fail(err, errlen, "--sync: expected full or normal, got '%s'", v);
    cfg->sync_full = strcmp(v, "full") == 0;
    return 0;
  case K_PWHASH:
    if (strcmp(v, "interactive") && strcmp(v, "min"))
      return fail(err, errlen, "--pwhash: expected interactive or min, got '%s'", v);
    cfg->pwhash = strcmp(v, "min") == 0 ? HD_PWHASH_MIN : HD_PWHASH_INTERACTIVE;
    return 0;
  case K_LEVEL:
    if (hd_log_parse_level(v, &cfg->log_level) != 0)
      return fail(err, errlen, "--log-level: expected debug, info, warn or error, got '%s'", v);
    return 0;
  case K_ONOFF:
    if (strcmp(v, "on") && strcmp(v, "off"))
      return fail(err, errlen, "--%s: expected on or off, got '%s'", o->name, v);
    *(int *)(base + o->off) = strcmp(v, "on") == 0;
    return 0;
  }
  return fail(err, errlen, "--%s: unsupported setting", o->name);
}

static const opt_t *find_opt(const char *name, size_t len) {
  for (size_t i = 0; i < HD_ARRAY_SIZE(opts); i++)
    if (strlen(opts[i].name) == len && memcmp(opts[i].name, name, len) == 0)
      return &opts[i];
  return NULL;
}

static int load_file(hd_config_t *cfg, const char *path, int depth, char *err, size_t errlen);

/* Apply "name" = "value" from a flag or a file line (config may nest, once). */
static int apply(hd_config_t *cfg, const char *name, size_t nlen, const char *v, int depth,
                 char *err, size_t errlen) {
  if (nlen == 6 && memcmp(name, "config", 6) == 0)
    return load_file(cfg, v, depth + 1, err, errlen);
  const opt_t *o = find_opt(name, nlen);
  if (!o)
    return fail(err, errlen, "unknown setting '%.*s' (see --help)", (int)nlen, name);
  return set_one(cfg, o, v, err, errlen);
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
    s[--n] = '\0';
  return s;
}

static int load_file(hd_config_t *cfg, const char *path, int depth, char *err, size_t errlen) {
  if (depth > 4)
    return fail(err, errlen, "%s: config files nest too deeply", path);
  FILE *f = fopen(path, "r");
  if (!f)
    return fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
  char line[1024];
  int lineno = 0, rc = 0;
  while (fgets(line, sizeof(line), f)) {
    lineno++;
    if (!strchr(line, '\n') && !feof(f)) {
      rc = fail(err, errlen, "%s:%d: line too long", path, lineno);
      break;
    }
    char *s = trim(line);
    if (!*s || *s == '#')
      continue;
    char *eq = strchr(s, '=');
    if (!eq) {
      rc = fail(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
      break;
    }
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    char sub[256];
    if ((rc = apply(cfg, key, strlen(key), val, depth, sub, sizeof(sub))) != 0) {
      fail(err, errlen, "%s:%d: %s", path, lineno, sub);
      break;
    }
  }
  fclose(f);
  return rc;
}

int hd_config_parse(hd_config_t *cfg, int argc, char **argv, char *err, size_t errlen) {
  err[0] = '\0';
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h"))
      return 1;
    if (strncmp(a, "--", 2) != 0)
      return fail(err, errlen, "unexpected argument '%s' (see --help)", a);
    const char *name = a + 2;
    const char *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    const char *v;
    if (eq) {
      v = eq + 1;
    } else {
      if (i + 1 >= argc)
        return fail(err, errlen, "--%s needs a value", name);
      v = argv[++i];
    }
    int rc = apply(cfg, name, nlen, v, 0, err, errlen);
    if (rc)
      return rc;
  }
  if (hd_misuse_cfg_check(&cfg->misuse) != 0)
    return fail(err, errlen,
                "--misuse-suspend must exceed --misuse-warn and "
                "--unfounded-deprioritise must exceed --unfounded-warn");
  return 0;
}

void hd_config_usage(const char *argv0) {
  printf("usage: %s [--name value | --name=value]...\n\n"
         "  --config FILE   read 'name = value' lines (same names as the flags)\n"
         "  --help          this text\n",
         argv0);
  for (size_t i = 0; i < HD_ARRAY_SIZE(opts); i++)
    printf("  --%-14s %s\n", opts[i].name, opts[i].help);
}
