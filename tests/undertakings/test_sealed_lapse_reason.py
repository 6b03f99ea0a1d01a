"""Why a surrendered person's speciality protection lapsed is sealed at rest and read
back whole; none stores NULL. The revision that seals it seals existing records and
opens them going down."""

from __future__ import annotations

from datetime import date
from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from mla.core.crypto import key_ring
from mla.extensions import db as _db
from mla.undertakings import services as u
from mla.undertakings.models import SpecialityRecord
from tests.notifications.test_sealed_outbox import _stored
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = b"Quarrelwood"
REASON = "Tamsin Quarrelwood stayed in the country beyond the 45 days"


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def test_a_lapse_reason_is_ciphertext_and_reads_back(db, ready_case, users):
    case = ready_case("incoming_eaw", "surrendered")
    record = u.record_speciality(users["caseworker"], case, surrendered_on=date(2026, 1, 5))
    db.session.commit()
    assert _rows("SELECT lapse_reason FROM speciality_records") == [(None,)]
    record.lapse_reason = REASON
    db.session.commit()
    assert not any(MARKER in value
                   for value in _stored("SELECT lapse_reason FROM speciality_records"))
    db.session.expire_all()
    assert db.session.get(SpecialityRecord, record.id).lapse_reason == REASON


SEALS = "e4a6c8d0f2b5"


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def test_the_migration_seals_lapse_reasons_and_going_down_opens_them(
        empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    _db.session.remove()
    _insert("cases", {"id": 2, "reference": "MLA-2026-00002", "legal_basis": "UNTOC",
                      "counterpart_country": "XA", "direction": "incoming", "kind": "mla",
                      "summary": b"", "counterpart_authority_id": None, "treaty_id": None})
    for row_id, reason in ((1, REASON), (2, "")):
        _insert("speciality_records", {
            "id": row_id, "case_id": row_id, "offences": "[]", "lapse_reason": reason,
            "direction": "surrendered_by_us", "state": "lapsed" if reason else "protected",
            "surrendered_on": "2026-01-05"})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    assert not any(MARKER in value
                   for value in _stored("SELECT lapse_reason FROM speciality_records"))
    (sealed,), (nothing,) = _rows("SELECT lapse_reason FROM speciality_records ORDER BY id")
    assert key_ring().decrypt(bytes(sealed), context="speciality_records.lapse_reason") \
        == REASON
    assert nothing is None

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    assert _rows("SELECT lapse_reason FROM speciality_records ORDER BY id") \
        == [(REASON,), ("",)]
    columns = {c["name"]: str(c["type"]).upper()
               for c in inspect(_db.engine).get_columns("speciality_records")}
    assert columns["lapse_reason"] not in {"BLOB", "BYTEA"}
