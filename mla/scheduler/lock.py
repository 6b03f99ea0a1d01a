"""Only one dispatcher works at a time.

PostgreSQL: a session-level advisory lock held on a dedicated connection for the
life of the process (it dies with the process). SQLite: an exclusive ``flock``
on a file next to the database, released by the kernel when the process dies.
A second instance waits until the first one is gone.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# Arbitrary, stable: "COMITY" + dispatcher.
ADVISORY_KEY = 0x436F6D697479_01


class DispatcherLock:
    def __init__(self, engine: Engine, lock_dir: Path) -> None:
        self.engine = engine
        self.lock_dir = lock_dir
        self._connection: Any = None
        self._file: int | None = None

    @property
    def path(self) -> Path:
        database = self.engine.url.database or "comity"
        name = Path(database).name if database != ":memory:" else "memory"
        base = Path(database).parent if database not in ("", ":memory:") else self.lock_dir
        return base / f"{name}.scheduler.lock"

    def try_acquire(self) -> bool:
        if self.engine.dialect.name == "postgresql":
            if self._connection is None:
                self._connection = self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT")
            got = self._connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                           {"key": ADVISORY_KEY}).scalar()
            return bool(got)
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        os.ftruncate(self._file, 0)
        os.write(self._file, f"{os.getpid()}\n".encode())
        return True

    def acquire(self, poll_seconds: float = 1.0, should_stop: Any = None) -> bool:
        """Wait until the lock is ours (or ``should_stop()`` says to give up)."""
        announced = False
        while True:
            if self.try_acquire():
                return True
            if not announced:
                log.warning("another scheduler holds the dispatcher lock; waiting")
                announced = True
            if should_stop is not None and should_stop():
                return False
            time.sleep(poll_seconds)

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                         {"key": ADVISORY_KEY})
            finally:
                self._connection.close()
                self._connection = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            os.close(self._file)
            self._file = None
