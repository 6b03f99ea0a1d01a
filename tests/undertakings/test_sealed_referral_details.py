"""What a domestic prosecution decided after an extradition was refused (the referral's
details) is sealed at rest; the request page and the report letter read it whole. The
revision that seals it seals existing referrals and opens them going down."""

from __future__ import annotations

from datetime import date
from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from mla.core.crypto import key_ring
from mla.extensions import db as _db
from mla.undertakings import services as u
from mla.workflow.services import apply_transition
from tests.deadlines.conftest import utc
from tests.notifications.test_sealed_outbox import _stored
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = b"Quarrelwood"
DETAILS = "Tamsin Quarrelwood was sentenced to four years"


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def test_a_referrals_details_are_ciphertext_and_the_page_reads_them(
        db, ready_case, users, client, login_as, set_now):
    worker = users["caseworker"]
    set_now(utc(2026, 2, 20, 9))
    case = ready_case("incoming_extradition", "executive_decision")
    apply_transition(worker, case, "propose_refusal", expected_version=case.version,
                     values={"ground": "nationality", "reasons": "Our national."})
    apply_transition(users["supervisor"], case, "approve_refusal", expected_version=case.version)
    apply_transition(worker, case, "refer_for_prosecution", expected_version=case.version,
                     values={"executing_authority_id": case.domestic_authority_id})
    db.session.commit()
    assert _rows("SELECT details FROM aut_dedere_referrals") == [(None,)]
    referral = u.referral_of(case)
    assert referral is not None
    set_now(utc(2026, 3, 5, 9))
    u.record_outcome(worker, referral, outcome="convicted", outcome_on=date(2026, 3, 2),
                     details=DETAILS, domestic_reference="XZ-PP-2026-11")
    letter = u.report_back(worker, referral)
    assert DETAILS in letter.body
    db.session.commit()
    assert not any(MARKER in value for value in _stored(
        "SELECT details FROM aut_dedere_referrals") + _stored(
        "SELECT subject, body, drafted_values FROM letters") + _stored(
        "SELECT data, comment FROM case_events") + _stored(
        "SELECT details FROM audit_entries"))

    login_as(worker)
    assert DETAILS in client.get(f"/requests/{case.reference}").get_data(as_text=True)


# --- the migration ----------------------------------------------------------------------

SEALS = "b1d3f5a7c9e2"


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def test_the_migration_seals_referrals_and_going_down_opens_them(empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    _db.session.remove()
    _insert("cases", {"id": 2, "reference": "XA-2", "legal_basis": "UNTOC",
                      "counterpart_country": "XA", "direction": "incoming", "kind": "mla",
                      "summary": b"", "counterpart_authority_id": None, "treaty_id": None})
    for row_id, details in ((1, DETAILS), (2, "")):
        _insert("aut_dedere_referrals", {
            "id": row_id, "case_id": row_id, "refusal_ground": "nationality",
            "authority_id": None, "referred_on": "2026-02-20", "domestic_reference": "",
            "state": "outcome_recorded" if details else "referred",
            "outcome": "convicted" if details else None,
            "outcome_on": "2026-03-02" if details else None, "details": details,
            "reported_on": None, "letter_id": None, "deadline_id": None})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    assert not any(MARKER in value for value in _stored(
        "SELECT details FROM aut_dedere_referrals"))
    rows = _rows("SELECT details FROM aut_dedere_referrals ORDER BY id")
    assert key_ring().decrypt(bytes(rows[0][0]),
                              context="aut_dedere_referrals.details") == DETAILS
    assert rows[1][0] is None

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    assert _rows("SELECT details FROM aut_dedere_referrals ORDER BY id") \
        == [(DETAILS,), ("",)]
    columns = {c["name"]: str(c["type"]).upper()
               for c in inspect(_db.engine).get_columns("aut_dedere_referrals")}
    assert columns["details"] not in {"BLOB", "BYTEA"}
