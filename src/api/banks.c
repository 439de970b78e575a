/*
 * banks.c — hash banks over HTTP (see api/banks.h for the endpoints, safety/banksvc.h for
 * the service).
 *
 *   import:  require admin ─► bank live? ─► worker: parse list (line numbers)
 *              ─► writer: insert entries + audit ─► worker: add to live index ─► reply
 *   match:   require moderator ─► JSON hashes | image body
 *              ─► worker: (decode + PDQ [+ dihedral] + SHA-256 + MD5) and match under the
 *                 bank service's read lock ─► reply
 *
 * Everything slow (parsing a large list, rebuilding an index, decoding an image) runs on the
 * worker pool; the loop only validates and replies.
 *
 * Invariants:
 *  1. Nothing is added to the live index unless the import's transaction committed.
 *  2. A request holds at most HD_MATCH_MAX_QUERIES queries and gets at most
 *     HD_MATCH_MAX_HITS matches ("truncated": true beyond).
 */
#include "api/banks.h"

#include "api/handler.h"
#include "api/staff.h"
#include "common/error.h"
#include "safety/banksvc.h"
#include "safety/pdq_md5.h"
#include "safety/pdq_photo.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HD_MATCH_MAX_QUERIES 100
#define HD_MATCH_MAX_HITS    1000

static void hex_encode(const uint8_t *b, size_t n, char *out) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = d[b[i] >> 4];
    out[2 * i + 1] = d[b[i] & 15];
  }
  out[2 * n] = '\0';
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static int hex_decode(const char *s, size_t len, uint8_t *out) {
  for (size_t i = 0; i < len / 2; i++) {
    int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

static json_t *bank_json(const hd_store_bank_t *b) {
  return json_pack("{s:s,s:s,s:s,s:I,s:I,s:{s:I,s:I,s:I}}", "name", b->name, "source", b->source,
                   "category", b->category, "created_at", (json_int_t)b->created_at, "created_by",
                   (json_int_t)b->created_by, "counts", "pdq", (json_int_t)b->npdq, "sha256",
                   (json_int_t)b->nsha256, "md5", (json_int_t)b->nmd5);
}

int hd_api_banks_start(hd_app_t *app, const hd_store_config_t *sc) {
  hd_store_t *rd;
  int rc = hd_store_open(sc, 1, &rd);
  if (rc)
    return rc;
  app->banks = hd_banksvc_create();
  if ((rc = hd_banksvc_load(app->banks, rd)) != 0) {
    hd_banksvc_destroy(app->banks);
    app->banks = NULL;
  }
  hd_store_close(rd);
  return rc;
}

void hd_api_banks_stop(hd_app_t *app) {
  hd_banksvc_destroy(app->banks);
  app->banks = NULL;
}

static hd_banksvc_t *svc_of(hd_call_t *call) { return call->ctx->app->banks; }

static int require_svc(hd_call_t *call) {
  if (svc_of(call))
    return 0;
  hd_api_error_msg(call, HD_ERR_STORAGE, "hash banks are not loaded");
  return -1;
}

void hd_api_banks_list(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_MODERATOR) != 0 || require_svc(call) != 0)
    return;
  hd_store_bank_t *v;
  size_t n;
  hd_banksvc_list(svc_of(call), &call->req->pool, &v, &n);
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(arr, bank_json(&v[i]));
  hd_api_reply1(call, 200, "banks", arr);
}

/* ---- create --------------------------------------------------------------------------------- */

HD_WJOB(run_create, hd_bank_create, hd_bank_create_op_t)

static void create_done(hd_call_t *call, int status, void *arg) {
  hd_bank_create_op_t *op = arg;
  if (status == HD_ERR_BAD_FIELD) {
    hd_api_error_msg(call, status,
                     "name: 1-64 characters of A-Z a-z 0-9 _ . - (not starting "
                     "with '.')");
    return;
  }
  if (status) {
    hd_api_error(call, status);
    return;
  }
  hd_banksvc_add_bank(svc_of(call), &op->bank);
  hd_api_reply1(call, 201, "bank", bank_json(&op->bank));
}

void hd_api_bank_create(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0 || require_svc(call) != 0)
    return;
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return;
  hd_bank_create_op_t *op = hd_mem_pool_alloc(&call->req->pool, sizeof(*op));
  memset(op, 0, sizeof(*op));
  op->actor_id = call->user_id;
  op->name = hd_jin_str(&in, "name", 1, NULL);
  op->category = hd_jin_str(&in, "category", 1, NULL);
  op->source = hd_jin_str(&in, "source", 0, NULL);
  if (hd_api_fields(call, &in) != 0)
    return;
  hd_jin_dispose(&in);
  hd_api_write(call, run_create, op, create_done);
}

/* ---- import --------------------------------------------------------------------------------- */

typedef struct {
  hd_call_t *call;
  hd_bank_import_op_t op;
  int rc;
} import_t;

/* "line N: why\n"… → [{"line":N,"reason":why}] */
static json_t *errors_json(const hd_buf_t *b) {
  json_t *arr = json_array();
  const char *p = b->base, *end = b->base + b->len;
  while (p && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    unsigned long line = 0;
    const char *colon = memchr(p, ':', (size_t)(e - p));
    if (colon && e - p > 5 && memcmp(p, "line ", 5) == 0) {
      line = strtoul(p + 5, NULL, 10);
      const char *r = colon + 1;
      while (r < e && *r == ' ')
        r++;
      json_t *o = json_object();
      json_object_set_new(o, "line", json_integer((json_int_t)line));
      json_object_set_new(o, "reason", json_stringn(r, (size_t)(e - r)));
      json_array_append_new(arr, o);
    }
    p = nl ? nl + 1 : end;
  }
  return arr;
}

static json_t *import_json(import_t *im) {
  hd_bank_import_op_t *op = &im->op;
  return json_pack("{s:s,s:I,s:I,s:I,s:I,s:o}", "bank", op->bank, "lines",
                   (json_int_t)op->report.lines, "added", (json_int_t)op->added, "duplicates",
                   (json_int_t)op->duplicates, "rejected", (json_int_t)op->report.rejected,
                   "errors", errors_json(&op->report.errors));
}

static void import_applied(hd_loop_t *loop, void *arg, int status) {
  import_t *im = arg;
  json_t *body = import_json(im);
  hd_bank_import_dispose(&im->op);
  hd_api_reply(im->call, 200, body);
}

static void import_apply(void *arg) {
  import_t *im = arg;
  hd_banksvc_apply_import(svc_of(im->call), &im->op);
}

static void import_done(hd_call_t *call, int status, void *arg) {
  import_t *im = arg;
  if (status) {
    hd_bank_import_dispose(&im->op);
    hd_api_error(call, status);
    return;
  }
  hd_loop_work(call->ctx->loop, import_apply, import_applied, im);
}

static int run_import(hd_store_t *tx, void *arg) {
  return hd_bank_import(tx, &((import_t *)arg)->op);
}

static void import_parse(void *arg) {
  import_t *im = arg;
  im->rc = hd_bank_import_prepare(&im->op);
}

static void import_parsed(hd_loop_t *loop, void *arg, int status) {
  import_t *im = arg;
  hd_call_t *call = im->call;
  if (status || (im->rc && im->rc != HD_ERR_BAD_REQUEST)) {
    hd_bank_import_dispose(&im->op);
    hd_api_error(call, status ? status : im->rc);
    return;
  }
  if (im->rc == HD_ERR_BAD_REQUEST) { /* strict: nothing imported, say why */
    json_t *body = import_json(im);
    char msg[96];
    snprintf(msg, sizeof(msg), "%zu line(s) rejected; nothing imported (strict)",
             im->op.report.rejected);
    json_object_set_new(body, "added", json_integer(0));
    json_object_set_new(body, "error",
                        json_pack("{s:s,s:s}", "code", "bad_request", "message", msg));
    hd_bank_import_dispose(&im->op);
    hd_api_reply(call, 400, body);
    return;
  }
  hd_api_write(call, run_import, im, import_done);
}

static int query_flag(hd_call_t *call, const char *name) {
  hd_iovec_t v;
  return hd_http_query(call->req, name, &v) && v.len && !hd_iov_eq(v, "0") &&
         !hd_iov_eq(v, "false");
}

void hd_api_bank_import(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_ADMIN) != 0 || require_svc(call) != 0)
    return;
  const char *name = hd_call_str(call, 0);
  if (!hd_banksvc_has(svc_of(call), name)) {
    hd_api_error(call, HD_ERR_BANK_NOT_FOUND);
    return;
  }
  if (call->req->body.len == 0) {
    hd_api_error_msg(call, HD_ERR_BAD_REQUEST, "the body must hold the hash list");
    return;
  }
  import_t *im = hd_mem_pool_alloc(&call->req->pool, sizeof(*im));
  memset(im, 0, sizeof(*im));
  im->call = call;
  im->op.actor_id = call->user_id;
  im->op.bank = name;
  im->op.data = call->req->body;
  im->op.default_type = HD_SIGNAL_PDQ;
  im->op.strict = query_flag(call, "strict");
  hd_iovec_t v;
  if (hd_http_query(call->req, "type", &v)) {
    char t[8] = "";
    if (v.len < sizeof(t))
      memcpy(t, v.base, v.len);
    if (v.len >= sizeof(t) || hd_signal_type_parse(t, &im->op.default_type) != 0) {
      hd_api_error_msg(call, HD_ERR_BAD_REQUEST, "type must be pdq, sha256 or md5");
      return;
    }
  }
  im->op.note = hd_http_query(call->req, "note", &v) && v.len <= 256
                    ? hd_mem_pool_strndup(&call->req->pool, v.base, v.len)
                    : "";
  hd_loop_work(call->ctx->loop, import_parse, import_parsed, im);
}

/* ---- match ---------------------------------------------------------------------------------- */

typedef struct {
  char hex[65];
  int len;       /* 64 (PDQ / SHA-256) or 32 (MD5) */
  uint8_t b[32]; /* decoded */
} query_t;

typedef struct {
  hd_call_t *call;
  const char *bank;
  int radius, dihedral, image;
  hd_pdq_profile_t profile;
  query_t q[HD_MATCH_MAX_QUERIES];
  size_t nq;
  /* image results */
  hd_pdq_hash_t h[HD_PDQ_NUM_DIHEDRAL];
  int quality;
  uint8_t sha256[32], md5[16];
  hd_bank_hits_t hits;
  int rc;
} match_t;

static void match_work(void *arg) {
  match_t *m = arg;
  hd_banksvc_t *svc = svc_of(m->call);
  if (m->image) {
    hd_pdq_work_t w;
    hd_pdq_work_init(&w);
    int nd = m->dihedral ? HD_PDQ_NUM_DIHEDRAL : 1;
    hd_iovec_t body = m->call->req->body;
    m->rc = hd_pdq_hash_bytes(body, m->profile, &w, m->h, nd, &m->quality);
    hd_pdq_work_dispose(&w);
    if (m->rc)
      return;
    crypto_hash_sha256(m->sha256, (const unsigned char *)body.base, body.len);
    hd_md5(body.base, body.len, m->md5);
    m->rc = hd_banksvc_match_pdq(svc, m->bank, 0, m->h, nd, m->radius, &m->hits);
    if (!m->rc)
      m->rc = hd_banksvc_match_exact(svc, m->bank, 1, HD_SIGNAL_SHA256, m->sha256, &m->hits);
    if (!m->rc)
      m->rc = hd_banksvc_match_exact(svc, m->bank, 2, HD_SIGNAL_MD5, m->md5, &m->hits);
    return;
  }
  for (size_t i = 0; i < m->nq && !m->rc; i++) {
    query_t *q = &m->q[i];
    if (q->len == 32) {
      m->rc = hd_banksvc_match_exact(svc, m->bank, (int)i, HD_SIGNAL_MD5, q->b, &m->hits);
      continue;
    }
    hd_pdq_hash_t h;
    hd_pdq_from_bytes(q->b, &h);
    m->rc = hd_banksvc_match_pdq(svc, m->bank, (int)i, &h, 1, m->radius, &m->hits);
    if (!m->rc) /* 64 hex digits may as well be a SHA-256 */
      m->rc = hd_banksvc_match_exact(svc, m->bank, (int)i, HD_SIGNAL_SHA256, q->b, &m->hits);
  }
}

static void match_after(hd_loop_t *loop, void *arg, int status) {
  match_t *m = arg;
  hd_call_t *call = m->call;
  if (status || m->rc) {
    hd_bank_hits_dispose(&m->hits);
    hd_api_error(call, status ? status : m->rc);
    return;
  }
  json_t *o = json_object(), *arr = json_array();
  char hex[65], qhex[65];
  for (size_t i = 0; i < m->hits.n; i++) {
    const hd_bank_hit_t *x = &m->hits.v[i];
    hex_encode(x->value, x->signal == HD_SIGNAL_MD5 ? 16 : 32, hex);
    if (!m->image)
      snprintf(qhex, sizeof(qhex), "%s", m->q[x->query].hex);
    else if (x->query == 0)
      hd_pdq_format(&m->h[0], qhex);
    else
      hex_encode(x->query == 1 ? m->sha256 : m->md5, x->query == 1 ? 32 : 16, qhex);
    json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "query", qhex, "bank",
                                         x->bank, "category", x->category, "signal",
                                         hd_signal_type_name(x->signal), "hash", hex, "distance",
                                         x->distance));
  }
  json_object_set_new(o, "matches", arr);
  json_object_set_new(o, "truncated", json_boolean(m->hits.truncated));
  if (m->image) {
    int nd = m->dihedral ? HD_PDQ_NUM_DIHEDRAL : 1;
    json_t *hs = json_array();
    for (int d = 0; d < nd; d++) {
      hd_pdq_format(&m->h[d], hex);
      json_array_append_new(hs, json_string(hex));
    }
    json_object_set_new(o, "pdq", hs);
    json_object_set_new(o, "quality", json_integer(m->quality));
    json_object_set_new(o, "actionable", json_boolean(m->quality >= HD_PDQ_MIN_QUALITY));
    hex_encode(m->sha256, 32, hex);
    json_object_set_new(o, "sha256", json_string(hex));
    hex_encode(m->md5, 16, hex);
    json_object_set_new(o, "md5", json_string(hex));
  }
  hd_bank_hits_dispose(&m->hits);
  hd_api_reply(call, 200, o);
}

/* Parse the JSON form into m; answers and returns -1 on error. */
static int match_parse_json(hd_call_t *call, match_t *m) {
  hd_jin_t in;
  if (hd_api_body(call, &in) != 0)
    return -1;
  m->bank = hd_jin_str(&in, "bank", 0, NULL);
  m->radius = (int)hd_jin_int(&in, "max_distance", 0, 0, 256, HD_PDQ_DEFAULT_RADIUS);
  json_t *hs = in.err ? NULL : json_object_get(in.root, "hashes");
  if (!in.err && (!json_is_array(hs) || json_array_size(hs) == 0 ||
                  json_array_size(hs) > HD_MATCH_MAX_QUERIES))
    hd_jin_fail(&in, HD_ERR_BAD_FIELD, "hashes: an array of 1-%d hex hashes", HD_MATCH_MAX_QUERIES);
  for (size_t i = 0; !in.err && i < json_array_size(hs); i++) {
    json_t *v = json_array_get(hs, i);
    const char *s = json_string_value(v);
    size_t len = s ? json_string_length(v) : 0;
    query_t *q = &m->q[m->nq];
    if (!s || (len != 64 && len != 32) || hex_decode(s, len, q->b) != 0) {
      hd_jin_fail(&in, HD_ERR_BAD_HASH,
                  "hashes[%zu]: expected 64 hex digits (pdq, sha256) or 32 (md5)", i);
      break;
    }
    q->len = (int)len;
    for (size_t k = 0; k < len; k++) /* lowercase for the reply */
      q->hex[k] = (char)(s[k] >= 'A' && s[k] <= 'F' ? s[k] - 'A' + 'a' : s[k]);
    q->hex[len] = '\0';
    m->nq++;
  }
  if (hd_api_fields(call, &in) != 0)
    return -1;
  hd_jin_dispose(&in);
  return 0;
}

void hd_api_pdq_match(hd_call_t *call) {
  if (hd_api_require_staff(call, HD_STAFF_MODERATOR) != 0 || require_svc(call) != 0)
    return;
  match_t *m = hd_mem_pool_alloc(&call->req->pool, sizeof(*m));
  memset(m, 0, sizeof(*m));
  m->call = call;
  hd_bank_hits_init(&m->hits, HD_MATCH_MAX_HITS);
  hd_iovec_t ct = hd_http_header(call->req, "Content-Type");
  int is_image = ct.len >= 6 && hd_iov_caseeq(hd_iov(ct.base, 6), "image/");
  if (is_image) {
    int64_t r;
    if (hd_api_query_int(call, "max_distance", 0, 256, HD_PDQ_DEFAULT_RADIUS, &r) != 0)
      return;
    m->image = 1;
    m->radius = (int)r;
    m->dihedral = query_flag(call, "dihedral");
    hd_iovec_t v;
    if (hd_http_query(call->req, "bank", &v) && v.len)
      m->bank = hd_mem_pool_strndup(&call->req->pool, v.base, v.len);
    if (hd_http_query(call->req, "profile", &v)) {
      char p[8] = "";
      if (v.len < sizeof(p))
        memcpy(p, v.base, v.len);
      if (v.len >= sizeof(p) || hd_pdq_profile_parse(p, &m->profile) != 0) {
        hd_api_error_msg(call, HD_ERR_BAD_REQUEST, "profile must be full or 512");
        return;
      }
    }
    if (hd_image_sniff(call->req->body) == HD_IMAGE_UNKNOWN) {
      hd_api_error_msg(call, HD_ERR_UNSUPPORTED, "the body is not a JPEG or PNG image");
      return;
    }
  } else if (match_parse_json(call, m) != 0) {
    return;
  }
  if (m->bank && !hd_banksvc_has(svc_of(call), m->bank)) {
    hd_api_error(call, HD_ERR_BANK_NOT_FOUND);
    return;
  }
  hd_loop_work(call->ctx->loop, match_work, match_after, m);
}
