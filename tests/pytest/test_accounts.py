"""Accounts and sessions (docs/api.md "Accounts and sessions", "Operations")."""
import re
import time

import pytest

from helpers import Client, err_code, uname


def test_healthz(server):
    c = Client(server)
    r = c.req("GET", "/healthz")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"ok": True}


def test_register_success_shape(server):
    c = Client(server)
    name = "Reg" + uname("x")[:20]
    t0 = int(time.time())
    r = c.req("POST", "/v1/auth/register", {"username": name, "password": "password1",
                                            "display_name": "Réka ✓", "country": "FR"})
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    u = r.json()["user"]
    assert isinstance(u["id"], int) and u["id"] > 0
    assert u["username"] == name  # capitalisation kept
    assert u["display_name"] == "Réka ✓"
    assert u["bio"] == ""
    assert abs(u["created_at"] - t0) <= 5


def test_register_ids_distinct(server):
    ids = {Client(server).register(uname())["user"]["id"] for _ in range(3)}
    assert len(ids) == 3


def test_register_username_taken_case_insensitive(server):
    name = uname("dup")
    Client(server).register(name)
    for variant in (name, name.upper(), name[0].upper() + name[1:]):
        Client(server).fail("POST", "/v1/auth/register", 409, "username_taken",
                            {"username": variant, "password": "password1",
                             "display_name": "Dup", "country": "DE"})


@pytest.mark.parametrize("pw,ok", [("a" * 7, False), ("a" * 8, True), ("b" * 256, True),
                                   ("c" * 257, False), ("", False)])
def test_register_password_bounds(server, pw, ok):
    body = {"username": uname(), "password": pw, "display_name": "P", "country": "DE"}
    c = Client(server)
    if ok:
        c.call("POST", "/v1/auth/register", body, expect=201)
        c.call("POST", "/v1/auth/login", {"username": body["username"], "password": pw})
    else:
        c.fail("POST", "/v1/auth/register", 400, "password_invalid", body)


@pytest.mark.parametrize("name,ok", [("", False), ("x" * 64, True), ("é" * 64, True),
                                     ("x" * 65, False), ("ab\ncd", False), ("a\x07b", False),
                                     ("日本語の名前", True)])
def test_register_display_name_bounds(server, name, ok):
    body = {"username": uname(), "password": "password1", "display_name": name,
            "country": "DE"}
    c = Client(server)
    if ok:
        u = c.call("POST", "/v1/auth/register", body, expect=201)["user"]
        assert u["display_name"] == name
    else:
        c.fail("POST", "/v1/auth/register", 400, "name_invalid", body)


def test_login_success_shape(server):
    c = Client(server)
    name = uname()
    uid = c.register(name)["user"]["id"]
    t0 = int(time.time())
    r = c.call("POST", "/v1/auth/login",
               {"username": name, "password": Client.PASSWORD, "device": "laptop"}, token=None)
    assert re.fullmatch(r"[0-9a-f]{64}", r["token"]), r["token"]
    s = r["session"]
    assert isinstance(s["id"], int)
    assert s["device"] == "laptop"
    assert s["ip"] == "127.0.0.1"
    assert abs(s["created_at"] - t0) <= 5 and abs(s["last_seen_at"] - t0) <= 5
    assert s["current"] is True
    assert r["user"]["id"] == uid and r["user"]["username"] == name


def test_login_tokens_differ_per_session(server):
    c = Client(server)
    name = uname()
    c.register(name)
    t1 = c.login(name, Client.PASSWORD)["token"]
    t2 = c.login(name, Client.PASSWORD)["token"]
    assert t1 != t2
    for t in (t1, t2):
        c.call("GET", "/v1/me", token=t)


def test_login_failures_do_not_reveal_existence(server):
    c = Client(server)
    name = uname()
    c.register(name)
    wrong = c.fail("POST", "/v1/auth/login", 401, "bad_credentials",
                   {"username": name, "password": "wrong-password"}, token=None)
    missing = c.fail("POST", "/v1/auth/login", 401, "bad_credentials",
                     {"username": uname("nobody"), "password": "wrong-password"}, token=None)
    assert wrong.json() == missing.json()


def test_logout_revokes_only_this_token(user):
    c = user()
    other = Client(c.server)
    other.token = c.login(device="second")["token"]
    assert c.call("POST", "/v1/auth/logout") == {"ok": True}
    c.fail("GET", "/v1/me", 401, "unauthorized")
    c.fail("POST", "/v1/auth/logout", 401, "unauthorized")
    assert other.me()["id"] == c.id


def test_sessions_list_newest_first_and_revoke(user):
    c = user()
    second = Client(c.server)
    second.token = c.login(device="phone")["token"]
    third = Client(c.server)
    third.token = c.login(device="tablet")["token"]
    sessions = third.call("GET", "/v1/sessions")["sessions"]
    assert [s["device"] for s in sessions] == ["tablet", "phone", "pytest"]
    assert [s["current"] for s in sessions] == [True, False, False]
    ids = [s["id"] for s in sessions]
    assert len(set(ids)) == 3
    # revoke "phone" from "tablet"
    assert third.call("DELETE", f"/v1/sessions/{ids[1]}") == {"ok": True}
    second.fail("GET", "/v1/me", 401, "unauthorized")
    left = c.call("GET", "/v1/sessions")["sessions"]
    assert [s["id"] for s in left] == [ids[0], ids[2]]
    assert [s["current"] for s in left] == [False, True]
    # revoking it again, or a session id that never existed
    third.fail("DELETE", f"/v1/sessions/{ids[1]}", 404, "session_not_found")
    third.fail("DELETE", "/v1/sessions/999999999", 404, "session_not_found")


def test_me_includes_country_public_profile_does_not(user):
    a, b = user(country="PL"), user()
    me = a.me()
    assert me["id"] == a.id and me["country"] == "PL"
    assert me["username"] == a.username
    pub = b.call("GET", f"/v1/users/{a.username}")["user"]
    assert pub["id"] == a.id and pub["username"] == a.username
    assert "country" not in pub


def test_patch_me(user):
    c = user()
    u = c.call("PATCH", "/v1/me", {"display_name": "New Name", "bio": "b" * 256,
                                   "country": "US"})["user"]
    assert u["display_name"] == "New Name" and u["bio"] == "b" * 256 and u["country"] == "US"
    # partial update keeps the rest
    u = c.call("PATCH", "/v1/me", {"bio": "short"})["user"]
    assert u["display_name"] == "New Name" and u["bio"] == "short" and u["country"] == "US"
    assert c.me() == u


@pytest.mark.parametrize("body,code", [
    ({"display_name": ""}, "name_invalid"),
    ({"display_name": "n" * 65}, "name_invalid"),
    ({"display_name": "tab\there"}, "name_invalid"),
    ({"bio": "b" * 257}, "name_invalid"),
    ({"country": "DEU"}, "country_invalid"),
    ({"country": "1"}, "country_invalid"),
    ({"display_name": 5}, "bad_field"),
])
def test_patch_me_invalid(user, body, code):
    c = user()
    before = c.me()
    c.fail("PATCH", "/v1/me", 400, code, body)
    assert c.me() == before


def test_patch_me_empty_changes_nothing(user):
    c = user()
    before = c.me()
    assert c.call("PATCH", "/v1/me", {})["user"] == before


def test_login_device_length(user):
    c = user()
    c.login(device="d" * 64)
    c.fail("POST", "/v1/auth/login", 400, "bad_field",
           {"username": c.username, "password": c.password, "device": "d" * 65}, token=None)


def test_users_lookup(user):
    a, b = user(), user()
    b.fail("GET", f"/v1/users/{uname('ghost')}", 404, "user_not_found")
    assert b.call("GET", f"/v1/users/{a.username}")["user"]["id"] == a.id


def test_resolve_user_and_public_chat(user):
    a, b = user(), user()
    r = b.call("GET", f"/v1/resolve/{a.username}")
    assert r["user"]["id"] == a.id and "chat" not in r
    chname = uname("chan")
    ch = a.create("channel", "News", username=chname)
    r = b.call("GET", f"/v1/resolve/{chname}")
    assert r["chat"]["id"] == ch["id"] and r["chat"]["type"] == "channel"
    assert r["chat"]["role"] == "none"
    assert "user" not in r
    b.fail("GET", f"/v1/resolve/{uname('ghost')}", 404, "user_not_found")
    # a private group has no name to resolve; a user's name never resolves to a chat
    assert "chat" not in b.call("GET", f"/v1/resolve/{a.username}")


@pytest.mark.parametrize("method,path", [
    ("POST", "/v1/auth/logout"), ("GET", "/v1/sessions"), ("DELETE", "/v1/sessions/1"),
    ("GET", "/v1/me"), ("PATCH", "/v1/me"), ("GET", "/v1/users/someone"),
    ("GET", "/v1/resolve/someone"),
])
@pytest.mark.parametrize("token", [None, "0" * 64, "not-a-token"])
def test_account_endpoints_need_auth(server, method, path, token):
    c = Client(server)
    r = c.req(method, path, body={} if method in ("PATCH",) else None, token=token)
    assert r.status_code == 401 and err_code(r) == "unauthorized", r.text
