"""What the reports count for imported requests: what the register says they were.

An import registers each request (``created_at``) on the register's date, and writes its
history by bulk insert, rows of kind ``imported``: its registration at that date into
the workflow's initial state, then its state in the register at the import's instant,
or, closed, its final state at the register's closing date. The reports count it
received (sent) and aged from the register's date, open since then, and a closed one as
closed at its closing date with its outcome and its days from registration; the summary
(report_stays) holds the stays those rows make, as its rebuild gives them.
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
          "Registered", "Offence", "Max penalty (months)", "ICCS", "Person", "Role", "Born",
          "Officer", "Status", "Closed", "Urgent"]
# Received in 2025 and closed in the register; open in the register (one from 2024).
ROWS = [
    ["IN", "MLA", "Palermo", "FR", "FR-1", "R/1", "Bank records", "10/02/2025", "",
     "Escroquerie", "60", "0701", "", "", "", "", "executed", "15/06/2025", ""],
    ["IN", "MLA", "Palermo", "DE", "DE-2", "R/2", "Phone records", "05/03/2025", "",
     "Betrug", "60", "0701", "", "", "", "", "refused", "05/05/2025", ""],
    ["IN", "MLA", "Palermo", "FR", "FR-3", "R/3", "Witness hearing", "01/04/2025", "",
     "Escroquerie", "60", "0701", "", "", "", "", "executing", "", ""],
    ["IN", "MLA", "Palermo", "BE", "BE-4", "R/4", "Search", "20/11/2024", "",
     "Oplichting", "60", "0701", "", "", "", "", "new", "", ""],
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
        body = response.get_json()
        body.pop("computed_at")  # when the figures were computed (mla/reports/ready.py)
        return body

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


# R/1 closed executed after 125 days, R/2 refused after 61; the register says nothing of
# the states between, so no time in a state.
CLOSINGS = {"time": {"in_state": [], "to_close": {"count": 2, "median_days": 93.0,
                                                  "p90_days": 118.6}},
            "outcomes": {"by_state": [{"outcome": "Closed: executed", "incoming": 1,
                                       "outgoing": 0},
                                      {"outcome": "Closed: refused", "incoming": 1,
                                       "outgoing": 0}],
                         "refusals": []}}


def test_imported_requests_count_as_the_register_dates_them(
        imported, reports, backlog_by_state):
    # Received on the register's dates: three in 2025, R/4 in 2024. R/1 and R/2 closed in
    # 2025 on the register's closing dates; R/3 and R/4 open on 2025-12-31, aged from
    # their received dates (274 and 406 days).
    expected = {"workload": {"received": 3, "sent": 0, "closed": 2, "open": 2,
                             "open_by_age": {"0-30": 0, "31-90": 0, "91-180": 0,
                                             "181-365": 1, "365+": 1}},
                **CLOSINGS}
    # The page's backlog by state: each open request in the state the register gave.
    by_state = [["In execution by the executing body", "1", ""],
                ["Received, not yet acknowledged", "1", ""]]
    assert _figures(reports) == expected  # the period ends after now: current states
    assert backlog_by_state() == by_state
    imported.setattr(clock, "real_now", lambda: datetime(2026, 3, 1, tzinfo=UTC))
    assert _figures(reports) == expected  # the period has ended: states from the history
    assert backlog_by_state() == by_state
    # R/4 was received in 2024 and open at its end.
    year_before = reports("workload", **{"from": "2024-01-01", "to": "2024-12-31"})
    assert (year_before["received"], year_before["closed"], year_before["open"]) == (1, 0, 1)
    # Before the import, by the register's dates: on 2025-05-31 R/2 had been closed, the
    # others were open (in the initial state: the register says no more of them then).
    spring = reports("workload", **{"from": "2025-01-01", "to": "2025-05-31"})
    assert (spring["received"], spring["closed"], spring["open"]) == (3, 1, 3)
    assert reports("outcomes", **{"from": "2025-01-01", "to": "2025-05-31"})["by_state"] == [
        {"outcome": "Closed: refused", "incoming": 1, "outgoing": 0}]


def test_the_timeline_reads_as_the_register_says(imported, db, create_user, login_as):
    page = login_as(create_user("admin"))
    closed = db.session.scalars(select(Case).where(Case.domestic_reference == "R/1")).one()
    text = page.get(f"/requests/{closed.reference}").get_data(as_text=True)
    assert "Imported from register.csv (row 2) on Dec 15, 2025, registered on Feb 10, 2025" in text
    assert "Closed on Jun 15, 2025, as the register says" in text
    opened = db.session.scalars(select(Case).where(Case.domestic_reference == "R/3")).one()
    text = page.get(f"/requests/{opened.reference}").get_data(as_text=True)
    assert "Imported from register.csv (row 4) on Dec 15, 2025, registered on Apr 1, 2025" in text
    assert "In this state in the register when imported" in text


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
    # Two history rows per request: its registration's stay ended by the next row; the
    # summary the import wrote is the one rebuilt from the history.
    assert [(s.state, s.next_state, s.next_kind) for s in _summary(db, ids)] == [
        ("received", "closed_executed", "imported"), ("received", "closed_refused", "imported"),
        ("received", "in_execution", "imported"), ("received", "received", "imported")]
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)
                             .where(CaseEvent.case_id.in_(ids))) == 8
    # R/3 is executed in Comity on 2025-12-20: the step ends the imported stay.
    executing = cases["R/3"]
    closed_at = datetime(2025, 12, 20, 10, 0, tzinfo=UTC)
    db.session.add(CaseEvent(case_id=executing.id, at=closed_at, kind="transition",
                             transition="execute", from_state=executing.state,
                             to_state="closed_executed", data={}))
    executing.state, executing.is_closed, executing.updated_at = (
        "closed_executed", True, closed_at)
    db.session.commit()
    [stay] = [s for s in _summary(db, ids) if s.next_kind == "transition"]
    assert (stay.case_id, stay.state, stay.entered_at, stay.next_state) == (
        executing.id, "in_execution", IMPORTED_AT, "closed_executed")
    workload = reports("workload", **YEAR)
    assert (workload["received"], workload["closed"], workload["open"]) == (3, 3, 1)
    time = reports("time", **YEAR)
    # 61, 125 and 262.9 days (from 2025-04-01 at midday); 5 days in execution, known
    # from the import on.
    assert time["to_close"] == {"count": 3, "median_days": 125.0, "p90_days": 235.3}
    assert [(s["count"], s["median_days"]) for s in time["in_state"]] == [(1, 5.0)]
    assert [(o["incoming"], o["outgoing"]) for o in reports("outcomes", **YEAR)["by_state"]
            ] == [(2, 0), (1, 0)]
