"""A speciality consent's words (the other offences or state the surrendered person
faces, the reasons of the decision) are sealed at rest; the request page reads them
whole. A decision still needs its reasons. The revision that seals them seals existing
consents and opens them going down."""

from __future__ import annotations

from datetime import date
from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from mla.core.crypto import key_ring
from mla.extensions import db as _db
from mla.undertakings import services as u
from tests.notifications.test_sealed_outbox import _stored
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = b"Quarrelwood"
SUBJECT = "Robbery of Tamsin Quarrelwood's neighbour in 2024"
REASONS = "Tamsin Quarrelwood was tried for it in absentia"


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def test_a_consents_words_are_ciphertext_and_the_page_reads_them(
        db, ready_case, users, client, login_as):
    worker = users["caseworker"]
    case = ready_case("incoming_eaw", "surrendered")
    record = u.record_speciality(worker, case, surrendered_on=date(2026, 1, 5))
    consent = u.add_consent_request(worker, record, purpose="other_offences",
                                    subject=SUBJECT, asked_on=date(2026, 3, 2))
    db.session.commit()
    assert _rows("SELECT reasons FROM speciality_consents") == [(None,)]
    u.decide_consent(worker, consent, granted=False, decided_on=date(2026, 3, 20),
                     reasons=REASONS)
    db.session.commit()
    assert not any(MARKER in value for value in _stored(
        "SELECT subject, reasons FROM speciality_consents") + _stored(
        "SELECT data, comment FROM case_events") + _stored(
        "SELECT details FROM audit_entries"))

    login_as(worker)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "Robbery of Tamsin Quarrelwood&#39;s neighbour in 2024" in page
    assert REASONS in page


# --- the migration ----------------------------------------------------------------------

SEALS = "d2f4b6c8e0a3"


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def test_the_migration_seals_consents_and_going_down_opens_them(empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    _db.session.remove()
    _insert("speciality_records", {"id": 1, "case_id": 1, "offences": "[]", "lapse_reason": "",
                                   "direction": "surrendered_by_us", "state": "protected",
                                   "surrendered_on": "2026-01-05"})
    for row_id, state, reasons in ((1, "refused", REASONS), (2, "pending", "")):
        _insert("speciality_consents", {
            "id": row_id, "record_id": 1, "case_id": 1, "purpose": "other_offences",
            "subject": SUBJECT, "asked_on": "2026-03-02", "state": state,
            "decided_on": "2026-03-20" if reasons else None, "reasons": reasons,
            "deadline_id": None})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    assert not any(MARKER in value for value in _stored(
        "SELECT subject, reasons FROM speciality_consents"))
    rows = _rows("SELECT subject, reasons FROM speciality_consents ORDER BY id")
    assert [key_ring().decrypt(bytes(v), context=f"speciality_consents.{n}")
            for n, v in zip(("subject", "reasons"), rows[0], strict=True)] == [SUBJECT, REASONS]
    assert rows[1][1] is None

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    assert _rows("SELECT subject, reasons FROM speciality_consents ORDER BY id") \
        == [(SUBJECT, REASONS), (SUBJECT, "")]
    columns = {c["name"]: str(c["type"]).upper()
               for c in inspect(_db.engine).get_columns("speciality_consents")}
    assert not {columns[n] for n in ("subject", "reasons")} & {"BLOB", "BYTEA"}
    checks = {c["name"] for c in inspect(_db.engine).get_check_constraints(
        "speciality_consents")}
    assert "ck_speciality_consents_decision_reasoned" in checks
