"""
test_banks.py — hash banks kept in the server's store: create, import (line-numbered
rejections, duplicates), matching by hash and by image, persistence across a restart, adding
hashes without a restart, and who may call what.
"""
import os
import subprocess

import pytest

from helpers import heraldd_path, uname

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TESTDATA = os.environ.get("HD_TESTDATA", os.path.join(REPO, "..", "shared", "testdata"))
PDQ = os.path.join(TESTDATA, "pdq")

ORIG = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"   # aaa-orig.jpg
BLUR = "f8f8f0cee0f4a84f0637022a038f67f0b36e26d596621e1d33e6b39c4e9c9b22"   # blur-a-lot.jpg
SHA = "ab" * 32
MD5 = "cd" * 16


def grant(server, username, role):
    p = subprocess.run([heraldd_path(), "admin", "grant", username, role, "--data",
                        server.data_dir], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr


def admin(server):
    c = server.new_user("badm")
    grant(server, c.username, "admin")
    return c


def bank_name():
    return uname("bank")


def flip(h, nbits):
    """h with its first nbits bits inverted (distance nbits)."""
    v = int(h, 16) ^ ((1 << 256) - (1 << (256 - nbits))) if nbits else int(h, 16)
    return f"{v:064x}"


def create(a, name, category="csam", source="test"):
    return a.call("POST", "/v1/admin/banks", {"name": name, "category": category,
                                              "source": source}, expect=201)["bank"]


def imp(a, name, text, expect=200, params=None, ctype="text/plain"):
    r = a.req("POST", f"/v1/admin/banks/{name}/import", data=text.encode(), params=params,
              headers={"Content-Type": ctype})
    assert r.status_code == expect, r.text
    return r.json()


def match(a, hashes, **kw):
    body = {"hashes": hashes}
    body.update(kw)
    return a.call("POST", "/v1/admin/pdq/match", body)


def test_create_list_and_validation(server):
    a = admin(server)
    n = bank_name()
    b = create(a, n, "terrorism", "GIFCT")
    assert b["name"] == n and b["category"] == "terrorism" and b["source"] == "GIFCT"
    assert b["counts"] == {"pdq": 0, "sha256": 0, "md5": 0}
    a.fail("POST", "/v1/admin/banks", 409, "bank_exists", body={"name": n, "category": "csam"})
    a.fail("POST", "/v1/admin/banks", 400, "category_invalid",
           body={"name": bank_name(), "category": "spam"})
    a.fail("POST", "/v1/admin/banks", 400, "bad_field", body={"name": "../x", "category": "csam"})
    a.fail("POST", "/v1/admin/banks", 400, "bad_field", body={"category": "csam"})
    names = [x["name"] for x in a.call("GET", "/v1/admin/banks")["banks"]]
    assert n in names and names == sorted(names)


def test_import_counts_and_line_numbers(server):
    a = admin(server)
    n = bank_name()
    create(a, n)
    text = ("# a comment\n"
            f"{ORIG}\n"
            "nothex\n"
            f"{ORIG}\n"                 # duplicate within the file
            f"{flip(ORIG, 40)},extra,columns\n"
            "abc123\n")
    r = imp(a, n, text)
    assert r["added"] == 2 and r["duplicates"] == 1 and r["rejected"] == 2
    assert [e["line"] for e in r["errors"]] == [3, 6]
    assert all(e["reason"] for e in r["errors"])
    r = imp(a, n, f"{ORIG}\n{flip(ORIG, 40)}\n")   # all already in the bank
    assert r["added"] == 0 and r["duplicates"] == 2
    # exact hashes, CSV with a type column
    r = imp(a, n, f"signal_type,signal_value\nsha256,{SHA}\nmd5,{MD5}\nmd5,zz\n",
            ctype="text/csv")
    assert r["added"] == 2 and r["rejected"] == 1 and r["errors"][0]["line"] == 4
    counts = {x["name"]: x["counts"] for x in a.call("GET", "/v1/admin/banks")["banks"]}[n]
    assert counts == {"pdq": 2, "sha256": 1, "md5": 1}
    # strict: one bad line rejects everything
    r = imp(a, n, f"{flip(ORIG, 60)}\nbad\n", expect=400, params={"strict": "1"})
    assert r["error"]["code"] == "bad_request" and r["errors"][0]["line"] == 2
    assert match(a, [flip(ORIG, 60)], bank=n, max_distance=0)["matches"] == []
    a.fail("POST", "/v1/admin/banks/nosuchbank_zz/import", 404, "bank_not_found", data=b"x")


def test_match_by_hash(server):
    a = admin(server)
    n = bank_name()
    create(a, n, "ncii")
    imp(a, n, f"{ORIG}\n")
    imp(a, n, f"{SHA}\n", params={"type": "sha256"})
    imp(a, n, f"{MD5}\n", params={"type": "md5"})
    r = match(a, [BLUR, flip(ORIG, 31), flip(ORIG, 32), SHA, MD5.upper()], bank=n)
    got = sorted((m["query"], m["signal"], m["distance"]) for m in r["matches"])
    d_blur = bin(int(BLUR, 16) ^ int(ORIG, 16)).count("1")
    assert got == sorted([(BLUR, "pdq", d_blur), (flip(ORIG, 31), "pdq", 31),
                          (SHA, "sha256", 0), (MD5, "md5", 0)])
    m = [x for x in r["matches"] if x["signal"] == "pdq"][0]
    assert m["bank"] == n and m["category"] == "ncii" and m["hash"] == ORIG
    assert match(a, [flip(ORIG, 20)], bank=n, max_distance=10)["matches"] == []
    a.fail("POST", "/v1/admin/pdq/match", 400, "bad_hash", body={"hashes": ["xyz"]})
    a.fail("POST", "/v1/admin/pdq/match", 400, "bad_field", body={"hashes": []})
    a.fail("POST", "/v1/admin/pdq/match", 404, "bank_not_found",
           body={"hashes": [ORIG], "bank": "nosuchbank_zz"})


@pytest.mark.skipif(not os.path.isdir(PDQ), reason="shared PDQ test data not present")
def test_match_by_image(server):
    a = admin(server)
    n = bank_name()
    create(a, n)
    imp(a, n, f"{ORIG}\n")
    with open(os.path.join(PDQ, "images", "bridge-mods", "blur-a-lot.jpg"), "rb") as f:
        img = f.read()
    r = a.req("POST", "/v1/admin/pdq/match", data=img, params={"bank": n},
              headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 200, r.text
    j = r.json()
    assert j["pdq"] == [BLUR] and j["quality"] == 100 and j["actionable"] is True
    assert [(m["hash"], m["signal"]) for m in j["matches"]] == [(ORIG, "pdq")]
    # dihedral: the 8 variants are searched, each entry reported once
    r = a.req("POST", "/v1/admin/pdq/match", data=img, params={"bank": n, "dihedral": "1"},
              headers={"Content-Type": "image/jpeg"}).json()
    assert len(r["pdq"]) == 8 and r["pdq"][0] == BLUR and len(r["matches"]) == 1
    # a bank holding only the 90-degree rotation matches only with --dihedral
    n2 = bank_name()
    create(a, n2)
    imp(a, n2, r["pdq"][1] + "\n")
    plain = a.req("POST", "/v1/admin/pdq/match", data=img, params={"bank": n2},
                  headers={"Content-Type": "image/jpeg"}).json()
    dih = a.req("POST", "/v1/admin/pdq/match", data=img, params={"bank": n2, "dihedral": "1"},
                headers={"Content-Type": "image/jpeg"}).json()
    assert plain["matches"] == [] and [m["distance"] for m in dih["matches"]] == [0]
    r = a.req("POST", "/v1/admin/pdq/match", data=b"not an image",
              headers={"Content-Type": "image/png"})
    assert r.status_code == 415


def test_non_admin_forbidden(server):
    a = admin(server)
    n = bank_name()
    create(a, n)
    u = server.new_user("plain")
    u.fail("GET", "/v1/admin/banks", 403, "forbidden")
    u.fail("POST", "/v1/admin/banks", 403, "forbidden", body={"name": bank_name(),
                                                               "category": "csam"})
    u.fail("POST", f"/v1/admin/banks/{n}/import", 403, "forbidden", data=ORIG.encode())
    u.fail("POST", "/v1/admin/pdq/match", 403, "forbidden", body={"hashes": [ORIG]})
    server.client().fail("GET", "/v1/admin/banks", 401, "unauthorized")
    m = server.new_user("mod")
    grant(server, m.username, "moderator")
    m.call("GET", "/v1/admin/banks")                       # moderators may list and match
    m.call("POST", "/v1/admin/pdq/match", {"hashes": [ORIG]})
    m.fail("POST", f"/v1/admin/banks/{n}/import", 403, "forbidden", data=ORIG.encode())
    m.fail("POST", "/v1/admin/banks", 403, "forbidden", body={"name": bank_name(),
                                                               "category": "csam"})


def test_restart_keeps_banks_and_live_adds(make_server):
    s = make_server()
    a = admin(s)
    create(a, "persist", "csam", "ncmec")
    imp(a, "persist", f"{ORIG}\n{SHA}\n", params={"type": "sha256"})
    s.restart()
    banks = {b["name"]: b for b in a.call("GET", "/v1/admin/banks")["banks"]}
    assert banks["persist"]["counts"] == {"pdq": 0, "sha256": 2, "md5": 0}
    assert banks["persist"]["source"] == "ncmec" and banks["persist"]["category"] == "csam"
    imp(a, "persist", f"{ORIG}\n")
    assert [m["hash"] for m in match(a, [BLUR])["matches"]] == [ORIG]
    # add without restart: the new hash matches at once
    far = flip(ORIG, 128)
    assert match(a, [far])["matches"] == []
    assert imp(a, "persist", far + "\n")["added"] == 1
    assert [m["distance"] for m in match(a, [far])["matches"]] == [0]
    # and a second restart still has both
    s.restart()
    got = {m["hash"] for m in match(a, [far, BLUR])["matches"]}
    assert got == {far, ORIG}
    audit = a.call("GET", "/v1/admin/audit", params={"subject": "bank:persist"})["records"]
    assert [r["kind"] for r in audit] == ["bank.create"] + ["bank.import"] * 3


@pytest.mark.skipif(not os.path.isdir(PDQ), reason="shared PDQ test data not present")
def test_import_shared_list(server):
    a = admin(server)
    n = bank_name()
    create(a, n)
    with open(os.path.join(PDQ, "hash-lists", "haystack.txt")) as f:
        text = f.read()
    r = imp(a, n, text)
    nonblank = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    assert r["rejected"] == 0 and r["added"] + r["duplicates"] == len(nonblank)
    assert r["added"] > 1000
    first = text.split()[0]
    assert any(m["distance"] == 0 for m in match(a, [first], bank=n)["matches"])
