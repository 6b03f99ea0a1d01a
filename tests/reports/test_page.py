"""The Reports page and its CSV exports."""

from __future__ import annotations

import csv
import io

import pytest

from tests.reports.conftest import utc

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def supervisor_client(create_user, login_as):
    return login_as(create_user("supervisor"))


def test_the_page_shows_each_section_with_state_labels_and_links(history, supervisor_client):
    response = supervisor_client.get("/reports/", query_string=YEAR)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for heading in ("Workload", "Time", "Counterparts", "Outcomes", "Oldest open requests",
                    "Days spent in each state"):
        assert heading in page
    assert "Waiting for supplementary information from the requesting state" in page
    assert "awaiting_information" not in page  # labels, never internal names
    assert f'href="/requests/{history["H"].reference}"' in page
    assert "clock paused" in page
    # the chart (a group: its bars are links), with the table as its alternative
    assert 'class="report-chart" role="group"' in page


def test_nav_shows_reports_to_staff_only(create_user, login_as):
    assert 'href="/reports/"' in login_as(create_user("caseworker")).get("/").get_data(
        as_text=True)
    assert 'href="/reports/"' not in login_as(create_user("prosecutor")).get(
        "/portal/").get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [
    ("caseworker", 200), ("supervisor", 200), ("auditor", 200), ("admin", 200),
    ("prosecutor", 403), ("trainee", 403)])
def test_who_reads_reports(create_user, login_as, role, status):
    client = login_as(create_user(role))
    assert client.get("/reports/").status_code == status
    # A prosecutor exports their office's figures (tests/reports/test_office.py).
    exported = 200 if role == "prosecutor" else status
    assert client.get("/reports/workload/summary.csv").status_code == exported


def test_bad_filters_are_shown_next_to_their_field(supervisor_client):
    response = supervisor_client.get("/reports/", query_string={"from": "2025-02-30",
                                                               "direction": "up"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="from-error"' in page and 'id="direction-error"' in page
    assert 'aria-describedby="from-error"' in page


def test_digits_that_are_not_ascii_are_a_bad_filter_not_a_500(supervisor_client):
    # "²".isdigit() is true but int("²") fails: an assignee or authority read as a
    # number must be ASCII digits.
    response = supervisor_client.get("/reports/", query_string={"assignee": "²"})
    assert response.status_code == 422
    assert 'id="assignee-error"' in response.get_data(as_text=True)
    assert supervisor_client.get("/reports/workload/summary.csv",
                                 query_string={"assignee": "²"}).status_code == 422
    assert supervisor_client.get("/requests/", query_string={
        "counterpart_authority": "²"}).status_code == 422


def test_csv_export_is_the_table(history, supervisor_client):
    response = supervisor_client.get("/reports/workload/backlog_age.csv", query_string=YEAR)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [["Days since registration", "Requests"], ["0 to 30 days", "1"],
                    ["31 to 90 days", "1"], ["91 to 180 days", "1"],
                    ["181 to 365 days", "2"], ["more than 365 days", "1"]]
    times = supervisor_client.get("/reports/time/to_close.csv", query_string=YEAR)
    assert list(csv.reader(io.StringIO(times.get_data(as_text=True))))[1] == [
        "3", "59", "303.8"]


def test_unknown_export_is_404(supervisor_client):
    assert supervisor_client.get("/reports/workload/nothing.csv").status_code == 404
    assert supervisor_client.get("/reports/nothing/summary.csv").status_code == 404


def test_statements_do_not_grow_with_requests(register, move, supervisor_client,
                                              count_queries):
    def statements() -> int:
        with count_queries() as counter:
            assert supervisor_client.get("/reports/", query_string=YEAR).status_code == 200
        return counter.count

    register(utc(2025, 2, 1))
    statements()  # the first page of a session reads what later ones find cached
    few = statements()
    for day in range(2, 12):
        case = register(utc(2025, 2, day), direction="outgoing")
        move(case, "transmitted", utc(2025, 3, day), "transmit")
    assert statements() == few
