"""`demo history`: fictional requests moved through the real workflows on a simulated
clock give the reports real figures, the same ones for the same seed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from mla.cases.models import Case, CaseEvent
from mla.core.transaction import unit_of_work
from mla.demo.history import generate_history
from mla.demo.services import load_demo
from mla.reports.filters import ReportFilters
from mla.reports.queries import outcomes, time_report, workload
from tests.reports.conftest import NOW
from tests.reports.test_links import linked_figures, listed

THREE_YEARS = ReportFilters(start_on=date(2023, 3, 1), end_on=NOW.date())


def _generated(db) -> list[tuple[str, str, str, int]]:
    counted = (select(Case.title, Case.state, Case.created_at, func.count(CaseEvent.id))
               .join(CaseEvent, CaseEvent.case_id == Case.id)
               .where(Case.title.like("%(history %"))
               .group_by(Case.id, Case.title, Case.state, Case.created_at).order_by(Case.id))
    return [(t, s, c.isoformat(), n) for t, s, c, n in db.session.execute(counted)]


def test_history_moves_requests_through_the_workflows(held_clock, db, create_user):
    with unit_of_work():
        load_demo()
    with unit_of_work():
        steps = generate_history(25, seed=3)
    first = _generated(db)
    assert len(first) == 25 and steps > 25
    supervisor = create_user("supervisor")
    data = workload(supervisor, THREE_YEARS)
    assert data.received + data.sent >= 25 and data.closed > 0 and data.open > 0
    assert sum(1 for *_rest, n in first if n > 2) > 10  # most took several steps
    assert time_report(supervisor, THREE_YEARS).to_close.count == data.closed
    assert outcomes(supervisor, THREE_YEARS).by_state
    for name, cell, args in linked_figures(supervisor, THREE_YEARS):
        assert listed(supervisor, args) == cell, name

    # The same seed on the same day: the same requests, states and histories.
    for case in db.session.scalars(select(Case).where(Case.title.like("%(history %"))):
        db.session.delete(case)
    db.session.commit()
    with unit_of_work():
        assert generate_history(25, seed=3) == steps
    assert _generated(db) == first
