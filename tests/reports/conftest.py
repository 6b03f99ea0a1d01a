"""A small history built by hand, where every figure of the reports is known.

Requests are registered through the real service with the clock held at the
instant wanted; their later history is written as the workflow engine writes it
(a transition row, the state, the closed flag and the time of the last change), at
chosen instants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from mla.core import clock

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def held_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[datetime], None]]:
    def hold(at: datetime) -> None:
        monkeypatch.setattr(clock, "real_now", lambda: at)

    hold(NOW)
    yield hold


@pytest.fixture
def register(make_case, held_clock, create_user) -> Callable[..., Any]:
    staff = create_user("caseworker")

    def at(when: datetime, **overrides: Any):
        held_clock(when)
        try:
            return make_case(staff, **overrides)
        finally:
            held_clock(NOW)

    return at


@pytest.fixture
def move(db) -> Callable[..., None]:
    from mla.cases.models import CaseEvent
    from mla.workflow.registry import definition_for_case

    def step(case, to_state: str, when: datetime, transition: str | None = "step",
             kind: str = "transition", data: dict[str, Any] | None = None) -> None:
        workflow = definition_for_case(case)
        db.session.add(CaseEvent(case_id=case.id, at=when, kind=kind, transition=transition,
                                 from_state=case.state, to_state=to_state, data=data or {}))
        case.state = to_state
        case.is_closed = workflow.states[to_state].terminal
        case.updated_at = when  # as every step and reopening does
        db.session.commit()

    return step


@pytest.fixture
def history(register, move) -> dict[str, Any]:
    """The year 2025 (home zone UTC) as the tests read it; clock held at 2026-03-01.

    A  incoming, registered 2025-01-01 00:00 (first instant), 2 days received, 7 days
       under review, 12 days waiting for information (clocks paused), 38 more days under
       review, closed 2025-03-01: 59 days.
    B  outgoing, registered 2025-12-31 23:59:59 (last instant), still a draft.
    C  incoming, registered 2024-12-31 23:59:59, open: 365 days old on 2025-12-31.
    D  incoming, registered 2024-06-01, closed 2025-06-01: 365 days.
    E  outgoing, registered 2026-01-01 00:00, after the period.
    F  incoming, registered 2025-03-01, closed 2025-04-01 (31 days), reopened 2025-05-01.
    G  incoming, registered 2025-10-01 (91 days old on 2025-12-31), closed 2026-01-15.
    H  incoming, registered 2024-12-30 (366 days old on 2025-12-31).
    I  outgoing to FR, registered 2025-11-01: transmitted 11-03, acknowledged 11-13
       (10 days), a status inquiry 12-01 is the last step.
    """
    a = register(utc(2025, 1, 1, 0, 0, 0))
    move(a, "under_review", utc(2025, 1, 3), "acknowledge")
    move(a, "awaiting_information", utc(2025, 1, 10), "request_information")
    move(a, "under_review", utc(2025, 1, 22), "information_received")
    move(a, "closed_executed", utc(2025, 3, 1), "close_executed")
    b = register(utc(2025, 12, 31, 23, 59, 59), direction="outgoing")
    c = register(utc(2024, 12, 31, 23, 59, 59))
    d = register(utc(2024, 6, 1))
    move(d, "closed_executed", utc(2025, 6, 1), "close_executed")
    e = register(utc(2026, 1, 1), direction="outgoing")
    f = register(utc(2025, 3, 1))
    move(f, "closed_withdrawn", utc(2025, 4, 1), "withdraw")
    move(f, "received", utc(2025, 5, 1), None, kind="reopened")
    g = register(utc(2025, 10, 1))
    move(g, "closed_refused", utc(2026, 1, 15), "refuse")
    h = register(utc(2024, 12, 30))
    i = register(utc(2025, 11, 1), direction="outgoing", counterpart_country="FR")
    for state in ("ca_review", "awaiting_signature", "signed"):
        move(i, state, utc(2025, 11, 2))
    move(i, "transmitted", utc(2025, 11, 3), "transmit")
    move(i, "under_execution", utc(2025, 11, 13), "record_acknowledgement")
    move(i, "under_execution", utc(2025, 12, 1), "inquire_status")
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f, "G": g, "H": h, "I": i}
