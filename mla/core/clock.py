"""The one place that knows what time it is.

All code asks ``clock.now()``. In production this is the system clock; a sandbox
instance keeps an offset in the database that the trainer moves forward, so
deadlines fall due and reminders fire on the simulated date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_offset_provider: Callable[[], timedelta] | None = None


def real_now() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    """The current instant, timezone-aware UTC (simulated in a sandbox)."""
    current = real_now()
    if _offset_provider is not None:
        current += _offset_provider()
    return current


def set_offset_provider(provider: Callable[[], timedelta] | None) -> None:
    global _offset_provider
    _offset_provider = provider
