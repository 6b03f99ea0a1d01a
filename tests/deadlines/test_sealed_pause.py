"""A deadline's pause reason (the comment typed at the step that paused the clocks) is
sealed at rest: the deadlines table holds no typed word, while the request's deadline
panel and the API read it whole; the revision that seals it seals existing reasons and
going down opens them again."""

from __future__ import annotations

from datetime import date
from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from mla.core.crypto import key_ring
from mla.core.transaction import unit_of_work
from mla.deadlines.models import Deadline
from mla.deadlines.services import start_deadline
from mla.extensions import db as _db
from mla.workflow.hooks import TransitionContext, effects
from tests.deadlines.conftest import utc
from tests.notifications.test_sealed_outbox import _stored
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = b"Quarrelwood"
REASON = "Tamsin Quarrelwood's lawyer asks for a week: she is in hospital"


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def test_a_typed_pause_reason_is_ciphertext_and_the_panel_and_api_read_it(
        make_case, create_user, login_as, client, set_now, api_token, db):
    worker = create_user("caseworker")
    case = make_case(kind="mla", legal_basis="UNTOC", counterpart_country="FR", measures=[],
                     assignee_id=worker.id)
    set_now(utc(2026, 3, 2, 9))
    with unit_of_work():
        clock = start_deadline(case, "sla_decision", actor="t", at=utc(2026, 3, 2, 9))
    assert clock is not None
    clock_id = clock.id
    db.session.rollback()
    assert {row for row in _rows("SELECT pause_reason FROM deadlines")} == {(None,)}
    set_now(utc(2026, 3, 4, 12))
    with unit_of_work():  # as the engine calls it: the step's typed comment
        effects()["pause_clocks"](TransitionContext(
            case=case, actor=worker, transition=None, values={}, comment=REASON), None)

    stored = _stored(f"SELECT pause_reason FROM deadlines WHERE id = {clock_id}")
    assert len(stored) == 1 and stored[0] and MARKER not in stored[0]
    assert not any(MARKER in value for value in _stored("SELECT pause_reason FROM deadlines"))
    db.session.expire_all()
    assert db.session.get(Deadline, clock_id).pause_reason == REASON
    db.session.rollback()  # SQLite: the pages below write (sign-in, audit of the read)

    login_as(worker)
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "Tamsin Quarrelwood&#39;s lawyer asks for a week" in html
    items = client.get(f"/api/v1/cases/{case.reference}/deadlines",
                       headers=api_token(worker)).get_json()
    assert REASON in {item["pause_reason"] for item in items}

    set_now(utc(2026, 3, 6, 12))
    with unit_of_work():
        effects()["resume_clocks"](TransitionContext(
            case=case, actor=worker, transition=None, values={}, comment=""), None)
    assert {row for row in _rows("SELECT pause_reason FROM deadlines")} == {(None,)}


# --- the migration ----------------------------------------------------------------------

SEALS = "b6d8f0a2c4e5"


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def test_the_migration_seals_pause_reasons_and_going_down_opens_them(
        empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    clock = {"case_id": 1, "rule_code": "sla_decision", "country_code": "XA",
             "start_on": date(2026, 3, 2), "due_at": utc(2026, 3, 30, 23)}
    _insert("deadlines", {**clock, "id": 1, "status": "paused",
                          "paused_at": utc(2026, 3, 4, 12), "pause_reason": REASON})
    _insert("deadlines", {**clock, "id": 2, "status": "running", "pause_reason": ""})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    assert not any(MARKER in value for value in _stored("SELECT pause_reason FROM deadlines"))
    sealed, running = _rows("SELECT pause_reason FROM deadlines ORDER BY id")
    assert key_ring().decrypt(bytes(sealed[0]), context="deadlines.pause_reason") == REASON
    assert running == (None,)  # not paused: nothing sealed

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    assert _rows("SELECT pause_reason FROM deadlines ORDER BY id") == [(REASON,), ("",)]
    columns = {c["name"]: str(c["type"]).upper()
               for c in inspect(_db.engine).get_columns("deadlines")}
    assert columns["pause_reason"] not in {"BLOB", "BYTEA"}
