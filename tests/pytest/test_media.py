"""Media (docs/api.md "Media"): streamed raw, chunked and multipart uploads, content-addressed
storage with dedup, type checks and dimensions, attaching to messages, download
authorization, ETag/304, Range/206/416, the upload size limit, and bounded server memory
for a 50 MB upload."""
import hashlib
import os
import struct
import zlib

import pytest

from helpers import err_code, rid


def png(w, h):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    raw = b"".join(b"\x00" + b"\x80" * (w * 3) for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg_header(w, h, app_len=300):
    """SOI, an APP1 segment of app_len bytes, then SOF0: enough for the probe."""
    app = b"\xff\xe1" + struct.pack(">H", app_len) + b"x" * (app_len - 2)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, h, w, 3) + b"\x01\x22\x00" * 3
    return b"\xff\xd8" + app + sof + b"\xff\xda" + b"\x00" * 64 + b"\xff\xd9"


def upload(c, data, ctype="application/octet-stream", expect=201, **kw):
    r = c.req("POST", "/v1/media", data=data, headers={"Content-Type": ctype, **kw})
    assert r.status_code == expect, r.text[:300]
    return r.json()["media"] if expect == 201 else r


def test_upload_png_photo_and_download(user, server):
    a = user()
    body = png(7, 5)
    m = upload(a, body, "image/png", **{"X-File-Name": "dot.png"})
    assert m["kind"] == "photo" and m["mime_type"] == "image/png"
    assert m["width"] == 7 and m["height"] == 5 and m["size"] == len(body)
    assert m["sha256"] == hashlib.sha256(body).hexdigest() and m["file_name"] == "dot.png"
    sha = m["sha256"]
    path = os.path.join(server.data_dir, "media", sha[:2], sha[2:4], sha)
    assert open(path, "rb").read() == body
    assert os.listdir(os.path.join(server.data_dir, "media", "tmp")) == [] or all(
        not f.startswith("up-") for f in os.listdir(os.path.join(server.data_dir, "media", "tmp")))
    r = a.req("GET", f"/v1/media/{m['id']}")
    assert r.status_code == 200 and r.content == body
    assert r.headers["Content-Type"] == "image/png"
    assert r.headers["ETag"] == f'"{sha}"' and r.headers["Accept-Ranges"] == "bytes"
    r = a.req("GET", f"/v1/media/{m['id']}", headers={"If-None-Match": f'"{sha}"'})
    assert r.status_code == 304 and r.content == b""


def test_ranges(user):
    a = user()
    body = bytes(range(256)) * 1000
    m = upload(a, body)
    u = f"/v1/media/{m['id']}"
    for rng, lo, hi in (("bytes=0-9", 0, 9), ("bytes=100-", 100, len(body) - 1),
                        ("bytes=-16", len(body) - 16, len(body) - 1),
                        ("bytes=5-999999999", 5, len(body) - 1)):
        r = a.req("GET", u, headers={"Range": rng})
        assert r.status_code == 206, rng
        assert r.content == body[lo:hi + 1]
        assert r.headers["Content-Range"] == f"bytes {lo}-{hi}/{len(body)}"
    r = a.req("GET", u, headers={"Range": f"bytes={len(body)}-"})
    assert r.status_code == 416 and r.headers["Content-Range"] == f"bytes */{len(body)}"
    assert err_code(r) == "range_not_satisfiable"
    r = a.req("GET", u, headers={"Range": "bytes=0-1,5-6"})  # several ranges: whole file
    assert r.status_code == 200 and r.content == body


def test_same_bytes_stored_once(user, server):
    a, b = user(), user()
    body = os.urandom(3000)
    m1, m2 = upload(a, body), upload(b, body, "text/plain")
    assert m1["id"] != m2["id"] and m1["sha256"] == m2["sha256"]
    assert m2["kind"] == "document" and m2["mime_type"] == "text/plain"
    d = os.path.join(server.data_dir, "media", m1["sha256"][:2], m1["sha256"][2:4])
    assert os.listdir(d).count(m1["sha256"]) == 1


def test_jpeg_dimensions_and_type_mismatch(user):
    a = user()
    m = upload(a, jpeg_header(640, 480), "image/jpeg")
    assert m["kind"] == "photo" and (m["width"], m["height"]) == (640, 480)
    r = upload(a, b"not an image at all", "image/png", expect=400)
    assert err_code(r) == "media_type_mismatch"
    r = upload(a, png(2, 2), "image/jpeg", expect=400)
    assert err_code(r) == "media_type_mismatch"
    m = upload(a, png(3, 4), "application/octet-stream")  # bytes are PNG: size known
    assert m["kind"] == "document" and (m["width"], m["height"]) == (3, 4)


def test_multipart_and_chunked(user):
    a = user()
    body = png(4, 4)
    files = {"file": ("pic.png", body, "image/png")}
    r = a.s.post(a.server.url("/v1/media"), files=files, data={"note": "x"},
                 headers={"Authorization": f"Bearer {a.token}"})
    assert r.status_code == 201, r.text
    m = r.json()["media"]
    assert m["kind"] == "photo" and m["file_name"] == "pic.png" and m["size"] == len(body)
    assert a.req("GET", f"/v1/media/{m['id']}").content == body

    def gen():
        for i in range(10):
            yield bytes([i]) * 10000
    r = a.s.post(a.server.url("/v1/media"), data=gen(), params={"name": "raw.bin"},
                 headers={"Authorization": f"Bearer {a.token}", "Content-Type": "x/y"})
    assert r.status_code == 201, r.text
    m = r.json()["media"]
    assert m["size"] == 100000 and m["file_name"] == "raw.bin" and m["kind"] == "document"
    r = a.s.post(a.server.url("/v1/media"), data=b"--b\r\nno-end",
                 headers={"Authorization": f"Bearer {a.token}",
                          "Content-Type": "multipart/form-data; boundary=b"})
    assert r.status_code == 400 and err_code(r) == "bad_multipart"


def test_upload_needs_auth_and_body(user, server):
    c = server.client()
    r = c.req("POST", "/v1/media", data=b"abc", headers={"Content-Type": "text/plain"})
    assert r.status_code == 401
    a = user()
    assert upload(a, b"", expect=400).status_code == 400
    r = a.req("GET", "/v1/media/999999")
    assert r.status_code == 404 and err_code(r) == "media_not_found"


def test_attach_and_authorization(user):
    a, b, c = user(), user(), user()
    p = a.private(b)
    m = upload(a, png(10, 20), "image/png")
    other = upload(c, b"c's file")
    r = a.req("POST", f"/v1/chats/{p['id']}/messages",
              body={"media_id": other["id"], "random_id": rid()})
    assert r.status_code == 404 and err_code(r) == "media_not_found"
    r = a.req("POST", f"/v1/chats/{p['id']}/messages",
              body={"media_id": m["id"], "text": "x" * 1025, "random_id": rid()})
    assert r.status_code == 400 and err_code(r) == "caption_too_long"
    assert c.req("GET", f"/v1/media/{m['id']}").status_code == 404
    msg = a.call("POST", f"/v1/chats/{p['id']}/messages",
                 {"media_id": m["id"], "random_id": rid()})["message"]
    assert msg["text"] == ""
    assert msg["media"] == {"id": m["id"], "kind": "photo", "mime_type": "image/png",
                            "size": m["size"], "width": 10, "height": 20}
    assert b.history(p["id"])[0]["media"]["id"] == m["id"]
    assert b.req("GET", f"/v1/media/{m['id']}").status_code == 200
    assert c.req("GET", f"/v1/media/{m['id']}").status_code == 404
    doc = upload(a, b"%PDF-1.4 fake", "application/pdf", **{"X-File-Name": "r\u00e9sum\u00e9.pdf".encode().decode("latin-1")})
    msg = a.call("POST", f"/v1/chats/{p['id']}/messages",
                 {"media_id": doc["id"], "text": "cv", "random_id": rid()})["message"]
    assert msg["media"]["kind"] == "document" and msg["media"]["file_name"] == "r\u00e9sum\u00e9.pdf"
    r = b.req("GET", f"/v1/media/{doc['id']}")
    assert r.status_code == 200 and "filename*=UTF-8''r%C3%A9sum%C3%A9.pdf" in \
        r.headers["Content-Disposition"]
    # a public channel: any logged-in user may fetch what it carries
    ch = a.create("channel", "Pub", username=f"pub{rid() % 10**9}")
    m2 = upload(a, png(2, 3), "image/png")
    a.call("POST", f"/v1/chats/{ch['id']}/messages", {"media_id": m2["id"], "random_id": rid()})
    assert c.req("GET", f"/v1/media/{m2['id']}").status_code == 200
    # the member may forward it; the forward carries the media
    fw = b.call("POST", f"/v1/chats/{p['id']}/forward",
                {"from_chat_id": p["id"], "message_id": 2, "random_id": rid()})["message"]
    assert fw["media"]["id"] == doc["id"]


def test_upload_limit(make_server):
    s = make_server(flags={"--max-upload": "1M"})
    a = s.new_user()
    r = a.req("POST", "/v1/media", data=b"x" * (1024 * 1024 + 1),
              headers={"Content-Type": "text/plain"})
    assert r.status_code == 413 and err_code(r) == "too_large"

    def gen():
        for _ in range(40):
            yield b"y" * 65536
    r = a.s.post(s.url("/v1/media"), data=gen(),
                 headers={"Authorization": f"Bearer {a.token}", "Content-Type": "x/y"})
    assert r.status_code == 413
    assert upload(a, b"z" * (1024 * 1024))["size"] == 1024 * 1024


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_50mb_upload_streams(user, server, tmp_path):
    a = user()
    big = tmp_path / "big.bin"
    chunk = os.urandom(1 << 20)
    h = hashlib.sha256()
    with open(big, "wb") as f:
        for i in range(50):
            block = chunk[i:] + chunk[:i]
            f.write(block)
            h.update(block)
    before = rss_kb(server.proc.pid)
    with open(big, "rb") as f:
        r = a.s.post(server.url("/v1/media"), data=f, timeout=120,
                     headers={"Authorization": f"Bearer {a.token}",
                              "Content-Type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    m = r.json()["media"]
    assert m["size"] == 50 << 20 and m["sha256"] == h.hexdigest()
    grown = rss_kb(server.proc.pid) - before
    assert grown < 16 * 1024, f"heraldd RSS grew by {grown} KiB during a 50 MB upload"
    r = a.s.get(server.url(f"/v1/media/{m['id']}"), stream=True, timeout=120,
                headers={"Authorization": f"Bearer {a.token}"})
    d = hashlib.sha256()
    for part in r.iter_content(1 << 16):
        d.update(part)
    assert r.status_code == 200 and d.hexdigest() == m["sha256"]
    grown = rss_kb(server.proc.pid) - before
    assert grown < 16 * 1024, f"heraldd RSS grew by {grown} KiB after a 50 MB download"
