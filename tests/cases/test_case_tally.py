"""The number of requests kept by triggers (mla/cases/tally.py): exact on every write
path, folded by the scheduler, read instead of count(*) for an unfiltered exact total."""

from __future__ import annotations

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import delete, func, insert, select, text

from mla.cases import tally
from mla.cases.models import Case
from mla.cases.queries import CaseFilters, case_page
from tests.cases.test_list_queries import insert_cases
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)


def _counted(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Case)) or 0


def test_the_tally_follows_every_way_requests_are_written_and_removed(db, create_user,
                                                                      make_case):
    assert tally.total() == 0
    supervisor = create_user("supervisor")
    make_case(actor=supervisor)
    make_case(actor=supervisor)
    db.session.commit()
    insert_cases(db, 7)  # one executemany, as the import and the bench write
    assert tally.total() == _counted(db) == 9
    db.session.execute(delete(Case).where(Case.reference.like("MLA-IN-2020-%"),
                                          Case.id % 2 == 0))
    db.session.commit()
    assert tally.total() == _counted(db)
    # A write rolled back leaves the tally as it was.
    db.session.execute(insert(Case), [{
        "reference": "MLA-IN-2020-99999", "direction": "incoming", "kind": "mla",
        "workflow_name": "mla_incoming", "workflow_version": "bulk", "state": "received",
        "version": 1, "title": "Rolled back", "title_search": "rolled back", "summary": "",
        "legal_basis": "UNTOC", "counterpart_country": "XA",
        "counterpart_reference": "XA/99999", "domestic_reference": "", "is_urgent": False,
        "urgency_reason": ""}])
    db.session.rollback()
    assert tally.total() == _counted(db)


def test_folding_keeps_the_sum_in_one_row(db):
    insert_cases(db, 3)
    insert_cases(db, 4)
    db.session.execute(delete(Case).where(Case.id == 1))
    db.session.commit()
    rows = db.session.scalar(select(func.count()).select_from(tally.CaseTally))
    assert rows >= 3  # one per statement (PostgreSQL) or per request (SQLite)
    assert tally.fold() == rows
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(tally.CaseTally)) == 1
    assert tally.total() == _counted(db) == 6
    assert tally.fold() == 0  # nothing left to fold
    insert_cases(db, 2)
    assert tally.total() == 8


def test_the_scheduler_folds_the_tally(app, db):
    from mla.scheduler.runner import run_tick

    insert_cases(db, 2)
    insert_cases(db, 3)
    db.session.remove()
    run_tick(app)
    assert db.session.scalar(select(func.count()).select_from(tally.CaseTally)) == 1
    assert tally.total() == 5


def test_an_exact_unfiltered_total_reads_the_tally_not_every_row(db, create_user, login_as,
                                                                 count_queries):
    me = create_user("caseworker")
    login_as(me)
    insert_cases(db, 12)
    with count_queries() as counter:
        page = case_page(me, CaseFilters(), 1, 5, exact_total=True)
    assert (page.total, page.is_exact) == (12, True)
    assert any("case_tally" in s for s in counter.statements)
    assert not any("count(*)" in s.lower() and "from cases" in s.lower()
                   for s in counter.statements)
    # Filtered, the rows are counted (the tally knows only the whole).
    with count_queries() as counter:
        page = case_page(me, CaseFilters(urgent=True), 1, 5, exact_total=True)
    urgent = db.session.scalar(select(func.count()).select_from(Case)
                               .where(Case.is_urgent.is_(True)))
    assert (page.total, page.is_exact) == (urgent, True)
    assert not any("case_tally" in s for s in counter.statements)


def test_the_api_total_is_the_number_of_requests(db, client, create_user):
    from mla.auth.services import create_api_token

    insert_cases(db, 4)
    user = create_user("caseworker")
    _, token = create_api_token(None, user, label="tally")
    db.session.commit()
    answer = client.get("/api/v1/cases?per_page=2", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.get_json()["total"] == 4


# --- the migration ----------------------------------------------------------------------

TALLY = "e6f8a0b2c4d7"


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(TALLY).down_revision
    assert isinstance(down, str)
    return down


def test_the_migration_counts_the_requests_there_and_keeps_counting(empty_app):  # noqa: F811
    from mla.extensions import db
    from tests.workflow.test_sealed_step_values import _insert, _plain_rows

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    db.session.remove()
    _insert("cases", {"id": 2, "reference": "XA-2", "legal_basis": "UNTOC",
                      "counterpart_country": "XA", "direction": "incoming", "kind": "mla",
                      "summary": b"", "counterpart_authority_id": None, "treaty_id": None})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=TALLY)
    assert tally.total() == 2
    db.session.remove()  # its read ends before the writes below (SQLite's file lock)
    _insert("cases", {"id": 3, "reference": "XA-3", "legal_basis": "UNTOC",
                      "counterpart_country": "XA", "direction": "incoming", "kind": "mla",
                      "summary": b"", "counterpart_authority_id": None, "treaty_id": None})
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM cases WHERE id = 2"))
    db.session.remove()
    assert tally.total() == 2
    db.session.remove()

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM cases WHERE id = 3"))  # no trigger left to fire
    assert "case_tally" not in set(db.inspect(db.engine).get_table_names())
