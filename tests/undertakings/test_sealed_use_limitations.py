"""A use limitation's words (its scope, who imposed it, the caseworker's note on the
counterpart's answer) are sealed at rest; the request page and the consent letter read
them whole. The revision that seals them seals existing limitations and opens them
going down."""

from __future__ import annotations

from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from mla.core.crypto import key_ring
from mla.documents.services import Upload, store_document
from mla.extensions import db as _db
from mla.undertakings import services as u
from tests.notifications.test_sealed_outbox import _stored
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = b"Quarrelwood"
SCOPE = "Only against Tamsin Quarrelwood in proceedings XA-2026-7"
IMPOSED_BY = "Prosecutor Quarrelwood-Hale"
NOTE = "Refused by phone: Tamsin Quarrelwood's trial comes first"


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def test_a_limitations_words_are_ciphertext_and_the_page_and_letter_read_them(
        db, make_case, users, client, login_as):
    worker = users["caseworker"]
    case = make_case(worker)
    other = make_case(worker, title="Another fraud")
    document = store_document(worker, case, Upload("bank.pdf", b"%PDF-1.4 bank"))
    limitation = u.add_limitation(worker, document, kind="use", scope=SCOPE,
                                  imposed_by=IMPOSED_BY)
    db.session.commit()
    assert _rows("SELECT note FROM use_limitations") == [(None,)]
    letter = u.request_use_consent(worker, limitation, purpose="Money laundering",
                                   target=other)
    u.record_use_consent(worker, limitation, granted=False, note=NOTE)
    db.session.commit()
    assert SCOPE in letter.body
    db.session.rollback()  # the lazy load's transaction (SQLite: BEGIN IMMEDIATE)
    assert not any(MARKER in value for value in _stored(
        "SELECT scope, imposed_by, note FROM use_limitations") + _stored(
        "SELECT data, comment FROM case_events") + _stored(
        "SELECT details FROM audit_entries"))

    login_as(worker)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert SCOPE in page and IMPOSED_BY in page


# --- the migration ----------------------------------------------------------------------

SEALS = "c0e2a4b6d8f1"


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def test_the_migration_seals_limitations_and_going_down_opens_them(empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    _db.session.remove()
    _insert("documents", {"id": 1, "case_id": 1, "filename": "bank.pdf", "language": "",
                          "visibility": "internal", "doc_type": "evidence",
                          "sha256": "0" * 64})
    for row_id, note in ((1, NOTE), (2, "")):
        _insert("use_limitations", {
            "id": row_id, "document_id": 1, "case_id": 1, "kind": "use", "scope": SCOPE,
            "source_article": "UNTOC art. 18(19)", "imposed_by": IMPOSED_BY,
            "imposed_on": "2026-03-02", "state": "in_force", "inherited_from_id": None,
            "note": note})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    assert not any(MARKER in value for value in _stored(
        "SELECT scope, imposed_by, note FROM use_limitations"))
    rows = _rows("SELECT scope, imposed_by, note FROM use_limitations ORDER BY id")
    opened = [key_ring().decrypt(bytes(value), context=f"use_limitations.{name}")
              for name, value in zip(("scope", "imposed_by", "note"), rows[0], strict=True)]
    assert opened == [SCOPE, IMPOSED_BY, NOTE]
    assert rows[1][2] is None

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    assert _rows("SELECT scope, imposed_by, note FROM use_limitations ORDER BY id") \
        == [(SCOPE, IMPOSED_BY, NOTE), (SCOPE, IMPOSED_BY, "")]
    columns = {c["name"]: str(c["type"]).upper()
               for c in inspect(_db.engine).get_columns("use_limitations")}
    assert not {columns[n] for n in ("scope", "imposed_by", "note")} & {"BLOB", "BYTEA"}
