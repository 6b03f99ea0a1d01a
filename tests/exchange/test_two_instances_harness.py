"""The two-instance harness: gunicorn servers on ports the kernel picks (bench/_server.py,
shared with the deploy test and `python -m bench web`), and a loopback TCP relay that
records every byte between them. Its own tests show the relay passes bytes both ways
unchanged and records them, and leaves nothing listening."""

from __future__ import annotations

import contextlib
import socket
import threading
import urllib.request

from bench._server import Server, app_environment, flask_command

__all__ = ["Relay", "Server", "flask_command"]

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
    env = app_environment(MLA_INSTANCE_PATH=str(tmp_path / "instance"), MLA_HOME_COUNTRY="BE",
                          MLA_COOKIE_SECURE="0")
    server = Server(env, tmp_path, "probe")
    try:
        url = server.wait_until_listening()
        with urllib.request.urlopen(f"{url}/api/v1/health", timeout=180) as response:  # noqa: S310
            assert response.status == 200
    finally:
        server.stop()
    assert server.process.returncode is not None
