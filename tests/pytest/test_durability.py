"""Durability (DESIGN.md "The write path and durability"): kill -9 heraldd 20 times while
client threads send to a private chat and a group. After every restart on the same data dir:
every acknowledged message is there (same id, random_id, sender, text), ids in each chat are
1..N without gaps, and resending an unacknowledged random_id either returns the stored
message (duplicate) or creates it exactly once."""
import random
import threading
import time

import pytest
import requests

from helpers import Client

ROUNDS = 20


class Writer(threading.Thread):
    """Sends to one chat as one user until told to stop or the server dies."""

    def __init__(self, server, token, sender_id, chat_id, acked, pending, lock, tag):
        super().__init__(daemon=True)
        self.c = Client(server, token)
        self.sender_id, self.chat_id = sender_id, chat_id
        self.acked, self.pending, self.lock, self.tag = acked, pending, lock, tag
        self.stop = threading.Event()
        self.n = 0
        self.error = None

    def run(self):
        try:
            self._run()
        except BaseException as e:  # noqa: BLE001 - reported by the test thread
            self.error = e

    def _run(self):
        while not self.stop.is_set():
            rid = random.randint(1, 2**63 - 1)
            text = f"{self.tag}-{rid}"
            key = (self.chat_id, self.sender_id, rid)
            with self.lock:
                self.pending[key] = text
            try:
                r = self.c.req("POST", f"/v1/chats/{self.chat_id}/messages",
                               {"text": text, "random_id": rid}, timeout=5)
            except requests.RequestException:
                return  # the server died: this one stays pending
            if r.status_code != 200:
                if r.status_code >= 500:
                    return  # "the request had no effect": stays pending, retried later
                raise AssertionError(f"send -> {r.status_code} {r.text}")
            m = r.json()["message"]
            assert m["random_id"] == rid and m["text"] == text
            with self.lock:
                del self.pending[key]
                self.acked[key] = m["id"]
            self.n += 1


def _check_chat(reader, chat_id, acked, expect_once):
    """History is 1..N, every acknowledged message is present and each key appears once."""
    hist = reader.all_history(chat_id)
    ids = [m["id"] for m in hist]
    assert ids == list(range(1, len(ids) + 1)), \
        f"chat {chat_id}: ids not 1..N: first gap near {next((i for i, x in enumerate(ids, 1) if x != i), None)}"
    assert reader.chat(chat_id)["last_message_id"] == len(ids)
    by_key = {}
    for m in hist:
        key = (chat_id, m["sender_id"], m["random_id"])
        assert key not in by_key, f"random_id {m['random_id']} stored twice in chat {chat_id}"
        by_key[key] = m
    for key, mid in acked.items():
        if key[0] != chat_id:
            continue
        assert key in by_key, f"acknowledged message {key} id {mid} lost"
        assert by_key[key]["id"] == mid, f"{key}: acked id {mid}, stored {by_key[key]['id']}"
    for key in expect_once:
        if key[0] == chat_id:
            assert key in by_key, f"resent {key} missing"
    return len(ids)


@pytest.mark.slow
def test_kill9_while_sending(make_server):
    srv = make_server({"--loops": "2"})
    a, b, c = srv.new_user("dura"), srv.new_user("durb"), srv.new_user("durc")
    p = a.private(b)["id"]
    g = a.create("group", "Durable")["id"]
    a.add(g, b)
    a.add(g, c)
    clients = {a.id: a, b.id: b, c.id: c}
    acked, pending, lock = {}, {}, threading.Lock()
    t_start = time.monotonic()
    for rnd in range(ROUNDS):
        plan = [(a, p), (b, p), (a, g), (b, g), (c, g)]
        writers = [Writer(srv, u.token, u.id, chat, acked, pending, lock, f"r{rnd}w{i}")
                   for i, (u, chat) in enumerate(plan)]
        for w in writers:
            w.start()
        time.sleep(random.uniform(0.25, 0.6))
        srv.kill()  # kill -9 mid-burst
        for w in writers:
            w.stop.set()
        for w in writers:
            w.join(10)
            assert not w.is_alive(), "writer thread hung"
            assert w.error is None, f"writer failed: {w.error!r}"
        srv.start()
        # every acknowledged message survived, ids are gapless
        for chat in (p, g):
            _check_chat(a, chat, acked, ())
        # resend what was never acknowledged: duplicate of the stored one, or created once
        resent = []
        for key, text in list(pending.items()):
            chat, sender, rid = key
            r = clients[sender].call("POST", f"/v1/chats/{chat}/messages",
                                     {"text": text, "random_id": rid})
            m = r["message"]
            assert m["random_id"] == rid and m["sender_id"] == sender
            assert m["text"] == text, f"duplicate of {key} returned another text"
            again = clients[sender].call("POST", f"/v1/chats/{chat}/messages",
                                         {"text": text, "random_id": rid})
            assert again["duplicate"] is True and again["message"]["id"] == m["id"]
            acked[key] = m["id"]
            resent.append(key)
            del pending[key]
        for chat in (p, g):
            _check_chat(a, chat, acked, resent)
    total = len(acked)
    assert total >= ROUNDS * 5, f"only {total} messages acknowledged in {ROUNDS} rounds"
    assert time.monotonic() - t_start < 150, "durability test far over its time budget"
