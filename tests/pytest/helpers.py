"""
helpers.py — the black-box suite's toolkit: a heraldd process wrapper, an HTTP API client,
raw-socket HTTP helpers and a small WebSocket helper (websockets 10.4, asyncio API).

Nothing here knows the server's internals: everything goes through docs/api.md.

Invariants:
  * Every Server is started on 127.0.0.1 with an ephemeral port (--port-file) and a data
    directory the caller owns; stop() always reaps the process (SIGTERM, SIGKILL after 5 s).
  * Client methods never hide a status code: call() asserts the expected status and shows
    the request and the body on failure; req() returns the raw requests.Response.
  * uname() names are unique for the life of the test process, valid by the username rule
    (5-32 of a-z 0-9 _, starting with a letter).
"""
import asyncio
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
import uuid

import requests

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def heraldd_path():
    return os.environ.get("HERALDD", os.path.join(REPO, "build", "heraldd"))


_seq = itertools.count(1)
_seq_lock = threading.Lock()


def uname(prefix="u"):
    """A fresh valid username: letter first, then [a-z0-9_], at most 32 characters."""
    with _seq_lock:
        n = next(_seq)
    return f"{prefix}{n}_{uuid.uuid4().hex[:10]}"[:32]


def rid():
    """A fresh non-zero 63-bit random_id."""
    return random.randint(1, 2**63 - 1)


# Default flags for a test server: minimal password hashing, all rate limits off.
DEFAULT_FLAGS = {
    "--pwhash": "min",
    "--rate-register": "0",
    "--rate-login": "0",
    "--rate-send": "0",
}


def timeout_arg(seconds):
    """The value of a duration flag (--read-timeout, --idle-timeout) for `seconds`."""
    return str(seconds)


class ServerError(Exception):
    pass


class Server:
    """One heraldd process on a data directory; can be stopped, killed and restarted."""

    def __init__(self, data_dir, flags=None, log_path=None, binary=None):
        self.binary = binary or heraldd_path()
        self.data_dir = str(data_dir)
        self.flags = dict(DEFAULT_FLAGS)
        self.flags.update(flags or {})
        self.port_file = os.path.join(self.data_dir, "..",
                                      os.path.basename(self.data_dir) + ".port")
        self.port_file = os.path.abspath(self.port_file)
        self.log_path = log_path or os.path.abspath(
            os.path.join(self.data_dir, "..", os.path.basename(self.data_dir) + ".log"))
        self.proc = None
        self.port = None
        self._log = None

    # -- lifecycle -------------------------------------------------------------------------
    def argv(self):
        args = [self.binary, "--data", self.data_dir, "--listen", "127.0.0.1:0",
                "--port-file", self.port_file]
        for k, v in self.flags.items():
            args += [k, v]
        return args

    def start(self, timeout=20.0):
        if not os.path.exists(self.binary):
            raise ServerError(f"heraldd not found at {self.binary} (set HERALDD)")
        os.makedirs(self.data_dir, exist_ok=True)
        try:
            os.unlink(self.port_file)
        except FileNotFoundError:
            pass
        self._log = open(self.log_path, "ab")
        self._log.write(f"\n=== start {' '.join(self.argv())}\n".encode())
        self._log.flush()
        self.proc = subprocess.Popen(self.argv(), stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        port = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"heraldd exited with {self.proc.returncode} at start:\n"
                                  + self.log_tail())
            try:
                with open(self.port_file) as f:
                    txt = f.read().strip()
                if txt.isdigit() and int(txt) > 0:
                    port = int(txt)
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        if port is None:
            self.kill()
            raise ServerError("heraldd wrote no port file in time:\n" + self.log_tail())
        self.port = port
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"heraldd exited with {self.proc.returncode}:\n"
                                  + self.log_tail())
            try:
                r = requests.get(self.url("/healthz"), timeout=2)
                if r.status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.02)
        self.kill()
        raise ServerError("heraldd did not answer /healthz in time:\n" + self.log_tail())

    def stop(self, grace=5.0):
        """SIGTERM, then SIGKILL after grace seconds. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self._close_log()
        return rc

    def kill(self):
        """SIGKILL (kill -9) and reap."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self._close_log()

    def restart(self):
        self.stop()
        return self.start()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _close_log(self):
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
            return data[-n:].decode("utf-8", "replace")
        except OSError:
            return "(no log)"

    # -- addresses -------------------------------------------------------------------------
    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base + path

    def ws_url(self, token=None):
        u = f"ws://127.0.0.1:{self.port}/v1/updates/ws"
        return u + (f"?token={token}" if token else "")

    def client(self, token=None):
        return Client(self, token)

    def new_user(self, prefix="u", **kw):
        """Register and log in a fresh user; returns a logged-in Client."""
        c = Client(self)
        c.register_login(uname(prefix), **kw)
        return c


def err_code(resp):
    try:
        return resp.json()["error"]["code"]
    except Exception:  # noqa: BLE001 - report the raw body instead
        return f"<no error code: {resp.status_code} {resp.text[:200]!r}>"


class Client:
    """A logged-in (or anonymous) API caller with a keep-alive session."""

    PASSWORD = "correct horse battery"

    def __init__(self, server, token=None):
        self.server = server
        self.s = requests.Session()
        self.token = token
        self.user = None
        self.username = None
        self.password = None

    @property
    def id(self):
        return self.user["id"]

    # -- transport -------------------------------------------------------------------------
    def req(self, method, path, body=None, params=None, token="default", data=None,
            headers=None, timeout=30):
        h = {}
        tok = self.token if token == "default" else token
        if tok:
            h["Authorization"] = f"Bearer {tok}"
        if headers:
            h.update(headers)
        kw = {}
        if data is not None:
            kw["data"] = data
            h.setdefault("Content-Type", "application/json")
        elif body is not None:
            kw["data"] = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        return self.s.request(method, self.server.url(path), params=params, headers=h,
                              timeout=timeout, **kw)

    def call(self, method, path, body=None, expect=200, params=None, **kw):
        r = self.req(method, path, body=body, params=params, **kw)
        want = expect if isinstance(expect, (tuple, list, set)) else (expect,)
        assert r.status_code in want, (
            f"{method} {path} params={params} body={body!r:.300} -> {r.status_code} "
            f"(want {expect}): {r.text[:500]}")
        if r.status_code == 200 or r.status_code == 201:
            return r.json()
        return r

    def fail(self, method, path, status, code, body=None, params=None, **kw):
        """Assert an error answer: status and error code; returns the response."""
        r = self.req(method, path, body=body, params=params, **kw)
        assert r.status_code == status and err_code(r) == code, (
            f"{method} {path} params={params} body={body!r:.300}: want {status} {code}, "
            f"got {r.status_code} {r.text[:500]}")
        return r

    # -- accounts ---------------------------------------------------------------------------
    def register(self, username, password=None, display_name=None, country="DE", expect=201):
        body = {"username": username, "password": password or self.PASSWORD,
                "display_name": display_name or username.capitalize(), "country": country}
        return self.call("POST", "/v1/auth/register", body, expect=expect, token=None)

    def login(self, username=None, password=None, device=None, expect=200):
        body = {"username": username or self.username, "password": password or self.password}
        if device is not None:
            body["device"] = device
        return self.call("POST", "/v1/auth/login", body, expect=expect, token=None)

    def register_login(self, username, password=None, display_name=None, country="DE",
                       device="pytest"):
        r = self.register(username, password, display_name, country)
        self.username = username
        self.password = password or self.PASSWORD
        lr = self.login(device=device)
        self.token = lr["token"]
        self.user = lr["user"]
        assert self.user["id"] == r["user"]["id"]
        return self

    def me(self):
        return self.call("GET", "/v1/me")["user"]

    # -- chats ----------------------------------------------------------------------------
    def private(self, other):
        """Get or create the private chat with another Client (or a username)."""
        name = other if isinstance(other, str) else other.username
        return self.call("POST", "/v1/chats/private", {"username": name})["chat"]

    def create(self, kind="group", title=None, username=None, about=None):
        body = {"type": kind, "title": title or f"{kind} {uuid.uuid4().hex[:6]}"}
        if username is not None:
            body["username"] = username
        if about is not None:
            body["about"] = about
        return self.call("POST", "/v1/chats", body, expect=201)["chat"]

    def add(self, chat_id, other):
        name = other if isinstance(other, str) else other.username
        return self.call("POST", f"/v1/chats/{chat_id}/members", {"username": name})["chat"]

    def join(self, username):
        return self.call("POST", "/v1/chats/join", {"username": username})["chat"]

    def set_role(self, chat_id, user_id, role):
        return self.call("PATCH", f"/v1/chats/{chat_id}/members/{user_id}", {"role": role})

    def chat(self, chat_id):
        return self.call("GET", f"/v1/chats/{chat_id}")["chat"]

    # -- messages --------------------------------------------------------------------------
    def send(self, chat_id, text="hello", random_id=None, reply_to_id=None, full=False):
        body = {"text": text, "random_id": random_id if random_id is not None else rid()}
        if reply_to_id is not None:
            body["reply_to_id"] = reply_to_id
        r = self.call("POST", f"/v1/chats/{chat_id}/messages", body)
        return r if full else r["message"]

    def history(self, chat_id, **params):
        return self.call("GET", f"/v1/chats/{chat_id}/messages", params=params)["messages"]

    def all_history(self, chat_id):
        """Every visible message, oldest first, paging with after= (limit 100)."""
        out, after = [], 0
        while True:
            page = self.history(chat_id, after=after, limit=100)
            if not page:
                return out
            ids = [m["id"] for m in page]
            assert ids == sorted(ids) and ids[0] > after, f"after={after} gave {ids[:5]}..."
            out += page
            after = ids[-1]

    # -- updates ---------------------------------------------------------------------------
    def state(self):
        return self.call("GET", "/v1/updates/state")

    def user_difference(self, pts, limit=100):
        """All user-log updates after pts, paging while more is true."""
        out = []
        while True:
            r = self.call("GET", "/v1/updates/difference", params={"pts": pts, "limit": limit})
            out += r["updates"]
            if r["updates"]:
                pts = r["updates"][-1]["pts"]
            if not r["more"]:
                return out, r["pts"]
            assert r["updates"], "more=true with an empty page"

    def chat_difference(self, chat_id, pts, limit=100):
        out = []
        while True:
            r = self.call("GET", f"/v1/chats/{chat_id}/difference",
                          params={"pts": pts, "limit": limit})
            out += r["updates"]
            if r["updates"]:
                pts = r["updates"][-1]["pts"]
            if not r["more"]:
                return out, r["pts"]
            assert r["updates"], "more=true with an empty page"


# -- raw HTTP ------------------------------------------------------------------------------

def raw_connect(server, timeout=10):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class RawResponse:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # lower-case name -> value
        self.body = body

    def json(self):
        return json.loads(self.body)

    def code(self):
        try:
            return self.json()["error"]["code"]
        except Exception:  # noqa: BLE001
            return None

    def __repr__(self):
        return f"<{self.status} {self.reason} {self.body[:200]!r}>"


class RawReader:
    """Reads HTTP/1.1 responses one after another from a socket (keeps leftover bytes)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read(self, head=False):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw.split(b"\r\n")
        parts = lines[0].decode("latin-1").split(" ", 2)
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = {}
        for ln in lines[1:]:
            k, _, v = ln.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
        body = b""
        if head or status in (204, 304) or 100 <= status < 200:
            return RawResponse(status, reason, headers, body)
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line() != b"":
                        pass
                    break
                body += self._exact(size)
                self._exact(2)
        elif "content-length" in headers:
            body = self._exact(int(headers["content-length"]))
        else:  # read to close
            try:
                while True:
                    self._fill()
            except (EOFError, ConnectionError):
                pass
            body, self.buf = self.buf, b""
        return RawResponse(status, reason, headers, body)

    def closed(self, wait=5.0):
        """True if the peer closes the connection (EOF or reset) within wait seconds."""
        self.sock.settimeout(wait)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionError:
            return True
        if data:
            self.buf += data
            return False
        return True


def raw_request(method, path, body=b"", headers=None, host="127.0.0.1"):
    if isinstance(body, str):
        body = body.encode()
    h = {"Host": host}
    if body or method in ("POST", "PUT", "PATCH"):
        h["Content-Length"] = str(len(body))
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items())
    return head.encode("latin-1") + b"\r\n" + body


# -- WebSocket -----------------------------------------------------------------------------

def arun(coro):
    return asyncio.run(coro)


async def ws_recv_json(ws, timeout=10.0):
    msg = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(msg, str), f"expected a text frame, got {msg!r:.100}"
    return json.loads(msg)


async def ws_collect(ws, pred, count, timeout=15.0):
    """Receive until `count` messages matching pred arrived; returns them (others skipped)."""
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        left = deadline - time.monotonic()
        assert left > 0, f"timed out: {len(got)}/{count} matching WebSocket messages: {got[-3:]}"
        m = await ws_recv_json(ws, left)
        if pred(m):
            got.append(m)
    return got
