"""Observability (docs/operations.md): GET /metrics in the Prometheus text format — counters
move as requests happen, histograms are cumulative and consistent, connection gauges follow
WebSockets; every answer is counted and logged, including upgrades (101) and the errors the
net layer answers itself (431, 413, 408); --metrics off; GET /healthz proves the store is
writable and answers 503 storage_unavailable while another process holds the write lock."""
import base64
import json
import os
import re
import socket
import sqlite3
import time

import requests

from helpers import Client, RawReader, raw_connect, raw_request, uname

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\\n]|\\.)*")*\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(srv):
    """Fetch /metrics, check the exposition rules, return (families, samples)."""
    r = requests.get(srv.url("/metrics"), timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert r.text.endswith("\n")
    families, samples, cur = {}, {}, None
    for line in r.text.splitlines():
        if line.startswith("# HELP "):
            cur = line.split(" ")[2]
            assert cur not in families, f"family {cur} twice"
            families[cur] = None
        elif line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            assert name == cur and typ in ("counter", "gauge", "histogram"), line
            families[name] = typ
        else:
            m = SAMPLE.match(line)
            assert m, f"bad sample line {line!r}"
            name, labels, value = m.group(1), m.group(2) or "", float(m.group(3))
            typ = families.get(cur)
            assert typ, f"sample before # TYPE: {line}"
            if typ == "counter":
                assert name == cur and name.endswith("_total"), line
            elif typ == "gauge":
                assert name == cur, line
            else:
                assert name in (cur + "_bucket", cur + "_sum", cur + "_count"), line
            key = (name, tuple(sorted(LABEL.findall(labels))))
            assert key not in samples, f"duplicate series {line}"
            samples[key] = value
    for fam, typ in families.items():
        if typ == "histogram":
            check_histogram(samples, fam)
    return families, samples


def check_histogram(samples, fam):
    """Buckets cumulative in le order, ending with +Inf equal to _count."""
    buckets = sorted(((float(dict(k[1])["le"]), v) for k, v in samples.items()
                      if k[0] == fam + "_bucket"), key=lambda x: x[0])
    assert buckets and buckets[-1][0] == float("inf"), f"{fam}: no +Inf bucket"
    counts = [v for _, v in buckets]
    assert counts == sorted(counts), f"{fam}: buckets not cumulative: {buckets}"
    assert counts[-1] == samples[(fam + "_count", ())], f"{fam}: +Inf != _count"
    assert (fam + "_sum", ()) in samples


def val(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def reqs(samples, method, route, status):
    return val(samples, "herald_http_requests_total", method=method, route=route,
               status=str(status))


def ws_open(srv, token):
    s = raw_connect(srv)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(raw_request("GET", f"/v1/updates/ws?token={token}", headers={
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13"}))
    r = RawReader(s).read(head=True)
    assert r.status == 101, r
    return s


def wait_for(fn, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(0.05)


def access_lines(srv):
    time.sleep(0.2)
    return [json.loads(x) for x in srv.log_tail(200000).splitlines()
            if x.startswith("{") and '"msg":"access"' in x]


def test_counters_move_and_histograms_are_consistent(make_server):
    srv = make_server({"--loops": "2"})
    fams, before = scrape(srv)
    for fam in ("herald_http_requests_total", "herald_http_connections_open",
                "herald_websocket_connections_open", "herald_websocket_queued_bytes",
                "herald_websocket_slow_consumers_closed_total", "herald_messages_sent_total",
                "herald_writer_batch_size", "herald_writer_commit_seconds",
                "herald_http_request_duration_seconds", "process_resident_memory_bytes",
                "process_open_fds", "herald_uptime_seconds"):
        assert fam in fams, fam
    assert fams["herald_writer_batch_size"] == "histogram"
    assert val(before, "process_resident_memory_bytes") > 1e6
    assert val(before, "process_open_fds") >= 3

    a = srv.new_user("ma")
    b = srv.new_user("mb")
    chat = a.private(b)["id"]
    for i in range(3):
        a.send(chat, f"m{i}")
    rid = 424242
    a.send(chat, "once", random_id=rid)
    a.send(chat, "once", random_id=rid)  # an idempotent retry: answered, not counted as sent
    a.me()
    Client(srv).req("GET", "/v1/nope")
    Client(srv).req("GET", "/v1/me")  # 401 on a matched route

    _, after = scrape(srv)
    route = "/v1/chats/{id}/messages"
    sends = sum(v for k, v in after.items() if k[0] == "herald_http_requests_total"
                and dict(k[1]).get("route") == route and dict(k[1])["status"].startswith("2"))
    sends0 = sum(v for k, v in before.items() if k[0] == "herald_http_requests_total"
                 and dict(k[1]).get("route") == route and dict(k[1])["status"].startswith("2"))
    assert sends - sends0 == 5
    assert val(after, "herald_messages_sent_total") - val(before, "herald_messages_sent_total") == 4
    assert reqs(after, "GET", "/v1/me", 200) - reqs(before, "GET", "/v1/me", 200) == 1
    assert reqs(after, "GET", "/v1/me", 401) - reqs(before, "GET", "/v1/me", 401) == 1
    assert reqs(after, "other", "unmatched", 404) - reqs(before, "other", "unmatched", 404) == 1
    assert reqs(after, "GET", "/metrics", 200) >= 1  # the first scrape was counted
    # the writer committed registrations, logins, the chat and the sends
    jobs = val(after, "herald_writer_jobs_total") - val(before, "herald_writer_jobs_total")
    assert jobs >= 9
    assert val(after, "herald_writer_batch_size_sum") == val(after, "herald_writer_jobs_total")
    assert val(after, "herald_writer_batch_size_count") == \
        val(after, "herald_writer_commit_seconds_count")
    assert val(after, "herald_writer_commit_seconds_count") > \
        val(before, "herald_writer_commit_seconds_count")
    assert val(after, "herald_http_request_duration_seconds_count") > \
        val(before, "herald_http_request_duration_seconds_count")
    # no series goes backwards
    for k, v in before.items():
        if k[0].endswith("_total") or k[0].endswith("_count") or k[0].endswith("_bucket"):
            assert after.get(k, 0) >= v, k


def test_websocket_gauges_and_upgrade_logged(make_server):
    srv = make_server({"--access-log": "on"})
    u = srv.new_user("mw")
    _, s0 = scrape(srv)
    assert val(s0, "herald_websocket_connections_open") == 0
    socks = [ws_open(srv, u.token), ws_open(srv, u.token)]
    _, s1 = scrape(srv)
    assert val(s1, "herald_websocket_connections_open") == 2
    assert reqs(s1, "GET", "/v1/updates/ws", 101) == 2
    assert val(s1, "herald_http_connections_open") >= 1  # the scrape's own connection
    for s in socks:
        s.close()
    assert wait_for(lambda: val(scrape(srv)[1], "herald_websocket_connections_open") == 0)
    ups = [x for x in access_lines(srv) if x.get("status") == 101]
    assert len(ups) == 2, ups
    assert ups[0]["route"] == "/v1/updates/ws" and ups[0]["user_id"] == u.id
    assert ups[0]["path"] == "/v1/updates/ws" and ups[0]["method"] == "GET"


def test_net_layer_errors_counted_and_logged(make_server):
    srv = make_server({"--access-log": "on", "--max-header": "2048", "--max-body": "1024",
                       "--read-timeout": "1"})
    # 431: headers over --max-header
    s = raw_connect(srv)
    s.sendall(raw_request("GET", "/v1/me", headers={"X-Big": "a" * 4096}))
    assert RawReader(s).read().status == 431
    s.close()
    # 413: a body over --max-body, refused from Content-Length
    r = requests.post(srv.url("/v1/auth/register"), data=b"x" * 4096, timeout=10)
    assert r.status_code == 413
    # 408: a request that never completes
    s = raw_connect(srv)
    s.sendall(b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
    assert RawReader(s).read().status == 408
    s.close()
    _, m = scrape(srv)
    for st in (431, 413, 408):
        assert reqs(m, "other", "net", st) == 1, (st, m)
    lines = [x for x in access_lines(srv) if x.get("route") == "net"]
    got = {x["status"]: x for x in lines}
    assert set(got) == {431, 413, 408}, lines
    assert got[413]["path"] == "/v1/auth/register" and got[413]["method"] == "POST"
    assert got[408]["path"] == "/v1/auth/login" and got[408]["duration_ms"] is None
    for x in lines:
        assert x["bytes"] > 0 and x["user_id"] == 0 and "time" in x


def test_metrics_off(make_server):
    srv = make_server({"--metrics": "off"})
    r = requests.get(srv.url("/metrics"), timeout=10)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_healthz_writes_and_fails_when_store_is_locked(make_server):
    srv = make_server()
    db = os.path.join(srv.data_dir, "herald.db")

    def probes():
        c = sqlite3.connect(db, timeout=10)
        try:
            return c.execute("SELECT probes FROM health WHERE id = 1").fetchone()[0]
        finally:
            c.close()

    r = requests.get(srv.url("/healthz"), timeout=10)
    assert r.status_code == 200 and r.json() == {"ok": True}
    n = probes()
    assert requests.get(srv.url("/healthz"), timeout=10).status_code == 200
    assert probes() == n + 1, "each probe commits a real write"

    # Another process takes the database's write lock (works as root, unlike chmod): reads
    # still work, the writer's BEGIN IMMEDIATE times out, /healthz must say 503.
    lock = sqlite3.connect(db, timeout=10, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        t0 = time.monotonic()
        r = requests.get(srv.url("/healthz"), timeout=30)
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "storage_unavailable"
        assert time.monotonic() - t0 < 15
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert wait_for(lambda: requests.get(srv.url("/healthz"), timeout=10).status_code == 200)
    _, m = scrape(srv)
    assert reqs(m, "GET", "/healthz", 503) == 1
