"""Deadlines kept: clocks due in the period and what became of them, custody first."""

from __future__ import annotations

from datetime import date

import pytest

from mla.reports.filters import ReportFilters
from mla.reports.queries import DeadlineRow, deadlines_kept
from tests.reports.conftest import utc

YEAR = ReportFilters(start_on=date(2025, 1, 1), end_on=date(2025, 12, 31))


@pytest.fixture
def clocks(register, db):
    from mla.deadlines.models import Deadline, DeadlineStatus

    case = register(utc(2025, 1, 1))

    def clock(code, due, status, ended=None, custody=False):
        db.session.add(Deadline(case_id=case.id, rule_code=code, status=status,
                                is_custody=custody, country_code="XZ", start_on=date(2025, 1, 1),
                                due_at=due, ended_at=ended))

    met, running, stopped = DeadlineStatus.MET, DeadlineStatus.RUNNING, DeadlineStatus.STOPPED
    clock("test_custody", utc(2025, 2, 1), met, utc(2025, 2, 3), custody=True)   # late
    clock("test_custody", utc(2025, 3, 1), met, utc(2025, 2, 20), custody=True)  # on time
    clock("test_sla", utc(2025, 4, 1), running)             # passed unmet (now 2026-03-01)
    clock("test_sla", utc(2025, 5, 1), stopped, utc(2025, 4, 2))
    clock("test_sla", utc(2025, 6, 1), met, utc(2025, 6, 1))  # met on its due instant
    clock("test_sla", utc(2026, 1, 1), met, utc(2025, 12, 1))  # due after the period
    clock("test_sla", utc(2026, 6, 1), running)             # due after now
    db.session.commit()
    return case


def _ours(rows):
    return [r for r in rows if r.rule_code.startswith("test_")]


def test_custody_first_with_each_outcome(clocks, create_user):
    assert _ours(deadlines_kept(create_user("supervisor"), YEAR)) == [
        DeadlineRow("test_custody", True, due=2, on_time=1, late=1, missed=0, stopped=0,
                    pending=0),
        DeadlineRow("test_sla", False, due=3, on_time=1, late=0, missed=1, stopped=1,
                    pending=0),
    ]


def test_clocks_not_due_yet_are_pending(clocks, create_user):
    year = ReportFilters(start_on=date(2026, 1, 1), end_on=date(2026, 12, 31))
    assert _ours(deadlines_kept(create_user("supervisor"), year)) == [
        DeadlineRow("test_sla", False, due=2, on_time=1, late=0, missed=0, stopped=0,
                    pending=1)]


def test_the_page_shows_the_custody_figure(clocks, create_user, login_as):
    page = login_as(create_user("supervisor")).get(
        "/reports/", query_string={"from": "2025-01-01", "to": "2025-12-31"}).get_data(
        as_text=True)
    assert "Deadlines kept" in page
    assert "Custody limits missed or met late (must be zero)" in page
