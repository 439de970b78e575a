"""
test_safety.py — trust & safety black-box tests (docs/safety.md): the reason tree, reports
and notices (visibility, merging, priority), the moderator queue, claims and decisions.

Staff roles are granted with `heraldd admin grant USER ROLE --data DIR` on the running server's
data directory (the command goes through its own writer; SQLite serialises the two).
"""
import subprocess

import pytest

from helpers import uname


def grant(server, client, role):
    r = subprocess.run([server.binary, "admin", "grant", client.username, role, "--data",
                        server.data_dir], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return client


def report(c, target, reason="spam", expect=201, **extra):
    body = {"target": target, "reason": reason}
    body.update(extra)
    return c.call("POST", "/v1/reports", body, expect=expect)


def find_case(mod, case_target):
    for k in mod.call("GET", "/v1/mod/queue", params={"limit": 100})["cases"]:
        if all(k["target"].get(a) == b for a, b in case_target.items()):
            return k
    return None


def test_reason_tree_maps_to_dsa(server):
    r = server.client().call("GET", "/v1/reports/reasons")["reasons"]
    codes = {x["code"]: x for x in r}
    for code in ["spam", "violence", "pornography", "child_abuse", "illegal_drugs",
                 "personal_details", "copyright", "fake_account", "terrorism", "scam", "other"]:
        assert code in codes, code
    assert codes["child_abuse"]["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert codes["child_abuse"]["category_specification"] == "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"
    assert codes["child_abuse"]["urgent"] is True
    assert codes["terrorism"]["category_specification"] == "KEYWORD_TERRORIST_CONTENT"
    kids = [k["code"] for k in codes["scam"]["children"]]
    assert "scam.phishing" in kids


def test_report_message_receipt_and_visibility(server, user):
    a, b, outsider = user("ra"), user("rb"), user("ro")
    chat = a.private(b)
    m = a.send(chat["id"], "buy cheap pills")
    tgt = {"type": "message", "chat_id": chat["id"], "message_id": m["id"]}
    rep = report(b, tgt, "illegal_drugs", comment="sells drugs")["report"]
    assert rep["status"] == "received" and rep["id"] > 0
    assert rep["target"]["message_id"] == m["id"]
    got = b.call("GET", f"/v1/reports/{rep['id']}")["report"]
    assert got["status"] == "received"
    # the report is the reporter's only
    outsider.fail("GET", f"/v1/reports/{rep['id']}", 404, "report_not_found")
    # content the reporter cannot see is refused like an unknown id
    outsider.fail("POST", "/v1/reports", 404, "message_not_found",
                  body={"target": tgt, "reason": "spam"})
    b.fail("POST", "/v1/reports", 400, "reason_invalid",
           body={"target": tgt, "reason": "nonsense"})
    b.fail("POST", "/v1/reports", 400, "bad_field",
           body={"target": tgt, "reason": "spam", "comment": "x" * 1025})
    b.fail("POST", "/v1/reports", 400, "bad_field",
           body={"target": tgt, "reason": "spam", "illegal": {"legal_ground": "x"}})
    b.fail("POST", "/v1/reports", 404, "user_not_found",
           body={"target": {"type": "user", "user_id": 999999999}, "reason": "fake_account"})


def test_reports_merge_into_one_case_with_priority(server, user):
    owner = user("mo")
    ch = owner.create("channel", username=uname("chan"))
    post = owner.send(ch["id"], "a public post")
    tgt = {"type": "message", "chat_id": ch["id"], "message_id": post["id"]}
    reporters = [user("mr") for _ in range(3)]
    for r in reporters:
        r.join(ch["username"])
        report(r, tgt, "spam")
    report(reporters[0], tgt, "spam")  # a repeat by the same reporter counts once
    mod = grant(server, user("mod"), "moderator")
    k = find_case(mod, {"chat_id": ch["id"], "message_id": post["id"]})
    assert k is not None and k["reporters"] == 3
    assert k["priority"] == 100 * 1 + 10 * 3
    # a more severe reason raises severity and priority
    report(reporters[1], tgt, "violence")
    k2 = find_case(mod, {"chat_id": ch["id"], "message_id": post["id"]})
    assert k2["id"] == k["id"] and k2["severity"] == 4 and k2["priority"] == 430


def test_public_notice_requires_art16_fields_and_public_target(server, user):
    owner = user("no")
    ch = owner.create("channel", username=uname("pub"))
    post = owner.send(ch["id"], "public")
    anon = server.client()
    tgt = {"type": "message", "chat_id": ch["id"], "message_id": post["id"]}
    anon.fail("POST", "/v1/notices", 400, "bad_field", body={"target": tgt, "reason": "copyright"})
    body = {"target": tgt, "reason": "copyright",
            "illegal": {"legal_ground": "Copyright Act s.1", "notifier_name": "Rights Ltd",
                        "notifier_email": "legal@rights.example"}}
    rep = anon.call("POST", "/v1/notices", body, expect=201)["report"]
    assert rep["status"] == "received"
    priv = owner.create("group")
    pm = owner.send(priv["id"], "members only")
    body["target"] = {"type": "message", "chat_id": priv["id"], "message_id": pm["id"]}
    anon.fail("POST", "/v1/notices", 404, "message_not_found", body=body)


def test_staff_endpoints_refuse_normal_users(server, user):
    u = user("nu")
    for method, path in [("GET", "/v1/mod/queue"), ("GET", "/v1/mod/cases/1"),
                         ("POST", "/v1/mod/cases/1/claim"), ("POST", "/v1/mod/cases/1/decide")]:
        r = u.req(method, path, body={})
        assert r.status_code == 403, (path, r.status_code, r.text)
        r = server.client().req(method, path, body={})
        assert r.status_code == 401, (path, r.status_code)


def decide_body(**kw):
    b = {"action": "remove", "ground": "tos", "tos_clause": "ToS 4.2 spam",
         "category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "keywords": ["KEYWORD_PHISHING"],
         "territorial_scope": ["DE", "FR"], "facts": "Phishing link posted repeatedly."}
    b.update(kw)
    return b


def test_queue_claim_and_decide(server, user):
    a, b = user("qa"), user("qb")
    chat = a.private(b)
    m = a.send(chat["id"], "click http://phish.example")
    rep = report(b, {"type": "message", "chat_id": chat["id"], "message_id": m["id"]},
                 "scam.phishing")["report"]
    mod1 = grant(server, user("m1"), "moderator")
    mod2 = grant(server, user("m2"), "moderator")
    k = find_case(mod1, {"chat_id": chat["id"], "message_id": m["id"]})
    assert k["status"] == "open"
    # staff see the reported private message only through the case
    view = mod1.call("GET", f"/v1/mod/cases/{k['id']}")
    assert view["content"]["text"] == "click http://phish.example"
    assert view["reports"][0]["reason"] == "scam.phishing"
    mod1.fail("POST", f"/v1/mod/cases/{k['id']}/decide", 409, "case_claimed", body=decide_body())
    c = mod1.call("POST", f"/v1/mod/cases/{k['id']}/claim")["case"]
    assert c["status"] == "claimed" and c["claimed_by"] == mod1.id
    mod2.fail("POST", f"/v1/mod/cases/{k['id']}/claim", 409, "case_claimed")
    mod1.fail("POST", f"/v1/mod/cases/{k['id']}/decide", 400, "bad_field",
              body=decide_body(category="STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"))
    mod2.fail("POST", f"/v1/mod/cases/{k['id']}/decide", 409, "case_claimed", body=decide_body())
    d = mod1.call("POST", f"/v1/mod/cases/{k['id']}/decide", decide_body())
    assert d["case"]["status"] == "decided" and d["decision"]["action"] == "remove"
    mod1.fail("POST", f"/v1/mod/cases/{k['id']}/decide", 409, "case_closed", body=decide_body())
    assert find_case(mod1, {"chat_id": chat["id"], "message_id": m["id"]}) is None
    got = b.call("GET", f"/v1/reports/{rep['id']}")["report"]
    assert got["status"] == "decided" and got["outcome"] == "remove"


def test_urgent_first_and_senior_required(server, user):
    a, b = user("ua"), user("ub")
    chat = a.private(b)
    m1 = a.send(chat["id"], "ordinary spam")
    m2 = a.send(chat["id"], "terror propaganda")
    report(b, {"type": "message", "chat_id": chat["id"], "message_id": m1["id"]}, "spam")
    report(b, {"type": "message", "chat_id": chat["id"], "message_id": m2["id"]}, "terrorism")
    mod = grant(server, user("um"), "moderator")
    q = mod.call("GET", "/v1/mod/queue", params={"limit": 100})["cases"]
    assert q[0]["urgent"] is True
    ids = [(k["target"].get("message_id"), k["target"].get("chat_id")) for k in q]
    assert ids.index((m2["id"], chat["id"])) < ids.index((m1["id"], chat["id"]))
    k = find_case(mod, {"chat_id": chat["id"], "message_id": m2["id"]})
    mod.call("POST", f"/v1/mod/cases/{k['id']}/claim")
    body = decide_body(ground="illegal", legal_ground="Terrorist content regulation",
                       category="STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
                       keywords=["KEYWORD_TERRORIST_CONTENT"])
    mod.fail("POST", f"/v1/mod/cases/{k['id']}/decide", 403, "senior_moderator_required",
             body=body)
    senior = grant(server, user("us"), "senior_moderator")
    senior.fail("POST", f"/v1/mod/cases/{k['id']}/decide", 409, "case_claimed", body=body)


def test_reports_notices_and_flagger_reports_are_audited(server, user):
    owner, b = user("au"), user("ab")
    admin = grant(server, user("aadm"), "admin")
    ch = owner.create("channel", username=uname("aud"))
    post = owner.send(ch["id"], "audited")
    tgt = {"type": "message", "chat_id": ch["id"], "message_id": post["id"]}
    b.join(ch["username"])
    rep = report(b, tgt, "spam")["report"]
    notice = server.client().call("POST", "/v1/notices", {
        "target": tgt, "reason": "copyright",
        "illegal": {"legal_ground": "Copyright Act s.1", "notifier_name": "Jane Roe",
                    "notifier_email": "jane@rights.example"}}, expect=201)["report"]
    f = admin.call("POST", "/v1/admin/flaggers", {"name": uname("ngo"), "country": "DE",
                                                  "categories": ["scam"]}, expect=201)
    frep = server.client().call("POST", "/v1/flagger/reports",
                                {"target": {"type": "chat", "chat_id": ch["id"]},
                                 "reason": "scam"}, expect=201,
                                headers={"X-Flagger-Key": f["api_key"]})["report"]

    def record(rid_):
        rs = admin.call("GET", "/v1/admin/audit", params={"subject": f"report:{rid_}"})["records"]
        assert len(rs) == 1, rs
        return rs[0]

    r = record(rep["id"])
    assert r["kind"] == "report.user" and r["actor_id"] == b.id and r["before"] == ""
    assert '"target":"message"' in r["after"] and '"reason":"spam"' in r["after"]
    n = record(notice["id"])
    assert n["kind"] == "report.notice" and n["actor_id"] == 0
    assert "jane" not in n["after"].lower() and "Roe" not in n["after"]
    assert '"reason":"copyright"' in n["after"]
    fr = record(frep["id"])
    assert fr["kind"] == "report.flagger" and fr["actor_id"] == 0
    assert f'"flagger":{f["flagger"]["id"]}' in fr["after"] and '"target":"chat"' in fr["after"]
    kinds = {x["kind"] for x in admin.call("GET", "/v1/admin/audit",
                                            params={"limit": 1000})["records"]}
    assert {"report.user", "report.notice", "report.flagger"} <= kinds
    # a refused report leaves no record
    before = len(admin.call("GET", "/v1/admin/audit", params={"kind": "report.user"})["records"])
    report(b, {"type": "message", "chat_id": ch["id"], "message_id": 999999}, expect=404)
    after = len(admin.call("GET", "/v1/admin/audit", params={"kind": "report.user"})["records"])
    assert after == before
