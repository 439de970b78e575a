"""Process lifecycle and connection limits: graceful SIGTERM with open connections (exit 0,
which under ASan also means no leak report), data kept across a restart, the WebSocket
message limit (close 1009), the slow-consumer limit, and the per-IP request limit."""
import asyncio
import os
import json
import socket
import time

import pytest
import websockets

from helpers import Client, RawReader, arun, err_code, raw_connect, raw_request, rid


def test_sigterm_with_open_connections_exits_cleanly(make_server):
    srv = make_server()
    a, b = srv.new_user(), srv.new_user()
    p = a.private(b)["id"]
    a.send(p, "before stop")
    idle = raw_connect(srv)  # a keep-alive connection that stays open
    partial = raw_connect(srv)  # one in the middle of a request
    partial.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")

    async def hold_ws_and_stop():
        async with websockets.connect(srv.ws_url(b.token)) as ws:
            await asyncio.wait_for(ws.recv(), 5)  # hello
            t0 = time.monotonic()
            rc = await asyncio.to_thread(srv.stop, 5.0)
            return rc, time.monotonic() - t0
    rc, took = arun(hold_ws_and_stop())
    idle.close()
    partial.close()
    assert rc == 0, f"heraldd exited with {rc} on SIGTERM (negative = killed by a signal)" \
        f"\n{srv.log_tail()}"
    assert took < 5, f"graceful stop took {took:.1f}s"
    log = srv.log_tail(20000)
    for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
        assert bad not in log, log
    # the data survives a clean restart
    srv.start()
    assert [m["text"] for m in a.history(p)] == ["before stop"]
    assert b.me()["id"] == b.id, "sessions survive a restart"


def test_ws_message_over_limit_closes_1009(make_server):
    srv = make_server({"--ws-max-message": "1K"})
    a = srv.new_user()

    async def go():
        async with websockets.connect(srv.ws_url(a.token), max_size=None) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            await ws.send(json.dumps({"type": "ping", "pad": "x" * 900}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "pong"}
            await ws.send(json.dumps({"type": "ping", "pad": "x" * 2000}))
            with pytest.raises(websockets.exceptions.ConnectionClosed) as ei:
                await asyncio.wait_for(ws.recv(), 5)
            assert ei.value.rcvd is not None and ei.value.rcvd.code == 1009, ei.value
    arun(go())
    assert Client(srv).req("GET", "/healthz").status_code == 200


@pytest.mark.slow
def test_ws_slow_consumer_is_closed(make_server):
    srv = make_server({"--ws-max-queued": "4K"})
    a, b = srv.new_user(), srv.new_user()
    p = a.private(b)["id"]
    text = "\U0001F600" * 4096  # >= 16 KiB per update frame
    n = 400

    async def go():
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", srv.port))
        # max_queue=1: once one message is buffered the client stops reading, the socket
        # buffers fill, and the server's queue for this socket passes 4 KiB.
        async with websockets.connect(srv.ws_url(b.token), sock=sock, max_queue=1,
                                      max_size=None) as ws:
            await asyncio.wait_for(ws.recv(), 5)  # hello

            def burst():
                c = Client(srv, a.token)
                for _ in range(n):
                    c.send(p, text)
            await asyncio.to_thread(burst)  # the sender is never blocked by the reader
            got = 0
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 5)
                    got += 1
            except websockets.exceptions.ConnectionClosed:
                return got
            except asyncio.TimeoutError:
                pytest.fail(f"slow consumer not closed: got {got} of {n} updates, then silence")
    got = arun(go())
    assert got < n, f"slow consumer got all {n} updates: the queue limit was not enforced"
    # the log is the truth: a reconnecting client gets everything
    ups, _ = b.user_difference(0)
    assert sum(1 for u in ups if u["type"] == "new_message") == n


def test_rate_ip(make_server):
    srv = make_server({"--rate-ip": "5"})  # 5/s, burst 10
    c = Client(srv)
    codes = [c.req("GET", "/healthz").status_code for _ in range(40)]
    assert 429 in codes and codes[:5] == [200] * 5, codes
    s = raw_connect(srv)
    s.sendall(raw_request("GET", "/v1/me"))
    r = RawReader(s).read()
    s.close()
    if r.status == 429:
        assert r.code() == "rate_limited" and r.headers.get("retry-after", "").isdigit(), r
    time.sleep(2.5)
    assert c.req("GET", "/healthz").status_code == 200


def test_restart_keeps_ids_gapless(make_server):
    srv = make_server()
    a, b = srv.new_user(), srv.new_user()
    p = a.private(b)["id"]
    for i in range(5):
        a.send(p, f"a{i}")
    srv.stop()
    srv.start()
    m = a.send(p, "after restart", random_id=rid())
    assert m["id"] == 6
    assert [x["id"] for x in b.all_history(p)] == [1, 2, 3, 4, 5, 6]
    assert err_code(Client(srv).req("GET", "/v1/me")) == "unauthorized"


def _run_heraldd(args, tmp_path, timeout=10):
    import subprocess
    from helpers import heraldd_path
    return subprocess.run([heraldd_path(), "--data", str(tmp_path / "cfgdata")] + args,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)


@pytest.mark.parametrize("args", [["--rate-send", "abc"], ["--no-such-flag", "1"],
                                  ["--read-timeout", "5 years"], ["--listen", "nonsense"],
                                  ["--max-body", "-1"], ["--pwhash", "none"]])
def test_bad_configuration_exits_2(tmp_path, args):
    r = _run_heraldd(args + ["--listen", "127.0.0.1:0"] if "--listen" not in args else args,
                     tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr[-500:])
    assert r.stderr.strip(), "no message for a bad configuration"


def test_help_exits_0(tmp_path):
    r = _run_heraldd(["--help"], tmp_path)
    assert r.returncode == 0, r
    out = (r.stdout + r.stderr).decode()
    for flag in ("--listen", "--data", "--read-timeout", "--rate-send", "--port-file"):
        assert flag in out, f"--help does not list {flag}"


def test_config_file_and_ms_durations(make_server, tmp_path):
    cfg = tmp_path / "herald.conf"
    cfg.write_text("# test config\nrate-register = 2\nidle-timeout = 800ms\n")
    srv = make_server({"--config": str(cfg)})
    c = Client(srv)
    for _ in range(2):
        c.call("POST", "/v1/auth/register",
               {"username": f"cfg{os.urandom(4).hex()}", "password": "password1",
                "display_name": "C", "country": "DE"}, expect=201)
    r = c.req("POST", "/v1/auth/register", {"username": f"cfg{os.urandom(4).hex()}",
                                            "password": "password1", "display_name": "C",
                                            "country": "DE"})
    assert r.status_code == 429, "rate-register from --config not applied"
    s = raw_connect(srv)
    t0 = time.monotonic()
    assert RawReader(s).closed(5) and time.monotonic() - t0 < 3, "800ms idle timeout"
    s.close()


def test_access_log_line(make_server):
    srv = make_server({"--access-log": "on"})
    Client(srv).req("GET", "/v1/nope")
    time.sleep(0.3)
    lines = [json.loads(x) for x in srv.log_tail(20000).splitlines()
             if x.startswith("{") and '"access"' in x]
    hit = [x for x in lines if x.get("path") == "/v1/nope"]
    assert hit, lines[-3:]
    assert hit[0]["method"] == "GET" and hit[0]["status"] == 404 and "duration_ms" in hit[0]
