"""gunicorn serving the app (or any WSGI app) on 127.0.0.1 and a port the kernel picks,
as an operator starts it: one harness for `python -m bench web` and the tests that run
several servers (tests/deploy/test_two_servers.py, tests/exchange/test_two_instances*.py).

The port is read back from gunicorn's log (`--bind 127.0.0.1:0`), so two runs on one
machine never collide; the server is stopped (TERM, then KILL) whatever happens.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import psutil

PROJECT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 120.0  # seconds for gunicorn to listen, on a loaded machine
APP = "mla:create_app()"


def app_environment(**variables: str) -> dict[str, str]:
    """This process's environment without any MLA_* variable, plus ``variables``: a
    server configured by what is given here alone, not by the caller's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLA_")}
    env.update(variables)
    return env


class Server:
    """gunicorn ``app`` with ``workers`` sync workers; its log is ``cwd/<name>.log``."""

    def __init__(self, env: Mapping[str, str], cwd: Path, name: str = "gunicorn", *,
                 app: str = APP, workers: int = 2, options: Sequence[str] = ()) -> None:
        self.name = name
        self.log = cwd / f"{name}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0",
                 "--workers", str(workers), "--pythonpath", str(PROJECT), *options, app],
                env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        self.url = ""
        self.port = 0

    def wait_until_listening(self) -> str:
        give_up = time.monotonic() + START_TIMEOUT
        while time.monotonic() < give_up:
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.output())
            if found:
                self.port = int(found.group(1))
                self.url = f"http://127.0.0.1:{self.port}"
                return self.url
            assert self.process.poll() is None, f"gunicorn exited:\n{self.output()[-3000:]}"
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not listen:\n{self.output()[-3000:]}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def workers(self) -> list[psutil.Process]:
        """The worker processes: the master's children."""
        try:
            return psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


def flask_command(env: Mapping[str, str], cwd: Path, *args: str) -> str:
    """`flask --app wsgi ARGS` as the operator runs it; its output (fails on non-zero)."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", str(PROJECT / "wsgi.py"), *args],
        env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"flask {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout
