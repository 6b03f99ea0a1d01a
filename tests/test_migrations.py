"""Migrations: the models match the head revision; every revision goes up and down cleanly.

Each test migrates its own empty database (never the session's app database): an
SQLite file, or with MLA_TEST_DB=postgres a database `comity_migrations_<run>_<worker>`
on the local server (unique to the run, dropped at its end). Alembic runs through
Flask-Migrate, exactly as `flask db upgrade`.
"""

from __future__ import annotations

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


def test_the_models_match_the_head_revision(empty_app):
    """Fails when a model changed without a migration (run `flask db migrate`)."""
    from mla.extensions import db

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision="head")
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "render_as_batch": True})
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
