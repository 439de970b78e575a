"""Black-box tests of the `herald` binary against a real heraldd (see conftest.py).

Exit codes under test: 0 ok, 1 server/API error, 2 usage error, 3 network error, 4 not
logged in.
"""
import json
import os
import socket
import stat
import subprocess
import time

import pytest

from conftest import HERALD


def lines(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def test_help_and_usage_errors(server, users):
    u = users("alice")
    r = u.run("--help")
    assert r.returncode == 0 and "follow" in r.stdout and "upload" in r.stdout
    r = u.run("send", "--help")
    assert r.returncode == 0 and "TARGET" in r.stdout and "--reply-to" in r.stdout
    assert u.run().returncode == 2
    r = u.run("frobnicate")
    assert r.returncode == 2 and "unknown command" in r.stderr
    assert u.run("history", "--limit").returncode == 2
    assert u.run("chats", "--bogus").returncode == 2
    assert u.run("send", "@bob").returncode == 2  # no text


def test_not_logged_in_and_unreachable(server, users):
    u = users("alice")
    r = u.run("me")
    assert r.returncode == 4 and "not logged in" in r.stderr
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = u.run("--server", f"http://127.0.0.1:{port}", "login", "alice", input="password123\n")
    assert r.returncode == 3 and "refused" in r.stderr
    r = u.run("--server", "ftp://nope", "me")
    assert r.returncode == 2


def test_register_saves_private_token_and_me(server, users):
    a = users("alice")
    r = a.register()
    assert "logged in as @alice" in r.stdout
    cfg = a.home / "xdg" / "herald" / "config.json"
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert stat.S_IMODE(cfg.parent.stat().st_mode) == 0o700
    saved = json.loads(cfg.read_text())
    assert saved["server"] == server.url and len(saved["token"]) == 64
    r = a.run("--json", "me")
    assert r.returncode == 0
    me = json.loads(r.stdout)
    assert me["user"]["username"] == "alice" and me["user"]["country"] == "DE"
    r = a.run("me")
    assert "@alice" in r.stdout and "country: DE" in r.stdout
    r = a.run("sessions", "--json")
    assert r.returncode == 0
    sessions = json.loads(r.stdout)["sessions"]
    assert len(sessions) == 1 and sessions[0]["current"] is True
    # $HOME fallback when XDG_CONFIG_HOME is not set
    r = a.run("me", env=a.env(XDG_CONFIG_HOME=None))
    assert r.returncode == 4
    r = a.run("login", "alice", input="password123\n", env=a.env(XDG_CONFIG_HOME=None))
    assert r.returncode == 0, r.stderr
    assert (a.home / ".config" / "herald" / "config.json").exists()
    assert a.run("me", env=a.env(XDG_CONFIG_HOME=None)).returncode == 0


def test_bad_password_and_taken_username(server, users):
    a = users("alice")
    a.register()
    r = a.run("login", "alice", input="wrongpassword\n")
    assert r.returncode == 1 and "bad_credentials" in r.stderr
    r = users("alice2").run("register", "alice", "--country", "FR", input="password123\n")
    assert r.returncode == 1 and "username_taken" in r.stderr
    r = users("x").run("register", "bob", input="password123\n", env=users("x").env(LANG="C"))
    assert r.returncode == 2 and "--country" in r.stderr


def test_send_private_and_history(server, users):
    a, b = users("alice"), users("bobby")
    a.register()
    b.register()
    r = a.run("send", "@bobby", "hello", "there")
    assert r.returncode == 0, r.stderr
    r = a.run("--json", "send", "@bobby", "-", input="from stdin\n")
    assert r.returncode == 0
    sent = json.loads(r.stdout)
    assert sent["message"]["text"] == "from stdin" and sent["duplicate"] is False
    chat_id = sent["message"]["chat_id"]
    r = b.run("history", f"#{chat_id}", "--json")
    msgs = json.loads(r.stdout)["messages"]
    assert [m["text"] for m in msgs] == ["from stdin", "hello there"]  # newest first
    r = b.run("history", "@alice")  # human: oldest first
    out = r.stdout.splitlines()
    assert r.returncode == 0 and "hello there" in out[0] and "from stdin" in out[1]
    r = b.run("history", str(chat_id), "--limit", "1", "--before", str(msgs[0]["id"]), "--json")
    assert [m["text"] for m in json.loads(r.stdout)["messages"]] == ["hello there"]
    r = b.run("chats", "--json")
    dialogs = json.loads(r.stdout)["dialogs"]
    assert dialogs[0]["chat"]["id"] == chat_id
    r = a.run("send", "#999", "nobody")
    assert r.returncode == 1 and "chat_not_found" in r.stderr
    r = a.run("send", "@nosuchuser", "hi")
    assert r.returncode == 1 and "not_found" in r.stderr
    r = a.run("send", "#abc", "hi")
    assert r.returncode == 2


def test_channels_create_join_post(server, users):
    a, b = users("alice"), users("bobby")
    a.register()
    b.register()
    r = a.run("--json", "create", "channel", "Daily News", "--username", "dailynews")
    assert r.returncode == 0, r.stderr
    chat = json.loads(r.stdout)["chat"]
    assert chat["type"] == "channel" and chat["username"] == "dailynews"
    r = b.run("join", "@dailynews")
    assert r.returncode == 0 and "Daily News" in r.stdout
    assert a.run("send", "@dailynews", "first post").returncode == 0
    r = b.run("send", "@dailynews", "not allowed")
    assert r.returncode == 1 and "chat_write_forbidden" in r.stderr
    r = b.run("--json", "history", "@dailynews")
    assert [m["text"] for m in json.loads(r.stdout)["messages"]] == ["first post"]
    r = a.run("create", "folder", "x")
    assert r.returncode == 2
    r = a.run("create", "group", "Friends")
    assert r.returncode == 0 and "created group" in r.stdout


def test_logout_forgets_token(server, users):
    a = users("alice")
    a.register()
    r = a.run("logout")
    assert r.returncode == 0 and "logged out" in r.stdout
    saved = json.loads((a.home / "xdg" / "herald" / "config.json").read_text())
    assert "token" not in saved
    assert a.run("me").returncode == 4


def test_token_not_sent_to_another_server(server, users):
    a = users("alice")
    a.register()
    r = a.run("--server", "http://127.0.0.1:1", "me")
    assert r.returncode == 4  # the saved token belongs to the other server
    # --server wins over $HERALD_SERVER
    r = a.run("--server", server.url, "me", env=a.env(HERALD_SERVER="http://127.0.0.1:1"))
    assert r.returncode == 0


def test_revoked_session_is_not_logged_in(server, users):
    a = users("alice")
    a.register()
    cfg = a.home / "xdg" / "herald" / "config.json"
    saved = json.loads(cfg.read_text())
    saved["token"] = "0" * 64
    cfg.write_text(json.dumps(saved))
    r = a.run("me")
    assert r.returncode == 4 and "unauthorized" in r.stderr


def read_updates(proc, n, timeout=15):
    """Read n JSON lines from a running `herald follow --json`."""
    out = []
    deadline = time.time() + timeout
    while len(out) < n and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        out.append(json.loads(line))
    return out


def test_follow_prints_each_update_once(server, users):
    a, b = users("alice"), users("bobby")
    a.register()
    b.register()
    a.run("create", "group", "Team", "--username", "teamgroup")
    assert b.run("join", "@teamgroup").returncode == 0
    f = b.popen("--json", "follow", "--count", "3")
    time.sleep(0.5)
    assert a.run("send", "@bobby", "one").returncode == 0
    assert a.run("send", "@teamgroup", "two").returncode == 0
    assert a.run("send", "@bobby", "three").returncode == 0
    f.wait(timeout=15)
    ups = lines(f.stdout.read())
    assert f.returncode == 0
    texts = [u["message"]["text"] for u in ups if u["type"] == "new_message"]
    assert texts == ["one", "two", "three"]
    assert {u["log"] for u in ups} == {"user", "chat"}


def test_follow_reconnects_and_resyncs(server, users):
    a, b = users("alice"), users("bobby")
    a.register()
    b.register()
    a.run("create", "channel", "Feed", "--username", "feedchan")
    assert b.run("join", "@feedchan").returncode == 0
    f = b.popen("--json", "follow", "--count", "5")
    time.sleep(0.5)
    assert a.run("send", "@bobby", "before").returncode == 0
    assert a.run("send", "@feedchan", "post before").returncode == 0
    got = read_updates(f, 2)
    assert [u["message"]["text"] for u in got] == ["before", "post before"]
    server.restart()  # same port, same data: the live connection drops
    assert a.run("send", "@bobby", "during").returncode == 0
    assert a.run("send", "@feedchan", "post during").returncode == 0
    time.sleep(1.5)  # follow reconnects (backoff) and fetches the difference
    assert a.run("send", "@bobby", "after").returncode == 0
    f.wait(timeout=20)
    rest = lines(f.stdout.read())
    texts = [u["message"]["text"] for u in rest]
    assert sorted(texts[:2]) == ["during", "post during"] and texts[2] == "after"
    assert f.returncode == 0
    assert "reconnect" in f.stderr.read()


def test_follow_human_output(server, users):
    a, b = users("alice"), users("bobby")
    a.register()
    b.register()
    f = b.popen("follow", "--count", "1")
    time.sleep(0.5)
    a.run("send", "@bobby", "hi bob")
    f.wait(timeout=15)
    out = f.stdout.read()
    assert "hi bob" in out and "#1" in out


def test_upload_reports_server_answer(server, users, tmp_path):
    a = users("alice")
    a.register()
    pic = tmp_path / "pic.png"
    ihdr = b"IHDR" + (3).to_bytes(4, "big") + (2).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    pic.write_bytes(b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4, "big") + ihdr + b"\0" * 4
                    + bytes(range(256)) * 400)
    r = a.run("upload", str(pic))
    assert r.returncode == 0 and "uploaded" in r.stdout, r.stderr
    r = a.run("--json", "upload", str(pic))
    assert r.returncode == 0 and '"photo"' in r.stdout and '"width": 3' in r.stdout.replace(
        '"width":3', '"width": 3')
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    r = a.run("upload", str(bad))
    assert r.returncode == 1 and "media_type_mismatch" in r.stderr
    assert "\r" not in r.stderr and "[#" not in r.stderr  # no progress bar into a pipe
    r = a.run("upload", str(tmp_path / "missing.png"))
    assert r.returncode == 2 and "missing.png" in r.stderr


def test_upload_progress_bar_only_on_a_terminal(server, users, tmp_path):
    import pty
    a = users("alice")
    a.register()
    pic = tmp_path / "big.jpg"
    pic.write_bytes(b"\xff\xd8" + b"\x00" * (512 * 1024))
    master, slave = pty.openpty()
    p = subprocess.Popen([HERALD, "upload", str(pic)], stdout=subprocess.PIPE, stderr=slave,
                         env=a.env(), text=True)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    p.wait(timeout=20)
    os.close(master)
    text = err.decode(errors="replace")
    assert "big.jpg [" in text and "%" in text and "\r" in text
    assert p.returncode in (0, 1)
