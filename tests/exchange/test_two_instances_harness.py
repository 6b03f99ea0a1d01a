"""The two-instance harness: gunicorn servers on ports the kernel picks, and a loopback
TCP relay that records every byte between them. Its own tests show the relay passes
bytes both ways unchanged and records them, and leaves nothing listening."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

START_TIMEOUT = 120.0  # seconds for gunicorn to listen, on a loaded machine


class Relay:
    """Listens on 127.0.0.1:<free port>, forwards each connection to ``target`` and keeps
    a copy of what crossed, both ways: what an observer on the wire would see."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sent = bytearray()      # client -> target
        self.received = bytearray()  # target -> client
        self.connections = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._stopped = threading.Event()
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def captured(self) -> bytes:
        with self._lock:
            return bytes(self.sent) + bytes(self.received)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target, timeout=60)
            with self._lock:
                self.connections += 1
                self._sockets += [client, upstream]
            for source, sink, record in ((client, upstream, self.sent),
                                         (upstream, client, self.received)):
                thread = threading.Thread(target=self._pump, args=(source, sink, record),
                                          daemon=True)
                self._threads.append(thread)
                thread.start()

    def _pump(self, source: socket.socket, sink: socket.socket, record: bytearray) -> None:
        try:
            while chunk := source.recv(65536):
                with self._lock:
                    record.extend(chunk)
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock, how in ((sink, socket.SHUT_WR), (source, socket.SHUT_RD)):
                with contextlib.suppress(OSError):
                    sock.shutdown(how)

    def stop(self) -> None:
        self._stopped.set()
        self.listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            sock.close()
        self._acceptor.join(10)
        for thread in self._threads:
            thread.join(10)


class Server:
    """gunicorn on 127.0.0.1:0, its port read back from its log."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str) -> None:
        self.name = name
        self.log = cwd / f"{name}-gunicorn.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "2",
                 "mla:create_app()"], env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
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

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


def flask_command(env: dict[str, str], cwd: Path, *args: str) -> str:
    """`flask --app wsgi ARGS` as the operator runs it; its output (fails on non-zero)."""
    project = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", str(project / "wsgi.py"), *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"flask {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_relay_passes_bytes_both_ways_and_records_them():
    echo = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = echo.accept()
        with conn:
            while data := conn.recv(1024):
                conn.sendall(data.upper())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    relay = Relay(echo.getsockname())
    try:
        with socket.create_connection(("127.0.0.1", relay.port), timeout=30) as client:
            client.sendall(b"hello canary")
            client.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := client.recv(1024):
                answer += chunk
        assert answer == b"HELLO CANARY"
    finally:
        relay.stop()
        echo.close()
        thread.join(10)
    assert relay.sent == b"hello canary" and relay.received == b"HELLO CANARY"
    assert relay.connections == 1


def test_a_server_is_stopped_and_leaves_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLA_")}
    env.update({"MLA_INSTANCE_PATH": str(tmp_path / "instance"), "MLA_HOME_COUNTRY": "BE",
                "MLA_COOKIE_SECURE": "0"})
    server = Server(env, tmp_path, "probe")
    try:
        url = server.wait_until_listening()
        with urllib.request.urlopen(f"{url}/api/v1/health", timeout=180) as response:  # noqa: S310
            assert response.status == 200
    finally:
        server.stop()
    assert server.process.returncode is not None
