/*
 * config.h — the client's saved state: server URL and session token (prefix herald_config_).
 *
 *    $XDG_CONFIG_HOME/herald/config.json     (when XDG_CONFIG_HOME is set and absolute)
 *    $HOME/.config/herald/config.json        (otherwise)
 *    {"server":"http://…","token":"…","username":"alice","user_id":1}
 *
 * The file holds a bearer token, so it is private: the directory is created 0700 and the
 * file is written 0600 to a temporary name, fsync'd and renamed over the old one, so a crash
 * never leaves half a file and nobody else can read the token even for a moment.
 *
 * Invariants:
 *  1. A saved file is always mode 0600, whatever the umask; a loaded file with group/other
 *     permission bits is tightened to 0600.
 *  2. Strings in herald_config_t are owned by it (NULL when unset).
 */
#ifndef HERALD_CONFIG_H
#define HERALD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  char *server;   /* server the token belongs to */
  char *token;    /* bearer token, or NULL when logged out */
  char *username; /* who is logged in (for display) */
  int64_t user_id;
} herald_config_t;

/* Write the configuration directory for the environment into out (cap bytes). Returns 0, or
 * HD_ERR_NOT_FOUND when neither $XDG_CONFIG_HOME nor $HOME is usable, or HD_ERR_TOO_LARGE. */
int herald_config_dir(char *out, size_t cap);
/* Load dir/config.json into cfg (zeroed first). A missing file is an empty config (0).
 * Returns 0, HD_ERR_BAD_JSON for a malformed file, or HD_ERR_IO. */
int herald_config_load(herald_config_t *cfg, const char *dir);
/* Save cfg to dir/config.json atomically with mode 0600, creating dir (0700) as needed.
 * Returns 0 or HD_ERR_IO. */
int herald_config_save(const herald_config_t *cfg, const char *dir);
/* Replace *field with a copy of value (NULL clears it). */
void herald_config_set(char **field, const char *value);
/* Free what cfg owns and zero it. */
void herald_config_dispose(herald_config_t *cfg);

#endif
