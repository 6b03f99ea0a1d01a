"""A requested measure's details (whom or what it concerns, where: from a counterpart's
package or typed) are sealed at rest; the drafted request document and the exchange
package read them whole. The revision that seals them seals existing measures and opens
them going down."""

from __future__ import annotations

from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from mla.core.crypto import key_ring
from mla.documents.compositions import start_request
from mla.exchange.services import request_body
from mla.extensions import db as _db
from tests.documents.helpers import outgoing_request
from tests.documents.test_compositions import png
from tests.notifications.test_sealed_outbox import _stored
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = b"Quarrelwood"
DETAILS = "Accounts held by Tamsin Quarrelwood at Banque Lyonnaise"


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def test_a_measures_details_are_ciphertext_and_the_request_reads_them(
        db, make_case, create_user):
    case, worker = outgoing_request(db, make_case, create_user, logo=png(),
                                    measures=["bank_records", "search_seizure"])
    by_code = {m.code: m for m in case.measures}
    by_code["bank_records"].details = DETAILS
    db.session.commit()
    stored = dict(_rows("SELECT code, details FROM case_measures"))
    assert stored["search_seizure"] is None  # none: nothing sealed
    assert stored["bank_records"] and MARKER not in bytes(stored["bank_records"])

    db.session.expire_all()  # read back from the database
    composition = start_request(worker, case)
    db.session.commit()
    assert any(DETAILS in s["text"] for s in composition.sections)
    assert {"code": "bank_records", "details": DETAILS} in request_body(case)["measures"]
    db.session.rollback()  # the lazy loads' transaction (SQLite: BEGIN IMMEDIATE)
    assert not any(MARKER in value for value in _stored(
        "SELECT details FROM case_measures") + _stored(
        "SELECT title, sections FROM compositions"))


# --- the migration ----------------------------------------------------------------------

SEALS = "a6c8e0f2b4d7"


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def test_the_migration_seals_details_and_going_down_opens_them(empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    _db.session.remove()
    _insert("case_measures", {"id": 1, "case_id": 1, "code": "bank_records",
                              "details": DETAILS})
    _insert("case_measures", {"id": 2, "case_id": 1, "code": "search_seizure",
                              "details": ""})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    assert not any(MARKER in value for value in _stored("SELECT details FROM case_measures"))
    (sealed,), (nothing,) = _rows("SELECT details FROM case_measures ORDER BY id")
    assert key_ring().decrypt(bytes(sealed), context="case_measures.details") == DETAILS
    assert nothing is None

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    assert _rows("SELECT details FROM case_measures ORDER BY id") == [(DETAILS,), ("",)]
    columns = {c["name"]: str(c["type"]).upper()
               for c in inspect(_db.engine).get_columns("case_measures")}
    assert columns["details"] not in {"BLOB", "BYTEA"}
