/*
 * Tests src/safety/hashbank.c, pdq_bankfile.c and pdq_md5.c: list import (formats, dedup,
 * line-numbered rejections, strict mode), matching, the serialised form and its checks.
 */
#include "common/error.h"
#include "safety/hashbank.h"
#include "safety/pdq_md5.h"
#include "safety/pdq_photo.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hd_buf_t list(const char *name) {
  char path[1024];
  const char *d = getenv("HD_TESTDATA");
  hd_buf_t b;
  snprintf(path, sizeof(path), "%s/pdq/hash-lists/%s", d ? d : "/work/shared/testdata", name);
  cr_assert_eq(hd_pdq_read_file(path, 1 << 24, &b), 0, "%s", path);
  return b;
}

static int import(hd_hashbank_t *b, const char *text, int strict, hd_hashbank_report_t *r) {
  hd_hashbank_import_opts_t o = {HD_SIGNAL_PDQ, strict, NULL, NULL, 0};
  hd_hashbank_report_init(r);
  return hd_hashbank_import(b, hd_iov(text, strlen(text)), &o, r);
}

Test(hashbank, imports_shared_lists_and_dedups) {
  hd_hashbank_t b;
  hd_hashbank_report_t r;
  hd_hashbank_import_opts_t o = {HD_SIGNAL_PDQ, 0, NULL, NULL, 0};
  hd_hashbank_init(&b, "hay", "threatexchange", "test", 1700000000);
  hd_buf_t hay = list("haystack.txt");
  hd_hashbank_report_init(&r);
  cr_assert_eq(hd_hashbank_import(&b, hd_iov(hay.base, hay.len), &o, &r), 0);
  cr_assert_eq(r.added, 1350);
  cr_assert_eq(r.rejected, 0);
  hd_hashbank_report_dispose(&r);
  hd_hashbank_report_init(&r);
  cr_assert_eq(hd_hashbank_import(&b, hd_iov(hay.base, hay.len), &o, &r), 0);
  cr_assert_eq(r.added, 0);
  cr_assert_eq(r.duplicates, 1350);
  cr_assert_eq(b.npdq, 1350);
  hd_hashbank_report_dispose(&r);
  /* a needle matches itself or neighbours; results equal the index scan */
  hd_pdq_matches_t m;
  hd_pdq_matches_init(&m);
  cr_assert_eq(hd_hashbank_match_pdq(&b, &b.pdq[17], 1, 31, &m), 0);
  hd_pdq_matches_sort(&m);
  cr_assert_geq(m.n, 1);
  cr_assert_eq(m.v[0].id, 17);
  cr_assert_eq(m.v[0].distance, 0);
  hd_pdq_matches_dispose(&m);
  /* adding after the index exists is visible immediately */
  hd_pdq_hash_t h = b.pdq[3];
  h.w[0] ^= 0xff;
  cr_assert_eq(hd_hashbank_add_pdq(&b, &h), 1);
  hd_pdq_matches_init(&m);
  cr_assert_eq(hd_hashbank_match_pdq(&b, &h, 1, 0, &m), 0);
  cr_assert_eq(m.n, 1);
  cr_assert_eq(m.v[0].id, 1350);
  hd_pdq_matches_dispose(&m);
  hd_buf_dispose(&hay);
  hd_hashbank_dispose(&b);
}

Test(hashbank, rejects_malformed_lines_with_line_numbers) {
  hd_hashbank_t b;
  hd_hashbank_report_t r;
  hd_hashbank_init(&b, "x", NULL, NULL, 0);
  hd_buf_t l64 = list("long64.dat"); /* 64-bit hashes: not PDQ */
  hd_hashbank_import_opts_t o = {HD_SIGNAL_PDQ, 0, NULL, NULL, 5};
  hd_hashbank_report_init(&r);
  cr_assert_eq(hd_hashbank_import(&b, hd_iov(l64.base, l64.len), &o, &r), 0);
  cr_assert_eq(r.rejected, 667);
  cr_assert_eq(b.npdq, 0);
  cr_assert(strstr(r.errors.base, "line 1: expected 64 hex digits (pdq)") != NULL);
  cr_assert(strstr(r.errors.base, "line 5:") != NULL);
  cr_assert(strstr(r.errors.base, "line 6:") == NULL); /* max_errors = 5 */
  hd_hashbank_report_dispose(&r);
  hd_buf_dispose(&l64);

  const char *mixed = "# comment\n"
                      "2b9c22a4d7d2244ce402fcc9dbe8e643356ac12184af5d6c7f19aec7c422ce38,extra\n"
                      "\n"
                      "2b9c22a4d7d2244ce402fcc9dbe8e643356ac12184af5d6c7f19aec7c422ce3\n"
                      "zz9c22a4d7d2244ce402fcc9dbe8e643356ac12184af5d6c7f19aec7c422ce38\n"
                      "2b9c22a4d8d2244ce402fcc9dbe8e643356ac12184af5d6c7f19aec7c422ce38\t7\r\n";
  cr_assert_eq(import(&b, mixed, 1, &r), HD_ERR_BAD_REQUEST); /* strict: nothing imported */
  cr_assert_eq(b.npdq, 0);
  cr_assert(strstr(r.errors.base, "line 4: expected 64") != NULL);
  cr_assert(strstr(r.errors.base, "line 5: not a hex string") != NULL);
  hd_hashbank_report_dispose(&r);
  cr_assert_eq(import(&b, mixed, 0, &r), 0);
  cr_assert_eq(r.added, 2);
  cr_assert_eq(r.rejected, 2);
  hd_hashbank_report_dispose(&r);
  hd_hashbank_dispose(&b);
}

Test(hashbank, csv_with_header_and_exact_signals) {
  hd_hashbank_t b;
  hd_hashbank_report_t r;
  hd_hashbank_init(&b, "mixed", "ncmec", "csam", 1);
  const char *csv =
      "signal_type,signal_value,note\n"
      "pdq,f01a16252f5906ed468061d06ec37ba206c87c19282f66e29514bd305d8f4bbd,a\n"
      "sha256,E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855,empty file\n"
      "md5,d41d8cd98f00b204e9800998ecf8427e,empty file\n"
      "md5,d41d8cd98f00b204e9800998ecf8427e,dup\n"
      "tlsh,abc,unknown type\n";
  cr_assert_eq(import(&b, csv, 0, &r), 0);
  cr_assert_eq(r.added, 3);
  cr_assert_eq(r.duplicates, 1);
  cr_assert_eq(r.rejected, 1);
  cr_assert(strstr(r.errors.base, "line 6: unknown signal type") != NULL);
  hd_hashbank_report_dispose(&r);
  uint8_t sha[32], md5[16];
  cr_assert_eq(sodium_init() >= 0, 1);
  crypto_hash_sha256(sha, (const uint8_t *)"", 0);
  hd_md5("", 0, md5);
  cr_assert(hd_hashbank_match_exact(&b, HD_SIGNAL_SHA256, sha));
  cr_assert(hd_hashbank_match_exact(&b, HD_SIGNAL_MD5, md5));
  md5[0] ^= 1;
  cr_assert_not(hd_hashbank_match_exact(&b, HD_SIGNAL_MD5, md5));
  /* header naming a sha256 column sets the type for headerless-type rows */
  const char *csv2 = "path,sha256\nfoo.jpg,"
                     "0000000000000000000000000000000000000000000000000000000000000001\n";
  cr_assert_eq(import(&b, csv2, 0, &r), 0);
  cr_assert_eq(r.added, 1);
  cr_assert_eq(b.nsha256, 2);
  hd_hashbank_report_dispose(&r);
  hd_hashbank_dispose(&b);
}

Test(hashbank, blob_round_trip_and_tamper_detection) {
  hd_hashbank_t b, c;
  hd_hashbank_report_t r;
  hd_hashbank_init(&b, "round", "src", "terrorism", 1234567);
  hd_buf_t l = list("long256.dat");
  hd_hashbank_import_opts_t o = {HD_SIGNAL_PDQ, 0, NULL, NULL, 0};
  hd_hashbank_report_init(&r);
  cr_assert_eq(hd_hashbank_import(&b, hd_iov(l.base, l.len), &o, &r), 0);
  hd_hashbank_report_dispose(&r);
  cr_assert_eq(import(&b, "type,value\nmd5,00112233445566778899aabbccddeeff\n", 0, &r), 0);
  hd_hashbank_report_dispose(&r);
  hd_buf_t blob;
  hd_buf_init(&blob, 0);
  cr_assert_eq(hd_hashbank_encode(&b, &blob), 0);
  cr_assert_eq(hd_hashbank_decode(hd_iov(blob.base, blob.len), &c), 0);
  cr_assert_str_eq(c.name, "round");
  cr_assert_str_eq(c.category, "terrorism");
  cr_assert_eq(c.added, 1234567);
  cr_assert_eq(c.npdq, 50);
  cr_assert_eq(memcmp(c.pdq, b.pdq, 50 * sizeof(hd_pdq_hash_t)), 0);
  cr_assert_eq(c.nmd5, 1);
  hd_hashbank_dispose(&c);
  for (size_t i = 0; i < blob.len; i += 97) { /* any flipped byte is caught */
    blob.base[i] ^= 0x20;
    cr_assert_eq(hd_hashbank_decode(hd_iov(blob.base, blob.len), &c), HD_ERR_DECODE);
    blob.base[i] ^= 0x20;
  }
  cr_assert_eq(hd_hashbank_decode(hd_iov(blob.base, blob.len - 1), &c), HD_ERR_DECODE);
  /* files: save, load, reject bad names */
  char dir[] = "/tmp/hd_bank_XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  cr_assert_eq(hd_hashbank_save(&b, dir), 0);
  cr_assert_eq(hd_hashbank_load(dir, "round", &c), 0);
  cr_assert_eq(c.npdq, 50);
  hd_hashbank_dispose(&c);
  cr_assert_eq(hd_hashbank_load(dir, "../etc", &c), HD_ERR_BAD_REQUEST);
  cr_assert_eq(hd_hashbank_load(dir, "missing", &c), HD_ERR_IO);
  char path[128];
  snprintf(path, sizeof(path), "%s/round.hbank", dir);
  remove(path);
  remove(dir);
  hd_buf_dispose(&blob);
  hd_buf_dispose(&l);
  hd_hashbank_dispose(&b);
}

Test(hashbank, md5_rfc1321_vectors) {
  static const char *in[] = {
      "",
      "a",
      "abc",
      "message digest",
      "abcdefghijklmnopqrstuvwxyz",
      "12345678901234567890123456789012345678901234567890123456789012345678901234567890"};
  static const char *out[] = {
      "d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
      "900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0",
      "c3fcd3d76192e4007dfb496cca67e13b", "57edf4a22be3c955ac49da2e2107b67a"};
  for (int i = 0; i < 6; i++) {
    uint8_t d[16];
    char hex[33];
    hd_md5(in[i], strlen(in[i]), d);
    for (int k = 0; k < 16; k++)
      snprintf(hex + 2 * k, 3, "%02x", d[k]);
    cr_assert_str_eq(hex, out[i], "md5(\"%s\")", in[i]);
  }
  cr_assert(hd_hashbank_name_valid("ncmec-2024.v1"));
  cr_assert_not(hd_hashbank_name_valid(".hidden"));
  cr_assert_not(hd_hashbank_name_valid("a/b"));
  cr_assert_not(hd_hashbank_name_valid(""));
}
