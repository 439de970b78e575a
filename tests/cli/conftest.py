"""Black-box fixtures for the `herald` command-line client.

Each test gets a fresh heraldd (a private copy of the binary, so a concurrent rebuild cannot
pull it from under us) on 127.0.0.1 with an ephemeral port and an empty data directory, and a
factory of users: each user is a separate config home ($XDG_CONFIG_HOME) driving the real
`herald` binary through subprocess.

Binaries: $HERALDD / $HERALD_CLI, else build/heraldd and build/herald (missing binaries fail the run).
"""
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _find(env, name, dirs):
    if os.environ.get(env):
        return os.environ[env]
    for d in dirs:
        p = ROOT / d / name
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    return None


HERALDD = _find("HERALDD", "heraldd", ["build"])
HERALD = _find("HERALD_CLI", "herald", ["build"])


class Server:
    def __init__(self, tmp):
        self.tmp = tmp
        self.bin = str(tmp / "heraldd")
        shutil.copy(HERALDD, self.bin)
        self.data = tmp / "data"
        self.data.mkdir()
        self.port = 0
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        port_file = self.tmp / "port"
        if port_file.exists():
            port_file.unlink()
        listen = f"127.0.0.1:{self.port}"
        self.log = open(self.tmp / "heraldd.log", "ab")
        self.proc = subprocess.Popen(
            [self.bin, "--listen", listen, "--port-file", str(port_file), "--data",
             str(self.data), "--pwhash", "min", "--rate-register", "0", "--rate-login", "0",
             "--rate-send", "0"], stdout=self.log, stderr=self.log)
        deadline = time.time() + 10
        while time.time() < deadline:
            if port_file.exists() and port_file.read_text().strip():
                self.port = int(port_file.read_text().strip())
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError("heraldd did not start: " + (self.tmp / "heraldd.log").read_text())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self.log.close()

    def restart(self):
        self.stop()
        self.start()


class User:
    """One person at one terminal: their own config home, talking to the server."""

    def __init__(self, server, home, name):
        self.server = server
        self.home = home
        self.name = name
        home.mkdir(parents=True, exist_ok=True)

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("HERALD")}
        env.update({"XDG_CONFIG_HOME": str(self.home / "xdg"), "HOME": str(self.home),
                    "HERALD_SERVER": self.server.url, "LANG": "C", "LC_ALL": None,
                    "LC_MESSAGES": None})
        env.update(extra)
        return {k: v for k, v in env.items() if v is not None}

    def run(self, *args, input=None, env=None, timeout=20):
        return subprocess.run([HERALD, *args], input=input, capture_output=True, text=True,
                              env=env or self.env(), timeout=timeout)

    def popen(self, *args):
        return subprocess.Popen([HERALD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.env())

    def register(self, password="password123", country="DE"):
        r = self.run("register", self.name, "--country", country, input=password + "\n")
        assert r.returncode == 0, r.stderr
        return r


@pytest.fixture
def server(tmp_path):
    if not HERALDD or not HERALD:
        pytest.fail("heraldd or herald not built: set HERALDD and HERALD_CLI, or build into build/")
    s = Server(tmp_path)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def users(server, tmp_path):
    made = {}

    def make(name):
        if name not in made:
            made[name] = User(server, tmp_path / "homes" / name, name)
        return made[name]

    return make
