"""Rate limits (docs/api.md "Limits"): each test runs its own server with low limits and
expects 429 rate_limited with a Retry-After header, and no effect from the refused request."""
import json
import socket
import time

from helpers import Client, RawReader, err_code, raw_request, rid, uname


def _retry_after(r):
    assert "Retry-After" in r.headers, f"429 without Retry-After: {dict(r.headers)}"
    v = r.headers["Retry-After"]
    assert v.isdigit() and 1 <= int(v) <= 120, f"Retry-After {v!r}"
    return int(v)


def _reg_body(name):
    return {"username": name, "password": "password1", "display_name": "R", "country": "DE"}


def test_register_limit_per_ip(make_server):
    srv = make_server({"--rate-register": "3"})
    c = Client(srv)
    for _ in range(3):
        c.call("POST", "/v1/auth/register", _reg_body(uname()), expect=201)
    refused = uname()
    r = c.req("POST", "/v1/auth/register", _reg_body(refused))
    assert r.status_code == 429 and err_code(r) == "rate_limited", r.text
    _retry_after(r)
    # the refused registration had no effect
    r = c.req("POST", "/v1/auth/login", {"username": refused, "password": "password1"})
    assert r.status_code == 401, r.text
    # other endpoints are not affected
    assert c.req("GET", "/healthz").status_code == 200


def test_login_limit(make_server):
    srv = make_server({"--rate-login": "3"})
    c = Client(srv)
    name = uname()
    c.register(name)
    for _ in range(3):
        c.call("POST", "/v1/auth/login", {"username": name, "password": Client.PASSWORD})
    r = c.req("POST", "/v1/auth/login", {"username": name, "password": Client.PASSWORD})
    assert r.status_code == 429 and err_code(r) == "rate_limited", r.text
    _retry_after(r)
    # wrong passwords count too (they are what the limit is for)
    r = c.req("POST", "/v1/auth/login", {"username": name, "password": "wrong-password"})
    assert r.status_code == 429, r.text


def test_send_limit_per_account_and_recovery(make_server):
    srv = make_server({"--rate-send": "2"})  # 2/s, burst 4
    a, b = srv.new_user(), srv.new_user()
    p = a.private(b)["id"]
    statuses, refused = [], None
    for i in range(12):
        r = a.req("POST", f"/v1/chats/{p}/messages", {"text": f"s{i}", "random_id": rid()})
        statuses.append(r.status_code)
        if r.status_code == 429:
            refused = refused or r
    assert statuses.count(200) >= 2 and 429 in statuses, statuses
    assert err_code(refused) == "rate_limited"
    wait = _retry_after(refused)
    # only acknowledged sends exist, ids without gaps
    hist = b.all_history(p)
    assert [m["id"] for m in hist] == list(range(1, statuses.count(200) + 1))
    # the limit is per account: b may still send at once
    assert b.req("POST", f"/v1/chats/{p}/messages",
                 {"text": "b", "random_id": rid()}).status_code == 200
    # after Retry-After seconds a sends again
    time.sleep(wait)
    r = a.req("POST", f"/v1/chats/{p}/messages", {"text": "later", "random_id": rid()})
    assert r.status_code == 200, r.text


def test_edits_count_as_sends(make_server):
    srv = make_server({"--rate-send": "1"})  # 1/s, burst 2
    a, b = srv.new_user(), srv.new_user()
    p = a.private(b)["id"]
    m = a.send(p, "v0")
    codes = [a.req("PATCH", f"/v1/chats/{p}/messages/{m['id']}", {"text": f"v{i}"}).status_code
             for i in range(1, 8)]
    assert 429 in codes, codes


def _login_from(srv, src_ip, username, password):
    """POST /v1/auth/login from a given loopback source address (per-IP counters differ)."""
    s = socket.socket()
    s.bind((src_ip, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", srv.port))
    s.sendall(raw_request("POST", "/v1/auth/login",
                          json.dumps({"username": username, "password": password})))
    r = RawReader(s).read()
    s.close()
    return r


def test_login_limit_per_account_across_ips(make_server):
    """Per-account limit, keyed by the username as given, case-insensitive, existing or
    not: each attempt comes from another 127.0.0.x so the per-IP limit never trips."""
    srv = make_server({"--rate-login": "2"})
    name = uname("Lim")
    Client(srv).register(name)
    assert _login_from(srv, "127.0.0.2", name.lower(), Client.PASSWORD).status in (200, 401)
    assert _login_from(srv, "127.0.0.3", name.upper(), "wrong-pass").status == 401
    r = _login_from(srv, "127.0.0.4", name, Client.PASSWORD)
    assert r.status == 429 and r.code() == "rate_limited", r
    assert r.headers.get("retry-after", "").isdigit(), r.headers
    ghost = uname("ghost")
    assert _login_from(srv, "127.0.0.5", ghost, "password1").status == 401
    assert _login_from(srv, "127.0.0.6", ghost, "password1").status == 401
    r = _login_from(srv, "127.0.0.7", ghost.upper(), "password1")
    assert r.status == 429, r
    # another account from a fresh address is unaffected
    assert _login_from(srv, "127.0.0.8", uname("fresh"), "password1").status == 401


def test_register_limit_is_per_ip(make_server):
    srv = make_server({"--rate-register": "1"})
    Client(srv).call("POST", "/v1/auth/register", _reg_body(uname()), expect=201)
    r = Client(srv).req("POST", "/v1/auth/register", _reg_body(uname()))
    assert r.status_code == 429, r.text
    s = socket.socket()
    s.bind(("127.0.0.9", 0))
    s.connect(("127.0.0.1", srv.port))
    s.sendall(raw_request("POST", "/v1/auth/register", json.dumps(_reg_body(uname()))))
    r = RawReader(s).read()
    s.close()
    assert r.status == 201, r
