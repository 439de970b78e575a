/*
 * health.c — liveness and store readiness (see health.h).
 *
 * The probe is a lookup of user id 0, which never exists: the store answering "no such user"
 * proves the read handle, the schema and the file are usable without touching real data.
 * It runs on the loop's read handle, so a wedged loop also fails the probe (it never
 * answers).
 */
#include "api/health.h"
#include "api/handler.h"
#include "chat/accounts.h"
#include "common/error.h"

void hd_api_healthz(hd_call_t *call) {
  hd_user_t u;
  int rc = hd_user_get(call->ctx->rd, 0, &call->req->pool, &u);
  if (rc != 0 && rc != HD_ERR_USER_NOT_FOUND) {
    hd_api_error(call, rc == HD_ERR_NOMEM ? rc : HD_ERR_STORAGE);
    return;
  }
  hd_api_ok(call);
}
