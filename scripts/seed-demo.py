#!/usr/bin/env python3
"""Seed a fresh demo server through the public API: three accounts, a private chat, a group
and a public channel, a few messages. Used by `make run` on first start."""
import sys
import random
import requests

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
PW = "demo-password"


def call(method, path, token=None, **body):
    h = {"Authorization": "Bearer " + token} if token else {}
    r = requests.request(method, BASE + path, json=body or None, headers=h, timeout=30)
    if r.status_code >= 400:
        raise SystemExit(f"{method} {path}: {r.status_code} {r.text}")
    return r.json()


def main():
    tokens = {}
    for name, display, cc in (("alice", "Alice", "DE"), ("bobby", "Bob", "FR"), ("carol", "Carol", "NL")):
        call("POST", "/v1/auth/register", username=name, password=PW, display_name=display, country=cc)
        tokens[name] = call("POST", "/v1/auth/login", username=name, password=PW, device="demo")["token"]
    a, b, c = tokens["alice"], tokens["bobby"], tokens["carol"]
    rid = lambda: random.randint(1, 2**62)
    dm = call("POST", "/v1/chats/private", a, username="bobby")["chat"]
    call("POST", f"/v1/chats/{dm['id']}/messages", a, text="Hi Bob! Welcome to Herald.", random_id=rid())
    call("POST", f"/v1/chats/{dm['id']}/messages", b, text="Hi Alice 👋", random_id=rid())
    grp = call("POST", "/v1/chats", a, type="group", title="Demo group")["chat"]
    call("POST", f"/v1/chats/{grp['id']}/members", a, username="bobby")
    call("POST", f"/v1/chats/{grp['id']}/members", a, username="carol")
    call("POST", f"/v1/chats/{grp['id']}/messages", c, text="Hello group", random_id=rid())
    ch = call("POST", "/v1/chats", a, type="channel", title="Herald news", username="heraldnews",
              about="Announcements")["chat"]
    call("POST", f"/v1/chats/{ch['id']}/messages", a, text="Herald demo server is up.", random_id=rid())
    call("POST", "/v1/chats/join", c, username="heraldnews")
    print("seeded demo accounts alice, bobby, carol (password: demo-password)")


if __name__ == "__main__":
    main()
