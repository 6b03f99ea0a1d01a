"""What the reports count for imported requests.

An import writes one history row per request (kind ``imported``, into the mapped state,
at the import's instant) by bulk insert; the request is registered (``created_at``) at
that instant. The reports count it on those terms: received on the import's day, open
in its state and aged from that day, or, when the register put it in a final state,
neither open nor closed in any period (it was not closed by a step taken in Comity).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mla.cases.models import Case, CaseEvent
from mla.core import clock
from mla.reports.summary import Stay, all_stays

DOCS = Path(__file__).resolve().parents[2] / "docs" / "import"
MAPPING = DOCS / "sample-mapping.toml"
IMPORTED_AT = datetime(2025, 12, 15, 10, 0, tzinfo=UTC)
HEADER = ["Dir", "Type", "Basis", "Country", "Their ref", "File no", "Subject", "Received",
          "Offence", "Max penalty (months)", "ICCS", "Person", "Role", "Born", "Officer",
          "Status", "Urgent"]
# Received in 2025 and closed in the register; open in the register (one from 2024).
ROWS = [
    ["IN", "MLA", "Palermo", "FR", "FR-1", "R/1", "Bank records", "10/02/2025",
     "Escroquerie", "60", "0701", "", "", "", "", "executed", ""],
    ["IN", "MLA", "Palermo", "DE", "DE-2", "R/2", "Phone records", "05/03/2025",
     "Betrug", "60", "0701", "", "", "", "", "refused", ""],
    ["IN", "MLA", "Palermo", "FR", "FR-3", "R/3", "Witness hearing", "01/04/2025",
     "Escroquerie", "60", "0701", "", "", "", "", "executing", ""],
    ["IN", "MLA", "Palermo", "BE", "BE-4", "R/4", "Search", "20/11/2024",
     "Oplichting", "60", "0701", "", "", "", "", "new", ""],
]
YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def imported(runner, db, tmp_path, monkeypatch):
    path = tmp_path / "register.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    monkeypatch.setattr(clock, "real_now", lambda: IMPORTED_AT)
    result = runner.invoke(args=["cases", "import", str(path), "--mapping", str(MAPPING)])
    assert result.exit_code == 0, result.output
    return monkeypatch


@pytest.fixture
def reports(create_user, api_token, client):
    headers = api_token(create_user("supervisor"))

    def get(name: str, **args: str) -> dict:
        response = client.get(f"/api/v1/reports/{name}", query_string=args, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    return get


@pytest.fixture
def backlog_by_state(create_user, login_as):
    """The Reports page's table of open requests by state, as its CSV gives it."""
    page = login_as(create_user("supervisor"))

    def get() -> list[list[str]]:
        response = page.get("/reports/workload/backlog_state.csv", query_string=YEAR)
        assert response.status_code == 200
        return list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]

    return get


def _figures(reports) -> dict:
    return {"workload": reports("workload", **YEAR), "time": reports("time", **YEAR),
            "outcomes": reports("outcomes", **YEAR)}


NO_CLOSINGS = {"time": {"in_state": [], "to_close": {"count": 0, "median_days": None,
                                                     "p90_days": None}},
               "outcomes": {"by_state": [], "refusals": []}}


def test_imported_requests_count_as_registered_and_open_on_the_import_day(
        imported, reports, backlog_by_state):
    # All four registered on 2025-12-15 (R/4 too, received by the register in 2024);
    # R/3 and R/4 open, 0 days old on 2025-12-31; R/1 and R/2 were closed before they
    # came: no step into a final state was taken in Comity, so no closing, no outcome.
    expected = {"workload": {"received": 4, "sent": 0, "closed": 0, "open": 2,
                             "open_by_age": {"0-30": 2, "31-90": 0, "91-180": 0,
                                             "181-365": 0, "365+": 0}},
                **NO_CLOSINGS}
    # The page's backlog by state: each open request in the state the register gave.
    by_state = [["In execution by the executing body", "1", ""],
                ["Received, not yet acknowledged", "1", ""]]
    assert _figures(reports) == expected  # the period ends after now: current states
    assert backlog_by_state() == by_state
    imported.setattr(clock, "real_now", lambda: datetime(2026, 3, 1, tzinfo=UTC))
    assert _figures(reports) == expected  # the period has ended: states from the history
    assert backlog_by_state() == by_state
    # Registered in the period of the import, not of the register's date.
    before = reports("workload", **{"from": "2025-01-01", "to": "2025-12-14"})
    assert (before["received"], before["open"]) == (0, 0)


def _summary(db, case_ids: list[int]) -> list[tuple]:
    stays = all_stays().subquery()
    recomputed = db.session.execute(select(*stays.c).where(stays.c.case_id.in_(case_ids))
                                    .order_by(stays.c.id)).all()
    written = db.session.execute(
        select(Stay.entered_event_id, Stay.case_id, Stay.workflow_name, Stay.direction,
               Stay.registered_at, Stay.state, Stay.entered_at, Stay.left_event_id,
               Stay.left_at, Stay.next_state, Stay.next_kind, Stay.ground)
        .where(Stay.case_id.in_(case_ids)).order_by(Stay.entered_event_id)).all()
    assert [tuple(r) for r in written] == [tuple(r) for r in recomputed]
    return written


def test_a_step_taken_after_the_import_closes_the_imported_stay(imported, reports, db):
    cases = {c.domestic_reference: c for c in db.session.scalars(select(Case))}
    ids = [c.id for c in cases.values()]
    # The bulk insert wrote one history row per request: no stay has ended yet, as the
    # summary rebuilt from the history says too.
    assert _summary(db, ids) == []
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)
                             .where(CaseEvent.case_id.in_(ids))) == 4
    # R/3 is executed in Comity on 2025-12-20: the step ends the imported stay.
    executing = cases["R/3"]
    closed_at = datetime(2025, 12, 20, 10, 0, tzinfo=UTC)
    db.session.add(CaseEvent(case_id=executing.id, at=closed_at, kind="transition",
                             transition="execute", from_state=executing.state,
                             to_state="closed_executed", data={}))
    executing.state, executing.is_closed, executing.updated_at = (
        "closed_executed", True, closed_at)
    db.session.commit()
    [stay] = _summary(db, ids)
    assert (stay.case_id, stay.state, stay.entered_at, stay.next_state) == (
        executing.id, "in_execution", IMPORTED_AT, "closed_executed")
    workload = reports("workload", **YEAR)
    assert (workload["received"], workload["closed"], workload["open"]) == (4, 1, 1)
    time = reports("time", **YEAR)
    assert time["to_close"] == {"count": 1, "median_days": 5.0, "p90_days": 5.0}
    assert [(s["count"], s["median_days"]) for s in time["in_state"]] == [(1, 5.0)]
    assert [(o["incoming"], o["outgoing"]) for o in reports("outcomes", **YEAR)["by_state"]
            ] == [(1, 0)]
