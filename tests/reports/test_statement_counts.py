"""A report page issues as many SQL statements for 100 requests as for 10: every figure
is one aggregate query, never a query per request, state or counterpart."""

from __future__ import annotations

from datetime import date

import pytest

from tests.reports.conftest import utc

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}
PAGES = ("/reports/", "/reports/office", "/reports/workload/summary.csv",
         "/reports/review?year=2025", "/api/v1/reports/counterparts",
         "/api/v1/reports/outcomes")


@pytest.fixture
def grow(register, move):
    """Add requests of every shape: both directions, several counterparts, some closed
    (executed or refused on a ground), some waiting for information."""
    made = 0

    def to(total: int) -> None:
        nonlocal made
        while made < total:
            n = made
            case = register(utc(2025, 1 + n % 12, 1 + n % 27),
                            direction="outgoing" if n % 4 == 3 else "incoming",
                            counterpart_country=("XA", "FR", "DE")[n % 3])
            if case.direction == "incoming":
                move(case, "under_review", utc(2025, 1 + n % 12, 28), "acknowledge")
                if n % 3 == 0:
                    move(case, "closed_executed", utc(2025, 12, 1 + n % 20), "close_executed")
                elif n % 3 == 1:
                    move(case, "awaiting_information", utc(2025, 12, 2), "request_information")
                else:
                    move(case, "refusal_proposed", utc(2025, 12, 3), "propose_refusal",
                         data={"values": {"refusal_ground": "essential_interests"}})
                    move(case, "closed_refused", utc(2025, 12, 4), "approve_refusal")
            made += 1

    return to


def test_statements_per_report_page_do_not_grow_with_rows(grow, create_user, login_as,
                                                          make_authority_for_reports,
                                                          api_token, count_queries, client):
    staff, prosecutor = create_user("supervisor"), make_authority_for_reports()
    counts: dict[int, dict[str, int]] = {}
    for total in (10, 100):
        grow(total)
        counts[total] = {}
        for path in PAGES:
            if path.startswith("/api/"):
                headers, who = api_token(staff), None
            else:
                headers, who = {}, prosecutor if path == "/reports/office" else staff
            if who is not None:
                login_as(who)
            # Once to fill the per-process caches (choices of states, staff), then counted.
            client.get(path, query_string=YEAR if "?" not in path else None, headers=headers)
            with count_queries() as counted:
                response = client.get(path, query_string=YEAR if "?" not in path else None,
                                      headers=headers)
            assert response.status_code == 200, path
            counts[total][path] = counted.count
    assert counts[100] == counts[10]
    assert max(counts[10].values()) < 60


@pytest.fixture
def make_authority_for_reports(create_user, db):
    from mla.directory.models import Authority

    def make():
        office = Authority(name="Office A", country_code="XZ", kind="prosecution")
        db.session.add(office)
        db.session.commit()
        return create_user("prosecutor", authority_id=office.id)

    return make


@pytest.mark.parametrize("to", ["2025-12-31", "2026-12-31"])  # ended, and running past now
def test_the_workload_reads_the_open_requests_once(history, create_user, count_queries, db,
                                                  to):
    from sqlalchemy import text

    from mla.reports.filters import ReportFilters
    from mla.reports.queries import workload

    f = ReportFilters(start_on=date(2025, 1, 1), end_on=date.fromisoformat(to))
    supervisor = create_user("supervisor")
    assert supervisor.role == "supervisor"  # loaded, in a transaction already begun
    db.session.execute(text("SELECT 1"))
    with count_queries() as counted:
        data = workload(supervisor, f)
    # Registrations per month, the closings, the open requests per state and age (one
    # reading of every request registered before the end: they were read once per age
    # and again per state), the oldest ten.
    assert counted.count == 4, counted.statements
    assert sum(n for _label, n, _paused in data.by_state) == data.open
    assert sum(data.open_by_age.values()) == data.open
    if to == "2025-12-31":  # days old on 2025-12-31: B 0, I 61, G 91, F 305, C 365, H 366
        assert data.open_by_age == {"0-30": 1, "31-90": 1, "91-180": 1, "181-365": 2,
                                    "365+": 1}
