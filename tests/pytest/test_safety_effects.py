"""
test_safety_effects.py — trust & safety steps 4–7 black-box (docs/safety.md): decision effects
(remove, ban, suspend, withhold, label, restrict) and their reversal, statements of reasons
(user view, service message, DSA export), appeals, trusted flaggers and SLA clocks.
"""
import json
import os
import re
import subprocess
import time

import pytest

from helpers import uname

SPEC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "spec",
                    "dsa-sor-enums.json")


def grant(server, client, role):
    r = subprocess.run([server.binary, "admin", "grant", client.username, role, "--data",
                        server.data_dir], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return client


def report(c, target, reason="spam", expect=201):
    return c.call("POST", "/v1/reports", {"target": target, "reason": reason},
                  expect=expect)["report"]


def case_of(mod, **tgt):
    for k in mod.call("GET", "/v1/mod/queue", params={"limit": 100})["cases"]:
        if all(k["target"].get(a) == b for a, b in tgt.items()):
            return k
    raise AssertionError(f"no case for {tgt}")


def decide(mod, case_id, expect=200, **kw):
    b = {"action": "remove", "ground": "tos", "tos_clause": "ToS 4.2 spam",
         "category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "keywords": ["KEYWORD_PHISHING"],
         "territorial_scope": ["DE", "FR"], "facts": "Phishing link posted repeatedly."}
    b.update(kw)
    mod.call("POST", f"/v1/mod/cases/{case_id}/claim")
    return mod.call("POST", f"/v1/mod/cases/{case_id}/decide", b, expect=expect)


@pytest.fixture
def mods(server, user):
    return (grant(server, user("ma"), "moderator"), grant(server, user("mb"), "moderator"))


def texts(c, chat_id):
    return [m.get("text") for m in c.history(chat_id)]


def test_remove_statement_appeal_reversal_restores(server, user, mods):
    m1, m2 = mods
    a, b = user("ea"), user("eb")
    chat = a.private(b)
    keep = a.send(chat["id"], "hello there")
    bad = a.send(chat["id"], "click http://phish.example now")
    report(b, {"type": "message", "chat_id": chat["id"], "message_id": bad["id"]}, "scam.phishing")
    k = case_of(m1, chat_id=chat["id"], message_id=bad["id"])
    st_before = a.call("GET", "/v1/updates/state")["pts"]
    d = decide(m1, k["id"])
    sid = d["decision"]["statement_id"]
    # the reporter is told the outcome (Art. 16(5)), once
    sb = b.private("herald_safety")
    told = [t for t in texts(b, sb["id"]) if "was reviewed" in (t or "")]
    assert len(told) == 1 and "action taken: remove" in told[0], told
    # removed for everyone: history, single get, and resync carry the deletion
    assert "click http://phish.example now" not in texts(a, chat["id"])
    assert "click http://phish.example now" not in texts(b, chat["id"])
    assert "hello there" in texts(b, chat["id"])
    b.fail("GET", f"/v1/chats/{chat['id']}/messages/{bad['id']}", 404, "message_not_found")
    diff = a.call("GET", "/v1/updates/difference", params={"pts": st_before})
    assert any(u["type"] == "delete_message" and u.get("message_id") == bad["id"]
               for u in diff["updates"]), diff
    # the statement of reasons: API object and a service message from herald_safety
    st = a.call("GET", f"/v1/statements/{sid}")["statement"]
    assert st["action"] == "remove" and st["ground"] == "tos"
    assert st["tos_clause"] == "ToS 4.2 spam" and st["appeal_until"] > time.time()
    assert any(s["id"] == sid for s in a.call("GET", "/v1/me/statements")["statements"])
    b.fail("GET", f"/v1/statements/{sid}", 404, "statement_not_found")
    dialogs = a.call("GET", "/v1/chats")
    sys_chat = [x for x in json.dumps(dialogs).split('"') if "herald_safety" in x or
                "Herald Safety" in x]
    assert sys_chat, dialogs
    sys_user = a.call("GET", "/v1/users/herald_safety")["user"]
    sc = a.private("herald_safety")
    assert any(f"Statement of reasons #{sid}" in (t or "") for t in texts(a, sc["id"]))
    assert sys_user["id"] != a.id
    # nobody can register the system account's name
    server.client().register("Herald_Safety", expect=409)
    # appeal by the affected user; the original moderator cannot decide it
    ap = a.call("POST", f"/v1/statements/{sid}/appeal", {"text": "It was a joke"},
                expect=201)["appeal"]
    a.fail("POST", f"/v1/statements/{sid}/appeal", 409, "appeal_closed",
           body={"text": "again"})
    b.fail("POST", f"/v1/statements/{sid}/appeal", 404, "statement_not_found",
           body={"text": "not mine"})
    q = m2.call("GET", "/v1/mod/appeals")["appeals"]
    assert any(x["id"] == ap["id"] for x in q)
    m1.fail("POST", f"/v1/mod/appeals/{ap['id']}/decide", 403, "same_moderator",
            body={"outcome": "reversed", "reason": "mine"})
    r = m2.call("POST", f"/v1/mod/appeals/{ap['id']}/decide",
                {"outcome": "reversed", "reason": "satire, not phishing"})
    assert r["appeal"]["outcome"] == "reversed" and r["appeal"]["decided_at"] >= ap["created_at"]
    assert r["case"]["status"] == "reversed"
    m2.fail("POST", f"/v1/mod/appeals/{ap['id']}/decide", 409, "appeal_closed",
            body={"outcome": "upheld", "reason": "again"})
    # reversal restores exactly what was there
    got = b.call("GET", f"/v1/chats/{chat['id']}/messages/{bad['id']}")["message"]
    assert got["text"] == "click http://phish.example now"
    assert texts(a, chat["id"]).count("click http://phish.example now") == 1
    diff = a.call("GET", "/v1/updates/difference", params={"pts": st_before})
    assert any(u["type"] == "edit_message" and u.get("message_id") == bad["id"]
               for u in diff["updates"])
    # audit trail
    admin = grant(server, user("aud"), "admin")
    kinds = [x["kind"] for x in admin.call("GET", "/v1/admin/audit",
                                            params={"limit": 1000})["records"]]
    assert "case.decide" in kinds and "appeal.file" in kinds and "appeal.decide" in kinds


def test_ban_chat_and_restrict(server, user, mods):
    m1, _ = mods
    owner, member, outsider = user("bo"), user("bm"), user("bx")
    g = owner.create("group", username=uname("bang"))
    member.join(g["username"])
    owner.send(g["id"], "illegal stuff")
    report(member, {"type": "chat", "chat_id": g["id"]}, "illegal_drugs")
    k = case_of(m1, chat_id=g["id"], type="chat")
    decide(m1, k["id"], action="ban_chat")
    for c in (owner, member, outsider):
        c.fail("GET", f"/v1/chats/{g['id']}", 404, "chat_not_found")
        c.fail("GET", f"/v1/chats/{g['id']}/messages", 404, "chat_not_found")
    member.fail("POST", f"/v1/chats/{g['id']}/messages", 404, "chat_not_found",
                body={"text": "hi", "random_id": 7})
    # the owner gets a statement
    assert any(s["action"] == "ban_chat" for s in owner.call("GET", "/v1/me/statements")[
        "statements"])
    # restrict: a public channel can no longer be found or joined, members keep reading
    ch = owner.create("channel", username=uname("rest"))
    member.join(ch["username"])
    owner.send(ch["id"], "post")
    report(member, {"type": "chat", "chat_id": ch["id"]}, "spam")
    k = case_of(m1, chat_id=ch["id"], type="chat")
    decide(m1, k["id"], action="restrict")
    outsider.fail("POST", "/v1/chats/join", 404, "chat_not_found",
                  body={"username": ch["username"]})
    outsider.fail("GET", f"/v1/chats/{ch['id']}/messages", 404, "chat_not_found")
    assert texts(member, ch["id"]) == ["post"]


def test_suspend_refuses_login_sessions_and_sends(server, user, mods):
    m1, _ = mods
    bad, victim = user("sa"), user("sv")
    chat = bad.private(victim)
    report(victim, {"type": "user", "user_id": bad.id}, "fake_account")
    k = case_of(m1, type="user", user_id=bad.id)
    d = decide(m1, k["id"], action="suspend", suspend_days=3)
    assert d["decision"]["suspend_until"] > time.time() + 2 * 86400
    bad.fail("GET", "/v1/me", 403, "account_suspended")
    bad.fail("POST", f"/v1/chats/{chat['id']}/messages", 403, "account_suspended",
             body={"text": "hi", "random_id": 5})
    r = server.client().req("POST", "/v1/auth/login",
                            body={"username": bad.username, "password": bad.password})
    assert r.status_code == 403 and r.json()["error"]["code"] == "account_suspended", r.text
    assert victim.me()["id"] == victim.id


def test_withhold_by_country_and_label(server, user, mods):
    m1, _ = mods
    owner = user("wo", country="FR")
    de, fr = user("wd", country="DE"), user("wf", country="FR")
    ch = owner.create("channel", username=uname("with"))
    de.join(ch["username"])
    fr.join(ch["username"])
    p1 = owner.send(ch["id"], "forbidden in germany")
    p2 = owner.send(ch["id"], "needs context")
    report(de, {"type": "message", "chat_id": ch["id"], "message_id": p1["id"]}, "violence")
    report(de, {"type": "message", "chat_id": ch["id"], "message_id": p2["id"]}, "other")
    k1 = case_of(m1, chat_id=ch["id"], message_id=p1["id"])
    decide(m1, k1["id"], action="withhold", ground="illegal", legal_ground="StGB 130",
           category="STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", keywords=[],
           countries=["DE"], label="Withheld under German law")
    k2 = case_of(m1, chat_id=ch["id"], message_id=p2["id"])
    decide(m1, k2["id"], action="label", category="STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
           keywords=["KEYWORD_OTHER"], label="Disputed claim")
    seen_de = {m["id"]: m for m in de.history(ch["id"])}
    seen_fr = {m["id"]: m for m in fr.history(ch["id"])}
    assert "text" not in seen_de[p1["id"]]
    assert seen_de[p1["id"]]["withheld"] == {"reason": "Withheld under German law",
                                             "countries": ["DE"]}
    assert seen_fr[p1["id"]]["text"] == "forbidden in germany" and "withheld" not in seen_fr[
        p1["id"]]
    one = de.call("GET", f"/v1/chats/{ch['id']}/messages/{p1['id']}")["message"]
    assert "withheld" in one and "text" not in one
    assert seen_de[p2["id"]]["label"] == "Disputed claim"
    assert seen_fr[p2["id"]]["text"] == "needs context"


def validate_sor(spec, s):
    for f in spec["required_fields"]:
        assert f in s and s[f] not in (None, "", []), f
    assert any(s.get(f) for f in spec["at_least_one_of"])
    for rule in spec["conditional_requirements"]:
        w = rule["when"]
        (key, val), = w.items()
        if key.endswith("_contains"):
            hit = val in (s.get(key[:-len("_contains")]) or [])
        else:
            hit = s.get(key) == val
        if hit:
            for f in rule.get("require", []):
                assert s.get(f), (f, s)
            for f in rule.get("exclude", []):
                assert f not in s, (f, s)
    for f, n in spec["max_lengths"].items():
        if f in s:
            assert len(s[f]) <= n, f
    allowed = set(spec["fields"])
    for f, v in s.items():
        assert f in allowed, f
        if f in spec["enums"]:
            vals = v if isinstance(v, list) else [v]
            for x in vals:
                assert x in spec["enums"][f], (f, x)
    for f in ("content_date", "application_date", "end_date_account_restriction"):
        if f in s:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", s[f]), s[f]
    assert re.fullmatch(spec["puid_regex"], s["puid"])
    assert s["territorial_scope"] == sorted(set(s["territorial_scope"]))


def test_dsa_export_validates_and_pages(server, user, mods):
    m1, _ = mods
    a, b = user("xa"), user("xb")
    chat = a.private(b)
    msg = a.send(chat["id"], "pay me for followers")
    report(b, {"type": "message", "chat_id": chat["id"], "message_id": msg["id"]}, "scam")
    decide(m1, case_of(m1, chat_id=chat["id"], message_id=msg["id"])["id"], no_statement=True,
           ground="illegal", legal_ground="Fraud Act", keywords=["KEYWORD_OTHER", "KEYWORD_OTHER"])
    admin = grant(server, user("xadm"), "admin")
    m1.fail("GET", "/v1/mod/dsa/statements", 403, "forbidden")
    a.fail("GET", "/v1/mod/dsa/statements", 403, "forbidden")
    spec = json.load(open(SPEC))
    out, since, puids = [], 0, set()
    while True:
        page = admin.call("GET", "/v1/mod/dsa/statements", params={"since": since, "limit": 2})
        assert len(page["statements"]) <= 2
        if not page["statements"]:
            break
        out += page["statements"]
        since = page["next_since"]
    assert out
    for s in out:
        validate_sor(spec, s)
        assert s["puid"] not in puids
        puids.add(s["puid"])
        blob = json.dumps(s)
        assert a.username not in blob and b.username not in blob  # no personal data
        assert "pay me for followers" not in blob
    # no_statement: exported, but not delivered to the user
    assert not any(st["action"] == "remove" and st["target"].get("message_id") == msg["id"]
                   for st in a.call("GET", "/v1/me/statements")["statements"])
    admin.call("GET", "/v1/mod/dsa/statements", params={"limit": 100})
    admin.fail("GET", "/v1/mod/dsa/statements", 400, "bad_request", params={"limit": 101})


def test_reporter_appeals_none_decision_and_case_reopens(server, user, mods):
    m1, m2 = mods
    a, b = user("na"), user("nb")
    chat = a.private(b)
    msg = a.send(chat["id"], "borderline")
    rep = report(b, {"type": "message", "chat_id": chat["id"], "message_id": msg["id"]}, "spam")
    k = case_of(m1, chat_id=chat["id"], message_id=msg["id"])
    d = decide(m1, k["id"], action="none")
    assert "statement_id" not in d["decision"]
    sb = b.private("herald_safety")
    told = [t for t in texts(b, sb["id"]) if f"Your report #{rep['id']}" in (t or "")]
    assert len(told) == 1 and "no action" in told[0], told
    assert f"/v1/reports/{rep['id']}/appeal" in told[0]
    a.fail("POST", f"/v1/reports/{rep['id']}/appeal", 404, "report_not_found",
           body={"text": "x"})
    ap = b.call("POST", f"/v1/reports/{rep['id']}/appeal", {"text": "It is spam"},
                expect=201)["appeal"]
    r = m2.call("POST", f"/v1/mod/appeals/{ap['id']}/decide",
                {"outcome": "reversed", "reason": "clear spam pattern"})
    assert r["case"]["status"] == "open"
    assert case_of(m2, chat_id=chat["id"], message_id=msg["id"])["id"] == k["id"]


def test_flagger_reports_jump_queue_with_sla(server, user, mods):
    m1, m2 = mods
    admin = grant(server, user("fadm"), "admin")
    owner = user("fo")
    ch = owner.create("channel", username=uname("flg"))
    p = owner.send(ch["id"], "terror recruitment")
    p2 = owner.send(ch["id"], "some scam")
    m1.fail("POST", "/v1/admin/flaggers", 403, "forbidden",
            body={"name": "x", "country": "DE", "categories": ["terrorism"]})
    name = uname("ngo")
    f = admin.call("POST", "/v1/admin/flaggers",
                   {"name": name, "country": "DE", "categories": ["terrorism", "scam"]},
                   expect=201)
    key = f["api_key"]
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    anon = server.client()
    h = {"X-Flagger-Key": key}
    anon.fail("POST", "/v1/flagger/reports", 401, "unauthorized",
              body={"target": {"type": "chat", "chat_id": ch["id"]}, "reason": "terrorism"},
              headers={"X-Flagger-Key": "0" * 64})
    anon.fail("POST", "/v1/flagger/reports", 403, "flagger_category",
              body={"target": {"type": "chat", "chat_id": ch["id"]}, "reason": "copyright"},
              headers=h)
    t0 = time.time()
    r1 = anon.call("POST", "/v1/flagger/reports", {"target": {
        "type": "message", "chat_id": ch["id"], "message_id": p["id"]}, "reason": "terrorism"},
        expect=201, headers=h)["report"]
    r2 = anon.call("POST", "/v1/flagger/reports", {"target": {
        "type": "message", "chat_id": ch["id"], "message_id": p2["id"]}, "reason": "scam"},
        expect=201, headers=h)["report"]
    assert abs(r1["sla_due_at"] - (t0 + 3600)) < 10 and r1["sla"] == "running"
    assert abs(r2["sla_due_at"] - (t0 + 86400)) < 10
    q = m1.call("GET", "/v1/mod/queue", params={"limit": 100})["cases"]
    assert q[0]["target"].get("message_id") in (p["id"], p2["id"]) and q[0]["urgent"]
    k2 = case_of(m1, chat_id=ch["id"], message_id=p2["id"])
    assert k2["sla_due_at"] == r2["sla_due_at"] and k2["source"] == "flagger"
    decide(m1, k2["id"])
    got = anon.call("GET", f"/v1/flagger/reports/{r2['id']}", headers=h)["report"]
    assert got["status"] == "decided" and got["outcome"] == "remove" and got["sla"] == "met"
    anon.fail("GET", f"/v1/flagger/reports/{r2['id']}", 401, "unauthorized")
    fl = [x for x in admin.call("GET", "/v1/admin/flaggers")["flaggers"] if x["name"] == name][0]
    assert fl["reports"] == 2 and fl["decided"] == 1 and fl["upheld"] == 1
    assert fl["accuracy"] == 1.0
    # the export names the flagger source
    spec = json.load(open(SPEC))
    page = admin.call("GET", "/v1/mod/dsa/statements", params={"limit": 100})["statements"]
    flagged = [s for s in page if s["source_type"] == "SOURCE_TRUSTED_FLAGGER"]
    assert flagged
    for s in flagged:
        validate_sor(spec, s)


def test_normal_user_reaches_no_staff_endpoint(server, user):
    u = user("nn")
    for method, path in [("GET", "/v1/mod/appeals"), ("POST", "/v1/mod/appeals/1/decide"),
                         ("GET", "/v1/mod/dsa/statements"), ("GET", "/v1/admin/flaggers"),
                         ("POST", "/v1/admin/flaggers")]:
        r = u.req(method, path, body={})
        assert r.status_code == 403, (path, r.status_code, r.text)
        assert server.client().req(method, path, body={}).status_code == 401
