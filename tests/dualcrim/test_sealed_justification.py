"""A dual criminality decision's justification (what the caseworker typed to depart from
the check's verdict) is sealed at rest; the assessment page reads it whole. An override
still needs one. The revision that seals it seals existing decisions and opens them
going down."""

from __future__ import annotations

from typing import Any

import flask_migrate
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from mla.core.crypto import key_ring
from mla.dualcrim.models import Assessment
from mla.dualcrim.services import record_assessment
from mla.extensions import db as _db
from tests.dualcrim.test_case_assessment import catalogues  # noqa: F401  (fixture)
from tests.notifications.test_sealed_outbox import _stored
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = b"Quarrelwood"
JUSTIFICATION = "Tamsin Quarrelwood's transfers stay below the threshold."


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def test_a_justification_is_ciphertext_and_the_page_reads_it(
        db, catalogues, make_case, create_user, login_as, client):  # noqa: F811
    user = create_user("caseworker")
    case = make_case(actor=user)
    offence = case.offences[0]
    record_assessment(user, case, offence, iccs=["0701"], decision="not_satisfied",
                      justification=JUSTIFICATION)
    record_assessment(user, case, offence, iccs=["0701"], decision="agree")
    db.session.commit()
    stored = _rows("SELECT justification FROM dc_assessments ORDER BY id")
    assert stored[0][0] and stored[1] == (None,)  # agreeing with the verdict: nothing
    assert not any(MARKER in value for value in _stored(
        "SELECT justification FROM dc_assessments") + _stored(
        "SELECT data, comment FROM case_events") + _stored(
        "SELECT details FROM audit_entries"))

    login_as(user)
    page = client.get(f"/dual-criminality/cases/{case.reference}/offences/{offence.id}"
                      "?iccs=0701").get_data(as_text=True)
    assert "Tamsin Quarrelwood&#39;s transfers stay below the threshold." in page


def test_an_override_without_a_justification_is_refused_by_the_database(
        db, catalogues, make_case):  # noqa: F811
    case = make_case()
    assessment = record_assessment("test", case, case.offences[0], iccs=["0701"],
                                   decision="agree")
    db.session.commit()
    assessment.is_override = True
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Assessment, assessment.id).justification == ""


# --- the migration ----------------------------------------------------------------------

SEALS = "f4b6d8e0a2c5"


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def _assessment(row_id: int, *, is_override: bool, justification: str) -> None:
    _insert("dc_assessments", {
        "id": row_id, "case_id": 1, "offence_id": None, "offence_label": "Fraud",
        "conduct_iccs": "[]", "legal_basis": "UNTOC", "requesting_country": "XA",
        "requested_country": "XZ", "verdict": "satisfied",
        "decision": "not_satisfied" if is_override else "satisfied",
        "is_override": is_override, "justification": justification, "result": "{}"})


def test_the_migration_seals_justifications_and_going_down_opens_them(
        empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    _db.session.remove()
    _assessment(1, is_override=True, justification=JUSTIFICATION)
    _assessment(2, is_override=False, justification="")

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    assert not any(MARKER in value
                   for value in _stored("SELECT justification FROM dc_assessments"))
    (sealed,), (nothing,) = _rows("SELECT justification FROM dc_assessments ORDER BY id")
    assert key_ring().decrypt(bytes(sealed), context="dc_assessments.justification") \
        == JUSTIFICATION
    assert nothing is None

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    assert _rows("SELECT justification FROM dc_assessments ORDER BY id") \
        == [(JUSTIFICATION,), ("",)]
    columns = {c["name"]: str(c["type"]).upper()
               for c in inspect(_db.engine).get_columns("dc_assessments")}
    assert columns["justification"] not in {"BLOB", "BYTEA"}
    checks = {c["name"] for c in inspect(_db.engine).get_check_constraints("dc_assessments")}
    assert "ck_dc_assessments_override_justified" in checks
