"""Exports: the XLSX opens with openpyxl and holds the table the page shows; text that
looks like a formula stays text."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from mla.reports.filters import ReportFilters
from mla.reports.tables import SECTIONS
from tests.reports.conftest import utc

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}
YEAR_FILTERS = ReportFilters(start_on=date(2025, 1, 1), end_on=date(2025, 12, 31))


@pytest.fixture
def supervisor(create_user):
    return create_user("supervisor")


def _sheet(client, section: str, table: str):
    response = client.get(f"/reports/{section}/{table}.xlsx", query_string=YEAR)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_every_table_exports_as_shown(history, supervisor, login_as):
    client = login_as(supervisor)
    for section, build in SECTIONS.items():
        for table in build(supervisor, YEAR_FILTERS):
            rows = _sheet(client, section, table.name)
            assert rows[0] == [str(c) for c in table.columns]
            as_shown = [[cell if cell != "" else None for cell in row] for row in table.rows]
            assert rows[1:] == as_shown, table.name


def test_numbers_are_numbers(history, supervisor, login_as):
    rows = _sheet(login_as(supervisor), "time", "to_close")
    assert rows[1] == [3, 59, 303.8]


def test_formula_like_text_stays_text(register, supervisor, login_as):
    register(utc(2025, 5, 1), title="=HYPERLINK(\"http://x.test\",\"click\")")
    client = login_as(supervisor)
    rows = _sheet(client, "workload", "oldest")
    assert rows[1][1] == "=HYPERLINK(\"http://x.test\",\"click\")"
    response = client.get("/reports/workload/oldest.xlsx", query_string=YEAR)
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.active["B2"].data_type == "s"
    csv_text = client.get("/reports/workload/oldest.csv", query_string=YEAR).get_data(
        as_text=True)
    assert "'=HYPERLINK" in csv_text
