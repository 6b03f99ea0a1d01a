"""Migrations: the models match the head revision; every revision goes up and down cleanly.

Each test migrates its own empty database (never the session's app database): an
SQLite file, or with MLA_TEST_DB=postgres a database `comity_migrations_<run>_<worker>`
on the local server (unique to the run, dropped at its end). Alembic runs through
Flask-Migrate, exactly as `flask db upgrade`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from pprint import pformat

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from mla.cases.fulltext import is_fulltext_table
from tests.conftest import (
    make_settings,
    selected_backend,
)

MIGRATIONS = Path(__file__).resolve().parent.parent / "mla" / "migrations"

# migrations/env.py (Flask-Migrate's older template) tries db.get_engine() first, which
# Flask-SQLAlchemy 3.1 deprecates; the fallback to db.engine is what runs.
pytestmark = pytest.mark.filterwarnings(
    "ignore:'get_engine' is deprecated:DeprecationWarning")


@contextmanager
def _logging_preserved() -> Iterator[None]:
    """migrations/env.py calls logging.config.fileConfig, which disables every existing
    logger: undo that so later tests in this process still see the app's logs."""
    manager = logging.Logger.manager
    before = {name: (lg.disabled, lg.level, list(lg.handlers), lg.propagate)
              for name, lg in manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    root = logging.getLogger()
    root_state = (root.level, list(root.handlers))
    try:
        yield
    finally:
        for name, (disabled, level, handlers, propagate) in before.items():
            lg = logging.getLogger(name)
            lg.disabled, lg.level, lg.handlers, lg.propagate = (disabled, level, handlers,
                                                                  propagate)
        for name, lg in list(manager.loggerDict.items()):
            if name not in before and isinstance(lg, logging.Logger):
                lg.handlers = []
        root.setLevel(root_state[0])
        root.handlers = root_state[1]




def _empty_postgres_database(url: str) -> str:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")  # tables, enum types, alembic_version
        conn.execute("CREATE SCHEMA public")
    return url


@pytest.fixture
def empty_app(request, tmp_path, fast_passwords):
    """An app on an empty database of the selected backend, inside its app context."""
    from mla import create_app
    from mla.extensions import db

    if selected_backend() == "postgres":
        url = _empty_postgres_database(request.getfixturevalue("_migrations_postgres_url"))
    else:
        url = f"sqlite:///{tmp_path / 'migrations.db'}"
    app = create_app(make_settings(tmp_path, url))
    with app.app_context(), _logging_preserved():
        yield app
        db.session.remove()
        db.engine.dispose()


def _revisions_base_to_head() -> list[str]:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    heads = script.get_heads()
    assert len(heads) == 1, f"the migrations have several heads: {heads}; merge them"
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _tables() -> set[str]:
    from mla.extensions import db

    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def _current_revision() -> str | None:
    from mla.extensions import db

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _declared_by_models(name: str | None, type_: str, parent_names: object) -> bool:
    return not (type_ == "table" and name is not None and is_fulltext_table(name))


def test_the_models_match_the_head_revision(empty_app):
    """Fails when a model changed without a migration (run `flask db migrate`)."""
    from mla.extensions import db

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision="head")
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "render_as_batch": True,
            # What migrations/env.py leaves out too: the SQLite FTS5 table of `q=` and its
            # shadow tables, which no model declares (revision d4f6a8c0e2b1, written by
            # hand; docs/architecture.md, Migrations).
            "include_name": _declared_by_models})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], (
        "models and migrations differ; generate a revision with "
        "`flask --app wsgi db migrate -m ...`:\n" + pformat(differences, width=100))


def test_every_revision_upgrades_and_downgrades_cleanly(empty_app):
    revisions = _revisions_base_to_head()
    assert revisions, "no migration revisions found"
    directory = str(MIGRATIONS)

    # Up, one revision at a time.
    for revision in revisions:
        flask_migrate.upgrade(directory=directory, revision=revision)
        assert _current_revision() == revision
    assert _tables(), "the head revision created no table"

    # Down, one revision at a time, to an empty database.
    for expected in [*reversed(revisions[:-1]), None]:
        flask_migrate.downgrade(directory=directory, revision="-1")
        assert _current_revision() == expected
    assert _tables() == set(), f"tables left after downgrading to base: {sorted(_tables())}"

    # And up again: downgrades left nothing behind that breaks a new upgrade
    # (PostgreSQL enum types, SQLite batch copies, named constraints, ...).
    flask_migrate.upgrade(directory=directory, revision="head")
    assert _current_revision() == revisions[-1]


def test_the_head_schema_accepts_the_reference_data(empty_app):
    """What `make run` does after `db upgrade`: reference data load into the migrated schema."""
    from mla.core.transaction import unit_of_work
    from mla.reference.services import load_reference_data

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision="head")
    with unit_of_work():
        load_reference_data()


FULLTEXT_REVISION = "d4f6a8c0e2b1"


def _search(term: str) -> list[int]:
    from mla.extensions import db

    with db.engine.connect() as conn:
        return sorted(conn.exec_driver_sql(
            "SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?", (f'"{term}"',)).scalars())


def test_the_fulltext_revision_indexes_existing_requests_and_keeps_up(empty_app):
    """SQLite: rows written before d4f6a8c0e2b1 are indexed by it, and its triggers follow
    later writes (a later batch_alter_table on `cases` would drop them: this catches it)."""
    from sqlalchemy import column, insert, table, update

    from mla.cases.models import Case
    from mla.core.transaction import unit_of_work
    from mla.extensions import db
    from mla.reference.services import load_reference_data

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the FTS5 table exists on SQLite only (PostgreSQL: pg_trgm indexes)")
    script = ScriptDirectory.from_config(
        flask_migrate.Migrate().get_config(str(MIGRATIONS)))
    before = script.get_revision(FULLTEXT_REVISION).down_revision
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=before)
    with unit_of_work():
        load_reference_data()
    row = {"direction": "incoming", "kind": "mla", "workflow_name": "mla_incoming",
           "workflow_version": "x", "state": "received", "version": 1, "is_closed": False,
           "summary": "", "legal_basis": "UNTOC", "counterpart_country": "FR",
           "domestic_reference": "", "is_urgent": False, "urgency_reason": "",
           "created_at": "2026-03-02 08:00:00", "updated_at": "2026-03-02 08:00:00"}
    rows = [
        {**row, "reference": "MLA-IN-2026-00001", "title": "Fraude à la TVA",
         "title_search": "fraude à la tva", "counterpart_reference": "PJ/77-Lyon"},
        {**row, "reference": "MLA-IN-2026-00002", "title": "Отмывание денег",
         "title_search": "отмывание денег", "counterpart_reference": "A-1"},
    ]
    # The columns of that revision only (not the model's: later revisions add more).
    cases_then = table("cases", *(column(name) for name in rows[0]))
    with db.engine.begin() as conn:
        conn.execute(insert(cases_then), rows)
    assert "cases_fts" not in _tables()

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision="head")
    with db.engine.connect() as conn:
        triggers = set(conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases'"
        ).scalars())
    assert {"cases_fts_insert", "cases_fts_update", "cases_fts_delete"} <= triggers
    # And the number of requests (mla/cases/tally.py), the rows already there included.
    assert {"case_tally_insert", "case_tally_delete"} <= triggers
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT sum(delta) FROM case_tally").scalar() == 2
    assert _search("la tva") == [1]
    assert _search("77-lyon") == [1]
    assert _search("мывание") == [2]
    assert _search("2026-0000") == [1, 2]

    with db.engine.begin() as conn:
        conn.execute(update(Case.__table__).where(Case.__table__.c.id == 1).values(
            title="Escroquerie", title_search="escroquerie"))
        conn.execute(Case.__table__.delete().where(Case.__table__.c.id == 2))
    assert _search("la tva") == []
    assert _search("croquer") == [1]
    assert _search("мывание") == []
    assert _search("2026-0000") == [1]


def test_sealing_a_column_seals_every_batch_and_opening_it_restores_each_value(
        empty_app, monkeypatch):
    """mla/migrations/sealing.py, as the sealing revisions call it, over more rows than one
    batch: an optional column stores NULL for nothing, a required one seals "", a JSON
    one seals its text; going down gives every value back into a NOT NULL plain column."""
    import sqlalchemy as sa
    from alembic.operations import Operations

    from mla.core.crypto import key_ring
    from mla.extensions import db
    from mla.migrations import sealing

    monkeypatch.setattr(sealing, "BATCH", 2)  # 5 rows: three batches
    plain = sa.Table("scratch", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("note", sa.Text, nullable=False),
                     sa.Column("words", sa.String(300), nullable=False),
                     sa.Column("items", sa.JSON, nullable=False))
    rows = [{"id": i, "note": f"note {i}" if i % 2 else "", "words": f"mot {i}" if i > 2 else "",
             "items": [f"item {i}", {"é": i}] if i != 3 else []} for i in range(1, 6)]
    with db.engine.begin() as conn:
        plain.create(conn)
        conn.execute(plain.insert(), rows)

    def migrate(change) -> None:
        with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
            change()

    def columns() -> dict[str, tuple[str, bool]]:
        return {c["name"]: (str(c["type"]).upper(), c["nullable"])
                for c in inspect(db.engine).get_columns("scratch")}

    migrate(lambda: (sealing.seal_column("scratch", "note", sa.Text(), optional=True),
                     sealing.seal_column("scratch", "words", sa.String(300)),
                     sealing.seal_column("scratch", "items", sa.JSON())))

    binary = {"BLOB", "BYTEA"}
    found = columns()
    assert {name: (kind in binary, nullable) for name, (kind, nullable) in found.items()
            if name != "id"} == {"note": (True, True), "words": (True, False),
                                 "items": (True, False)}
    with db.engine.connect() as conn:
        sealed = conn.execute(sa.text("SELECT id, note, words, items FROM scratch ORDER BY id"))
        ring = key_ring()
        for row, (row_id, note, words, items) in zip(rows, sealed, strict=True):
            assert row_id == row["id"]
            if row["note"]:
                assert ring.decrypt(bytes(note), context="scratch.note") == row["note"]
            else:
                assert note is None
            assert ring.decrypt(bytes(words), context="scratch.words") == row["words"]
            assert json.loads(ring.decrypt(bytes(items), context="scratch.items")) \
                == row["items"]

    migrate(lambda: (sealing.open_column("scratch", "note", sa.Text()),
                     sealing.open_column("scratch", "words", sa.String(300)),
                     sealing.open_column("scratch", "items", sa.JSON())))

    assert not any(kind in binary or nullable
                   for name, (kind, nullable) in columns().items() if name != "id")
    with db.engine.connect() as conn:
        assert [row._asdict() for row in conn.execute(
            sa.select(plain).order_by(plain.c.id))] == rows


def test_rewriting_timeline_entries_seals_their_values_batch_by_batch(empty_app, monkeypatch):
    """mla/migrations/event_values.py, as the revisions moving typed words out of
    case_events.data call it, over more entries than one batch: only the entries matching
    the condition go to the revision's change, one it returns None for stays as it was,
    values are sealed as a JSON object under case_events.sealed_values (NULL for none)
    and opened again by ``opened``."""
    import sqlalchemy as sa
    from alembic.operations import Operations

    from mla.core.crypto import key_ring
    from mla.extensions import db
    from mla.migrations import event_values, sealing

    monkeypatch.setattr(sealing, "BATCH", 2)  # 6 entries: three batches
    scratch = sa.Table("case_events", sa.MetaData(),
                       sa.Column("id", sa.Integer, primary_key=True),
                       sa.Column("kind", sa.String(30), nullable=False),
                       sa.Column("data", sa.JSON, nullable=False),
                       sa.Column("sealed_values", sa.LargeBinary, nullable=True))
    earlier = key_ring().encrypt(json.dumps({"kept": "before"}), context=event_values.CONTEXT)
    rows = [{"id": i, "kind": "letter" if i != 5 else "note",
             "data": {"n": i, "reason": f"raison {i}" if i != 3 else ""} if i != 4 else {"n": 4},
             "sealed_values": earlier if i == 2 else None} for i in range(1, 7)]
    with db.engine.begin() as conn:
        scratch.create(conn)
        conn.execute(scratch.insert(), rows)
    seen: list[int] = []

    def move_reason(row):
        seen.append(row.id)
        if "reason" not in row.data:
            return None
        values = event_values.opened(row)
        if row.data["reason"]:
            values["reason"] = row.data["reason"]
        return {k: v for k, v in row.data.items() if k != "reason"}, values

    with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        event_values.rewrite_events(move_reason, event_values.events.c.kind == "letter")

    assert seen == [1, 2, 3, 4, 6]
    with db.engine.connect() as conn:
        found = {row.id: row for row in conn.execute(sa.select(scratch))}
    assert {i: row.data for i, row in found.items()} == {
        i: {"n": i} if i != 5 else rows[4]["data"] for i in range(1, 7)}
    opened = {i: event_values.opened(row) for i, row in found.items()}
    assert opened == {1: {"reason": "raison 1"}, 2: {"kept": "before", "reason": "raison 2"},
                      3: {}, 4: {}, 5: {}, 6: {"reason": "raison 6"}}
    assert found[3].sealed_values is None  # nothing to seal: NULL
    assert "raison" not in repr([bytes(row.sealed_values) for row in found.values()
                                 if row.sealed_values is not None])


def test_a_check_constraint_is_dropped_and_made_again(empty_app):
    """mla/migrations/checks.py, as the revisions sealing a column that a check reads
    call it (batch mode: the table is copied on SQLite)."""
    import sqlalchemy as sa
    from alembic.operations import Operations

    from mla.extensions import db
    from mla.migrations.checks import create_check, drop_check

    scratch = sa.Table("scratch", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                       sa.Column("note", sa.Text, nullable=False),
                       sa.CheckConstraint("note <> ''", name="ck_scratch_note_given"))
    with db.engine.begin() as conn:
        scratch.create(conn)

    def checks() -> dict[str, str]:
        return {c["name"]: c["sqltext"] for c in inspect(db.engine).get_check_constraints(
            "scratch")}

    def migrate(change) -> None:
        with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
            change()

    assert set(checks()) == {"ck_scratch_note_given"}
    migrate(lambda: drop_check("scratch", "ck_scratch_note_given"))
    assert checks() == {}
    migrate(lambda: create_check("scratch", "ck_scratch_note_given", "note IS NOT NULL"))
    assert set(checks()) == {"ck_scratch_note_given"}
    assert "IS NOT NULL" in checks()["ck_scratch_note_given"]
