"""
conftest.py — fixtures for the black-box suite (see docs/testing.md).

  server        session-scoped heraldd on a fresh temporary data dir, default test flags
                (--pwhash min, rate limits off). Tests share it and stay independent by
                registering unique usernames (helpers.uname).
  make_server   function-scoped factory: make_server(flags={...}, data_dir=None) starts a
                server with its own flags (rate limits, short timeouts) or one a test kills;
                every server it made is stopped at teardown.
  user          factory on the shared server: user() -> a registered, logged-in Client.

Invariants: every heraldd started here is stopped by PID (SIGTERM, then SIGKILL after 5 s),
whatever the test outcome; the binary comes from $HERALDD (default <repo>/build/heraldd).
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from helpers import Server, ServerError, heraldd_path  # noqa: E402


def _start(server):
    try:
        return server.start()
    except ServerError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not os.path.exists(heraldd_path()):
        pytest.fail(f"heraldd not found at {heraldd_path()}; build it or set HERALDD",
                    pytrace=False)
    d = tmp_path_factory.mktemp("herald") / "data"
    s = Server(d)
    _start(s)
    yield s
    s.stop()


@pytest.fixture
def make_server(tmp_path):
    made = []

    def factory(flags=None, data_dir=None):
        d = data_dir or (tmp_path / f"data{len(made)}")
        s = Server(d, flags=flags)
        made.append(s)
        return _start(s)

    yield factory
    for s in made:
        s.stop()


@pytest.fixture
def user(server):
    def factory(prefix="u", **kw):
        return server.new_user(prefix, **kw)
    return factory
