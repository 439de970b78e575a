"""
test_safety_misuse.py — repeat misuse (DSA Art. 23, docs/safety.md "Repeat misuse") black-box:
illegal-content removals lead to a warning and then an automatic, appealable suspension; a
reversal on appeal removes a strike; a reporter whose reports are repeatedly decided "no
action" is warned and then deprioritised (his reports add no weight to queue priority) until a
successful appeal removes a strike.
"""
from test_safety_effects import case_of, decide, grant, report, texts

ILLEGAL = {"action": "remove", "ground": "illegal", "legal_ground": "StGB 130 Volksverhetzung",
           "category": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
           "keywords": ["KEYWORD_HATE_SPEECH"], "facts": "Incitement in a message."}


def misuse(staff, uid):
    return staff.call("GET", f"/v1/admin/misuse/{uid}")


def remove_illegal(mod, reporter, poster, chat_id, text):
    m = poster.send(chat_id, text)
    report(reporter, {"type": "message", "chat_id": chat_id, "message_id": m["id"]},
           "violence.hate_speech")
    k = case_of(mod, chat_id=chat_id, message_id=m["id"])
    return decide(mod, k["id"], **ILLEGAL)


def safety_texts(c):
    return texts(c, c.private("herald_safety")["id"])


def test_warn_then_suspend(server, user):
    m1 = grant(server, user("mua"), "moderator")
    poster, victim = user("mup"), user("muv")
    chat = poster.private(victim)["id"]
    d1 = remove_illegal(m1, victim, poster, chat, "hate one")
    assert "misuse_suspension_id" not in d1
    v = misuse(m1, poster.id)
    assert v["illegal_content"]["strikes"] == 1 and v["notices"] == []
    remove_illegal(m1, victim, poster, chat, "hate two")
    v = misuse(m1, poster.id)
    assert v["illegal_content"]["strikes"] == 2
    assert [n["kind"] for n in v["notices"]] == ["warning"]
    assert any(t and t.startswith("Warning #") and "suspended for 7 days" in t
               for t in safety_texts(poster))
    assert poster.me()["id"] == poster.id  # warned, not suspended
    d3 = remove_illegal(m1, victim, poster, chat, "hate three")
    sid = d3["misuse_suspension_id"]
    assert sid > d3["decision"]["id"]
    poster.fail("GET", "/v1/me", 403, "account_suspended")
    v = misuse(m1, poster.id)
    assert v["illegal_content"]["strikes"] == 3
    assert [n["kind"] for n in v["notices"]] == ["suspension", "warning"]
    assert v["notices"][0]["decision_id"] == sid
    # the suspension is a real decision with a statement of reasons in the DSA export
    admin = grant(server, user("mux"), "admin")
    exp = admin.call("GET", "/v1/mod/dsa/statements", params={"limit": 100})["statements"]
    st = [s for s in exp if s["puid"] == f"herald-sor-{sid}"]
    assert st and st[0]["decision_account"] == "DECISION_ACCOUNT_SUSPENDED", exp[-1]
    assert st[0]["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    kinds = [x["kind"] for x in admin.call("GET", "/v1/admin/audit",
                                            params={"limit": 1000})["records"]]
    assert "misuse.notice" in kinds and "misuse.suspend" in kinds
    # staff only
    victim.fail("GET", f"/v1/admin/misuse/{poster.id}", 403, "forbidden")
    m1.fail("GET", "/v1/admin/misuse/999999", 404, "user_not_found")


def test_reversal_removes_a_strike(server, user):
    m1 = grant(server, user("mra"), "moderator")
    m2 = grant(server, user("mrb"), "moderator")
    poster, victim = user("mrp"), user("mrv")
    chat = poster.private(victim)["id"]
    remove_illegal(m1, victim, poster, chat, "bad one")
    d2 = remove_illegal(m1, victim, poster, chat, "bad two")
    sid = d2["decision"]["statement_id"]
    ap = poster.call("POST", f"/v1/statements/{sid}/appeal", {"text": "Not illegal"},
                     expect=201)["appeal"]
    m2.call("POST", f"/v1/mod/appeals/{ap['id']}/decide",
            {"outcome": "reversed", "reason": "quotation in a news report"})
    v = misuse(m1, poster.id)
    assert v["illegal_content"]["strikes"] == 1
    lifted = [s for s in v["strikes"] if s["decision_id"] == d2["decision"]["id"]]
    assert lifted and not lifted[0]["active"] and lifted[0]["lifted_at"] > 0
    d3 = remove_illegal(m1, victim, poster, chat, "bad three")
    assert "misuse_suspension_id" not in d3  # 2 strikes, not 3
    assert poster.me()["id"] == poster.id
    assert misuse(m1, poster.id)["illegal_content"]["strikes"] == 2


def test_unfounded_reporter_warned_then_deprioritised(make_server):
    s = make_server({"--unfounded-warn": "2", "--unfounded-deprioritise": "3"})
    m1 = grant(s, s.new_user("mda"), "moderator")
    m2 = grant(s, s.new_user("mdb"), "moderator")
    rep, other = s.new_user("mdr"), s.new_user("mdo")
    targets = [s.new_user(f"mdt{i}") for i in range(5)]
    report_ids = []

    def file(who, target):
        r = report(who, {"type": "user", "user_id": target.id}, "spam")
        return r, case_of(m1, type="user", user_id=target.id)

    for t in targets[:3]:
        r, k = file(rep, t)
        report_ids.append(r["id"])
        assert k["priority"] == 110  # 100 · severity 1 + 10 · one reporter
        decide(m1, k["id"], action="none")
    v = misuse(m1, rep.id)
    assert v["unfounded_reports"]["strikes"] == 3 and v["unfounded_reports"]["deprioritised"]
    assert [n["kind"] for n in v["notices"]] == ["deprioritised", "unfounded_warning"]
    msgs = safety_texts(rep)
    assert any(t and "were found unfounded" in t and t.startswith("Warning #") for t in msgs)
    assert any(t and "no longer raise a case's priority" in t for t in msgs)
    # deprioritised: the same kind of report now yields a visibly lower priority
    _, k_low = file(rep, targets[3])
    _, k_norm = file(other, targets[4])
    assert k_low["priority"] == 100 and k_norm["priority"] == 110, (k_low, k_norm)
    assert k_low["reporters"] == 1
    queue = [k["id"] for k in m1.call("GET", "/v1/mod/queue", params={"limit": 100})["cases"]]
    assert queue.index(k_norm["id"]) < queue.index(k_low["id"])
    # a successful appeal by the reporter removes a strike: weight is back
    ap = rep.call("POST", f"/v1/reports/{report_ids[0]}/appeal", {"text": "It is spam"},
                  expect=201)["appeal"]
    m2.call("POST", f"/v1/mod/appeals/{ap['id']}/decide",
            {"outcome": "reversed", "reason": "it was spam after all"})
    v = misuse(m1, rep.id)
    assert v["unfounded_reports"]["strikes"] == 2
    assert not v["unfounded_reports"]["deprioritised"]
    _, k_back = file(rep, targets[4])  # merges into other's open case: both reporters weigh
    assert k_back["priority"] == 120 and k_back["reporters"] == 2
