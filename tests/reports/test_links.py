"""Every figure links to the requests behind it: the request list, given a figure's link,
lists exactly as many requests as the figure counts (tests/reports/conftest.py's history)."""

from __future__ import annotations

import html
import re
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from mla.cases.queries import CaseFilters, case_page
from mla.cases.services import OffenceInput
from mla.reports.filters import ReportFilters
from mla.reports.tables import SECTIONS
from tests.reports.conftest import utc

YEAR = ReportFilters(start_on=date(2025, 1, 1), end_on=date(2025, 12, 31))


@pytest.fixture
def supervisor(create_user):
    return create_user("supervisor")


@pytest.fixture
def refused(history, register, move):
    """A request refused in 2025 on a ground recorded twice (the last one counts), the
    only one asking for a search and with an offence in ICCS section 02 (the others: bank
    records, 0701)."""
    case = register(utc(2025, 4, 1), measures=["search_seizure"], offences=[OffenceInput(
        label="Assault", statute="PC 1", max_penalty_months=60, iccs=["0201"],
        conduct="A blow")])
    move(case, "refusal_proposed", utc(2025, 5, 1), "propose_refusal",
         data={"values": {"refusal_ground": "not_in_conformity"}})
    move(case, "under_review", utc(2025, 5, 2), "send_back")
    move(case, "refusal_proposed", utc(2025, 5, 3), "propose_refusal",
         data={"values": {"refusal_ground": "essential_interests"}})
    move(case, "closed_refused", utc(2025, 5, 4), "approve_refusal")
    return case


def listed(actor, args: dict[str, str]) -> int:
    return case_page(actor, CaseFilters.from_args(MultiDict(args)), 1, 50,
                     exact_total=True).total


def linked_figures(actor, f: ReportFilters) -> list[tuple[str, object, dict[str, str]]]:
    found = []
    for section, build in SECTIONS.items():
        for table in build(actor, f):
            if table.cell_links is None:
                continue
            for row, links in zip(table.rows, table.cell_links, strict=True):
                for cell, args in zip(row, links, strict=True):
                    if args is not None:
                        found.append((f"{section}/{table.name}/{row[0]}", cell, args))
    return found


@pytest.mark.parametrize("f", [
    YEAR,
    ReportFilters(start_on=date(2025, 1, 1), end_on=date(2025, 12, 31), direction="incoming"),
    ReportFilters(start_on=date(2025, 3, 15), end_on=date(2026, 2, 28)),  # runs to "now"
], ids=["year", "incoming", "to-now"])
def test_each_figure_counts_the_requests_its_link_lists(refused, supervisor, f):
    figures = linked_figures(supervisor, f)
    names = {name.split("/")[1] for name, _cell, _args in figures}
    # Summary, months, backlog by state and age, closing time, counterparts, outcomes and
    # refusal grounds all link.
    assert {"summary", "months", "backlog_state", "backlog_age", "to_close",
            "counterparts", "outcomes"} <= names
    assert [(name, cell) for name, cell, args in figures if listed(supervisor, args) != cell] \
        == []
    assert sum(1 for _n, cell, _a in figures if cell) >= 10  # not only zeros


def test_figure_links_with_measure_and_iccs_filters(refused, supervisor):
    for f in (ReportFilters(start_on=date(2025, 1, 1), end_on=date(2025, 12, 31),
                            measure="search_seizure"),
              ReportFilters(start_on=date(2025, 1, 1), end_on=date(2025, 12, 31), iccs="02")):
        figures = linked_figures(supervisor, f)
        received = [cell for name, cell, _a in figures if name.startswith("workload/summary/")]
        assert received == [1, 0, 1, 0]  # received, sent, closed, open: the refused one
        assert [cell for name, cell, _a in figures if name.startswith("outcomes/refusals/")
                ] == [1]
        for name, cell, args in figures:
            assert listed(supervisor, args) == cell, name


def test_the_page_links_each_figure_to_the_list_that_shows_it(refused, create_user,
                                                              login_as):
    client = login_as(create_user("supervisor"))
    page = client.get("/reports/", query_string={"from": "2025-01-01", "to": "2025-12-31"}
                      ).get_data(as_text=True)
    links = [html.unescape(href) for href in re.findall(r'href="(/requests/\?[^"]+)"', page)]
    assert len(links) >= 10
    refusals = [link for link in links if "ground=essential_interests" in link]
    assert len(refusals) == 1
    listing = client.get(refusals[0]).get_data(as_text=True)
    assert refused.reference in listing
    assert dict(parse_qsl(urlsplit(refusals[0]).query))["closed_from"] == "2025-01-01"


def test_the_api_list_takes_the_same_filters(refused, create_user, client, api_token):
    headers = api_token(create_user("supervisor"))
    answer = client.get("/api/v1/cases", headers=headers, query_string={
        "closed_from": "2025-01-01", "closed_to": "2025-12-31", "ground": "essential_interests"})
    assert answer.status_code == 200, answer.get_json()
    assert [c["reference"] for c in answer.get_json()["items"]] == [refused.reference]
    bad = client.get("/api/v1/cases", headers=headers, query_string={"open_at": "2025-13-01"})
    assert bad.status_code == 422


def test_bad_figure_arguments_answer_422_not_500(create_user, login_as):
    client = login_as(create_user("supervisor"))
    for args in ({"open_at": "yesterday"}, {"age": "old"}, {"open_at": "2025-01-01",
                                                            "age": "old"},
                 {"iccs": "x"}, {"counterpart_authority": "abc"}):
        assert client.get("/requests/", query_string=args).status_code == 422
