"""The migration that starts the hash chain hashes the entries already there, in order."""

from __future__ import annotations

import json

import flask_migrate
from sqlalchemy import select, text

from mla.audit.chain import verify
from mla.audit.models import AuditEntry
from mla.extensions import db
from tests.test_migrations import (  # noqa: F401 - fixtures used by name
    MIGRATIONS,
    empty_app,
    pytestmark,
)

BEFORE_CHAIN = "e1a3c5f7b9d2"
CHAIN = "d9f1a3b5c7e0"


def test_existing_entries_are_chained_by_the_migration(empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=BEFORE_CHAIN)
    with db.engine.begin() as conn:
        for i, at in enumerate(("2026-01-02 03:04:05.123456", "2026-01-02 03:04:06",
                                "2026-02-01 00:00:00.000001")):
            conn.execute(text(
                "INSERT INTO audit_entries (at, actor_label, action, object_type, object_id, "
                "details, ip_address) VALUES (:at, 'old', 'case.update', 'cases', :oid, "
                ":details, '10.0.0.1')"),
                {"at": at + ("+00" if db.engine.dialect.name == "postgresql" else ""),
                 "oid": f"MLA-{i}", "details": json.dumps({"fields": ["title"], "n": i})})
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=CHAIN)
    rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert len(rows) == 3
    assert verify(rows) == (3, None)
    db.session.remove()
    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=BEFORE_CHAIN)
