"""The text Comity drafts (a composed request's or letter's title and sections: the facts,
the persons, what is asked) is sealed at rest; the request document's page and the
generated files read it whole. The revision that seals it seals existing compositions
and opens them going down."""

from __future__ import annotations

import json
from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from mla.core.crypto import key_ring
from mla.core.transaction import unit_of_work
from mla.documents.compositions import build_sheet, edit_composition, start_request
from mla.extensions import db as _db
from tests.documents.helpers import outgoing_request
from tests.documents.test_compositions import png
from tests.notifications.test_sealed_outbox import _stored
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = b"Quarrelwood"
TITLE = "Request about Tamsin Quarrelwood"
FACTS = "Tamsin Quarrelwood moved the funds through an account in Lyon."


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def test_a_composed_text_is_ciphertext_and_the_page_and_files_read_it(
        db, make_case, create_user, client, login_as):
    case, worker = outgoing_request(db, make_case, create_user, logo=png(), summary=FACTS)
    with unit_of_work():
        composition = start_request(worker, case)
    stored = _stored("SELECT title, sections FROM compositions")
    assert stored and not any(MARKER in value for value in stored)
    assert not any(b"Jean Fictif" in value for value in stored)  # the person, generated

    with unit_of_work():
        edit_composition(worker, composition, version=1, title=TITLE, texts={"b": FACTS})
    assert not any(MARKER in value for value in _stored(
        "SELECT title, sections FROM compositions") + _stored(
        "SELECT details FROM audit_entries"))
    db.session.expire_all()
    assert composition.title == TITLE
    assert {s["key"]: s["text"] for s in composition.sections}["b"] == FACTS
    sheet = build_sheet(composition, on=composition.created_at.date())
    assert sheet.title == TITLE and any(s.text == FACTS for s in sheet.sections)

    login_as(worker)
    page = client.get(f"/requests/{case.reference}/request-document").get_data(as_text=True)
    assert TITLE in page and FACTS in page


# --- the migration ----------------------------------------------------------------------

SEALS = "e2a4c6e8f0b3"
SECTIONS = [{"key": "a", "heading": "Authority", "text": "Parquet"},
            {"key": "b", "heading": "Facts", "text": FACTS}]


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def test_the_migration_seals_compositions_and_going_down_opens_them(
        empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    _db.session.remove()
    _insert("compositions", {"id": 1, "case_id": 1, "kind": "request", "language": "fr",
                             "title": TITLE, "sections": json.dumps(SECTIONS),
                             "status": "draft", "version": 1, "letter_id": None,
                             "docx_document_id": None, "pdf_document_id": None})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    assert not any(MARKER in value
                   for value in _stored("SELECT title, sections FROM compositions"))
    ((title, sections),) = _rows("SELECT title, sections FROM compositions")
    assert key_ring().decrypt(bytes(title), context="compositions.title") == TITLE
    assert json.loads(key_ring().decrypt(bytes(sections),
                                         context="compositions.sections")) == SECTIONS

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    ((title, sections),) = _rows("SELECT title, sections FROM compositions")
    assert title == TITLE
    assert (sections if isinstance(sections, list) else json.loads(sections)) == SECTIONS
    columns = {c["name"]: str(c["type"]).upper()
               for c in inspect(_db.engine).get_columns("compositions")}
    assert columns["title"] not in {"BLOB", "BYTEA"}
    assert columns["sections"] not in {"BLOB", "BYTEA"}
