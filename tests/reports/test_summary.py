"""The reports' summary (report_stays) stays what the history says: after real steps,
a correction, a reopening and a deletion it equals the table recomputed from the
history, and ``flask reports rebuild`` gives the same rows again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.reports.conftest import NOW, utc

START = utc(2025, 3, 3, 9)


def _stays() -> list[tuple[Any, ...]]:
    from sqlalchemy import select

    from mla.extensions import db
    from mla.reports.summary import _COLUMNS, Stay

    return [tuple(row) for row in db.session.execute(
        select(*(getattr(Stay, name) for name in _COLUMNS)).order_by(Stay.entered_event_id))]


def _from_history() -> list[tuple[Any, ...]]:
    from mla.extensions import db
    from mla.reports.summary import all_stays

    return sorted(tuple(row) for row in db.session.execute(all_stays()))


@pytest.fixture
def walked(make_case, held_clock, create_user, move, db):
    """An incoming request acknowledged, waiting 12 days for information, withdrawn,
    reopened by a supervisor, corrected and withdrawn again; a second one registered
    and withdrawn; a third refused on a ground."""
    from mla.cases.editing import update_case
    from mla.cases.reopening import reopen_case
    from mla.workflow.services import apply_transition

    staff, supervisor = create_user("caseworker"), create_user("supervisor")

    def at(days: float) -> None:
        held_clock(START + timedelta(days=days))

    def step(case: Any, name: str, days: float, **values: Any) -> None:
        at(days)
        apply_transition(staff, case, name, expected_version=case.version, values=values,
                         comment="As asked")
        db.session.commit()

    at(0)
    case = make_case(staff)
    step(case, "acknowledge", 1)
    step(case, "request_information", 2, questions="Which accounts?")
    step(case, "information_received", 14)
    step(case, "withdraw", 20)
    at(25)
    reopen_case(supervisor, case, "Withdrawn by mistake", case.version)
    db.session.commit()
    at(26)
    update_case(staff, case, {"title": "Bank records, corrected"}, case.version)
    db.session.commit()
    step(case, "withdraw", 30)
    at(40)
    other = make_case(staff)
    step(other, "withdraw", 41)
    at(50)
    refused = make_case(staff)
    move(refused, "refusal_proposed", START + timedelta(days=51), "propose_refusal",
         data={"values": {"refusal_ground": "essential_interests"}})
    move(refused, "closed_refused", START + timedelta(days=52), "approve_refusal")
    held_clock(NOW)
    return case, other


def test_each_step_keeps_the_summary(walked):
    case, _other = walked
    stays = _stays()
    assert stays == _from_history()
    mine = [(state, left - entered)
            for _e, case_id, _w, _d, _r, state, entered, _l, left, *_next in stays
            if case_id == case.id]
    # received (1 day), under_review, awaiting_information (exactly 12 days), under_review,
    # closed_withdrawn (5 days, until reopened), the state reopened into, to the end
    assert mine == [("received", timedelta(days=1)), ("under_review", timedelta(days=1)),
                    ("awaiting_information", timedelta(days=12)),
                    ("under_review", timedelta(days=6)),
                    ("closed_withdrawn", timedelta(days=5)),
                    ("under_review", timedelta(days=5))]


def test_deleting_a_request_removes_its_stays(walked, db):
    from sqlalchemy import delete

    from mla.cases.models import Case

    case, other = walked
    db.session.execute(delete(Case).where(Case.id == case.id))
    db.session.commit()
    stays = _stays()
    assert stays == _from_history()
    assert case.id not in {row[1] for row in stays}
    assert other.id in {row[1] for row in stays}


def test_rebuild_is_idempotent(walked, runner, db):
    before = _stays()
    for _ in range(2):
        result = runner.invoke(args=["reports", "rebuild"])
        assert result.exit_code == 0, result.output
        assert f"{len(before)} finished stays" in result.output
        db.session.expire_all()
        assert _stays() == before


def test_one_statement_per_step_none_at_registration(make_case, create_user, count_queries,
                                                     db):
    from mla.workflow.services import apply_transition

    staff = create_user("caseworker")
    with count_queries() as registering:
        case = make_case(staff)
    with count_queries() as stepping:
        apply_transition(staff, case, "acknowledge", expected_version=case.version)
        db.session.commit()
    assert [s for s in registering.statements if "report_stays" in s] == []
    assert len([s for s in stepping.statements if "report_stays" in s]) == 1
    assert _stays() == _from_history() != []


def test_the_migration_fills_the_same_rows(walked, db):
    """The migration's backfill (plain SQL per database) gives what the hook kept."""
    import importlib.util
    from pathlib import Path

    from sqlalchemy import delete, text

    import mla
    from mla.reports.summary import Stay

    path = (Path(mla.__file__).parent / "migrations" / "versions"
            / "c3e5a7b9d1f4_report_stays.py")
    spec = importlib.util.spec_from_file_location("report_stays_migration", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    kept = _stays()
    db.session.execute(delete(Stay))
    db.session.execute(text(migration.BACKFILL.format(
        ground=migration.GROUND[db.engine.dialect.name])))
    db.session.expire_all()
    assert _stays() == kept
    assert "essential_interests" in {row[-1] for row in kept}
