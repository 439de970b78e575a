"""Pipelined commits (store/writer.h invariant 7, docs/internals/store.md "Pipelined commits").

A committed batch is visible to the loops' reads up to one log sync before it is durable. The
server must never hand a client what a crash could take back: a send is acknowledged only after
the sync, and a reply built from reads waits until everything those reads could see is on
disk. --test-sync-delay holds every pipelined sync long enough to observe the window."""
import threading
import time

from helpers import Client

DELAY = 0.6


def _send_in_thread(client, chat_id, text):
    out = {}

    def run():
        out["message"] = client.send(chat_id, text)
        out["acked_at"] = time.monotonic()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def test_read_of_an_unsynced_message_waits_for_the_sync(make_server):
    srv = make_server({"--test-sync-delay": str(int(DELAY * 1000))})
    a, b = srv.new_user("pa"), srv.new_user("pb")
    chat = a.private(b)["id"]
    a.send(chat, "warm")  # setup writes are durable before the window opens
    t0 = time.monotonic()
    t, out = _send_in_thread(a, chat, "in flight")
    time.sleep(DELAY / 4)  # committed (a commit takes ~1 ms), its sync still held
    page = b.history(chat)
    got_at = time.monotonic()
    t.join(10)
    assert "message" in out, "the send was not acknowledged"
    assert out["acked_at"] - t0 >= DELAY * 0.8, "acknowledged before its sync"
    texts = [m["text"] for m in page]
    assert "in flight" in texts, texts  # it was visible to the read...
    assert got_at - t0 >= DELAY * 0.8, "...and the reply did not wait for durability"


def test_reads_with_nothing_in_flight_are_not_held(make_server):
    srv = make_server({"--test-sync-delay": str(int(DELAY * 1000))})
    a, b = srv.new_user("pc"), srv.new_user("pd")
    chat = a.private(b)["id"]
    a.send(chat, "settled")
    t0 = time.monotonic()
    for _ in range(5):
        assert [m["text"] for m in b.history(chat)] == ["settled"]
    assert time.monotonic() - t0 < DELAY, "reads of durable data were held"


def test_pipeline_off_acknowledges_at_commit(make_server):
    srv = make_server({"--pipeline": "off", "--test-sync-delay": "5000"})
    a, b = srv.new_user("pe"), srv.new_user("pf")
    chat = a.private(b)["id"]
    t0 = time.monotonic()
    for i in range(3):
        a.send(chat, f"m{i}")
    assert time.monotonic() - t0 < 3, "--pipeline off still waited for the sync thread"
    assert [m["text"] for m in Client(srv, b.token).all_history(chat)] == ["m0", "m1", "m2"]
