"""The leftover check every test runs under (tests/conftest.py): it finds a child
process still running and a socket still listening, and kills the process."""

from __future__ import annotations

import socket
import subprocess
import sys

import psutil

from tests.conftest import Leftovers


def test_a_child_process_still_running_is_reported_and_killed():
    snapshot = Leftovers()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        problems = snapshot.check()
        assert len(problems) == 1 and f"child process still running (pid {child.pid}:" in \
            problems[0], problems
        assert not psutil.pid_exists(child.pid) or \
            psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE
    finally:
        child.kill()
        child.wait()


def test_a_child_process_waited_for_is_not_reported():
    snapshot = Leftovers()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert snapshot.check() == []


def test_a_listening_socket_is_reported_until_closed():
    snapshot = Leftovers()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert snapshot.check() == [f"socket still listening on 127.0.0.1:{port}"]
    assert snapshot.check() == []
