/*
 * sqlite/walbuf.c — the "hd-walbuf" VFS: the default VFS with the write-ahead log's appends
 * gathered into a 64 KiB buffer, so a commit of N frames costs about N/16 pwrite()s instead
 * of 2·N small ones (SQLite writes each frame as a 24-byte header plus one page).
 *
 *   xOpen(flags & SQLITE_OPEN_WAL) ──► walbuf_file { base (our methods), buf, real file }
 *   xOpen(anything else)           ──► the default VFS's file, untouched
 *
 *   xWrite(off == buf_off + buf_len, fits) ──► memcpy into buf          (append: buffered)
 *   xWrite(inside [buf_off, buf_off+len))  ──► patch buf                (frame rewritten)
 *   xWrite(elsewhere) / buf full           ──► flush, then write / buffer from there
 *   xSync, xRead, xTruncate, xFileSize, xClose, xLock, xUnlock, xFileControl ──► flush first
 *
 * Only the write handle of a database opened with synchronous=FULL uses this VFS
 * (sqlite/db.c): with FULL, SQLite syncs the log at every commit before it publishes the
 * commit in the wal-index, so every frame another connection may read (a read handle, the
 * checkpoint thread) has left the buffer by then; the writer's own reads of the log flush
 * first. A crash loses only unsynced, unacknowledged frames, as without the buffer.
 *
 * Deferred syncs (hd__sq_walbuf_defer, used by store/writer.c's pipelined commit): the
 * commit's xSync then only flushes, so the commit publishes its frames without waiting for
 * the disk, and the writer's sync thread makes them durable with fdatasync() on a second
 * descriptor of the same file (sync_fd) before any job of that commit is acknowledged:
 *
 *   COMMIT ─► frames ─► xSync: flush only ─► wal-index updated ─► writer runs the next batch
 *                                                 └─► sync thread: fdatasync(sync_fd) ─► acks
 *
 * That is SQLite's synchronous=NORMAL crash behaviour (the log may lose its newest commits,
 * never its consistency) plus an explicit sync before every acknowledgement. The one sync
 * SQLite's consistency depends on is never deferred: after a new log header is written
 * (offset 0, the first commit after a restart) the next xSync is a real one, so frames of a
 * new log generation never reach the disk ahead of their header.
 *
 * Invariants:
 *  1. The file's logical content = the real file overlaid with buf at buf_off; every call
 *     that lets anyone observe the file (other than buffered writes) flushes first.
 *  2. A failed flush keeps the buffer (nothing is lost silently) and reports the I/O error
 *     to the caller, which SQLite treats as a failed commit.
 *  3. With defer set, an xSync returns without syncing only if it is not the first sync of
 *     the file and no header write happened since the last real sync.
 */
#include "store/sqlite/internal.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Bytes gathered before a pwrite: the unix VFS writes at most 128 KiB - 1 per xWrite call
 * (it assumes page-sized writes), so a flush is one call of at most this much. */
#define HD__WALBUF_CAP (64 * 1024)

typedef struct {
  sqlite3_file base;  /* must be first; base.pMethods = &walbuf_methods */
  sqlite3_file *real; /* the default VFS's file, stored right after this struct */
  unsigned char *buf; /* HD__WALBUF_CAP bytes, allocated on first buffered write */
  sqlite3_int64 buf_off;
  int buf_len;
  int sync_fd;   /* our own read-only descriptor of the log, for deferred syncs; -1: none */
  int defer;     /* invariant 3: xSync flushes only */
  int need_sync; /* the next xSync must be real (first sync, or a header was written) */
} walbuf_file;

static sqlite3_vfs walbuf_vfs;
static sqlite3_vfs *walbuf_parent;

static int walbuf_flush(walbuf_file *f) {
  if (f->buf_len == 0)
    return SQLITE_OK;
  int rc = f->real->pMethods->xWrite(f->real, f->buf, f->buf_len, f->buf_off);
  if (rc == SQLITE_OK)
    f->buf_len = 0; /* invariant 2: kept on failure */
  return rc;
}

static int walbuf_close(sqlite3_file *p) {
  walbuf_file *f = (walbuf_file *)p;
  int rc = walbuf_flush(f);
  int rc2 = f->real->pMethods->xClose(f->real);
  if (f->sync_fd >= 0)
    close(f->sync_fd);
  f->sync_fd = -1;
  sqlite3_free(f->buf);
  f->buf = NULL;
  return rc != SQLITE_OK ? rc : rc2;
}

static int walbuf_read(sqlite3_file *p, void *out, int n, sqlite3_int64 off) {
  walbuf_file *f = (walbuf_file *)p;
  int rc = walbuf_flush(f);
  return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, out, n, off);
}

static int walbuf_write(sqlite3_file *p, const void *data, int n, sqlite3_int64 off) {
  walbuf_file *f = (walbuf_file *)p;
  int rc;
  if (off == 0) /* a new log header: it must be durable before frames of its generation */
    f->need_sync = 1;
  if (f->buf_len > 0 && off >= f->buf_off && off + n <= f->buf_off + f->buf_len) {
    memcpy(f->buf + (off - f->buf_off), data, (size_t)n); /* a frame rewritten in place */
    return SQLITE_OK;
  }
  if (n > HD__WALBUF_CAP / 4) { /* large writes go straight through, in order */
    if ((rc = walbuf_flush(f)) != SQLITE_OK)
      return rc;
    return f->real->pMethods->xWrite(f->real, data, n, off);
  }
  if (f->buf_len > 0 && (off != f->buf_off + f->buf_len || f->buf_len + n > HD__WALBUF_CAP) &&
      (rc = walbuf_flush(f)) != SQLITE_OK)
    return rc;
  if (f->buf == NULL && (f->buf = sqlite3_malloc(HD__WALBUF_CAP)) == NULL)
    return SQLITE_IOERR_NOMEM;
  if (f->buf_len == 0)
    f->buf_off = off;
  memcpy(f->buf + f->buf_len, data, (size_t)n);
  f->buf_len += n;
  return SQLITE_OK;
}

static int walbuf_truncate(sqlite3_file *p, sqlite3_int64 size) {
  walbuf_file *f = (walbuf_file *)p;
  int rc = walbuf_flush(f);
  return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int walbuf_sync(sqlite3_file *p, int flags) {
  walbuf_file *f = (walbuf_file *)p;
  int rc = walbuf_flush(f);
  if (rc != SQLITE_OK || (f->defer && !f->need_sync)) /* invariant 3 */
    return rc;
  rc = f->real->pMethods->xSync(f->real, flags);
  if (rc == SQLITE_OK)
    f->need_sync = 0;
  return rc;
}

static int walbuf_size(sqlite3_file *p, sqlite3_int64 *size) {
  walbuf_file *f = (walbuf_file *)p;
  int rc = walbuf_flush(f);
  return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int walbuf_lock(sqlite3_file *p, int level) {
  walbuf_file *f = (walbuf_file *)p;
  int rc = walbuf_flush(f);
  return rc != SQLITE_OK ? rc : f->real->pMethods->xLock(f->real, level);
}

static int walbuf_unlock(sqlite3_file *p, int level) {
  walbuf_file *f = (walbuf_file *)p;
  int rc = walbuf_flush(f);
  return rc != SQLITE_OK ? rc : f->real->pMethods->xUnlock(f->real, level);
}

static int walbuf_reserved(sqlite3_file *p, int *out) {
  walbuf_file *f = (walbuf_file *)p;
  return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int walbuf_fcntl(sqlite3_file *p, int op, void *arg) {
  walbuf_file *f = (walbuf_file *)p;
  int rc = walbuf_flush(f);
  return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

static int walbuf_sector(sqlite3_file *p) {
  walbuf_file *f = (walbuf_file *)p;
  return f->real->pMethods->xSectorSize(f->real);
}

static int walbuf_device(sqlite3_file *p) {
  walbuf_file *f = (walbuf_file *)p;
  return f->real->pMethods->xDeviceCharacteristics(f->real);
}

/* Version 1: SQLite maps and locks shared memory through the database file, never the log. */
static const sqlite3_io_methods walbuf_methods = {
    .iVersion = 1,
    .xClose = walbuf_close,
    .xRead = walbuf_read,
    .xWrite = walbuf_write,
    .xTruncate = walbuf_truncate,
    .xSync = walbuf_sync,
    .xFileSize = walbuf_size,
    .xLock = walbuf_lock,
    .xUnlock = walbuf_unlock,
    .xCheckReservedLock = walbuf_reserved,
    .xFileControl = walbuf_fcntl,
    .xSectorSize = walbuf_sector,
    .xDeviceCharacteristics = walbuf_device,
};

static int walbuf_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags,
                       int *out_flags) {
  (void)vfs;
  if (!(flags & SQLITE_OPEN_WAL))
    return walbuf_parent->xOpen(walbuf_parent, name, p, flags, out_flags);
  walbuf_file *f = (walbuf_file *)p;
  memset(f, 0, sizeof(*f));
  f->real = (sqlite3_file *)(f + 1);
  int rc = walbuf_parent->xOpen(walbuf_parent, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK)
    return rc; /* base.pMethods stays NULL: SQLite will not call xClose */
  f->base.pMethods = &walbuf_methods;
  f->need_sync = 1;
  f->sync_fd = name ? open(name, O_RDONLY | O_CLOEXEC) : -1;
  return SQLITE_OK;
}

int hd__sq_walbuf_defer(sqlite3 *db) {
  sqlite3_file *jf = NULL;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &jf) != SQLITE_OK ||
      jf == NULL || jf->pMethods != &walbuf_methods)
    return -1; /* not in WAL mode yet, or not our VFS */
  walbuf_file *f = (walbuf_file *)jf;
  if (f->sync_fd < 0)
    return -1;
  f->defer = 1;
  return f->sync_fd;
}

/* Everything but xOpen and the file size is the default VFS's. */
static int walbuf_delete(sqlite3_vfs *v, const char *name, int sync) {
  (void)v;
  return walbuf_parent->xDelete(walbuf_parent, name, sync);
}
static int walbuf_access(sqlite3_vfs *v, const char *name, int flags, int *out) {
  (void)v;
  return walbuf_parent->xAccess(walbuf_parent, name, flags, out);
}
static int walbuf_fullname(sqlite3_vfs *v, const char *name, int n, char *out) {
  (void)v;
  return walbuf_parent->xFullPathname(walbuf_parent, name, n, out);
}
static void *walbuf_dlopen(sqlite3_vfs *v, const char *name) {
  (void)v;
  return walbuf_parent->xDlOpen(walbuf_parent, name);
}
static void walbuf_dlerror(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  walbuf_parent->xDlError(walbuf_parent, n, out);
}
static void (*walbuf_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void) {
  (void)v;
  return walbuf_parent->xDlSym(walbuf_parent, h, sym);
}
static void walbuf_dlclose(sqlite3_vfs *v, void *h) {
  (void)v;
  walbuf_parent->xDlClose(walbuf_parent, h);
}
static int walbuf_random(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return walbuf_parent->xRandomness(walbuf_parent, n, out);
}
static int walbuf_sleep(sqlite3_vfs *v, int us) {
  (void)v;
  return walbuf_parent->xSleep(walbuf_parent, us);
}
static int walbuf_time(sqlite3_vfs *v, double *out) {
  (void)v;
  return walbuf_parent->xCurrentTime(walbuf_parent, out);
}
static int walbuf_lasterr(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return walbuf_parent->xGetLastError ? walbuf_parent->xGetLastError(walbuf_parent, n, out) : 0;
}
static int walbuf_time64(sqlite3_vfs *v, sqlite3_int64 *out) {
  (void)v;
  return walbuf_parent->xCurrentTimeInt64(walbuf_parent, out);
}

int hd__sq_walbuf_register(void) {
  walbuf_parent = sqlite3_vfs_find(NULL);
  if (walbuf_parent == NULL || walbuf_parent->iVersion < 2)
    return HD_ERR_STORAGE;
  walbuf_vfs = (sqlite3_vfs){
      .iVersion = 2,
      .szOsFile = (int)sizeof(walbuf_file) + walbuf_parent->szOsFile,
      .mxPathname = walbuf_parent->mxPathname,
      .zName = HD_SQ_WALBUF_VFS,
      .xOpen = walbuf_open,
      .xDelete = walbuf_delete,
      .xAccess = walbuf_access,
      .xFullPathname = walbuf_fullname,
      .xDlOpen = walbuf_dlopen,
      .xDlError = walbuf_dlerror,
      .xDlSym = walbuf_dlsym,
      .xDlClose = walbuf_dlclose,
      .xRandomness = walbuf_random,
      .xSleep = walbuf_sleep,
      .xCurrentTime = walbuf_time,
      .xGetLastError = walbuf_lasterr,
      .xCurrentTimeInt64 = walbuf_time64,
  };
  return sqlite3_vfs_register(&walbuf_vfs, 0) == SQLITE_OK ? 0 : HD_ERR_STORAGE;
}
