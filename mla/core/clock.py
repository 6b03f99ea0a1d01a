"""The one place that knows what time it is.

All code asks ``clock.now()``. In production this is the system clock; a sandbox
instance keeps an offset in the database that the trainer moves forward, so
deadlines fall due and reminders fire on the simulated date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

_offset_provider: Callable[[], timedelta] | None = None
# Inside ``as_of``: the instant asked for and the real instant it was asked at.
_as_of: ContextVar[tuple[datetime, datetime] | None] = ContextVar("clock_as_of", default=None)


def real_now() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    """The current instant, timezone-aware UTC (simulated in a sandbox)."""
    current = real_now()
    shifted = _as_of.get()
    if shifted is not None:
        return shifted[0] + (current - shifted[1])
    if _offset_provider is not None:
        current += _offset_provider()
    return current


@contextmanager
def as_of(instant: datetime) -> Iterator[datetime]:
    """Inside the block ``now()`` starts at ``instant`` and runs on from there: the demo
    data records each step on the day it happened (its timeline, clocks and audit rows
    agree with the received dates), step by step. Never used to serve a request."""
    if instant.tzinfo is None:
        raise ValueError("as_of needs a timezone-aware instant")
    token = _as_of.set((instant.astimezone(UTC), real_now()))
    try:
        yield instant
    finally:
        _as_of.reset(token)


def set_offset_provider(provider: Callable[[], timedelta] | None) -> None:
    global _offset_provider
    _offset_provider = provider
