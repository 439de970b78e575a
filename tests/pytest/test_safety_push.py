"""
test_safety_push.py — moderation marks on live WebSocket pushes (docs/safety.md "Effects"):
a chat withheld in DE reaches a DE subscriber as the withheld variant (no text) and an FR
subscriber as the plain message; a labelled message's edit arrives labelled; an unmarked
message still arrives as sent; the push equals what the difference endpoint returns.
"""
import asyncio
import json

import websockets

from helpers import arun, uname, ws_collect, ws_recv_json
from test_safety_effects import case_of, decide, grant, report


def _is(kind, chat_id):
    def pred(m):
        return m.get("type") == kind and m.get("chat_id") == chat_id
    return pred


async def _hello(ws, user):
    h = await ws_recv_json(ws)
    assert h["type"] == "hello" and h["user_id"] == user.id, h
    return h


def test_withheld_chat_pushed_per_country_label_and_plain(server, user):
    mod = grant(server, user("pm"), "moderator")
    owner = user("po", country="FR")
    de, fr = user("pd", country="DE"), user("pf", country="FR")
    wch = owner.create("channel", username=uname("pw"))
    lch = owner.create("channel", username=uname("pl"))
    for c in (de, fr):
        c.join(wch["username"])
        c.join(lch["username"])
    report(de, {"type": "chat", "chat_id": wch["id"]}, "violence")
    decide(mod, case_of(mod, chat_id=wch["id"], type="chat")["id"], action="withhold",
           ground="illegal", legal_ground="StGB 130",
           category="STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", keywords=[],
           countries=["DE"], label="Withheld under German law")
    p = owner.send(lch["id"], "needs context")
    report(de, {"type": "message", "chat_id": lch["id"], "message_id": p["id"]}, "other")
    decide(mod, case_of(mod, chat_id=lch["id"], message_id=p["id"])["id"], action="label",
           category="STATEMENT_CATEGORY_OTHER_VIOLATION_TC", keywords=["KEYWORD_OTHER"],
           label="Disputed claim")
    dm = owner.private(de)
    de_pts0 = de.chat(wch["id"])["pts"]

    async def go():
        async with websockets.connect(de.server.ws_url(de.token)) as wd, \
                websockets.connect(fr.server.ws_url(fr.token)) as wf:
            await _hello(wd, de)
            await _hello(wf, fr)
            # chat-level withhold: DE gets the withheld variant, FR the message
            m = await asyncio.to_thread(owner.send, wch["id"], "forbidden in germany")
            ud = (await ws_collect(wd, _is("new_message", wch["id"]), 1))[0]
            uf = (await ws_collect(wf, _is("new_message", wch["id"]), 1))[0]
            assert ud["message_id"] == uf["message_id"] == m["id"] and ud["pts"] == uf["pts"]
            assert "text" not in ud["message"] and "media" not in ud["message"], ud
            assert ud["message"]["withheld"] == {"reason": "Withheld under German law",
                                                 "countries": ["DE"]}
            assert uf["message"]["text"] == "forbidden in germany", uf
            assert "withheld" not in uf["message"]
            # a labelled message: its edit arrives labelled for both
            await asyncio.to_thread(owner.call, "PATCH",
                                    f"/v1/chats/{lch['id']}/messages/{p['id']}",
                                    {"text": "needs more context"})
            for ws in (wd, wf):
                u = (await ws_collect(ws, _is("edit_message", lch["id"]), 1))[0]
                assert u["message"]["text"] == "needs more context", u
                assert u["message"]["label"] == "Disputed claim", u
            # an unmarked message in the same channel arrives as sent
            await asyncio.to_thread(owner.send, lch["id"], "plain post")
            for ws in (wd, wf):
                u = (await ws_collect(ws, _is("new_message", lch["id"]), 1))[0]
                assert u["message"]["text"] == "plain post"
                assert "label" not in u["message"] and "withheld" not in u["message"]
            # and a private chat (user log) too
            await asyncio.to_thread(owner.send, dm["id"], "hi de")
            u = (await ws_collect(wd, _is("new_message", dm["id"]), 1))[0]
            assert u["log"] == "user" and u["message"]["text"] == "hi de"
            return ud
    ud = arun(go())
    # the push equals the difference endpoint's rendering for the same viewer
    diff, _ = de.chat_difference(wch["id"], de_pts0)
    same = [u for u in diff if u.get("message_id") == ud["message_id"]]
    assert same and same[0]["message"] == ud["message"], (same, ud)
    fr_view, _ = fr.chat_difference(wch["id"], de_pts0)
    assert any(u.get("message", {}).get("text") == "forbidden in germany"
               for u in fr_view), fr_view


def test_decision_on_a_chat_the_loops_saw_clean_marks_the_next_push(server, user):
    """Each loop remembers chats without effects (api/realtime_marks.h invariant 4); a
    decision must end that memory before the next push."""
    mod = grant(server, user("cm"), "moderator")
    owner, de = user("co", country="FR"), user("cd", country="DE")
    ch = owner.create("channel", username=uname("cc"))
    de.join(ch["username"])

    async def go():
        async with websockets.connect(de.server.ws_url(de.token)) as ws:
            await _hello(ws, de)
            for i in range(4):  # the owner's loop learns that the chat is clean
                await asyncio.to_thread(owner.send, ch["id"], f"clean {i}")
                u = (await ws_collect(ws, _is("new_message", ch["id"]), 1))[0]
                assert u["message"]["text"] == f"clean {i}", u
            await asyncio.to_thread(report, de, {"type": "chat", "chat_id": ch["id"]},
                                    "violence")
            case = await asyncio.to_thread(case_of, mod, chat_id=ch["id"], type="chat")
            await asyncio.to_thread(
                decide, mod, case["id"], action="withhold", ground="illegal",
                legal_ground="StGB 130", category="STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
                keywords=[], countries=["DE"], label="Withheld")
            await asyncio.to_thread(owner.send, ch["id"], "after the decision")
            return (await ws_collect(ws, _is("new_message", ch["id"]), 1))[0]["message"]

    m = arun(go())
    assert "text" not in m and m["withheld"]["countries"] == ["DE"], json.dumps(m)


def test_country_change_applies_from_next_connection(server, user):
    mod = grant(server, user("qm"), "moderator")
    owner, v = user("qo", country="FR"), user("qv", country="FR")
    ch = owner.create("channel", username=uname("qw"))
    v.join(ch["username"])
    report(v, {"type": "chat", "chat_id": ch["id"]}, "violence")
    decide(mod, case_of(mod, chat_id=ch["id"], type="chat")["id"], action="withhold",
           ground="illegal", legal_ground="StGB 130",
           category="STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", keywords=[],
           countries=["DE", "AT"], label="Withheld")

    async def one(text):
        async with websockets.connect(v.server.ws_url(v.token)) as ws:
            await _hello(ws, v)
            await asyncio.to_thread(owner.send, ch["id"], text)
            return (await ws_collect(ws, _is("new_message", ch["id"]), 1))[0]["message"]

    assert arun(one("first"))["text"] == "first"
    v.call("PATCH", "/v1/me", {"country": "AT"})
    m = arun(one("second"))
    assert "text" not in m and m["withheld"]["countries"] == ["DE", "AT"], json.dumps(m)


def test_quarantined_media_marked_in_push_and_forward(make_server):
    from test_safety_signals import ORIG, ORIG_JPG, upload_file, send_media
    s = make_server()
    admin = grant(s, s.new_user("qadm"), "admin")
    bank = uname("bank")
    admin.call("POST", "/v1/admin/banks", {"name": bank, "category": "csam", "source": "test"},
               expect=201)
    r = admin.req("POST", f"/v1/admin/banks/{bank}/import", data=ORIG.encode(),
                  headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    owner, viewer = s.new_user("qo"), s.new_user("qv")
    chan = owner.create("channel", username=uname("qc"))
    viewer.join(chan["username"])
    dm = owner.private(viewer)

    async def go():
        async with websockets.connect(s.ws_url(viewer.token)) as ws:
            await _hello(ws, viewer)
            m = await asyncio.to_thread(upload_file, owner, ORIG_JPG)
            msg = await asyncio.to_thread(send_media, owner, chan["id"], m["id"], "look")
            u = (await ws_collect(ws, _is("new_message", chan["id"]), 1))[0]
            assert u["message"]["media"]["quarantined"] is True, u
            # a forward into a private chat (never hashed) still carries the hold
            await asyncio.to_thread(owner.call, "POST", f"/v1/chats/{dm['id']}/forward",
                                    {"from_chat_id": chan["id"], "message_id": msg["id"],
                                     "random_id": 77})
            u = (await ws_collect(ws, _is("new_message", dm["id"]), 1))[0]
            assert u["message"]["media"]["quarantined"] is True, u
    arun(go())
