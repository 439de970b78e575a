"""Updates and resync (docs/api.md "Updates and resync"; DESIGN.md): the WebSocket hello and
live events, consecutive pts, the difference endpoints, and the resync scenario of the issue:
a client disconnected while 500 messages arrive in a private chat, a group and a channel gets
exactly those 500, in order, without duplicates, after reconnecting."""
import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import websockets

from helpers import Client, arun, rid, ws_collect, ws_recv_json


async def _hello(ws, user):
    h = await ws_recv_json(ws)
    assert h["type"] == "hello" and h["user_id"] == user.id, h
    assert isinstance(h["pts"], int)
    return h


def _is(kind, chat_id=None):
    def pred(m):
        return m.get("type") == kind and (chat_id is None or m.get("chat_id") == chat_id)
    return pred


def test_ws_hello_token_query_and_header(user):
    a = user()
    st = a.state()

    async def go():
        async with websockets.connect(a.server.ws_url(a.token)) as ws:
            h = await _hello(ws, a)
            assert h["pts"] == st["pts"]
        async with websockets.connect(a.server.ws_url(),
                                      extra_headers={"Authorization": f"Bearer {a.token}"}) as ws:
            await _hello(ws, a)
    arun(go())


@pytest.mark.parametrize("token", [None, "0" * 64])
def test_ws_rejects_bad_token(server, token):
    async def go():
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as ei:
            async with websockets.connect(server.ws_url(token)):
                pass
        assert ei.value.status_code == 401
    arun(go())


def test_ws_ping_pong(user):
    a = user()

    async def go():
        async with websockets.connect(a.server.ws_url(a.token)) as ws:
            await _hello(ws, a)
            await ws.send(json.dumps({"type": "ping"}))
            assert await ws_recv_json(ws) == {"type": "pong"}
    arun(go())


def test_ws_live_private_new_edit_delete(user):
    a, b = user(), user()
    p = a.private(b)["id"]

    async def go():
        async with websockets.connect(b.server.ws_url(b.token)) as wb, \
                websockets.connect(a.server.ws_url(a.token)) as wa:
            hb = await _hello(wb, b)
            ha = await _hello(wa, a)
            m = await asyncio.to_thread(a.send, p, "live!")
            u = (await ws_collect(wb, _is("new_message", p), 1))[0]
            assert u["log"] == "user" and u["pts"] == hb["pts"] + 1
            assert u["message_id"] == m["id"] and u["message"]["text"] == "live!"
            assert u["message"]["sender_id"] == a.id
            # the sender's own log has it too
            ua = (await ws_collect(wa, _is("new_message", p), 1))[0]
            assert ua["pts"] == ha["pts"] + 1 and ua["message_id"] == m["id"]
            await asyncio.to_thread(a.call, "PATCH", f"/v1/chats/{p}/messages/{m['id']}",
                                    {"text": "edited"})
            u = (await ws_collect(wb, _is("edit_message", p), 1))[0]
            assert u["pts"] == hb["pts"] + 2 and u["message"]["text"] == "edited"
            assert "edit_date" in u["message"]
            await asyncio.to_thread(a.call, "DELETE", f"/v1/chats/{p}/messages/{m['id']}")
            u = (await ws_collect(wb, _is("delete_message", p), 1))[0]
            assert u["pts"] == hb["pts"] + 3 and u["message_id"] == m["id"]
    arun(go())


def test_ws_live_group_and_membership(user):
    o, m, n = user(), user(), user()
    g = o.create("group", "Live")["id"]
    o.add(g, m)

    async def go():
        async with websockets.connect(m.server.ws_url(m.token)) as wm, \
                websockets.connect(n.server.ws_url(n.token)) as wn:
            await _hello(wm, m)
            hn = await _hello(wn, n)
            gpts = (await asyncio.to_thread(m.chat, g))["pts"]
            msg = await asyncio.to_thread(o.send, g, "to the group")
            u = (await ws_collect(wm, _is("new_message", g), 1))[0]
            assert u["log"] == "chat" and u["pts"] == gpts + 1
            assert u["message"]["text"] == "to the group" and u["message_id"] == msg["id"]
            # n is added: members see member_joined, n sees chat_joined in its user log
            await asyncio.to_thread(o.add, g, n)
            u = (await ws_collect(wm, _is("member_joined", g), 1))[0]
            assert u["user_id"] == n.id and u["pts"] == gpts + 2
            assert u["role"] == "member" and isinstance(u["date"], int)
            u = (await ws_collect(wn, _is("chat_joined", g), 1))[0]
            assert u["log"] == "user" and u["pts"] == hn["pts"] + 1
            # and n's live socket is now subscribed to the group
            await asyncio.to_thread(o.send, g, "welcome n")
            u = (await ws_collect(wn, _is("new_message", g), 1))[0]
            assert u["message"]["text"] == "welcome n" and u["pts"] == gpts + 3
            await asyncio.to_thread(o.set_role, g, m.id, "admin")
            u = (await ws_collect(wm, _is("role_changed", g), 1))[0]
            assert u["user_id"] == m.id and u["role"] == "admin"
            # n is removed: member_left, chat_left, and no more group traffic for n
            await asyncio.to_thread(o.call, "DELETE", f"/v1/chats/{g}/members/{n.id}")
            u = (await ws_collect(wm, _is("member_left", g), 1))[0]
            assert u["user_id"] == n.id
            await ws_collect(wn, _is("chat_left", g), 1)
            await asyncio.to_thread(o.send, g, "n is gone")
            await ws_collect(wm, _is("new_message", g), 1)
            with pytest.raises(asyncio.TimeoutError):
                while True:
                    x = await asyncio.wait_for(wn.recv(), 0.7)
                    assert json.loads(x).get("chat_id") != g, f"removed member got {x}"
    arun(go())


def test_ws_consecutive_pts(user):
    a, b = user(), user()
    p = a.private(b)["id"]
    g = a.create("group", "Seq")["id"]
    a.add(g, b)
    n = 30

    async def go():
        async with websockets.connect(b.server.ws_url(b.token)) as wb:
            hb = await _hello(wb, b)
            gpts = (await asyncio.to_thread(b.chat, g))["pts"]

            def burst():
                for i in range(n):
                    a.send(p, f"p{i}")
                    a.send(g, f"g{i}")
            await asyncio.to_thread(burst)
            us = await ws_collect(wb, lambda m: m.get("type") == "new_message", 2 * n)
            upts = [u["pts"] for u in us if u["log"] == "user"]
            cpts = [u["pts"] for u in us if u["log"] == "chat"]
            assert upts == list(range(hb["pts"] + 1, hb["pts"] + n + 1))
            assert cpts == list(range(gpts + 1, gpts + n + 1))
            assert [u["message"]["text"] for u in us if u["log"] == "user"] == \
                [f"p{i}" for i in range(n)]
    arun(go())


def test_state_and_difference_paging(user):
    a, b = user(), user()
    p = a.private(b)["id"]
    g = a.create("group", "Diff")["id"]
    a.add(g, b)
    st0 = b.state()
    assert isinstance(st0["pts"], int)
    chats = {c["chat_id"]: c["pts"] for c in st0["chats"]}
    assert g in chats and p not in chats, "state lists groups/channels, not private chats"
    assert chats[g] == b.chat(g)["pts"]
    ids = [a.send(p, f"d{i}")["id"] for i in range(7)]
    r = b.call("GET", "/v1/updates/difference", params={"pts": st0["pts"], "limit": 3})
    assert len(r["updates"]) == 3 and r["more"] is True and r["pts"] == st0["pts"] + 7
    assert [u["pts"] for u in r["updates"]] == [st0["pts"] + i for i in (1, 2, 3)]
    allu, cur = b.user_difference(st0["pts"], limit=3)
    assert cur == st0["pts"] + 7 == b.state()["pts"]
    assert [u["message_id"] for u in allu] == ids
    assert all(u["type"] == "new_message" and u["log"] == "user" and u["chat_id"] == p
               for u in allu)
    assert [u["message"]["text"] for u in allu] == [f"d{i}" for i in range(7)]
    assert all(isinstance(u["date"], int) and u["date"] > 0 for u in allu)
    r = b.call("GET", "/v1/updates/difference", params={"pts": cur})
    assert r["updates"] == [] and r["pts"] == cur and r["more"] is False
    # chat log
    for i in range(4):
        a.send(g, f"g{i}")
    cu, ccur = b.chat_difference(g, chats[g], limit=2)
    assert [u["pts"] for u in cu] == list(range(chats[g] + 1, chats[g] + 5))
    assert [u["message"]["text"] for u in cu] == [f"g{i}" for i in range(4)]
    assert ccur == chats[g] + 4
    assert {c["chat_id"]: c["pts"] for c in b.state()["chats"]}[g] == ccur
    b.fail("GET", f"/v1/chats/{p}/difference", 400, "private_chat", params={"pts": 0})


def test_difference_omits_deleted_message_and_reports_reads(user):
    a, b = user(), user()
    p = a.private(b)["id"]
    pa, pb = a.state()["pts"], b.state()["pts"]
    m = a.send(p, "soon gone")
    a.call("DELETE", f"/v1/chats/{p}/messages/{m['id']}")
    ub, _ = b.user_difference(pb)
    assert [u["type"] for u in ub] == ["new_message", "delete_message"]
    assert "message" not in ub[0], "message is omitted once deleted"
    assert ub[0]["message_id"] == ub[1]["message_id"] == m["id"]
    m2 = a.send(p, "read me")
    b.call("POST", f"/v1/chats/{p}/read", {"max_id": m2["id"]})
    ub, _ = b.user_difference(pb)
    ua, _ = a.user_difference(pa)
    rin = [u for u in ub if u["type"] == "read_inbox"]
    rout = [u for u in ua if u["type"] == "read_outbox"]
    assert len(rin) == 1 and rin[0]["chat_id"] == p and rin[0]["message_id"] == m2["id"]
    assert len(rout) == 1 and rout[0]["chat_id"] == p and rout[0]["message_id"] == m2["id"]


def test_join_leave_in_user_log(user):
    o, u = user(), user()
    cname = "j" + o.username[:25]
    c = o.create("channel", "J", username=cname)["id"]
    p0 = u.state()["pts"]
    u.join(cname)
    u.call("POST", f"/v1/chats/{c}/leave")
    ups, _ = u.user_difference(p0)
    assert [(x["type"], x["chat_id"]) for x in ups] == [("chat_joined", c), ("chat_left", c)]


@pytest.mark.slow
def test_resync_500_in_private_group_channel(server):
    """The issue's scenario, end to end."""
    n = 500
    a, u = server.new_user("sender"), server.new_user("away")
    p = a.private(u)["id"]
    g = a.create("group", "Resync group")["id"]
    a.add(g, u)
    cname = "r" + a.username[:25]
    c = a.create("channel", "Resync channel", username=cname)["id"]
    u.join(cname)

    async def connect_once():
        async with websockets.connect(server.ws_url(u.token)) as ws:
            return await _hello(ws, u)
    hello0 = arun(connect_once())  # the client was online, then disconnected
    st = u.state()
    assert st["pts"] == hello0["pts"]
    cpts = {x["chat_id"]: x["pts"] for x in st["chats"]}

    tls = threading.local()

    def send(job):
        chat, i = job
        if not hasattr(tls, "c"):
            tls.c = Client(server, a.token)
        m = tls.c.send(chat, f"{chat}:{i}", random_id=rid())
        return chat, m["id"], m["text"]

    jobs = [(chat, i) for i in range(n) for chat in (p, g, c)]
    with ThreadPoolExecutor(6) as ex:
        acked = list(ex.map(send, jobs))
    sent = {chat: {} for chat in (p, g, c)}
    for chat, mid, text in acked:
        assert mid not in sent[chat], "two sends acknowledged with one id"
        sent[chat][mid] = text
    for chat in (p, g, c):
        assert sorted(sent[chat]) == list(range(1, n + 1)), f"chat {chat} ids not 1..{n}"

    hello1 = arun(connect_once())  # reconnect
    ups, cur = u.user_difference(hello0["pts"])
    assert cur == hello1["pts"] == hello0["pts"] + n
    assert [x["pts"] for x in ups] == list(range(hello0["pts"] + 1, cur + 1))
    assert all(x["type"] == "new_message" and x["chat_id"] == p for x in ups)
    assert [x["message_id"] for x in ups] == list(range(1, n + 1))
    assert [x["message"]["text"] for x in ups] == [sent[p][i] for i in range(1, n + 1)]
    for chat in (g, c):
        cu, ccur = u.chat_difference(chat, cpts[chat])
        msgs = [x for x in cu if x["type"] == "new_message"]
        assert len(cu) == len(msgs) == n, [x["type"] for x in cu if x["type"] != "new_message"]
        assert [x["pts"] for x in cu] == list(range(cpts[chat] + 1, cpts[chat] + n + 1))
        assert ccur == cpts[chat] + n
        assert [x["message_id"] for x in msgs] == list(range(1, n + 1))
        assert len({x["message_id"] for x in msgs}) == n
        assert [x["message"]["text"] for x in msgs] == [sent[chat][i] for i in range(1, n + 1)]


def test_public_channel_difference_for_non_member(user):
    o, x = user(), user()
    c = o.create("channel", "Pub diff", username="d" + o.username[:25])["id"]
    o.send(c, "one")
    o.send(c, "two")
    ups, cur = x.chat_difference(c, 0)
    texts = [u["message"]["text"] for u in ups if u["type"] == "new_message"]
    assert texts == ["one", "two"] and cur == o.chat(c)["pts"]


def test_ws_revoked_token_refused(user):
    a = user()
    tok = Client(a.server).login(a.username, a.password)["token"]
    Client(a.server, tok).call("POST", "/v1/auth/logout")

    async def go():
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as ei:
            async with websockets.connect(a.server.ws_url(tok)):
                pass
        assert ei.value.status_code == 401
    arun(go())
