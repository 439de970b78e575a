/*
 * config.h — heraldd settings, parsed and validated in one place (config.c) from command-line
 * flags (and an optional config file of the same keys, one "key = value" per line). Runtime
 * code receives the struct ready (STYLE.md §2). Every flag is documented in README.md.
 */
#ifndef HD_API_CONFIG_H
#define HD_API_CONFIG_H

#include "chat/accounts.h"
#include "common/log.h"
#include "net/server.h"
#include "safety/misuse.h"

typedef struct {
  char data_dir[512]; /* --data DIR (default ./herald-data) */
  char host[64];      /* --listen HOST:PORT (default 127.0.0.1:8080) */
  int port;
  char port_file[512];       /* --port-file F: write the bound port (tests use port 0) */
  int loops;                 /* --loops N (default: number of cores) */
  hd_net_limits_t net;       /* --max-body, --max-header, --idle-timeout, --read-timeout,
                                --ws-max-message, --ws-max-queued, --ws-ping-interval */
  int sync_full;             /* --sync full|normal (default full) */
  int pipeline;              /* --pipeline on|off (default on; store/writer.h 7) */
  int test_sync_delay_ms;    /* --test-sync-delay MS (tests only) */
  size_t max_batch;          /* --max-batch N: most jobs in one group commit (default 4096) */
  hd_pwhash_level_t pwhash;  /* --pwhash interactive|min (min: tests only) */
  int rate_register_per_min; /* --rate-register N: registrations per IP per minute (0 = off) */
  int rate_login_per_min;    /* --rate-login N: logins per IP and per account per minute */
  int rate_send_per_sec;     /* --rate-send N: sends per account per second (burst 2N) */
  int rate_ip_per_sec;       /* --rate-ip N: requests per IP per second (burst 2N, 0 = off) */
  hd_log_level_t log_level;  /* --log-level debug|info|warn|error */
  int access_log;            /* --access-log on|off: one JSON line per request */
  int metrics;               /* --metrics on|off: serve GET /metrics (default on) */
  size_t max_upload;         /* --max-upload BYTES: largest media upload (default 50M) */
  int sla_urgent;            /* --sla-urgent SECS: flagger CSAM/terrorism SLA (default 3600) */
  int sla_default;           /* --sla-default SECS: other flagger reports (default 86400) */
  hd_misuse_cfg_t misuse;    /* --misuse-warn, --misuse-suspend, --misuse-window,
                                --misuse-suspend-days, --unfounded-warn,
                                --unfounded-deprioritise (safety/misuse.h) */
} hd_config_t;

/* Fill cfg with defaults. */
void hd_config_default(hd_config_t *cfg);
/* Parse argv into cfg (start from hd_config_default). On error returns a negative code and
 * writes a message to err; returns 1 when --help/-h was given (print usage, exit 0). */
int hd_config_parse(hd_config_t *cfg, int argc, char **argv, char *err, size_t errlen);
/* Print the usage text. */
void hd_config_usage(const char *argv0);

#endif
