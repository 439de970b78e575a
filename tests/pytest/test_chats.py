"""Chats and membership (docs/api.md "Chats"): private chats, groups, channels, joining,
leaving, member management, dialogs and read markers."""
import time

import pytest

from helpers import Client, uname


def test_private_chat_get_or_create(user):
    a, b = user(), user()
    b.call("PATCH", "/v1/me", {"display_name": "Bee"})
    r = a.call("POST", "/v1/chats/private", {"username": b.username})
    assert r["created"] is True
    ch = r["chat"]
    assert ch["type"] == "private"
    assert ch["peer_user_id"] == b.id
    assert ch["title"] == "Bee"
    assert ch["member_count"] == 2
    assert ch["pts"] == 0
    assert ch["last_message_id"] == 0
    assert ch["username"] is None
    again = a.call("POST", "/v1/chats/private", {"username": b.username})
    assert again["created"] is False and again["chat"]["id"] == ch["id"]
    # the other side, by user_id, gets the same chat seen from its side
    r = b.call("POST", "/v1/chats/private", {"user_id": a.id})
    assert r["created"] is False and r["chat"]["id"] == ch["id"]
    assert r["chat"]["peer_user_id"] == a.id
    assert r["chat"]["title"] == a.me()["display_name"]
    assert b.chat(ch["id"])["peer_user_id"] == a.id


def test_private_chat_unknown_user(user):
    a = user()
    a.fail("POST", "/v1/chats/private", 404, "user_not_found", {"username": uname("ghost")})
    a.fail("POST", "/v1/chats/private", 404, "user_not_found", {"user_id": 987654321})


def test_create_group_shape(user):
    a = user()
    t0 = int(time.time())
    r = a.req("POST", "/v1/chats", {"type": "group", "title": "Friends", "about": "we"})
    assert r.status_code == 201, r.text
    ch = r.json()["chat"]
    assert ch["type"] == "group" and ch["title"] == "Friends" and ch["about"] == "we"
    assert ch["username"] is None
    assert ch["owner_id"] == a.id
    assert ch["member_count"] == 1
    assert ch["role"] == "owner"
    assert ch["last_message_id"] == 0
    assert ch["read_max_id"] == 0
    assert isinstance(ch["pts"], int)
    assert abs(ch["created_at"] - t0) <= 5
    assert "peer_user_id" not in ch
    assert a.chat(ch["id"]) == ch


def test_create_public_channel_and_username_rules(user):
    a, b = user(), user()
    name = uname("News")
    ch = a.create("channel", "News", username=name)
    assert ch["type"] == "channel" and ch["username"] == name and ch["role"] == "owner"
    for variant in (name, name.lower(), name.upper()):
        b.fail("POST", "/v1/chats", 409, "username_taken",
               {"type": "group", "title": "Copy", "username": variant})
    for bad in ("ab", "1abcde", "bad-name", "x" * 33):
        b.fail("POST", "/v1/chats", 400, "username_invalid",
               {"type": "channel", "title": "T", "username": bad})


@pytest.mark.parametrize("body,code", [
    ({"type": "group", "title": ""}, "name_invalid"),
    ({"type": "group", "title": "t" * 65}, "name_invalid"),
    ({"type": "group", "title": "a\x01b"}, "name_invalid"),
    ({"type": "channel", "title": "ok", "about": "a" * 257}, "name_invalid"),
    ({"type": "group"}, "bad_field"),
    ({"title": "no type"}, "bad_field"),
    ({"type": 3, "title": "x"}, "bad_field"),
])
def test_create_chat_invalid(user, body, code):
    user().fail("POST", "/v1/chats", 400, code, body)


@pytest.mark.parametrize("kind", ["supergroup", "private", ""])
def test_create_chat_bad_type_value(user, kind):
    user().fail("POST", "/v1/chats", 400, "bad_field", {"type": kind, "title": "x"})


def test_private_needs_exactly_one_of_username_user_id(user):
    a, b = user(), user()
    a.fail("POST", "/v1/chats/private", 400, "bad_field",
           {"username": b.username, "user_id": b.id})
    a.fail("POST", "/v1/chats/private", 400, "bad_field", {})


def test_title_64_multibyte_ok(user):
    ch = user().create("group", "ü" * 64)
    assert ch["title"] == "ü" * 64


def test_public_channel_visible_to_non_members(user):
    a, b = user(), user()
    ch = a.create("channel", "Open", username=uname("open"))
    a.send(ch["id"], "post 1")
    seen = b.chat(ch["id"])
    assert seen["role"] == "none" and seen["id"] == ch["id"]
    hist = b.history(ch["id"])
    assert [m["text"] for m in hist] == ["post 1"]


def test_join_public_group_and_channel_by_username(user):
    owner, x, y = user(), user(), user()
    gname, cname = uname("pubg"), uname("pubc")
    g = owner.create("group", "Public group", username=gname)
    c = owner.create("channel", "Public channel", username=cname)
    j = x.join(gname)
    assert j["id"] == g["id"] and j["role"] == "member" and j["member_count"] == 2
    j = x.join(cname.upper())  # usernames are case-insensitive
    assert j["id"] == c["id"] and j["role"] == "member" and j["member_count"] == 2
    y.join(cname)
    assert owner.chat(c["id"])["member_count"] == 3  # subscriber count
    x.fail("POST", "/v1/chats/join", 409, "already_member", {"username": gname})
    # a joined member posts in the group
    x.send(g["id"], "hi all")
    # leaving drops the subscriber count
    assert y.call("POST", f"/v1/chats/{c['id']}/leave") == {"ok": True}
    assert owner.chat(c["id"])["member_count"] == 2
    assert y.chat(c["id"])["role"] == "none"


def test_private_group_not_joinable(user):
    owner, x = user(), user()
    g = owner.create("group", "Secret")
    x.fail("POST", "/v1/chats/join", 404, "chat_not_found", {"username": uname("nochat")})
    # a user's username is not a chat
    x.fail("POST", "/v1/chats/join", 404, "chat_not_found", {"username": owner.username})
    x.fail("GET", f"/v1/chats/{g['id']}", 404, "chat_not_found")
    x.fail("POST", f"/v1/chats/{g['id']}/messages", 404, "chat_not_found",
           {"text": "let me in", "random_id": 5})


def test_leave_rules(user):
    owner, m, peer = user(), user(), user()
    g = owner.create("group", "G")
    owner.add(g["id"], m)
    owner.fail("POST", f"/v1/chats/{g['id']}/leave", 400, "owner_cannot_leave")
    assert m.call("POST", f"/v1/chats/{g['id']}/leave") == {"ok": True}
    m.fail("GET", f"/v1/chats/{g['id']}", 404, "chat_not_found")
    assert owner.chat(g["id"])["member_count"] == 1
    p = owner.private(peer)
    owner.fail("POST", f"/v1/chats/{p['id']}/leave", 400, "private_chat")


def test_members_add_list_page(user):
    owner = user()
    others = [user() for _ in range(4)]
    g = owner.create("group", "Team")
    for i, o in enumerate(others):
        ch = owner.add(g["id"], o)
        assert ch["member_count"] == 2 + i
    members = owner.call("GET", f"/v1/chats/{g['id']}/members")["members"]
    ids = [m["user_id"] for m in members]
    assert ids == sorted(ids)
    assert set(ids) == {owner.id} | {o.id for o in others}
    byid = {m["user_id"]: m for m in members}
    assert byid[owner.id]["role"] == "owner"
    assert byid[others[0].id]["role"] == "member"
    assert byid[others[0].id]["username"] == others[0].username
    assert "display_name" in byid[others[0].id] and "joined_at" in byid[others[0].id]
    # paging
    p1 = owner.call("GET", f"/v1/chats/{g['id']}/members", params={"limit": 2})["members"]
    p2 = owner.call("GET", f"/v1/chats/{g['id']}/members",
                    params={"after": p1[-1]["user_id"], "limit": 2})["members"]
    p3 = owner.call("GET", f"/v1/chats/{g['id']}/members",
                    params={"after": p2[-1]["user_id"], "limit": 2})["members"]
    assert [m["user_id"] for m in p1 + p2 + p3] == ids
    # plain members can list a group's members
    assert len(others[0].call("GET", f"/v1/chats/{g['id']}/members")["members"]) == 5


def test_members_add_errors(user):
    owner, m, peer = user(), user(), user()
    g = owner.create("group", "G")
    owner.add(g["id"], m)
    owner.fail("POST", f"/v1/chats/{g['id']}/members", 409, "already_member",
               {"username": m.username})
    owner.fail("POST", f"/v1/chats/{g['id']}/members", 404, "user_not_found",
               {"username": uname("ghost")})
    p = owner.private(peer)
    owner.fail("POST", f"/v1/chats/{p['id']}/members", 400, "private_chat",
               {"username": m.username})


def test_members_remove(user):
    owner, admin, m = user(), user(), user()
    g = owner.create("group", "G")
    owner.add(g["id"], admin)
    owner.add(g["id"], m)
    owner.set_role(g["id"], admin.id, "admin")
    assert admin.call("DELETE", f"/v1/chats/{g['id']}/members/{m.id}") == {"ok": True}
    m.fail("GET", f"/v1/chats/{g['id']}", 404, "chat_not_found")
    assert owner.chat(g["id"])["member_count"] == 2
    owner.fail("DELETE", f"/v1/chats/{g['id']}/members/{m.id}", 404, "not_member")
    r = admin.req("DELETE", f"/v1/chats/{g['id']}/members/{owner.id}")
    assert r.status_code == 403, r.text
    assert owner.chat(g["id"])["member_count"] == 2


def test_roles_promote_demote(user):
    owner, a, b, c = user(), user(), user(), user()
    g = owner.create("group", "G")
    owner.add(g["id"], a)
    owner.add(g["id"], b)
    a.fail("POST", f"/v1/chats/{g['id']}/members", 403, "chat_admin_required",
           {"username": c.username})
    assert owner.set_role(g["id"], a.id, "admin") == {"ok": True}
    assert a.chat(g["id"])["role"] == "admin"
    a.add(g["id"], c)
    roles = {m["user_id"]: m["role"]
             for m in owner.call("GET", f"/v1/chats/{g['id']}/members")["members"]}
    assert roles[a.id] == "admin" and roles[c.id] == "member"
    owner.set_role(g["id"], a.id, "member")
    assert a.chat(g["id"])["role"] == "member"
    a.fail("DELETE", f"/v1/chats/{g['id']}/members/{c.id}", 403, "chat_admin_required")
    for role in ("owner", "none", "ADMIN"):
        owner.fail("PATCH", f"/v1/chats/{g['id']}/members/{a.id}", 400, "bad_field",
                   {"role": role})
    outsider = user()
    owner.fail("PATCH", f"/v1/chats/{g['id']}/members/{outsider.id}", 404, "not_member",
               {"role": "admin"})


def test_channel_subscriber_list_admin_only(user):
    owner, s, adm = user(), user(), user()
    cname = uname("ch")
    c = owner.create("channel", "C", username=cname)
    s.join(cname)
    adm.join(cname)
    owner.set_role(c["id"], adm.id, "admin")
    s.fail("GET", f"/v1/chats/{c['id']}/members", 403, "chat_admin_required")
    ids = {m["user_id"] for m in adm.call("GET", f"/v1/chats/{c['id']}/members")["members"]}
    assert ids == {owner.id, s.id, adm.id}


def test_dialogs_order_last_message_unread(user):
    a, b, c = user(), user(), user()
    pb = a.private(b)
    pc = a.private(c)
    g = a.create("group", "G")
    a.add(g["id"], b)
    b.send(pb["id"], "b1")
    b.send(pb["id"], "b2")
    c.send(pc["id"], "c1")
    b.send(g["id"], "g1")
    a.send(g["id"], "g2 (mine)")
    d = a.call("GET", "/v1/chats")["dialogs"]
    order = [x["chat"]["id"] for x in d]
    assert order[:3] == [g["id"], pc["id"], pb["id"]]
    byid = {x["chat"]["id"]: x for x in d}
    assert byid[pb["id"]]["last_message"]["text"] == "b2"
    assert byid[pb["id"]]["unread_count"] == 2
    assert byid[pc["id"]]["unread_count"] == 1
    assert byid[g["id"]]["last_message"]["text"] == "g2 (mine)"
    assert byid[g["id"]]["unread_count"] == 1  # own messages are not unread
    # reading marks them read
    r = a.call("POST", f"/v1/chats/{pb['id']}/read", {"max_id": 1})
    assert r["read_max_id"] == 1
    d = {x["chat"]["id"]: x for x in a.call("GET", "/v1/chats")["dialogs"]}
    assert d[pb["id"]]["unread_count"] == 1
    assert d[pb["id"]]["chat"]["read_max_id"] == 1
    # paging
    p1 = a.call("GET", "/v1/chats", params={"limit": 2})["dialogs"]
    p2 = a.call("GET", "/v1/chats", params={"offset": 2, "limit": 2})["dialogs"]
    assert [x["chat"]["id"] for x in p1 + p2] == order[:4]
    # a chat with no messages has last_message null
    e = a.create("group", "Empty")
    d = {x["chat"]["id"]: x for x in a.call("GET", "/v1/chats")["dialogs"]}
    assert d[e["id"]]["last_message"] is None and d[e["id"]]["unread_count"] == 0


def test_read_marker_never_moves_back_and_clamps(user):
    a, b = user(), user()
    p = a.private(b)
    for i in range(5):
        b.send(p["id"], f"m{i}")
    assert a.call("POST", f"/v1/chats/{p['id']}/read", {"max_id": 4})["read_max_id"] == 4
    assert a.call("POST", f"/v1/chats/{p['id']}/read", {"max_id": 2})["read_max_id"] == 4
    assert a.chat(p["id"])["read_max_id"] == 4
    assert a.call("POST", f"/v1/chats/{p['id']}/read", {"max_id": 1000})["read_max_id"] == 5
    a.fail("POST", f"/v1/chats/{p['id']}/read", 400, "bad_field", {"max_id": "x"})


def test_chat_endpoints_need_auth(server):
    c = Client(server)
    for method, path in [("POST", "/v1/chats/private"), ("POST", "/v1/chats"),
                         ("GET", "/v1/chats"), ("POST", "/v1/chats/join")]:
        c.fail(method, path, 401, "unauthorized", {} if method == "POST" else None)


def test_private_chat_unique_per_pair_under_concurrency(user):
    from concurrent.futures import ThreadPoolExecutor
    a, b = user(), user()

    def open_(i):
        me, other = (a, b) if i % 2 else (b, a)
        return Client(me.server, me.token).private(other)["id"]

    with ThreadPoolExecutor(6) as ex:
        ids = set(ex.map(open_, range(12)))
    assert len(ids) == 1, f"several private chats for one pair: {ids}"


def test_readd_after_removal(user):
    o, m = user(), user()
    g = o.create("group", "Again")
    o.add(g["id"], m)
    o.call("DELETE", f"/v1/chats/{g['id']}/members/{m.id}")
    m.fail("GET", f"/v1/chats/{g['id']}/messages", 404, "chat_not_found")
    ch = o.add(g["id"], m)
    assert ch["member_count"] == 2
    assert m.chat(g["id"])["role"] == "member"
    m.send(g["id"], "back")


def test_group_read_marker_and_unread(user):
    o, m = user(), user()
    g = o.create("group", "Unread")
    o.add(g["id"], m)
    for i in range(4):
        o.send(g["id"], f"u{i}")
    d = {x["chat"]["id"]: x for x in m.call("GET", "/v1/chats")["dialogs"]}
    assert d[g["id"]]["unread_count"] == 4
    assert m.call("POST", f"/v1/chats/{g['id']}/read", {"max_id": 3})["read_max_id"] == 3
    d = {x["chat"]["id"]: x for x in m.call("GET", "/v1/chats")["dialogs"]}
    assert d[g["id"]]["unread_count"] == 1


def test_dialogs_follow_membership_and_deletes(user):
    a, b = user(), user()
    g = a.create("group", "Leaving")
    a.add(g["id"], b)
    m1 = a.send(g["id"], "first")
    m2 = a.send(g["id"], "second")
    d = {x["chat"]["id"]: x for x in b.call("GET", "/v1/chats")["dialogs"]}
    assert d[g["id"]]["last_message"]["id"] == m2["id"]
    # the last visible message moves back when the newest is deleted
    a.call("DELETE", f"/v1/chats/{g['id']}/messages/{m2['id']}")
    d = {x["chat"]["id"]: x for x in b.call("GET", "/v1/chats")["dialogs"]}
    assert d[g["id"]]["last_message"]["id"] == m1["id"]
    b.call("POST", f"/v1/chats/{g['id']}/leave")
    assert g["id"] not in [x["chat"]["id"] for x in b.call("GET", "/v1/chats")["dialogs"]]


def test_private_title_follows_peer_display_name(user):
    a, b = user(), user()
    p = a.private(b)
    b.call("PATCH", "/v1/me", {"display_name": "Renamed"})
    assert a.chat(p["id"])["title"] == "Renamed"
    d = {x["chat"]["id"]: x for x in a.call("GET", "/v1/chats")["dialogs"]}
    assert d[p["id"]]["chat"]["title"] == "Renamed"
