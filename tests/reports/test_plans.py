"""How the reports read the summary of the history (report_stays), as the databases plan
it: each request's closing step is found with its closing, in one reading of the period's
steps into final states, never looked up again by request and instant (PostgreSQL read
the whole summary to merge them: 3.6 s cold at a million requests). The plans are read
with EXPLAIN; nothing here measures time."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import event

from mla.reports.filters import ReportFilters
from mla.reports.queries import outcomes, review_columns
from tests.reports.conftest import utc

YEAR = ReportFilters(start_on=date(2025, 1, 1), end_on=date(2025, 12, 31))


def _statements(db, compute) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        compute()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return seen


def _stays_read(db, statement: str, parameters: Any) -> int:
    """How many times the plan reads report_stays (a scan or an index search of it)."""
    raw = db.session.connection().connection.driver_connection
    if db.engine.dialect.name == "sqlite":
        lines = [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}",
                                               parameters).fetchall()]
        return sum(bool(re.match(r"(SCAN|SEARCH) report_stays(_\d+)?\b", line)) for line in lines)
    cursor = raw.cursor()
    cursor.execute(f"EXPLAIN {statement}", parameters)
    return sum(" on report_stays" in line for (line,) in cursor.fetchall())


def test_the_outcomes_find_each_closing_step_with_its_closing(history, create_user, db):
    supervisor = create_user("supervisor")
    seen = _statements(db, lambda: outcomes(supervisor, YEAR))
    by_state = next((s, p) for s, p in seen if "next_state" in s.split("FROM", 1)[0])
    assert _stays_read(db, *by_state) == 1, by_state[0]
    data = outcomes(supervisor, YEAR)
    assert data.by_state == [("Closed: executed", 2, 0),
                             ("Closed: withdrawn by the requesting state", 1, 0)]


def test_the_review_finds_each_closing_step_with_its_closing(history, create_user, db):
    auditor = create_user("auditor")
    seen = _statements(db, lambda: review_columns(auditor, YEAR, ("UNTOC", "UNCAC")))
    ended = next((s, p) for s, p in seen
                 if "next_state" in s.split("FROM", 1)[0] and "legal_basis" in s)
    assert _stays_read(db, *ended) == 1, ended[0]


def test_steps_at_the_closing_instant_all_count_as_before(history, register, move,
                                                          create_user):
    # Two steps into final states at the same instant (a register's import writes its
    # dates without times): both are counted, as when the closing step was joined on
    # the closing instant.
    twice = register(utc(2025, 2, 1))
    move(twice, "closed_withdrawn", utc(2025, 7, 1), "withdraw")
    move(twice, "closed_executed", utc(2025, 7, 1), "close_executed")
    data = outcomes(create_user("supervisor"), YEAR)
    assert dict((label, n) for label, n, _out in data.by_state) == {
        "Closed: executed": 3, "Closed: withdrawn by the requesting state": 2}
