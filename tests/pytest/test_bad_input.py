"""Bad input (docs/api.md "Limits", "Error codes"): the server answers every malformed
request with the documented status and code, and keeps serving afterwards."""
import json
import uuid

import pytest

from helpers import Client, RawReader, err_code, raw_connect, raw_request, rid, uname


def _reg(**over):
    body = {"username": uname(), "password": "password1", "display_name": "N",
            "country": "DE"}
    body.update(over)
    return body


@pytest.mark.parametrize("raw", [b"{", b"not json", b'{"username": "abc"', b"{'a': 1}",
                                 b'{"a":1}{"b":2}', b""], ids=["open_brace", "text",
                                                              "truncated", "single_quotes",
                                                              "two_objects", "empty"])
def test_malformed_json(server, raw):
    Client(server).fail("POST", "/v1/auth/register", 400, "bad_json", data=raw)


def test_duplicate_keys_bad_json(server):
    raw = b'{"username":"dupkeyx","username":"dupkeyy","password":"password1",' \
          b'"display_name":"N","country":"DE"}'
    Client(server).fail("POST", "/v1/auth/register", 400, "bad_json", data=raw)


@pytest.mark.parametrize("raw", [b"[1,2]", b'"string"', b"42", b"null", b"true"])
def test_non_object_json(server, raw):
    Client(server).fail("POST", "/v1/auth/register", 400, "bad_json", data=raw)


@pytest.mark.parametrize("field,value", [("username", 12345), ("password", ["x"]),
                                         ("display_name", None), ("country", {"c": "DE"}),
                                         ("username", True)])
def test_wrong_types(server, field, value):
    r = Client(server).fail("POST", "/v1/auth/register", 400, "bad_field", _reg(**{field: value}))
    assert field in r.json()["error"]["message"], "the message names the field"


@pytest.mark.parametrize("field", ["username", "password", "display_name", "country"])
def test_missing_fields(server, field):
    body = _reg()
    del body[field]
    r = Client(server).fail("POST", "/v1/auth/register", 400, "bad_field", body)
    assert field in r.json()["error"]["message"], "the message names the field"


def test_missing_fields_elsewhere(user):
    a, b = user(), user()
    a.fail("POST", "/v1/auth/login", 400, "bad_field", {"username": a.username}, token=None)
    a.fail("POST", "/v1/chats/private", 400, "bad_field", {})
    a.fail("POST", "/v1/chats/join", 400, "bad_field", {})
    p = a.private(b)
    a.fail("POST", f"/v1/chats/{p['id']}/read", 400, "bad_field", {})
    a.fail("POST", f"/v1/chats/{p['id']}/forward", 400, "bad_field", {"random_id": rid()})


@pytest.mark.parametrize("raw", [
    b'{"username":"abc\xffde","password":"password1","display_name":"N","country":"DE"}',
    b'{"username":"abcde","password":"password1","display_name":"N\xc3","country":"DE"}',
    b'{"username":"abcde","password":"password1","display_name":"\xed\xa0\x80x",'
    b'"country":"DE"}',
], ids=["ff_byte", "truncated_sequence", "encoded_surrogate"])
def test_invalid_utf8_body(server, raw):
    # docs/api.md: invalid UTF-8 anywhere in the body is bad_utf8
    r = Client(server).req("POST", "/v1/auth/register", data=raw)
    assert r.status_code == 400 and err_code(r) == "bad_utf8", r.text


def test_invalid_utf8_message_text(user):
    a, b = user(), user()
    p = a.private(b)
    raw = b'{"text":"bad \xc0\xaf slash","random_id":7}'
    r = a.req("POST", f"/v1/chats/{p['id']}/messages", data=raw)
    assert r.status_code == 400 and err_code(r) == "bad_utf8", r.text
    # an escaped lone surrogate is ASCII on the wire; either code is defensible
    raw = b'{"text":"lone \\udc80 surrogate","random_id":8}'
    r = a.req("POST", f"/v1/chats/{p['id']}/messages", data=raw)
    assert r.status_code == 400 and err_code(r) in ("bad_utf8", "bad_json"), r.text
    assert a.history(p["id"]) == []


def test_oversized_body_413(server):
    s = raw_connect(server)
    body = b'{"username":"' + b"a" * (1024 * 1024 + 10) + b'"}'
    head = (b"POST /v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    s.sendall(head)
    try:
        s.sendall(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may answer and close before reading it all
    r = RawReader(s).read()
    s.close()
    assert r.status == 413 and r.code() == "too_large", r


def test_body_just_under_limit_is_not_413(server):
    # 1 MiB exactly is allowed: the request gets past the size check (and fails validation)
    filler = "a" * (1024 * 1024 - 200)
    body = json.dumps(_reg(display_name=filler)).encode()
    assert len(body) <= 1024 * 1024
    r = Client(server).req("POST", "/v1/auth/register", data=body)
    assert r.status_code == 400 and err_code(r) == "name_invalid", r.text


def test_oversized_headers_431(server):
    s = raw_connect(server)
    s.sendall(raw_request("GET", "/healthz", headers={"X-Big": "h" * (20 * 1024)}))
    r = RawReader(s).read()
    s.close()
    assert r.status == 431 and r.code() == "headers_too_large", r


def test_many_headers_431(server):
    s = raw_connect(server)
    hdrs = {f"X-H{i}": "v" * 100 for i in range(200)}
    s.sendall(raw_request("GET", "/healthz", headers=hdrs))
    r = RawReader(s).read()
    s.close()
    assert r.status == 431 and r.code() == "headers_too_large", r


def test_long_request_line_431(server):
    s = raw_connect(server)
    s.sendall(raw_request("GET", "/v1/users/" + "a" * (17 * 1024)))
    r = RawReader(s).read()
    s.close()
    assert r.status == 431, r


def test_message_length_counted_in_code_points(user):
    a, b = user(), user()
    p = a.private(b)
    mixed = ("aé€😀" * 1024)  # 4096 code points, 10240 bytes
    assert len(mixed) == 4096
    assert a.send(p["id"], mixed)["text"] == mixed
    a.fail("POST", f"/v1/chats/{p['id']}/messages", 400, "message_too_long",
           {"text": mixed + "a", "random_id": rid()})
    a.fail("POST", f"/v1/chats/{p['id']}/messages", 400, "message_too_long",
           {"text": "x" * 5000, "random_id": rid()})
    a.fail("POST", f"/v1/chats/{p['id']}/messages", 400, "message_empty",
           {"text": "", "random_id": rid()})
    assert len(b.history(p["id"])) == 1


@pytest.mark.parametrize("name", ["abcd", "a" * 33, "ab-cd", "ab cd", "1abcd", "_abcd",
                                  "abcd!", "ab.cd", "ábcde", ""])
def test_bad_usernames(server, name):
    Client(server).fail("POST", "/v1/auth/register", 400, "username_invalid",
                        _reg(username=name))


@pytest.mark.parametrize("length", [5, 32])
def test_username_length_bounds_ok(server, length):
    name = ("k" + uuid.uuid4().hex + "x" * 40)[:length]
    Client(server).call("POST", "/v1/auth/register", _reg(username=name), expect=201)


def test_duplicate_username_differing_in_case(server):
    name = uname("case")
    Client(server).call("POST", "/v1/auth/register", _reg(username=name), expect=201)
    Client(server).fail("POST", "/v1/auth/register", 409, "username_taken",
                        _reg(username=name.upper()))


@pytest.mark.parametrize("country", ["", "D", "DEU", "12", "D1", "Deutschland"])
def test_bad_country(server, country):
    Client(server).fail("POST", "/v1/auth/register", 400, "country_invalid",
                        _reg(country=country))


@pytest.mark.parametrize("method,path", [
    ("GET", "/v1/chats/abc"), ("GET", "/v1/chats/12x"), ("GET", "/v1/chats/-"),
    ("GET", "/v1/chats/abc/messages"), ("GET", "/v1/chats/1/messages/xyz"),
    ("DELETE", "/v1/sessions/abc"), ("DELETE", "/v1/chats/1/members/abc"),
    ("POST", "/v1/chats/abc/leave"), ("GET", "/v1/chats/abc/difference?pts=0"),
    ("GET", "/v1/chats/99999999999999999999999"), ("GET", "/v1/chats/+5"),
    ("GET", "/v1/chats/-1"), ("GET", "/v1/chats/007"), ("GET", "/v1/chats/1%20"),
    ("GET", "/v1/chats/9223372036854775808"),
])
def test_non_numeric_path_ids(user, method, path):
    r = user().req(method, path, body={} if method == "POST" else None)
    assert r.status_code == 400 and err_code(r) == "bad_request", r.text


@pytest.mark.parametrize("path,params", [
    ("/v1/updates/difference", {"pts": "abc"}),
    ("/v1/updates/difference", {"pts": "1", "limit": "many"}),
    ("/v1/chats", {"limit": "x"}),
    ("/v1/chats", {"offset": "-"}),
    ("/v1/chats", {"limit": "+5"}),
    ("/v1/chats", {"limit": "05"}),
    ("/v1/updates/difference", {"pts": "-1"}),
])
def test_bad_query_values(user, path, params):
    r = user().req("GET", path, params=params)
    assert r.status_code == 400 and err_code(r) == "bad_request", r.text


def test_bad_query_values_history(user):
    a, b = user(), user()
    p = a.private(b)
    for q in ({"before": "x"}, {"after": "1.5"}, {"limit": "ten"}, {"before": 5, "after": 1},
              {"after": "-1"}):
        r = a.req("GET", f"/v1/chats/{p['id']}/messages", params=q)
        assert r.status_code == 400 and err_code(r) == "bad_request", (q, r.text)


@pytest.mark.parametrize("method,path", [
    ("GET", "/v1/nope"), ("GET", "/v2/me"), ("GET", "/v1/chats/1/nope"),
    ("POST", "/v1/auth/nothing"), ("GET", "/v1/me/extra"), ("GET", "/healthz/x"),
])
def test_unknown_paths(user, method, path):
    r = user().req(method, path, body={} if method == "POST" else None)
    assert r.status_code == 404 and err_code(r) == "not_found", r.text


@pytest.mark.parametrize("method,path", [
    ("DELETE", "/v1/me"), ("PUT", "/v1/chats"), ("GET", "/v1/auth/register"),
    ("POST", "/healthz"), ("GET", "/v1/auth/login"), ("PUT", "/v1/chats/1/messages"),
    ("POST", "/v1/sessions"), ("GET", "/v1/chats/1/leave"),
])
def test_wrong_method(user, method, path):
    r = user().req(method, path, body={} if method in ("POST", "PUT") else None)
    assert r.status_code == 405 and err_code(r) == "method_not_allowed", r.text
    assert r.headers.get("Allow"), "405 without an Allow header"
    assert method not in [m.strip() for m in r.headers["Allow"].split(",")]


def test_error_shape(server):
    r = Client(server).req("GET", "/v1/me")
    assert r.headers["Content-Type"].startswith("application/json")
    e = r.json()
    assert set(e) == {"error"} and isinstance(e["error"]["message"], str)
    assert e["error"]["code"] == "unauthorized"
    assert r.headers.get("WWW-Authenticate", "").startswith("Bearer"), dict(r.headers)


@pytest.mark.parametrize("field,value", [("random_id", 1.0), ("random_id", "1"),
                                         ("random_id", True), ("random_id", 1.5),
                                         ("reply_to_id", "1"), ("reply_to_id", 1.0)])
def test_integers_must_be_json_integers(user, field, value):
    a, b = user(), user()
    p = a.private(b)
    body = {"text": "x", "random_id": rid()}
    body[field] = value
    a.fail("POST", f"/v1/chats/{p['id']}/messages", 400, "bad_field", body)
    assert a.history(p["id"]) == []


def test_null_is_absent_optional_field(user):
    a, b = user(), user()
    p = a.private(b)
    m = a.call("POST", f"/v1/chats/{p['id']}/messages",
               {"text": "x", "random_id": rid(), "reply_to_id": None})["message"]
    assert "reply_to_id" not in m
    before = a.me()
    assert a.call("PATCH", "/v1/me", {"bio": None})["user"] == before


def test_garbage_request_line(server):
    s = raw_connect(server)
    s.sendall(b"HELLO THERE\r\n\r\n")
    try:
        r = RawReader(s).read()
        assert r.status == 400, r
    except (EOFError, ConnectionError):
        pass  # closing the connection is also acceptable for non-HTTP garbage
    s.close()


def test_still_healthy_after_bad_input(server):
    r = Client(server).req("GET", "/healthz")
    assert r.status_code == 200 and r.json() == {"ok": True}
    # and still does real work
    c = server.new_user()
    assert c.me()["id"] == c.id
