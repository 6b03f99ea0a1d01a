"""One computation of a view's figures at a time, across threads, workers and servers.

Readers who find a view cold at the same moment wait for the first one's figures instead
of each computing them (seconds of database time each at a million requests: a page that
a room of people opens at nine computed once per person). The first reader holds the
view's lock from before it computes until its figures are stored, after its unit of work
committed (``mla.reports.figures_store`` writes them then); the others wait for the lock, then
read the figures it stored.

PostgreSQL: a transaction-scoped advisory lock on a connection of its own (the figures
are stored on another once the request's transaction committed, before this one ends).
SQLite: an exclusive ``flock`` on one of 256 files next to the database (named by the
key's first two hex digits). SQLite's one writer does not serialize this: computing
figures only reads, and readers do not wait for one another. A lock file excludes other
processes and other threads alike, and dies with its process.

A reader waits at most ``WAIT_SECONDS`` (longer than the Reports page takes to compute at
a million requests; the bound also ends the wait of two pages that took their sections'
locks in opposite orders), then computes the figures itself, as before.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from mla.extensions import db

log = logging.getLogger(__name__)

WAIT_SECONDS = 30
POLL_SECONDS = 0.05  # SQLite: how often a waiting reader tries the lock file again
# Arbitrary, stable: the advisory locks' first key ("RFIG"); the second is the view's. The
# two-key form's space is apart from the one-key locks' (the audit chain's).
ADVISORY_CLASS = 0x52464947
_HELD = "report_figures_locks"


@dataclass
class _Held:
    """The view locks one unit of work holds, released when it ends."""

    connection: Connection | None = None  # PostgreSQL: the advisory locks' transaction
    keys: set[str] = field(default_factory=set)
    files: dict[str, int] = field(default_factory=dict)  # SQLite: stripe -> descriptor


def lock_view(key: str) -> bool:
    """Hold the view's lock until this unit of work ends; True when another reader held
    it first (it was computing the view: its figures may be stored now)."""
    held: _Held = db.session.info.setdefault(_HELD, _Held())
    if key in held.keys:
        return False
    db.session.connection()  # the unit of work has begun: its end releases the lock
    if db.engine.dialect.name == "postgresql":
        return _lock_postgresql(held, key)
    return _lock_sqlite(held, key)


def _lock_postgresql(held: _Held, key: str) -> bool:
    if held.connection is None:
        held.connection = db.engine.connect()
    params = {"first": ADVISORY_CLASS, "second": int(key[:8], 16) - 2**31}
    held.keys.add(key)
    if held.connection.execute(text("SELECT pg_try_advisory_xact_lock(:first, :second)"),
                               params).scalar():
        return False
    if not wait_for_view(key, held, params=params):
        held.keys.discard(key)
    return True


def _lock_sqlite(held: _Held, key: str) -> bool:
    path = _lock_file(key)
    if path is None:  # an in-memory database: one process, nothing to share
        return False
    held.keys.add(key)
    if path.name in held.files:  # this unit of work holds the stripe already
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if wait_for_view(key, held, descriptor=descriptor):
            held.files[path.name] = descriptor
        else:
            os.close(descriptor)
            held.keys.discard(key)
        return True
    held.files[path.name] = descriptor
    return False


def _lock_file(key: str) -> Path | None:
    database = db.engine.url.database
    if not database or database == ":memory:":
        return None
    path = Path(database)
    return path.parent / f"{path.name}.report-figures" / f"{key[:2]}.lock"


def wait_for_view(key: str, held: _Held, *, params: dict[str, int] | None = None,
                  descriptor: int | None = None) -> bool:
    """Wait for the reader computing the view (PostgreSQL: the advisory lock ``params``;
    SQLite: the lock file open as ``descriptor``). False when it took longer than
    ``WAIT_SECONDS``, or PostgreSQL found the wait a deadlock: the lock is then not held,
    and this reader computes the figures without it."""
    started = time.monotonic()
    if held.connection is not None and params is not None:
        try:
            with held.connection.begin_nested():  # a failed wait keeps the locks held
                held.connection.execute(text(f"SET LOCAL lock_timeout = '{WAIT_SECONDS}s'"))
                held.connection.execute(text("SELECT pg_advisory_xact_lock(:first, :second)"),
                                        params)
            return True
        except DBAPIError as exc:
            log.info("report figures %s: another reader still computing them after %.0f s "
                     "(%s); computing them here", key[:12], time.monotonic() - started,
                     type(exc.orig).__name__)
            return False
    while descriptor is not None and time.monotonic() - started < WAIT_SECONDS:
        time.sleep(POLL_SECONDS)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            continue
    log.info("report figures %s: another reader still computing them after %d s; "
             "computing them here", key[:12], WAIT_SECONDS)
    return False


@event.listens_for(Session, "after_transaction_end")
def _release(session: Session, transaction: SessionTransaction) -> None:
    """The unit of work ended (its figures were stored after its commit, by
    ``mla.reports.figures_store``, whose hook runs before this one): let the waiting readers in."""
    if transaction.parent is not None:
        return
    held: _Held | None = session.info.pop(_HELD, None)
    if held is None:
        return
    if held.connection is not None:
        try:
            held.connection.close()  # rolled back: its advisory locks go with it
        except SQLAlchemyError:  # a lost connection: the server dropped its locks
            log.info("report figures: the lock connection was lost")
    for descriptor in held.files.values():
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)
