"""Black-box tests of `herald pdq …` (hash locally; bank import and match through the admin
API) against a real heraldd, and its agreement with tools/herald-hash."""
import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import HERALD, ROOT

TESTDATA = Path(os.environ.get("HD_TESTDATA", ROOT.parent / "shared" / "testdata")) / "pdq"
IMAGES = TESTDATA / "images" / "bridge-mods"
ORIG = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
needs_data = pytest.mark.skipif(not IMAGES.is_dir(), reason="shared PDQ test data not present")


def admin(server, users, name="admin1"):
    u = users(name)
    u.register()
    r = subprocess.run([server.bin, "admin", "grant", name, "admin", "--data", str(server.data)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return u


@needs_data
def test_hash_matches_reference_csv(server, users):
    u = users("alice")
    expected = {}
    for line in (TESTDATA / "expected" / "fullres-core.csv").read_text().splitlines()[1:]:
        path, h, q = line.split(",")
        expected[path] = (h, q)
    files = sorted(IMAGES.glob("*.jpg"))[:6]
    r = u.run("pdq", "hash", *map(str, files))
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert len(out) == len(files)
    for f, line in zip(files, out):
        h, q, p = line.split(",", 2)
        assert p == str(f)
        assert (h, q) == expected["bridge-mods/" + f.name]
    # the same bytes as herald-hash (kept as the offline tool)
    hh = Path(HERALD).parent / "tools" / "herald-hash"
    if hh.exists():
        ref = subprocess.run([str(hh), "hash", "--dihedral", str(files[0])], capture_output=True,
                             text=True)
        mine = u.run("pdq", "hash", "--dihedral", str(files[0]))
        assert ref.returncode == 0 and mine.stdout == ref.stdout
        assert len(mine.stdout.split(",")) == 10


def test_hash_errors(server, users, tmp_path):
    u = users("alice")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xffnot really a jpeg")
    r = u.run("pdq", "hash", str(bad), str(tmp_path / "missing.png"))
    assert r.returncode != 0 and r.stdout == ""
    assert "bad.jpg" in r.stderr and "missing.png" in r.stderr
    assert u.run("pdq", "hash").returncode == 2
    assert u.run("pdq", "hash", "--profile", "huge", str(bad)).returncode == 2
    assert u.run("pdq", "frob").returncode == 2


@needs_data
def test_bank_import_and_match(server, users, tmp_path):
    a = admin(server, users)
    lst = tmp_path / "list.txt"
    lst.write_text(f"# test list\n{ORIG}\nnot-a-hash\n{'ab' * 32}\n")
    r = a.run("pdq", "bank", "import", "testbank", str(lst))
    assert r.returncode == 1 and "bank_not_found" in r.stderr
    r = a.run("pdq", "bank", "import", "testbank", str(lst), "--category", "csam",
              "--source", "unit")
    assert r.returncode == 0, r.stderr
    assert "2 added" in r.stdout and "1 rejected" in r.stdout
    assert "line 3:" in r.stderr
    r = a.run("pdq", "bank", "list")
    assert r.returncode == 0 and "testbank" in r.stdout and "csam" in r.stdout
    blur = IMAGES / "blur-a-lot.jpg"
    r = a.run("pdq", "match", str(blur), "ab" * 32, "00" * 32)
    assert r.returncode == 0, r.stderr
    rows = sorted(line.split(",") for line in r.stdout.splitlines())
    assert [row[0] for row in rows] == sorted([str(blur), "ab" * 32])
    img = [row for row in rows if row[0] == str(blur)][0]
    assert img[1:5] == ["testbank", "csam", "pdq", ORIG] and 0 < int(img[5]) <= 31
    r = a.run("--json", "pdq", "match", "--bank", "testbank", "--radius", "0", ORIG)
    assert [json.loads(x)["distance"] for x in r.stdout.splitlines()] == [0]
    assert a.run("pdq", "match", "--bank", "nosuchbank", ORIG).returncode == 1


def test_bank_needs_login_and_admin(server, users, tmp_path):
    u = users("bobby")
    r = u.run("pdq", "match", ORIG)
    assert r.returncode == 4 and "not logged in" in r.stderr
    u.register()
    lst = tmp_path / "l.txt"
    lst.write_text(ORIG + "\n")
    r = u.run("pdq", "bank", "import", "x", str(lst), "--category", "csam")
    assert r.returncode == 1 and "forbidden" in r.stderr
