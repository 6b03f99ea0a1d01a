"""The in-process benches build their data with the shared generator (bench/_data.py)
and measure on the selected database (MLA_TEST_DB: SQLite in a temp folder, or a
PostgreSQL database of this run) at a tiny size. Only the structure is checked: every
URL measured, the data each bench reads there; figures are printed, never asserted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select

from tests.keys.instance import new_database


@pytest.fixture
def bench_database(tmp_path: Path, fast_passwords: None) -> Iterator[str]:
    """An SQLite file, or a PostgreSQL database of this run dropped after the test."""
    with new_database(tmp_path, "bench") as url:
        yield url


@pytest.fixture
def opened(bench_database: str) -> Iterator[list[Any]]:
    """The apps a test made: their connections are closed before the database is
    dropped."""
    from mla.extensions import db

    apps: list[Any] = []
    yield apps
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _measured(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("/requests/", "/api/",
                                                                  "/reports/"))]


def _dialect(url: str) -> str:
    return "(sqlite)" if url.startswith("sqlite") else "(postgresql"


def test_the_list_page_bench_loads_real_workflows_and_measures_every_url(
        tmp_path, capsys, bench_database, opened):
    from bench import list_page
    from mla.cases.models import Case, CaseEvent
    from mla.extensions import db

    app = list_page.build(40, bench_database, tmp_path)
    opened.append(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 40
        # The shared generator's requests: real workflows, each with its history.
        workflows = set(db.session.scalars(select(Case.workflow_name).distinct()))
        assert workflows <= {"incoming_mla", "outgoing_mla", "incoming_extradition"}
        assert db.session.scalar(select(func.count(func.distinct(CaseEvent.case_id)))) == 40
        found = list_page.examples()
        assert db.session.scalar(select(Case.id).where(
            Case.reference == found["reference"])) is not None
        db.session.remove()
    list_page.measure(app, repeat=1)
    out = capsys.readouterr().out
    assert "40 requests inserted" in out and _dialect(bench_database) in out
    measured = _measured(out)
    assert len(measured) == len(list_page.URLS) - 1  # every URL but "/"
    assert not any("nan" in line or "{" in line.split()[0] for line in measured
                   if "no cursor paging" not in line), out
    # The whole reference is looked up (a redirect), as at 100,000 requests.
    assert f"/requests/?q={found['reference']} " in out


def test_the_reports_bench_loads_three_years_rebuilds_the_summary_and_measures(
        tmp_path, capsys, bench_database, opened):
    from bench import reports
    from mla.cases.models import Case
    from mla.extensions import db
    from mla.reports.summary import Stay

    app = reports.build(60, bench_database, tmp_path)
    opened.append(app)
    with app.app_context():
        first, last = db.session.execute(
            select(func.min(Case.created_at), func.max(Case.created_at))).one()
        assert first.year == 2023 and last.year == 2025
        # The summary the reports read was rebuilt from the bulk-loaded history.
        assert db.session.scalar(select(func.count()).select_from(Stay)) > 60
        db.session.remove()
    reports.measure(app, repeat=1)
    out = capsys.readouterr().out
    assert "60 requests with their history inserted" in out
    assert _dialect(bench_database) in out
    assert "report summary rebuilt" in out
    assert len(_measured(out)) == len(reports.URLS)

    # Measured again without loading, as --keep DIR then --reuse does.
    again = reports.build(0, bench_database, tmp_path, reuse=True)
    opened.append(again)
    with again.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 60
        db.session.remove()
    assert "inserted" not in capsys.readouterr().out


def test_set_aside_indexes_are_built_again(tmp_path, bench_database, opened):
    """The secondary indexes a bulk load drops are all there again afterwards."""
    from bench._data import bench_app, indexes_set_aside, new_database
    from mla.extensions import db

    app = bench_app(bench_database, tmp_path)
    opened.append(app)
    new_database(app)
    with app.app_context():
        def names() -> set[str]:
            found = inspect(db.engine)
            return {index["name"] for table in ("cases", "case_events", "deadlines")
                    for index in found.get_indexes(table)}

        before = names()
        with indexes_set_aside() as dropped:
            assert dropped and not set(dropped) & names()
        assert names() == before
        db.session.remove()
