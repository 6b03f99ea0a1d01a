"""A real SMTP server on loopback (aiosmtpd) and settings overrides for one test."""

from __future__ import annotations

import dataclasses
import email
import errno
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = _started(inbox)
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def _started(inbox: Inbox, tries: int = 20) -> Controller:
    """aiosmtpd cannot listen on port 0 itself, and another process may take the port
    free_port() saw free before aiosmtpd binds it: then try another one."""
    for _ in range(tries):
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
        try:
            controller.start()
        except OSError as exc:
            controller.loop.close()
            if exc.errno != errno.EADDRINUSE:
                raise
            continue
        return controller
    raise AssertionError(f"no free port on 127.0.0.1 in {tries} tries")


@contextmanager
def settings_override(app: Any, **changes: Any) -> Iterator[Any]:
    original = app.extensions["mla.settings"]
    app.extensions["mla.settings"] = dataclasses.replace(original, **changes)
    try:
        yield app.extensions["mla.settings"]
    finally:
        app.extensions["mla.settings"] = original
