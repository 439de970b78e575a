/* Tests src/libherald/config.c: directory resolution from the environment, atomic save with
 * mode 0600, load, tightening of loose permissions, and malformed files. */
#include "common/error.h"
#include "libherald/config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp[256];

static void setup(void) {
  snprintf(tmp, sizeof(tmp), "/tmp/herald-cfg-test-XXXXXX");
  cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void) {
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
  cr_assert_eq(system(cmd), 0);
}

TestSuite(config, .init = setup, .fini = teardown);

Test(config, dir_from_environment) {
  char dir[512];
  setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
  setenv("HOME", "/home/u", 1);
  cr_assert_eq(herald_config_dir(dir, sizeof(dir)), 0);
  cr_assert_str_eq(dir, "/x/cfg/herald");
  setenv("XDG_CONFIG_HOME", "relative/ignored", 1); /* the spec demands an absolute path */
  cr_assert_eq(herald_config_dir(dir, sizeof(dir)), 0);
  cr_assert_str_eq(dir, "/home/u/.config/herald");
  unsetenv("XDG_CONFIG_HOME");
  cr_assert_eq(herald_config_dir(dir, sizeof(dir)), 0);
  cr_assert_str_eq(dir, "/home/u/.config/herald");
  unsetenv("HOME");
  cr_assert_eq(herald_config_dir(dir, sizeof(dir)), HD_ERR_NOT_FOUND);
  setenv("HOME", "/home/u", 1);
  cr_assert_eq(herald_config_dir(dir, 8), HD_ERR_TOO_LARGE);
}

Test(config, save_load_roundtrip_private) {
  char dir[400], file[450];
  snprintf(dir, sizeof(dir), "%s/a/b/herald", tmp);
  snprintf(file, sizeof(file), "%s/config.json", dir);
  mode_t old = umask(0); /* even a permissive umask must not expose the token */
  herald_config_t cfg = {0};
  herald_config_set(&cfg.server, "http://127.0.0.1:9");
  herald_config_set(&cfg.token, "00ff");
  herald_config_set(&cfg.username, "alice");
  cfg.user_id = 42;
  cr_assert_eq(herald_config_save(&cfg, dir), 0);
  umask(old);
  struct stat st;
  cr_assert_eq(stat(file, &st), 0);
  cr_assert_eq(st.st_mode & 0777, 0600);
  cr_assert_eq(stat(dir, &st), 0);
  cr_assert_eq(st.st_mode & 0777, 0700);
  herald_config_t back;
  cr_assert_eq(herald_config_load(&back, dir), 0);
  cr_assert_str_eq(back.server, "http://127.0.0.1:9");
  cr_assert_str_eq(back.token, "00ff");
  cr_assert_str_eq(back.username, "alice");
  cr_assert_eq(back.user_id, 42);
  herald_config_set(&back.token, NULL); /* logout */
  cr_assert_eq(herald_config_save(&back, dir), 0);
  herald_config_dispose(&back);
  cr_assert_eq(herald_config_load(&back, dir), 0);
  cr_assert_null(back.token);
  cr_assert_str_eq(back.username, "alice");
  herald_config_dispose(&back);
  herald_config_dispose(&cfg);
  cr_assert_null(cfg.server);
}

Test(config, missing_malformed_and_loose) {
  herald_config_t cfg;
  cr_assert_eq(herald_config_load(&cfg, tmp), 0); /* no file: empty */
  cr_assert_null(cfg.token);
  char file[400];
  snprintf(file, sizeof(file), "%s/config.json", tmp);
  FILE *f = fopen(file, "w");
  fputs("{\"token\": ", f);
  fclose(f);
  cr_assert_eq(herald_config_load(&cfg, tmp), HD_ERR_BAD_JSON);
  f = fopen(file, "w");
  fputs("[1,2]", f);
  fclose(f);
  cr_assert_eq(herald_config_load(&cfg, tmp), HD_ERR_BAD_JSON);
  f = fopen(file, "w");
  fputs("{\"token\":\"t\",\"user_id\":\"x\",\"server\":5}", f);
  fclose(f);
  chmod(file, 0644);
  cr_assert_eq(herald_config_load(&cfg, tmp), 0);
  cr_assert_str_eq(cfg.token, "t");
  cr_assert_null(cfg.server);
  cr_assert_eq(cfg.user_id, 0);
  herald_config_dispose(&cfg);
  struct stat st;
  cr_assert_eq(stat(file, &st), 0);
  cr_assert_eq(st.st_mode & 0777, 0600);
}
