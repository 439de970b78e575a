"""
test_safety_signals.py — automated signals (docs/safety.md "Automated signals"): hash matching
of media sent to public chats (quarantine + urgent case, never for private chats), and the
rules engine over public text (admin rules, cases with source "rule", invalid regex → 400).
Each test runs its own server so the hash-run counter and cache start from zero.
"""
import hashlib
import os
import subprocess
import time

import pytest

from helpers import heraldd_path, rid, uname

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TESTDATA = os.environ.get("HD_TESTDATA", os.path.join(REPO, "..", "shared", "testdata"))
IMAGES = os.path.join(TESTDATA, "pdq", "images")
ORIG_JPG = os.path.join(IMAGES, "bridge-mods", "aaa-orig.jpg")
VARIANT_JPG = os.path.join(IMAGES, "bridge-mods", "blur-a-lot.jpg")
ORIG = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"   # aaa-orig.jpg


def grant(server, client, role):
    p = subprocess.run([heraldd_path(), "admin", "grant", client.username, role, "--data",
                        server.data_dir], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return client


def upload_file(c, path):
    with open(path, "rb") as f:
        data = f.read()
    r = c.req("POST", "/v1/media", data=data, headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.text[:300]
    return r.json()["media"]


def send_media(c, chat_id, media_id, text=""):
    return c.call("POST", f"/v1/chats/{chat_id}/messages",
                  {"random_id": rid(), "media_id": media_id, "text": text})["message"]


def stats(admin):
    return admin.call("GET", "/v1/admin/signals")


def cases_for(mod, chat_id):
    return [k for k in mod.call("GET", "/v1/mod/queue", params={"limit": 100})["cases"]
            if k["target"].get("chat_id") == chat_id]


@pytest.fixture
def env(make_server):
    s = make_server()
    admin = grant(s, s.new_user("sadm"), "admin")
    bank = uname("bank")
    admin.call("POST", "/v1/admin/banks", {"name": bank, "category": "csam", "source": "test"},
               expect=201)
    r = admin.req("POST", f"/v1/admin/banks/{bank}/import", data=ORIG.encode(),
                  headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    return s, admin, bank


def test_private_chat_is_never_hashed(env):
    s, admin, _ = env
    a, b = s.new_user("pa"), s.new_user("pb")
    priv = a.private(b)["id"]
    group = a.create("group")  # private group: no @username
    for chat in (priv, group["id"]):
        m = upload_file(a, ORIG_JPG)
        msg = send_media(a, chat, m["id"])
        assert "quarantined" not in msg["media"]
    st = stats(admin)
    assert st["hash_runs"] == 0 and st["screened"] == 0 and st["matches"] == 0
    assert cases_for(admin, priv) == [] and cases_for(admin, group["id"]) == []
    r = b.req("GET", f"/v1/media/{m['id']}")  # b is not in the private group; check priv copy
    m2 = upload_file(a, ORIG_JPG)
    send_media(a, priv, m2["id"])
    assert b.req("GET", f"/v1/media/{m2['id']}").status_code == 200
    assert r.status_code == 404


def test_public_channel_match_quarantines_and_opens_urgent_case(env):
    s, admin, bank = env
    owner, viewer = s.new_user("co"), s.new_user("cv")
    chan = owner.create("channel", username=uname("chan"))
    viewer.join(chan["username"])
    m = upload_file(owner, ORIG_JPG)
    msg = send_media(owner, chan["id"], m["id"], "look")
    assert msg["media"]["quarantined"] is True and msg["text"] == "look"  # stored, media held
    st = stats(admin)
    assert st["hash_runs"] == 1 and st["matches"] == 1
    # everyone but staff: the message shows the hold, the download is refused (451)
    h = viewer.history(chan["id"])
    assert h[0]["id"] == msg["id"] and h[0]["media"]["quarantined"] is True
    for c in (viewer, owner):
        c.fail("GET", f"/v1/media/{m['id']}", 451, "media_withheld")
    r = admin.req("GET", f"/v1/media/{m['id']}")  # staff (admin) may fetch it for review
    assert r.status_code == 200
    assert hashlib.sha256(r.content).hexdigest() == m["sha256"]
    ks = cases_for(admin, chan["id"])
    assert len(ks) == 1
    k = ks[0]
    assert k["source"] == "hash_match" and k["urgent"] is True
    assert k["reason"] == "child_abuse" and k["target"]["message_id"] == msg["id"]
    view = admin.call("GET", f"/v1/mod/cases/{k['id']}")
    ev = view["reports"][0]
    assert ev["source"] == "hash_match"
    assert f'"bank":"{bank}"' in ev["comment"] and '"category":"csam"' in ev["comment"]
    assert '"distance":0' in ev["comment"] and '"signal":"pdq"' in ev["comment"]
    # the same bytes again: hashed once (cache), matched again
    m2 = upload_file(owner, ORIG_JPG)
    assert send_media(owner, chan["id"], m2["id"])["media"]["quarantined"] is True
    st = stats(admin)
    assert st["hash_runs"] == 1 and st["cache_hits"] >= 1 and st["matches"] == 2


def test_modified_variant_in_public_group_matches(env):
    s, admin, bank = env
    a = s.new_user("ga")
    g = a.create("group", username=uname("pubg"))
    m = upload_file(a, VARIANT_JPG)
    msg = send_media(a, g["id"], m["id"])
    assert msg["media"]["quarantined"] is True
    k = cases_for(admin, g["id"])[0]
    view = admin.call("GET", f"/v1/mod/cases/{k['id']}")
    c = view["reports"][0]["comment"]
    dist = int(c.split('"distance":')[1].split(",")[0])
    assert 0 < dist <= 31, c


def test_unrelated_image_in_public_channel_passes(env):
    s, admin, _ = env
    a = s.new_user("ua")
    chan = a.create("channel", username=uname("chan"))
    other = sorted(os.listdir(os.path.join(IMAGES, "misc-images")))
    jpgs = [f for f in other if f.lower().endswith((".jpg", ".jpeg"))]
    if not jpgs:
        pytest.skip("no unrelated JPEG in the test data")
    m = upload_file(a, os.path.join(IMAGES, "misc-images", jpgs[0]))
    msg = send_media(a, chan["id"], m["id"])
    assert "quarantined" not in msg["media"]
    assert stats(admin)["hash_runs"] == 1 and cases_for(admin, chan["id"]) == []
    assert a.req("GET", f"/v1/media/{m['id']}").status_code == 200


def wait_cases(admin, chat_id, n=1, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        ks = cases_for(admin, chat_id)
        if len(ks) >= n:
            return ks
        time.sleep(0.05)
    return cases_for(admin, chat_id)


def test_rules_open_cases_on_public_text_only(env):
    s, admin, _ = env
    a, b = s.new_user("ra"), s.new_user("rb")
    kw = admin.call("POST", "/v1/admin/rules", {"kind": "keyword", "pattern": "FreeCoins",
                                                "category": "scam"}, expect=201)["rule"]
    rx = admin.call("POST", "/v1/admin/rules", {"kind": "regex",
                                                "pattern": r"buy\s+\d+\s*g\b",
                                                "category": "illegal_drugs"}, expect=201)["rule"]
    off = admin.call("POST", "/v1/admin/rules", {"kind": "keyword", "pattern": "hello",
                                                 "category": "spam", "enabled": False},
                     expect=201)["rule"]
    assert [r["id"] for r in admin.call("GET", "/v1/admin/rules")["rules"]] == \
        [kw["id"], rx["id"], off["id"]]
    chan = a.create("channel", username=uname("chan"))
    priv = a.private(b)["id"]
    a.send(priv, "get freecoins now, BUY 5 g")  # private: never evaluated
    m1 = a.send(chan["id"], "hello world")       # disabled rule only
    m2 = a.send(chan["id"], "get FREECOINS here and buy 10g today")
    ks = wait_cases(admin, chan["id"])
    assert len(ks) == 1
    k = ks[0]
    assert k["source"] == "rule" and k["target"]["message_id"] == m2["id"]
    assert k["urgent"] is False and k["reason"] in ("scam", "illegal_drugs")
    view = admin.call("GET", f"/v1/mod/cases/{k['id']}")
    got = sorted(r["comment"] for r in view["reports"])
    assert got == sorted([f'{{"rule_id":{kw["id"]}}}', f'{{"rule_id":{rx["id"]}}}'])
    assert cases_for(admin, priv) == []
    assert all(c["target"].get("message_id") != m1["id"] for c in cases_for(admin, chan["id"]))
    # the rule never acts alone: the message is untouched
    assert a.history(chan["id"])[0]["text"] == "get FREECOINS here and buy 10g today"
    # delete: no longer evaluated
    admin.call("DELETE", f"/v1/admin/rules/{kw['id']}")
    admin.fail("DELETE", f"/v1/admin/rules/{kw['id']}", 404, "rule_not_found")
    m3 = a.send(chan["id"], "freecoins again")
    time.sleep(0.3)
    assert all(c["target"].get("message_id") != m3["id"] for c in cases_for(admin, chan["id"]))
    st = stats(admin)
    assert st["rule_runs"] >= 3


def test_rules_validation_and_access(env):
    s, admin, _ = env
    u = s.new_user("rv")
    admin.fail("POST", "/v1/admin/rules", 400, "rule_invalid",
               body={"kind": "regex", "pattern": "(unclosed", "category": "spam"})
    admin.fail("POST", "/v1/admin/rules", 400, "bad_field",
               body={"kind": "glob", "pattern": "x", "category": "spam"})
    admin.fail("POST", "/v1/admin/rules", 400, "reason_invalid",
               body={"kind": "keyword", "pattern": "x", "category": "nonsense"})
    admin.fail("POST", "/v1/admin/rules", 400, "bad_field",
               body={"kind": "keyword", "pattern": "x" * 1025, "category": "spam"})
    u.fail("GET", "/v1/admin/rules", 403, "forbidden")
    u.fail("POST", "/v1/admin/rules", 403, "forbidden",
           body={"kind": "keyword", "pattern": "x", "category": "spam"})
    u.fail("GET", "/v1/admin/signals", 403, "forbidden")


def test_catastrophic_regex_is_bounded(env):
    s, admin, _ = env
    a = s.new_user("cb")
    admin.call("POST", "/v1/admin/rules", {"kind": "regex", "pattern": r"^(a+)+$",
                                           "category": "spam"}, expect=201)
    chan = a.create("channel", username=uname("chan"))
    t0 = time.time()
    a.send(chan["id"], "a" * 4000 + "b")
    a.send(chan["id"], "ok")
    time.sleep(0.3)
    assert time.time() - t0 < 5
    assert stats(admin)["rule_runs"] >= 2


# ---- loose ends (step 4): flagger revocation, counters, dialog list, differences ----------

def decide(mod, case_id, **kw):
    b = {"action": "remove", "ground": "tos", "tos_clause": "ToS 4.2 spam",
         "category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "keywords": ["KEYWORD_PHISHING"],
         "territorial_scope": ["DE", "FR"], "facts": "Phishing link posted repeatedly."}
    b.update(kw)
    mod.call("POST", f"/v1/mod/cases/{case_id}/claim")
    return mod.call("POST", f"/v1/mod/cases/{case_id}/decide", b)


def report(c, target, reason="spam"):
    return c.call("POST", "/v1/reports", {"target": target, "reason": reason}, expect=201)


def test_flagger_revocation(env):
    s, admin, _ = env
    owner = s.new_user("fo")
    ch = owner.create("channel", username=uname("flg"))
    f = admin.call("POST", "/v1/admin/flaggers", {"name": uname("ngo"), "country": "DE",
                                                  "categories": ["scam"]}, expect=201)
    h = {"X-Flagger-Key": f["api_key"]}
    anon = s.client()
    body = {"target": {"type": "chat", "chat_id": ch["id"]}, "reason": "scam"}
    anon.call("POST", "/v1/flagger/reports", body, expect=201, headers=h)
    owner.fail("DELETE", f"/v1/admin/flaggers/{f['flagger']['id']}", 403, "forbidden")
    admin.call("DELETE", f"/v1/admin/flaggers/{f['flagger']['id']}")
    anon.fail("POST", "/v1/flagger/reports", 401, "unauthorized", body=body, headers=h)
    admin.fail("DELETE", f"/v1/admin/flaggers/{f['flagger']['id']}", 404, "not_found")
    row = [x for x in admin.call("GET", "/v1/admin/flaggers")["flaggers"]
           if x["id"] == f["flagger"]["id"]][0]
    assert row["revoked_at"] > 0 and row["reports"] == 1   # the track record is kept
    audit = admin.call("GET", "/v1/admin/audit", params={"kind": "flagger.revoke"})["records"]
    assert audit and audit[-1]["subject"] == f"flagger:{f['flagger']['id']}"


def test_counters_endpoint_and_dialogs_hide_banned(env):
    s, admin, _ = env
    mod = grant(s, s.new_user("cm"), "moderator")
    owner, member = s.new_user("co", country="FR"), s.new_user("cb")
    g = owner.create("group", username=uname("bang"))
    member.join(g["username"])
    owner.send(g["id"], "bad")
    report(member, {"type": "chat", "chat_id": g["id"]}, "illegal_drugs")
    k = [c for c in cases_for(mod, g["id"]) if c["target"]["type"] == "chat"][0]
    assert any(d["chat"]["id"] == g["id"] for d in member.call("GET", "/v1/chats")["dialogs"])
    decide(mod, k["id"], action="ban_chat")
    for c in (owner, member):
        assert all(d["chat"]["id"] != g["id"] for d in c.call("GET", "/v1/chats")["dialogs"])
    today = time.strftime("%Y-%m-%d", time.gmtime())
    r = admin.call("GET", "/v1/admin/counters", params={"from": today, "to": today})
    assert r["from"] == today and r["to"] == today
    rows = [x for x in r["counters"] if x["action"] == "ban_chat" and x["country"] == "FR"]
    assert rows and rows[0]["n"] >= 1 and rows[0]["day"] == today
    assert admin.call("GET", "/v1/admin/counters")["counters"]  # default window: last 30 days
    assert admin.call("GET", "/v1/admin/counters",
                      params={"from": "2001-01-01", "to": "2001-01-31"})["counters"] == []
    for bad in ({"from": "2026-02-30"}, {"from": "x"}, {"from": "2026-03-02", "to": "2026-03-01"},
                {"from": "2020-01-01", "to": "2026-01-01"}):
        admin.fail("GET", "/v1/admin/counters", 400, "bad_request", params=bad)
    owner.fail("GET", "/v1/admin/counters", 403, "forbidden")


def test_difference_applies_withheld_per_viewer(env):
    s, admin, _ = env
    mod = grant(s, s.new_user("dm"), "moderator")
    owner = s.new_user("do", country="FR")
    de, fr = s.new_user("dd", country="DE"), s.new_user("df", country="FR")
    ch = owner.create("channel", username=uname("with"))
    de.join(ch["username"])
    fr.join(ch["username"])
    pts = {c: c.call("GET", f"/v1/chats/{ch['id']}/difference", params={"pts": 0})["pts"]
           for c in (de, fr)}
    p1 = owner.send(ch["id"], "forbidden in germany")
    report(de, {"type": "message", "chat_id": ch["id"], "message_id": p1["id"]}, "violence")
    k = [c for c in cases_for(mod, ch["id"]) if c["target"].get("message_id") == p1["id"]][0]
    decide(mod, k["id"], action="withhold", ground="illegal", legal_ground="StGB 130",
           category="STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", keywords=[],
           countries=["DE"], label="Withheld under German law")
    def msg_of(c):
        ups = c.call("GET", f"/v1/chats/{ch['id']}/difference", params={"pts": pts[c]})["updates"]
        return [u["message"] for u in ups if u.get("message", {}).get("id") == p1["id"]][0]
    seen_de, seen_fr = msg_of(de), msg_of(fr)
    assert "text" not in seen_de and seen_de["withheld"]["countries"] == ["DE"]
    assert seen_fr["text"] == "forbidden in germany" and "withheld" not in seen_fr


# ---- profile photos: screened like public media (issue 5 "Automated signals") ----------

CLEAN_PNG = os.path.join(IMAGES, "reg-test-input", "pen-and-coaster.png")


def upload_png(c, path):
    with open(path, "rb") as f:
        r = c.req("POST", "/v1/media", data=f.read(), headers={"Content-Type": "image/png"})
    assert r.status_code == 201, r.text[:300]
    return r.json()["media"]


def set_photo(c, media_id, expect=200):
    return c.call("PATCH", "/v1/me", {"photo_media_id": media_id}, expect=expect)


def test_banked_profile_photo_is_quarantined_with_urgent_case(env):
    s, admin, bank = env
    a, other = s.new_user("ppa"), s.new_user("ppo")
    m = upload_file(a, ORIG_JPG)
    u = set_photo(a, m["id"])["user"]
    assert u["photo"]["id"] == m["id"] and u["photo"]["quarantined"] is True
    st = stats(admin)
    assert st["hash_runs"] == 1 and st["matches"] == 1
    seen = other.call("GET", f"/v1/users/{a.username}")["user"]
    assert seen["photo"]["id"] == m["id"] and seen["photo"]["quarantined"] is True
    for c in (other, a):
        c.fail("GET", f"/v1/media/{m['id']}", 451, "media_withheld")
    assert admin.req("GET", f"/v1/media/{m['id']}").status_code == 200
    ks = [k for k in admin.call("GET", "/v1/mod/queue", params={"limit": 100})["cases"]
          if k["target"].get("type") == "user" and k["target"].get("user_id") == a.id]
    assert len(ks) == 1, ks
    k = ks[0]
    assert k["source"] == "hash_match" and k["urgent"] is True and k["reason"] == "child_abuse"
    ev = admin.call("GET", f"/v1/mod/cases/{k['id']}")["reports"][0]["comment"]
    assert f'"bank":"{bank}"' in ev and f'"media_id":{m["id"]}' in ev
    # setting the same held photo again opens no second report; null removes the photo
    set_photo(a, m["id"])
    assert stats(admin)["matches"] == 1
    assert "photo" not in set_photo(a, None)["user"]
    assert "photo" not in other.call("GET", f"/v1/users/{a.username}")["user"]


def test_clean_profile_photo_is_visible_and_downloadable(env):
    s, admin, _ = env
    a, other = s.new_user("pca"), s.new_user("pco")
    m = upload_png(a, CLEAN_PNG)
    other.fail("GET", f"/v1/media/{m['id']}", 404, "media_not_found")  # not yet anyone's photo
    u = set_photo(a, m["id"])["user"]
    assert u["photo"]["id"] == m["id"] and "quarantined" not in u["photo"]
    assert u["photo"]["mime_type"] == "image/png" and u["photo"]["kind"] == "photo"
    st = stats(admin)
    assert st["hash_runs"] == 1 and st["screened"] == 1 and st["matches"] == 0
    seen = other.call("GET", f"/v1/users/{a.username}")["user"]
    assert seen["photo"] == u["photo"] and "country" not in seen
    r = other.req("GET", f"/v1/media/{m['id']}")
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == m["sha256"]
    assert a.me()["photo"]["id"] == m["id"]
    # only the caller's own photo uploads; a replaced photo is no longer public
    doc = a.req("POST", "/v1/media", data=b"plain text", headers={"Content-Type": "text/plain"})
    assert doc.status_code == 201
    set_photo(a, doc.json()["media"]["id"], expect=400)
    theirs = upload_png(other, CLEAN_PNG)
    a.fail("PATCH", "/v1/me", 404, "media_not_found", body={"photo_media_id": theirs["id"]})
    a.fail("PATCH", "/v1/me", 400, "bad_field", body={"photo_media_id": "x"})
    set_photo(a, None)
    other.fail("GET", f"/v1/media/{m['id']}", 404, "media_not_found")
    assert s.client().req("GET", f"/v1/media/{m['id']}").status_code == 401


def test_private_chat_media_still_never_hashed_with_photos(env):
    s, admin, _ = env
    a, b = s.new_user("pna"), s.new_user("pnb")
    priv = a.private(b)["id"]
    msg = send_media(a, priv, upload_file(a, ORIG_JPG)["id"])
    assert "quarantined" not in msg["media"]
    assert stats(admin)["hash_runs"] == 0
    # a profile photo is hashed; private media sent afterwards still is not
    set_photo(a, upload_png(a, CLEAN_PNG)["id"])
    assert stats(admin)["hash_runs"] == 1
    msg = send_media(a, priv, upload_file(a, VARIANT_JPG)["id"])
    assert "quarantined" not in msg["media"]
    st = stats(admin)
    assert st["hash_runs"] == 1 and st["matches"] == 0
    assert cases_for(admin, priv) == []
