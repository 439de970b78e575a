"""Messaging semantics (docs/api.md "Messages"): send shape, gapless ids, random_id
idempotency, replies, forwards, edits, deletes, history paging, channel posting and views."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers import Client, err_code, rid


@pytest.fixture
def trio(user):
    """owner, member, member in a fresh private group; returns (group, owner, m1, m2)."""
    o, m1, m2 = user(), user(), user()
    g = o.create("group", "G")
    o.add(g["id"], m1)
    o.add(g["id"], m2)
    return g, o, m1, m2


def test_send_shape(user):
    a, b = user(), user()
    p = a.private(b)
    t0 = int(time.time())
    r = a.send(p["id"], "héllo 👋", random_id=42, full=True)
    assert r["duplicate"] is False
    m = r["message"]
    assert m["chat_id"] == p["id"] and m["id"] == 1 and m["sender_id"] == a.id
    assert m["random_id"] == 42 and m["text"] == "héllo 👋"
    assert abs(m["date"] - t0) <= 5
    for absent in ("edit_date", "reply_to_id", "fwd_from", "views"):
        assert absent not in m, f"unset optional field {absent} present: {m}"
    assert b.call("GET", f"/v1/chats/{p['id']}/messages/1")["message"] == m
    assert b.chat(p["id"])["last_message_id"] == 1


def test_ids_gapless_under_concurrency(trio):
    g, *members = trio

    def send(i):
        m = members[i % 3]
        return Client(m.server, m.token).send(g["id"], f"m{i}")["id"]

    with ThreadPoolExecutor(6) as ex:
        ids = list(ex.map(send, range(60)))
    assert sorted(ids) == list(range(1, 61))
    hist = members[0].all_history(g["id"])
    assert [m["id"] for m in hist] == list(range(1, 61))
    assert members[1].chat(g["id"])["last_message_id"] == 60


def test_random_id_idempotency(user):
    a, b = user(), user()
    p = a.private(b)
    first = a.send(p["id"], "original", random_id=777, full=True)
    again = a.send(p["id"], "retry text ignored", random_id=777, full=True)
    assert first["duplicate"] is False and again["duplicate"] is True
    assert again["message"]["id"] == first["message"]["id"]
    assert again["message"]["text"] == "original"
    assert [m["text"] for m in b.history(p["id"])] == ["original"]
    # the key is per sender: the peer may use the same random_id
    other = b.send(p["id"], "peer", random_id=777, full=True)
    assert other["duplicate"] is False and other["message"]["id"] == 2
    # the next send continues without a gap
    assert a.send(p["id"], "next")["id"] == 3


def test_random_id_idempotency_concurrent_retries(user):
    a, b = user(), user()
    p = a.private(b)
    with ThreadPoolExecutor(4) as ex:
        rs = list(ex.map(lambda _: Client(a.server, a.token).send(
            p["id"], "same", random_id=4242, full=True), range(8)))
    assert len({r["message"]["id"] for r in rs}) == 1
    assert sum(1 for r in rs if not r["duplicate"]) == 1
    assert len(a.history(p["id"])) == 1


@pytest.mark.parametrize("body,code", [
    ({"text": "x", "random_id": 0}, "random_id_invalid"),
    ({"text": "x"}, "bad_field"),
    ({"random_id": 5}, "bad_field"),
    ({"text": "x", "random_id": "5"}, "bad_field"),
    ({"text": 5, "random_id": 5}, "bad_field"),
    ({"text": "", "random_id": 5}, "message_empty"),
])
def test_send_validation(user, body, code):
    a, b = user(), user()
    p = a.private(b)
    a.fail("POST", f"/v1/chats/{p['id']}/messages", 400, code, body)
    assert a.history(p["id"]) == []


def test_reply(trio):
    g, o, m1, _ = trio
    first = o.send(g["id"], "question")
    r = m1.send(g["id"], "answer", reply_to_id=first["id"])
    assert r["reply_to_id"] == first["id"]
    assert o.call("GET", f"/v1/chats/{g['id']}/messages/{r['id']}")["message"]["reply_to_id"] \
        == first["id"]
    m1.fail("POST", f"/v1/chats/{g['id']}/messages", 404, "message_not_found",
            {"text": "to nothing", "random_id": rid(), "reply_to_id": 999})


def test_forward_keeps_origin(trio, user):
    g, o, m1, _ = trio
    friend = user()
    orig = m1.send(g["id"], "worth sharing")
    p = o.private(friend)
    r = o.call("POST", f"/v1/chats/{p['id']}/forward",
               {"from_chat_id": g["id"], "message_id": orig["id"], "random_id": 99})
    assert r["duplicate"] is False
    f = r["message"]
    assert f["chat_id"] == p["id"] and f["sender_id"] == o.id and f["text"] == "worth sharing"
    assert f["fwd_from"]["chat_id"] == g["id"]
    assert f["fwd_from"]["message_id"] == orig["id"]
    assert f["fwd_from"]["user_id"] == m1.id
    assert f["fwd_from"]["date"] == orig["date"]
    # forwarding a forward keeps the first origin
    g2 = friend.create("group", "Other")
    f2 = friend.call("POST", f"/v1/chats/{g2['id']}/forward",
                     {"from_chat_id": p["id"], "message_id": f["id"], "random_id": 1})["message"]
    assert f2["fwd_from"]["chat_id"] == g["id"]
    assert f2["fwd_from"]["message_id"] == orig["id"]
    assert f2["fwd_from"]["user_id"] == m1.id
    # retry is idempotent
    again = o.call("POST", f"/v1/chats/{p['id']}/forward",
                   {"from_chat_id": g["id"], "message_id": orig["id"], "random_id": 99})
    assert again["duplicate"] is True and again["message"]["id"] == f["id"]
    # cannot forward from a chat one cannot see, nor a missing message
    r = friend.req("POST", f"/v1/chats/{g2['id']}/forward",
                   {"from_chat_id": g["id"], "message_id": orig["id"], "random_id": 2})
    assert r.status_code == 404, r.text
    o.fail("POST", f"/v1/chats/{p['id']}/forward", 404, "message_not_found",
           {"from_chat_id": g["id"], "message_id": 9999, "random_id": 3})


def test_edit(trio):
    g, o, m1, _ = trio
    m = m1.send(g["id"], "typo")
    e = m1.call("PATCH", f"/v1/chats/{g['id']}/messages/{m['id']}", {"text": "fixed"})["message"]
    assert e["id"] == m["id"] and e["text"] == "fixed"
    assert e["edit_date"] >= m["date"]
    got = o.call("GET", f"/v1/chats/{g['id']}/messages/{m['id']}")["message"]
    assert got["text"] == "fixed" and got["edit_date"] == e["edit_date"]
    # only the sender, even the owner may not
    o.fail("PATCH", f"/v1/chats/{g['id']}/messages/{m['id']}", 403, "forbidden",
           {"text": "hijack"})
    m1.fail("PATCH", f"/v1/chats/{g['id']}/messages/{m['id']}", 400, "message_empty",
            {"text": ""})
    m1.fail("PATCH", f"/v1/chats/{g['id']}/messages/999", 404, "message_not_found",
            {"text": "x"})
    assert o.call("GET", f"/v1/chats/{g['id']}/messages/{m['id']}")["message"]["text"] == "fixed"


def test_delete_private_either_side(user):
    a, b = user(), user()
    p = a.private(b)
    m1 = a.send(p["id"], "from a")
    m2 = a.send(p["id"], "also from a")
    # the receiver deletes the sender's message for everyone
    assert b.call("DELETE", f"/v1/chats/{p['id']}/messages/{m1['id']}") == {"ok": True}
    for c in (a, b):
        c.fail("GET", f"/v1/chats/{p['id']}/messages/{m1['id']}", 404, "message_not_found")
        assert [m["id"] for m in c.history(p["id"])] == [m2["id"]]
    # ids keep going without reuse
    assert a.send(p["id"], "third")["id"] == 3
    b.fail("DELETE", f"/v1/chats/{p['id']}/messages/{m1['id']}", 404, "message_not_found")


def test_delete_for_me(user):
    a, b = user(), user()
    p = a.private(b)
    m = b.send(p["id"], "hide me")
    assert a.call("DELETE", f"/v1/chats/{p['id']}/messages/{m['id']}",
                  params={"for": "me"}) == {"ok": True}
    a.fail("GET", f"/v1/chats/{p['id']}/messages/{m['id']}", 404, "message_not_found")
    assert a.history(p["id"]) == []
    assert [x["id"] for x in b.history(p["id"])] == [m["id"]]


def test_delete_group_own_or_admin(trio):
    g, o, m1, m2 = trio
    x = m1.send(g["id"], "m1's")
    y = m1.send(g["id"], "m1's second")
    r = m2.req("DELETE", f"/v1/chats/{g['id']}/messages/{x['id']}")
    assert r.status_code == 403, r.text
    assert m2.call("GET", f"/v1/chats/{g['id']}/messages/{x['id']}")["message"]["text"] == "m1's"
    assert m1.call("DELETE", f"/v1/chats/{g['id']}/messages/{x['id']}") == {"ok": True}
    assert o.call("DELETE", f"/v1/chats/{g['id']}/messages/{y['id']}") == {"ok": True}
    for c in (o, m1, m2):
        assert c.history(g["id"]) == []


def test_history_paging(user):
    a, b = user(), user()
    p = a.private(b)
    for i in range(1, 26):
        a.send(p["id"], f"n{i}")

    def ids(**q):
        return [m["id"] for m in b.history(p["id"], **q)]

    assert ids() == list(range(25, 0, -1))
    assert ids(limit=10) == list(range(25, 15, -1))
    assert ids(before=16, limit=10) == list(range(15, 5, -1))
    assert ids(before=6, limit=10) == [5, 4, 3, 2, 1]
    assert ids(before=1, limit=10) == []
    assert ids(after=0, limit=10) == list(range(1, 11))
    assert ids(after=10, limit=10) == list(range(11, 21))
    assert ids(after=20, limit=10) == list(range(21, 26))
    assert ids(after=25) == []
    # walking both ways visits every message exactly once
    seen, before = [], None
    while True:
        page = ids(before=before, limit=7) if before else ids(limit=7)
        if not page:
            break
        seen += page
        before = page[-1]
    assert seen == list(range(25, 0, -1))
    assert [m["id"] for m in b.all_history(p["id"])] == list(range(1, 26))


def test_history_default_and_max_limit(user):
    a, b = user(), user()
    p = a.private(b)
    with ThreadPoolExecutor(4) as ex:
        list(ex.map(lambda i: Client(a.server, a.token).send(p["id"], f"x{i}"), range(120)))
    assert len(b.history(p["id"])) == 50
    page = b.history(p["id"], limit=100)
    assert [m["id"] for m in page] == list(range(120, 20, -1))


def test_channel_posting_rules_and_views(user):
    owner, adm, s1, s2, outsider = user(), user(), user(), user(), user()
    cname = "v" + owner.username[:20]
    c = owner.create("channel", "Views", username=cname)
    for u in (adm, s1, s2):
        u.join(cname)
    owner.set_role(c["id"], adm.id, "admin")
    s1.fail("POST", f"/v1/chats/{c['id']}/messages", 403, "chat_write_forbidden",
            {"text": "let me post", "random_id": rid()})
    p1 = owner.send(c["id"], "post one")
    p2 = adm.send(c["id"], "post two")
    assert p1["views"] == 0 and p2["views"] == 0, "views is present on channel posts, 0"
    ids = [p1["id"], p2["id"]]
    assert s1.call("POST", f"/v1/chats/{c['id']}/views", {"ids": ids})["views"] == [1, 1]
    # counted once per user
    assert s1.call("POST", f"/v1/chats/{c['id']}/views", {"ids": ids})["views"] == [1, 1]
    assert s2.call("POST", f"/v1/chats/{c['id']}/views", {"ids": [p2["id"]]})["views"] == [2]
    # public channel: a logged-in non-member can read the history
    hist = {m["id"]: m for m in outsider.history(c["id"])}
    assert hist[p1["id"]]["views"] == 1 and hist[p2["id"]]["views"] == 2
    assert owner.call("GET", f"/v1/chats/{c['id']}/messages/{p2['id']}")["message"]["views"] == 2
    for bad in (list(range(1, 102)), [0], [-1], ["1"], [1.5]):
        s1.fail("POST", f"/v1/chats/{c['id']}/views", 400, "bad_field", {"ids": bad})
    assert len(s1.call("POST", f"/v1/chats/{c['id']}/views",
                       {"ids": list(range(1, 101))})["views"]) == 100


def test_message_too_long_boundaries(user):
    a, b = user(), user()
    p = a.private(b)
    for ch in ("a", "é", "€", "😀"):
        m = a.send(p["id"], ch * 4096)
        assert m["text"] == ch * 4096
        a.fail("POST", f"/v1/chats/{p['id']}/messages", 400, "message_too_long",
               {"text": ch * 4097, "random_id": rid()})
    assert len(b.history(p["id"])) == 4


@pytest.mark.parametrize("random_id", [-1, -(2**63), 2**63 - 1, 1])
def test_random_id_any_nonzero_int64(user, random_id):
    a, b = user(), user()
    p = a.private(b)
    first = a.send(p["id"], "edge", random_id=random_id, full=True)
    assert first["message"]["random_id"] == random_id and first["duplicate"] is False
    again = a.send(p["id"], "edge", random_id=random_id, full=True)
    assert again["duplicate"] is True and again["message"]["id"] == first["message"]["id"]


@pytest.mark.parametrize("random_id", [2**63, -(2**63) - 1])
def test_random_id_out_of_range(user, random_id):
    a, b = user(), user()
    p = a.private(b)
    r = a.req("POST", f"/v1/chats/{p['id']}/messages", {"text": "x", "random_id": random_id})
    assert r.status_code == 400 and err_code(r) in ("bad_field", "random_id_invalid"), r.text
    assert a.history(p["id"]) == []


def test_text_round_trips_exactly(user):
    a, b = user(), user()
    p = a.private(b)
    for text in ("line1\nline2\ttab", " spaces  ", "\"quotes\" \\ back", "𝄞 \u200d \ufeff",
                 "<script>alert(1)</script>"):
        m = a.send(p["id"], text)
        assert m["text"] == text
        assert b.call("GET", f"/v1/chats/{p['id']}/messages/{m['id']}")["message"]["text"] == text


def test_text_with_nul_is_kept_or_refused(user):
    """U+0000 is valid UTF-8: the server must store it intact or refuse it, never truncate."""
    a, b = user(), user()
    p = a.private(b)
    r = a.req("POST", f"/v1/chats/{p['id']}/messages", {"text": "a\u0000b", "random_id": rid()})
    if r.status_code == 200:
        mid = r.json()["message"]["id"]
        assert r.json()["message"]["text"] == "a\u0000b"
        got = b.call("GET", f"/v1/chats/{p['id']}/messages/{mid}")["message"]["text"]
        assert got == "a\u0000b", f"stored text truncated: {got!r}"
    else:
        assert r.status_code == 400, r.text


def test_reply_and_edit_after_delete(user):
    a, b = user(), user()
    p = a.private(b)
    m = a.send(p["id"], "doomed")
    a.call("DELETE", f"/v1/chats/{p['id']}/messages/{m['id']}")
    a.fail("PATCH", f"/v1/chats/{p['id']}/messages/{m['id']}", 404, "message_not_found",
           {"text": "resurrect"})
    b.fail("POST", f"/v1/chats/{p['id']}/messages", 404, "message_not_found",
           {"text": "re", "random_id": rid(), "reply_to_id": m["id"]})
    r = b.req("POST", f"/v1/chats/{p['id']}/forward",
              {"from_chat_id": p["id"], "message_id": m["id"], "random_id": rid()})
    assert r.status_code == 404 and err_code(r) == "message_not_found", r.text


def test_delete_for_bad_value(user):
    a, b = user(), user()
    p = a.private(b)
    m = a.send(p["id"], "x")
    a.fail("DELETE", f"/v1/chats/{p['id']}/messages/{m['id']}", 400, "bad_request",
           params={"for": "nobody"})
    assert len(b.history(p["id"])) == 1


def test_forward_from_public_channel_by_non_member(user):
    o, x, y = user(), user(), user()
    c = o.create("channel", "Pub", username="f" + o.username[:25])
    post = o.send(c["id"], "share me")
    p = x.private(y)
    f = x.call("POST", f"/v1/chats/{p['id']}/forward",
               {"from_chat_id": c["id"], "message_id": post["id"], "random_id": rid()})["message"]
    assert f["text"] == "share me" and f["fwd_from"]["chat_id"] == c["id"]
    assert f["fwd_from"]["user_id"] == o.id and "views" not in f


def test_largest_int64_chat_id_is_just_not_found(user):
    a = user()
    a.fail("GET", f"/v1/chats/{2**63 - 1}", 404, "chat_not_found")
    a.fail("GET", f"/v1/chats/{2**63 - 1}/messages", 404, "chat_not_found")
    a.fail("GET", f"/v1/chats/{2**63}", 400, "bad_request")


def test_subscriber_cannot_edit_or_delete_channel_posts(user):
    o, s = user(), user()
    cname = "e" + o.username[:25]
    c = o.create("channel", "E", username=cname)
    s.join(cname)
    post = o.send(c["id"], "official")
    s.fail("PATCH", f"/v1/chats/{c['id']}/messages/{post['id']}", 403, "forbidden",
           {"text": "unofficial"})
    r = s.req("DELETE", f"/v1/chats/{c['id']}/messages/{post['id']}")
    assert r.status_code == 403, r.text
    # but may hide it for themselves
    assert s.call("DELETE", f"/v1/chats/{c['id']}/messages/{post['id']}",
                  params={"for": "me"}) == {"ok": True}
    assert s.history(c["id"]) == []
    assert [m["text"] for m in o.history(c["id"])] == ["official"]
