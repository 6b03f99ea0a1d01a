"""Upgrading an instance that kept documents as files: the migration that adds the
database store copies each file's sealed blob, unchanged, into ``document_contents``;
going back down writes the table's blobs out as files again."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import flask_migrate
from sqlalchemy import text

from tests.test_migrations import MIGRATIONS

BEFORE = "483f02b3bd65"
ADDS_THE_TABLE = "6af0f92a5fad"


INSERT = ("INSERT INTO documents (uid, case_id, filename, content_type, size_bytes, sha256, "
          "visibility, created_at) VALUES ('{uid}', 999, 'a.pdf', 'application/pdf', 10, "
          "'{sha}', 'internal', '2026-01-05 00:00:00') RETURNING id")


def _insert_document(uid: str) -> int:
    """A documents row as the earlier version wrote it (its request is left out)."""
    from mla.extensions import db

    statement = INSERT.format(uid=uid, sha="0" * 64)
    if db.engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(db.engine.url.database)) as conn:  # foreign keys off
            row_id = conn.execute(statement).fetchone()[0]
            conn.commit()
            return row_id
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE documents DROP CONSTRAINT IF EXISTS "
                          "fk_documents_case_id_cases"))
        return conn.execute(text(statement)).scalar_one()


def test_files_written_before_the_upgrade_are_copied_into_the_table(empty_app):
    from mla.extensions import db

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=BEFORE)
    kept = _insert_document("0123abcd")
    lost = _insert_document("4567ef01")  # its file is gone: nothing to copy
    directory = empty_app.extensions["mla.settings"].instance_path / "documents"
    directory.mkdir()
    (directory / "0123abcd.bin").write_bytes(b"\x01sealed blob")

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=ADDS_THE_TABLE)

    with db.engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT document_id, sealed FROM document_contents")).all())
    assert {k: bytes(v) for k, v in rows.items()} == {kept: b"\x01sealed blob"}
    assert lost not in rows
    assert (directory / "0123abcd.bin").exists()  # left for the operator to remove


def test_going_down_writes_the_blobs_back_as_files(empty_app):
    from mla.extensions import db

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=ADDS_THE_TABLE)
    document_id = _insert_document("89abcdef")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO document_contents (document_id, sealed) "
                          "VALUES (:id, :blob)"), {"id": document_id, "blob": b"\x02blob"})

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=BEFORE)

    path = empty_app.extensions["mla.settings"].instance_path / "documents" / "89abcdef.bin"
    assert path.read_bytes() == b"\x02blob"
