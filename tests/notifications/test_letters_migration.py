"""Revision b7c41e9d2a10 with data: letters recorded as "sent" become "approved", their
drafter is found from the user name kept, and a legacy self-approval is not blamed on
the four-eyes check (the drafter is forgotten, the approval kept)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import flask_migrate
import sqlalchemy as sa

from tests.test_migrations import (  # noqa: F401  (fixtures)
    MIGRATIONS,
    _logging_preserved,
    empty_app,
)

BEFORE, REVISION = "6af0f92a5fad", "b7c41e9d2a10"


def _filler(column: sa.Column) -> Any:
    kind = column["type"]
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 0
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 1, 1, tzinfo=UTC)
    if isinstance(kind, sa.JSON):
        return []
    return "x"


def _insert(conn: sa.Connection, table: str, **values: Any) -> None:
    """A row with the given values; other required columns get a plain filler."""
    for column in sa.inspect(conn).get_columns(table):
        if column["name"] not in values and not column["nullable"] and column["name"] != "id":
            values[column["name"]] = _filler(column)
    reflected = sa.Table(table, sa.MetaData(), autoload_with=conn)
    conn.execute(reflected.insert().values(**values))


def test_sent_letters_become_approved_with_their_drafter(empty_app):  # noqa: F811
    from mla.extensions import db

    with _logging_preserved():
        flask_migrate.upgrade(directory=str(MIGRATIONS), revision=BEFORE)
    with db.engine.begin() as conn:
        _insert(conn, "users", id=1, username="ann", role="caseworker")
        _insert(conn, "users", id=2, username="bob", role="supervisor")
        _insert(conn, "countries", code="XA", name="Arcadia", holiday_calendar="",
                dc_reference_date="")
        _insert(conn, "instruments", code="UNTOC", title="UNTOC", citation="")
        _insert(conn, "cases", id=1, reference="MLA-IN-2026-00001", direction="incoming",
                kind="mla", legal_basis="UNTOC", counterpart_country="XA", version=1)
        rows = [(1, "sent", "ann", 2), (2, "draft", "ann", None), (3, "sent", "bob", 2),
                (4, "discarded", "", 2)]
        for letter_id, status, drafter, decided_by in rows:
            _insert(conn, "letters", id=letter_id, key=f"k{letter_id}", case_id=1,
                    status=status, created_by_label=drafter, decided_by_id=decided_by)
    with _logging_preserved():
        flask_migrate.upgrade(directory=str(MIGRATIONS), revision=REVISION)
    with db.engine.connect() as conn:
        found = conn.execute(sa.text(
            "SELECT id, status, created_by_id, decided_by_id FROM letters ORDER BY id")).all()
    assert [tuple(r) for r in found] == [
        (1, "approved", 1, 2),     # ann drafted, bob approved
        (2, "draft", 1, None),
        (3, "approved", None, 2),  # bob approved his own: kept, drafter forgotten
        (4, "discarded", None, 2),
    ]
    with _logging_preserved():
        flask_migrate.downgrade(directory=str(MIGRATIONS), revision=BEFORE)
    with db.engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT status FROM letters ORDER BY id")).scalars()
        assert list(statuses) == ["sent", "draft", "sent", "discarded"]
