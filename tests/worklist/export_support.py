"""What the list exports' tests share (the staff list's and the prosecutors' portal's):
the answer read whole as a server reads it, its rows as CSV or XLSX, small batches, and
a home state west of UTC."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from mla.worklist import exports


@pytest.fixture
def west_home(db):
    """The home state's day counted west of UTC (its deadlines' zone), reset after."""
    from mla.deadlines.services import set_time_zone

    set_time_zone("test", "XZ", "America/Bogota")
    db.session.commit()
    yield
    set_time_zone("test", "XZ", None)
    db.session.commit()


@pytest.fixture
def small_batches(monkeypatch):
    """Two rows a batch: every export below crosses several."""
    monkeypatch.setattr(exports, "EXPORT_BATCH", 2)


def read_whole(client, url: str, **kwargs):
    """The answer read whole, then closed (as a WSGI server does: the XLSX's temporary
    file is closed with it)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def xlsx_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
