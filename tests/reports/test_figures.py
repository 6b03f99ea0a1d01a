"""Time and counterpart figures of tests/reports/conftest.py's history, worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from mla.reports.filters import ReportFilters
from mla.reports.queries import (
    Spread,
    counterparts,
    outcomes,
    percentile,
    time_report,
    workload,
)
from tests.reports.conftest import utc

YEAR = ReportFilters(start_on=date(2025, 1, 1), end_on=date(2025, 12, 31))


@pytest.fixture
def supervisor(create_user):
    return create_user("supervisor")


def test_percentile_interpolates_like_percentile_cont():
    assert percentile([31.0, 59.0, 365.0], 0.5) == 59.0
    assert percentile([31.0, 59.0, 365.0], 0.9) == pytest.approx(303.8)
    assert percentile([7.0], 0.9) == 7.0
    assert Spread.of([]) == Spread(0, None, None)


def test_registration_to_closing(history, supervisor):
    # Closed in 2025: F 31 days, A 59, D 365. Median 59; p90 = 59 + 0.8 * (365 - 59).
    assert time_report(supervisor, YEAR).to_close == Spread(3, 59.0, 303.8)


def test_time_in_each_state_from_history(history, supervisor):
    rows = {label: (paused, spread) for label, paused, spread
            in time_report(supervisor, YEAR).in_state}
    # received: A 2 days, F 31 (its stay after reopening has not ended), D 365.
    assert rows["Received, not yet acknowledged"] == (False, Spread(3, 31.0, 298.2))
    # A under review 7 + 38 days, in two stays.
    assert rows["Admissibility review"] == (False, Spread(1, 45.0, 45.0))
    # A waited exactly 12 days for information; deadlines are paused there.
    assert rows["Waiting for supplementary information from the requesting state"] == (
        True, Spread(1, 12.0, 12.0))
    assert not any(label.startswith("Closed") for label in rows)  # F's closed month


def test_counterparts(history, supervisor):
    rows = {(r.country_code, r.authority): r for r in counterparts(supervisor, YEAR)}
    assert set(rows) == {("XA", ""), ("FR", "")}
    fictional, france = rows[("XA", "")], rows[("FR", "")]
    # Registered in 2025 with XA: A, F, G incoming; B outgoing.
    assert (fictional.incoming, fictional.outgoing, fictional.open_inquiries) == (3, 1, 0)
    assert fictional.to_acknowledge == Spread(0, None, None)
    # I: transmitted 11-03, acknowledged 11-13, the status inquiry is its last step.
    assert (france.incoming, france.outgoing, france.open_inquiries) == (0, 1, 1)
    assert france.to_acknowledge == Spread(1, 10.0, 10.0)
    assert france.to_execute == Spread(0, None, None)


def test_backlog_by_state_and_oldest(history, supervisor):
    data = workload(supervisor, YEAR)
    # Open on 2025-12-31: C, F, G, H received; B a draft; I under execution.
    assert data.by_state == [("Received, not yet acknowledged", 4, False),
                             ("Draft", 1, False), ("Under execution abroad", 1, False)]
    assert [o["reference"] for o in data.oldest] == [
        history[k].reference for k in ("H", "C", "F", "G", "I", "B")]
    assert data.months[0][1:] == (1, 0) and data.months[2][1:] == (1, 0)
    assert data.months[9][1:] == (1, 0) and data.months[10][1:] == (0, 1)
    assert data.months[11][1:] == (0, 1) and len(data.months) == 12


def test_a_prosecutor_sees_nothing_of_others(history, create_user):
    # The queries go through visible_cases: a prosecutor without an office sees none.
    assert workload(create_user("prosecutor"), YEAR).as_json()["open"] == 0


def test_outcomes_and_refusal_grounds(history, register, move, supervisor):
    refused = register(utc(2025, 4, 1))
    move(refused, "refusal_proposed", utc(2025, 5, 1), "propose_refusal",
         data={"values": {"refusal_ground": "not_in_conformity"}})
    move(refused, "under_review", utc(2025, 5, 2), "send_back")
    move(refused, "refusal_proposed", utc(2025, 5, 3), "propose_refusal",
         data={"values": {"refusal_ground": "essential_interests"}})
    move(refused, "closed_refused", utc(2025, 5, 4), "approve_refusal")
    data = outcomes(supervisor, YEAR)
    # Closed in 2025: A and D executed, F withdrawn, the new one refused (G: in 2026).
    assert data.by_state == [("Closed: executed", 2, 0), ("Closed: refused", 1, 0),
                             ("Closed: withdrawn by the requesting state", 1, 0)]
    assert data.refusals == [("essential_interests", 1)]  # the last ground recorded


def test_closings_are_found_again_in_a_later_transaction(history, move, supervisor):
    # The workload and time sections share the closings found once per transaction; a
    # closing committed since is counted by both the next time.
    assert workload(supervisor, YEAR, details=False).closed == 3
    assert time_report(supervisor, YEAR).to_close == Spread(3, 59.0, 303.8)
    # C (registered 2024-12-31 23:59:59) withdrawn 2025-12-31: 365 days.
    move(history["C"], "closed_withdrawn", utc(2025, 12, 31, 23, 59, 59), "withdraw")
    assert workload(supervisor, YEAR, details=False).closed == 4
    assert time_report(supervisor, YEAR).to_close == Spread(4, 212.0, 365.0)
