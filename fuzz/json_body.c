/*
 * json_body.c — libFuzzer driver for request bodies: the body parser (api/json.c) and the
 * field extraction + validation of the two busiest requests, POST /v1/auth/register and
 * POST /v1/chats/{id}/messages, on arbitrary bytes. Properties checked beyond "no crash,
 * no sanitizer report": an accepted request has the invariants the handlers rely on.
 *
 *   clang build: cmake -DHD_FUZZ=ON -DCMAKE_C_COMPILER=clang; run:
 *   ./fuzz_json_body -max_total_time=60 ../fuzz/corpus/json_body
 */
#include "api/accounts.h"
#include "api/json.h"
#include "api/messages.h"
#include "chat/types.h"
#include "common/error.h"
#include "common/utf8.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_send(hd_jin_t *in) {
  hd_send_req_t r;
  if (hd_api_send_parse(in, &r) != 0) {
    HD_ASSERT(in->err < 0 && in->msg[0]);
    return;
  }
  size_t n = strlen(r.text);
  HD_ASSERT(n > 0 && hd_utf8_valid(r.text, n) && hd_utf8_count(r.text, n) <= HD_MESSAGE_MAX);
  HD_ASSERT(r.random_id != 0 && r.reply_to_id >= 0);
}

static void check_register(hd_jin_t *in) {
  hd_register_req_t r;
  if (hd_api_register_parse(in, &r) != 0) {
    HD_ASSERT(in->err < 0 && in->msg[0]);
    return;
  }
  size_t n = strlen(r.username);
  HD_ASSERT(n >= HD_USERNAME_MIN && n <= HD_USERNAME_MAX);
  HD_ASSERT(r.password_len >= HD_PASSWORD_MIN && r.password_len <= HD_PASSWORD_MAX);
  HD_ASSERT(strlen(r.country) == 2 && r.country[0] >= 'A' && r.country[0] <= 'Z');
  HD_ASSERT(r.display_name[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hd_mem_pool_t pool;
  hd_mem_pool_init(&pool);
  hd_jin_t in;
  int rc = hd_jin_parse(&in, hd_iov(data, size), &pool);
  HD_ASSERT(rc == 0 || rc == HD_ERR_BAD_JSON || rc == HD_ERR_BAD_UTF8 || rc == HD_ERR_BAD_FIELD);
  if (rc == 0) {
    HD_ASSERT(json_is_object(in.root));
    check_send(&in);
    in.err = 0; /* the same body through the other extractor */
    in.msg[0] = '\0';
    check_register(&in);
    in.err = 0;
    int64_t *ids;
    size_t n = hd_jin_int_array(&in, "ids", HD_PAGE_MAX, 1, INT64_MAX, &ids);
    HD_ASSERT(n <= HD_PAGE_MAX && (in.err || n == 0 || ids));
  }
  hd_jin_dispose(&in);
  hd_mem_pool_dispose(&pool);
  return 0;
}
