"""Per-process caches of small lists read on many pages (countries, staff), by table.

A cached list is forgotten as soon as this process writes to one of its tables
(any INSERT, UPDATE, DELETE or TRUNCATE, through the ORM or not), and otherwise after
``TTL_SECONDS``: the bound on how long another worker's change takes to show here.
Hand-written rather than a caching library's TTL cache because the invalidation by
table is the point, and the rest is a dict and a lock.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

from mla.extensions import db

TTL_SECONDS = 60.0
_WRITE = re.compile(r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|TRUNCATE"
                    r"(?:\s+TABLE)?)\s+\"?(\w+)", re.IGNORECASE)

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_entries: dict[tuple[Hashable, ...], tuple[float, Any]] = {}
# Which cached functions read each table.
_readers: dict[str, set[str]] = {}


def cached_by_tables(*tables: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Cache a function's result per database and arguments until ``tables`` change."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        name = f"{fn.__module__}.{fn.__qualname__}"
        for table in tables:
            _readers.setdefault(table, set()).add(name)

        @wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            key = (name, str(db.engine.url), args, tuple(sorted(kwargs.items())))
            now = time.monotonic()
            with _lock:
                found = _entries.get(key)
            if found is not None and found[0] > now:
                return found[1]
            value = fn(*args, **kwargs)
            with _lock:
                _entries[key] = (now + TTL_SECONDS, value)
            return value

        return wrapper

    return decorate


def forget(table: str) -> None:
    names = _readers.get(table.lower())
    if not names:
        return
    with _lock:
        for key in [k for k in _entries if k[0] in names]:
            del _entries[key]


@event.listens_for(Engine, "after_cursor_execute")
def _forget_on_write(conn: Any, cursor: Any, statement: str, parameters: Any,
                     context: Any, executemany: bool) -> None:
    if statement[:1] in "SsWw":  # SELECT, WITH: the usual case, decided at once
        return
    match = _WRITE.match(statement)
    if match:
        forget(match.group(1))
