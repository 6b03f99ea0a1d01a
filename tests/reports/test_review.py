"""The implementation review page: a year's figures per convention and direction."""

from __future__ import annotations

import csv
import io

import pytest


@pytest.fixture
def client_(create_user, login_as):
    return login_as(create_user("supervisor"))


def test_the_year_by_hand(history, client_, db):
    from mla.reference.models import IccsCode

    response = client_.get("/reports/review.csv", query_string={"year": "2025"})
    assert response.status_code == 200
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(response.get_data(as_text=True)))}
    assert rows["Figure"] == ["UNTOC: requests made", "UNTOC: requests received",
                              "UNCAC: requests made", "UNCAC: requests received"]
    # Every request of the history is under UNTOC. Made: B, I; received: A, F, G.
    assert rows["Requests registered in the year"] == ["2", "3", "0", "0"]
    # Closed in 2025, all received: A and D executed, F withdrawn.
    assert rows["Closed in the year"] == ["0", "3", "0", "0"]
    assert rows["Closed: executed"] == ["0", "2", "0", "0"]
    assert rows["Closed: withdrawn by the requesting state"] == ["0", "1", "0", "0"]
    assert rows["Median days from registration to closing"] == ["", "59", "", ""]
    assert rows["Main counterparts"] == ["Arcadia (1); France (1)", "Arcadia (3)", "", ""]
    section = db.session.get(IccsCode, "07").title
    assert rows["Main offences (ICCS sections)"] == [f"{section} (2)", f"{section} (3)", "",
                                                      ""]


def test_the_page_and_a_bad_year(client_):
    page = client_.get("/reports/review", query_string={"year": "2025"})
    assert page.status_code == 200
    assert "UNCAC: requests received" in page.get_data(as_text=True)
    bad = client_.get("/reports/review", query_string={"year": "twenty"})
    assert bad.status_code == 422
    assert 'id="year-error"' in bad.get_data(as_text=True)
    assert client_.get("/reports/review.xlsx", query_string={"year": "1"}).status_code == 422
    # "²".isdigit() is true but int("²") fails: a year is ASCII digits.
    assert client_.get("/reports/review", query_string={"year": "²⁰²⁵"}).status_code == 422
    assert client_.get("/reports/review.csv", query_string={"year": "²"}).status_code == 422
