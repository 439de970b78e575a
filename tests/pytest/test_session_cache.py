"""
test_session_cache.py — the per-loop session cache (src/api/app.c invariant 6) never lets a
revoked, logged-out or suspended token through: each case first warms the cache on many
keep-alive connections (spread over the server's event loops) with requests and plain text
sends (the one write that leaves the cache valid), then changes the session and checks every
warmed connection on its very next request.
"""
import pytest

from helpers import Client, rid

CONNS = 8  # keep-alive connections per token: accept() spreads them over the loops


def warm(c, token, peer_chat, n=CONNS):
    """n new connections presenting token, each with cached auth (me twice, one send)."""
    out = []
    for i in range(n):
        k = Client(c.server, token=token)
        k.user, k.username = c.user, c.username
        for _ in range(2):
            assert k.me()["id"] == c.id
        k.call("POST", f"/v1/chats/{peer_chat}/messages", {"text": f"warm {i}", "random_id": rid()})
        out.append(k)
    return out


def refused_everywhere(conns, code="unauthorized", status=401, chat_id=None):
    for k in conns:
        k.fail("GET", "/v1/me", status, code)
        if chat_id is not None:
            k.fail("POST", f"/v1/chats/{chat_id}/messages", status, code,
                   body={"text": "after", "random_id": rid()})


def test_revoke_refused_on_every_loop_at_once(user):
    c, peer = user("sc"), user("sp")
    chat = c.private(peer)
    tok = Client(c.server)
    tok.token = c.login(device="doomed")["token"]
    conns = warm(c, tok.token, chat["id"])
    sid = [s["id"] for s in c.call("GET", "/v1/sessions")["sessions"]
           if s["device"] == "doomed"][0]
    assert c.call("DELETE", f"/v1/sessions/{sid}") == {"ok": True}
    refused_everywhere(conns, chat_id=chat["id"])
    # the revoking session itself is untouched, cache or not
    assert c.me()["id"] == c.id
    c.call("POST", f"/v1/chats/{chat['id']}/messages", {"text": "still here", "random_id": rid()})


def test_logout_refused_on_every_loop_at_once(user):
    c, peer = user("sl"), user("sq")
    chat = c.private(peer)
    other = Client(c.server)
    other.token = c.login(device="other")["token"]
    conns = warm(c, c.token, chat["id"])
    assert conns[0].call("POST", "/v1/auth/logout") == {"ok": True}
    refused_everywhere(conns + [c], chat_id=chat["id"])
    assert other.me()["id"] == c.id  # only that token went


def test_sends_keep_cache_but_other_writes_do_not_leak(user):
    """Many sends between checks (cache hits) must not hide a revoke made in between."""
    c, peer = user("sr"), user("ss")
    chat = c.private(peer)
    for round_ in range(5):
        t = Client(c.server)
        t.token = c.login(device=f"round{round_}")["token"]
        conns = warm(c, t.token, chat["id"], n=3)
        sid = [s["id"] for s in c.call("GET", "/v1/sessions")["sessions"]
               if s["device"] == f"round{round_}"][0]
        # a peer's sends (neutral writes) right before the revoke
        for _ in range(3):
            peer.send(chat["id"], "noise")
        assert c.call("DELETE", f"/v1/sessions/{sid}") == {"ok": True}
        refused_everywhere(conns)


def test_suspension_refused_on_every_loop_at_once(server, user):
    se = pytest.importorskip("test_safety_effects")
    m1 = se.grant(server, user("sm"), "moderator")
    bad, victim = user("sb"), user("sv")
    chat = bad.private(victim)
    conns = warm(bad, bad.token, chat["id"])
    se.report(victim, {"type": "user", "user_id": bad.id}, "fake_account")
    k = se.case_of(m1, type="user", user_id=bad.id)
    se.decide(m1, k["id"], action="suspend", suspend_days=3)
    refused_everywhere(conns, code="account_suspended", status=403, chat_id=chat["id"])
