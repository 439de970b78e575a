/*
 * media.h — the media surface (docs/api.md "Media"): streamed uploads and downloads.
 *
 *   POST /v1/media  ──headers──► hd_api_body_sink (app.c: route, rate, auth)
 *        ──► hd_api_media_sink: tmp file, raw or multipart/form-data ──► body streamed to disk
 *        ──► on_end: fsync, probe, classify, rename into place (worker) ──► row (writer) ──► 201
 *   GET /v1/media/{id} ──► authorization (chat/media.h) ──► 304 / 416 / 200 / 206 from disk
 */
#ifndef HD_API_MEDIA_H
#define HD_API_MEDIA_H

#include "api/app.h"

/* hd_server_config_t.body_sink (defined in app.c, which owns the route table). */
int hd_api_body_sink(hd_http_req_t *req, void *data, hd_http_sink_t **sink);
/* Open the upload sink for an authenticated call. Returns 1 (*sink set) or a negative
 * hd_err_t (413 for a declared length over --max-upload, 400 for bad headers). */
int hd_api_media_sink(hd_call_t *call, hd_http_sink_t **sink);

/* POST /v1/media reaching the router means it had no body to stream: 400. */
void hd_api_media_upload(hd_call_t *call);
/* GET /v1/media/{id}. */
void hd_api_media_download(hd_call_t *call);

#endif
