"""An assurance's words (what was asked and given, who gave it, the caseworker's
assessment) are sealed at rest; the request page reads them whole. An assessed
assurance still needs its reasons. The revision that seals them seals existing
assurances and opens them going down."""

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
TERMS = "Tamsin Quarrelwood is held in a cell of 4 m2 at least"
GIVEN_BY = "Judge Quarrelwood-Hale, Ministry of Justice"
ASSESSMENT = "Binding on the state; Tamsin Quarrelwood's lawyer may visit"


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def test_an_assurances_words_are_ciphertext_and_the_page_reads_them(
        db, ready_case, users, client, login_as):
    worker = users["caseworker"]
    case = ready_case("incoming_extradition", "executive_decision")
    asked = u.request_assurance(worker, case, kind="prison_conditions", terms=TERMS,
                                requested_on=date(2026, 3, 2))
    db.session.commit()
    assert _rows("SELECT given_by, assessment FROM assurances") == [(None, None)]
    u.receive_assurance(worker, asked, received_on=date(2026, 3, 3), terms=TERMS,
                        given_by=GIVEN_BY)
    u.assess_assurance(worker, asked, sufficient=True, assessed_on=date(2026, 3, 4),
                       assessment=ASSESSMENT)
    db.session.commit()
    assert not any(MARKER in value for value in _stored(
        "SELECT terms, given_by, assessment FROM assurances") + _stored(
        "SELECT data, comment FROM case_events") + _stored(
        "SELECT details FROM audit_entries"))

    login_as(worker)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert TERMS in page and GIVEN_BY in page
    assert "Binding on the state; Tamsin Quarrelwood&#39;s lawyer may visit" in page


# --- the migration ----------------------------------------------------------------------

SEALS = "b8d0f2a4c6e9"


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def _assurance(row_id: int, **words: Any) -> None:
    _insert("assurances", {"id": row_id, "case_id": 1, "kind": "prison_conditions",
                           "source_article": "ECHR art. 3", "is_required": True,
                           "requested_on": "2026-03-02", "received_on": "2026-03-03",
                           "assessed_on": "2026-03-04", **words})


def test_the_migration_seals_assurances_and_going_down_opens_them(empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    _db.session.remove()
    _assurance(1, state="sufficient", terms=TERMS, given_by=GIVEN_BY, assessment=ASSESSMENT)
    _assurance(2, state="requested", terms=TERMS, given_by="", assessment="",
               received_on=None, assessed_on=None)

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    assert not any(MARKER in value for value in _stored(
        "SELECT terms, given_by, assessment FROM assurances"))
    rows = _rows("SELECT terms, given_by, assessment FROM assurances ORDER BY id")
    opened = [key_ring().decrypt(bytes(value), context=f"assurances.{name}")
              for name, value in zip(("terms", "given_by", "assessment"), rows[0],
                                     strict=True)]
    assert opened == [TERMS, GIVEN_BY, ASSESSMENT]
    assert rows[1][0] is not None and rows[1][1:] == (None, None)

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    assert _rows("SELECT terms, given_by, assessment FROM assurances ORDER BY id") \
        == [(TERMS, GIVEN_BY, ASSESSMENT), (TERMS, "", "")]
    columns = {c["name"]: str(c["type"]).upper()
               for c in inspect(_db.engine).get_columns("assurances")}
    assert not {columns[n] for n in ("terms", "given_by", "assessment")} & {"BLOB", "BYTEA"}
    checks = {c["name"] for c in inspect(_db.engine).get_check_constraints("assurances")}
    assert "ck_assurances_assessment_reasoned" in checks
