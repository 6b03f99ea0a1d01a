"""Prosecutors see the same figures for their own authority's requests, never another's."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from mla.directory.models import Authority
from mla.reports.filters import ReportFilters
from mla.reports.queries import workload
from tests.reports.conftest import utc

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def offices(register, move, create_user, db):
    """Office A: three incoming requests registered in 2025 (one closed); office B: two,
    one each way."""
    ours, theirs = (Authority(name=n, country_code="XZ", kind="prosecution")
                    for n in ("Office A", "Office B"))
    db.session.add_all([ours, theirs])
    db.session.commit()
    mine = [register(utc(2025, m, 1), domestic_authority_id=ours.id) for m in (2, 3, 4)]
    move(mine[0], "closed_executed", utc(2025, 6, 1), "close_executed")
    for direction in ("incoming", "outgoing"):
        register(utc(2025, 5, 1), domestic_authority_id=theirs.id, direction=direction)
    return {"me": create_user("prosecutor", authority_id=ours.id),
            "other": create_user("prosecutor", authority_id=theirs.id), "mine": mine}


def test_a_prosecutor_counts_only_their_office(offices, create_user):
    f = ReportFilters(start_on=date(2025, 1, 1), end_on=date(2025, 12, 31))
    assert workload(offices["me"], f).as_json() == {
        "received": 3, "sent": 0, "closed": 1, "open": 2,
        "open_by_age": {"0-30": 0, "31-90": 0, "91-180": 0, "181-365": 2, "365+": 0}}
    assert workload(offices["other"], f).as_json()["received"] == 1
    assert workload(offices["other"], f).as_json()["sent"] == 1
    assert workload(create_user("supervisor"), f).as_json()["received"] == 4


def test_the_portal_page_shows_their_figures_linked_to_their_list(offices, login_as):
    client = login_as(offices["me"])
    page = client.get("/reports/office", query_string=YEAR)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "My office&#39;s figures" in text or "My office's figures" in text
    assert 'id="f-assignee"' not in text  # staff are not a prosecutor's filter
    links = [html.unescape(h) for h in re.findall(r'href="(/portal/\?[^"]+)"', text)]
    received = [link for link in links if "direction=incoming" in link and "from=" in link
                and "to=2025-12-31" in link]
    assert received, links
    listing = client.get(received[0]).get_data(as_text=True)
    assert all(c.reference in listing for c in offices["mine"])
    # Another office's prosecutor following the same link sees only their own.
    other = login_as(offices["other"]).get(received[0]).get_data(as_text=True)
    assert not any(c.reference in other for c in offices["mine"])


def test_exports_are_scoped_and_staff_pages_closed_to_prosecutors(offices, login_as):
    client = login_as(offices["me"])
    export = client.get("/reports/workload/summary.csv", query_string=YEAR)
    assert export.status_code == 200
    assert '"Received (incoming, registered in the period)",3' in export.get_data(as_text=True)
    assert client.get("/reports/", query_string=YEAR).status_code == 403
    assert client.get("/reports/office", query_string={**YEAR, "assignee": "1"}
                      ).status_code == 422
    nav = client.get("/portal/").get_data(as_text=True)
    assert 'href="/reports/office"' in nav


def test_every_link_on_the_office_page_opens_for_its_prosecutor(offices, login_as):
    """The office page offers nothing its reader is refused (the implementation
    review is the state's report, for staff: it is not linked there)."""
    client = login_as(offices["me"])
    text = client.get("/reports/office", query_string=YEAR).get_data(as_text=True)
    links = {html.unescape(h) for h in re.findall(r'href="(/[^"]*)"', text)}
    assert "/reports/review" not in links
    for link in sorted(links):
        if link.startswith(("/static/", "/reports/static/")) or link == "/logout":
            continue
        assert client.get(link, follow_redirects=True).status_code == 200, link


def test_staff_use_the_reports_page_not_the_office_one(create_user, login_as):
    assert login_as(create_user("caseworker")).get("/reports/office").status_code == 403
