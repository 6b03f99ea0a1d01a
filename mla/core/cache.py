"""Per-process caches of small lists read on many pages (countries, staff), by table.

A cached list is forgotten as soon as this process writes to one of its tables
(any INSERT, UPDATE, DELETE or TRUNCATE, through the ORM or not), and otherwise after
``TTL_SECONDS``: the bound on how long another worker's change takes to show here.
Hand-written rather than a caching library's TTL cache because the invalidation by
table is the point, and the rest is a dict and a lock.

Only committed rows are ever kept. Each connection remembers which tables its open
transaction (and each savepoint in it) wrote; a session whose transaction wrote one of
a cache's tables reads past that cache, neither using nor filling it, so it sees its
own writes and never shares them before they are committed. A transaction or savepoint
that rolls back forgets the caches of the tables it wrote; a commit forgets them as it
is sent and again once the session's commit returned, and a value read while any of
its tables was forgotten is not kept (it may predate the write), so the next reader
fills from committed rows. None of this costs a statement.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, SessionTransaction

from mla.extensions import db

TTL_SECONDS = 60.0
_WRITE = re.compile(r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|TRUNCATE"
                    r"(?:\s+TABLE)?)\s+\"?(\w+)", re.IGNORECASE)
# The savepoint statements SQLAlchemy sends; their names tie a rollback to its frame.
_SAVEPOINT = re.compile(r"\s*(SAVEPOINT|ROLLBACK\s+TO|RELEASE)\s+(?:SAVEPOINT\s+)?\"?(\w+)",
                        re.IGNORECASE)

# On a connection (its DBAPI connection's info): the tables its open transaction wrote,
# one frame per savepoint level, each (savepoint name or None for the transaction, set).
_WRITTEN = "core.cache.written"
# On a connection between its COMMIT and the session's after_commit: what that wrote.
_COMMITTED = "core.cache.committed"
# On a session: the connection its current transaction reads through.
_CONNECTION = "core.cache.connection"

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_entries: dict[tuple[Hashable, ...], tuple[float, Any]] = {}
# Which cached functions read each table.
_readers: dict[str, set[str]] = {}
# How many times each table's caches were forgotten: a fill that saw it change mid-read
# may hold rows from before the change and is not kept.
_forgotten: dict[str, int] = {}


def cached_by_tables(*tables: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Cache a function's result per database and arguments until ``tables`` change."""
    read = frozenset(table.lower() for table in tables)

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        name = f"{fn.__module__}.{fn.__qualname__}"
        for table in read:
            _readers.setdefault(table, set()).add(name)

        @wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if not read.isdisjoint(_written_in_this_transaction()):
                return fn(*args, **kwargs)  # its own uncommitted rows: for it alone
            key = (name, str(db.engine.url), args, tuple(sorted(kwargs.items())))
            now = time.monotonic()
            with _lock:
                found = _entries.get(key)
                before = [_forgotten.get(table, 0) for table in read]
            if found is not None and found[0] > now:
                return found[1]
            value = fn(*args, **kwargs)
            with _lock:
                if before == [_forgotten.get(table, 0) for table in read]:
                    _entries[key] = (now + TTL_SECONDS, value)
            return value

        return wrapper

    return decorate


def forget(table: str) -> None:
    table = table.lower()
    names = _readers.get(table)
    if not names:
        return
    with _lock:
        _forgotten[table] = _forgotten.get(table, 0) + 1
        for key in [k for k in _entries if k[0] in names]:
            del _entries[key]


def _forget_all(tables: Iterable[str]) -> None:
    for table in tables:
        forget(table)


def _written_in_this_transaction() -> set[str]:
    connection: Connection | None = db.session.info.get(_CONNECTION)
    if connection is None:
        return set()
    frames: list[tuple[str | None, set[str]]] = _info(connection).get(_WRITTEN) or []
    return {table for _name, tables in frames for table in tables}


@event.listens_for(Engine, "after_cursor_execute")
def _forget_on_write(conn: Connection, cursor: Any, statement: str, parameters: Any,
                     context: Any, executemany: bool) -> None:
    head = statement[:1]
    if head in "Ww" or (head in "Ss" and statement[:2].upper() != "SA"):
        return  # SELECT, WITH: the usual case, decided at once
    match = _WRITE.match(statement)
    if match:
        table = match.group(1).lower()
        forget(table)
        frames = _info(conn).get(_WRITTEN)
        if frames:  # else autocommit: nothing left uncommitted to keep from others
            frames[-1][1].add(table)
        return
    match = _SAVEPOINT.match(statement)
    if match:
        _savepoint(conn, match.group(1).split()[0].upper(), match.group(2))


def _savepoint(conn: Connection, verb: str, name: str) -> None:
    frames: list[tuple[str | None, set[str]]] | None = _info(conn).get(_WRITTEN)
    if not frames:
        return
    if verb == "SAVEPOINT":
        frames.append((name, set()))
        return
    if name not in [frame_name for frame_name, _tables in frames[1:]]:
        return
    undone: set[str] = set()
    while True:  # this savepoint and any still open inside it
        frame_name, tables = frames.pop()
        undone |= tables
        if frame_name == name:
            break
    if verb == "RELEASE":
        frames[-1][1].update(undone)
    else:  # ROLLBACK TO: its writes are gone, and so is anything read of them
        _forget_all(undone)


@event.listens_for(Engine, "begin")
def _track_writes(conn: Connection) -> None:
    conn.info[_WRITTEN] = [(None, set())]
    conn.info.pop(_COMMITTED, None)


@event.listens_for(Engine, "commit")
def _forget_committed(conn: Connection) -> None:
    written = _written_on(conn)
    _info(conn)[_COMMITTED] = written
    _forget_all(written)


@event.listens_for(Engine, "rollback")
def _forget_rolled_back(conn: Connection) -> None:
    _forget_all(_written_on(conn))


def _written_on(conn: Connection) -> set[str]:
    frames: list[tuple[str | None, set[str]]] = _info(conn).pop(_WRITTEN, None) or []
    return {table for _name, tables in frames for table in tables}


def _info(conn: Connection) -> dict[Any, Any]:
    """The connection's notes, or none once it is closed or lost (its transaction with
    it: a rollback event then must not raise over the error that lost it)."""
    if conn.closed or conn.invalidated:
        return {}
    return conn.info


@event.listens_for(Session, "after_begin")
def _note_connection(session: Session, transaction: SessionTransaction,
                     connection: Connection) -> None:
    if transaction.parent is None:
        session.info[_CONNECTION] = connection


@event.listens_for(Session, "after_commit")
def _forget_once_committed(session: Session) -> None:
    # The COMMIT above forgot these just before the database applied it; a reader in
    # another thread may have filled from the old rows in between.
    connection: Connection | None = session.info.get(_CONNECTION)
    if connection is not None:
        _forget_all(_info(connection).pop(_COMMITTED, ()))


@event.listens_for(Session, "after_transaction_end")
def _drop_connection(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTION, None)
