from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from mla.core import clock


@pytest.fixture
def set_now(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[datetime], None]]:
    """Freeze clock.now() at an instant (everything reads the time through it)."""

    def freeze(at: datetime) -> None:
        assert at.tzinfo is not None
        monkeypatch.setattr(clock, "real_now", lambda: at)

    yield freeze


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
