"""A deadline's extension reason (typed by the caseworker) and its notice (the letter's
subject) are sealed at rest: the deadlines table, the timeline entry and the audit trail
hold no typed word, while the request page and the API read them whole. The revision that
seals them also seals the words a counterpart refused an exchange package with."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from mla.core.crypto import key_ring
from mla.core.transaction import unit_of_work
from mla.deadlines.models import Deadline
from mla.deadlines.services import start_deadline
from mla.extensions import db as _db
from mla.notifications.models import Letter
from tests.deadlines.conftest import utc
from tests.notifications.test_sealed_outbox import _stored
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = b"Quarrelwood"
REASON = "Awaiting Tamsin Quarrelwood's hospital discharge papers"


def test_an_extension_reason_is_ciphertext_and_the_page_and_api_read_it(
        make_case, create_user, login_as, client, csrf_token, set_now, api_token, db):
    worker = create_user("caseworker")
    case = make_case(kind="extradition", legal_basis="EAW", counterpart_country="FR",
                     measures=[], assignee_id=worker.id)
    with unit_of_work():
        clock = start_deadline(case, "eaw_decision", actor="t", at=utc(2026, 1, 10, 8),
                               values={"arrested_on": date(2026, 1, 10)})
    assert clock is not None
    # A clock never extended stores nothing (NULL), and reads "".
    assert _rows("SELECT extension_reason, extension_notice FROM deadlines") == [(None, None)]
    set_now(utc(2026, 3, 1, 10))
    login_as(worker)
    url = f"/requests/{case.reference}/deadlines/{clock.id}/extend"
    assert client.post(url, data={"csrf_token": csrf_token(url), "reason": REASON}) \
        .status_code == 302

    stored = _stored("SELECT extension_reason, extension_notice FROM deadlines")
    assert len(stored) == 2 and not any(MARKER in value for value in stored)
    assert not any(MARKER in value for value in _stored(
        "SELECT comment, data FROM case_events WHERE kind = 'deadline'")
        + _stored("SELECT details FROM audit_entries"))
    db.session.expire_all()
    letter = db.session.scalars(select(Letter)).one()
    assert letter.subject.encode() not in stored[1]
    extended = db.session.get(Deadline, clock.id)
    assert extended.extension_reason == REASON
    assert extended.extension_notice == f"{letter.subject} (draft)"
    subject = letter.subject
    db.session.rollback()  # SQLite: the pages below write (sign-in, audit of the read)

    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "Tamsin Quarrelwood&#39;s hospital discharge papers" in html
    assert f"Notice: {subject}" in html
    [item] = client.get(f"/api/v1/cases/{case.reference}/deadlines",
                        headers=api_token(worker)).get_json()
    assert item["extension_reason"] == REASON
    assert item["extension_notice"] == f"{subject} (draft)"


# --- the migration ----------------------------------------------------------------------

SEALS = "a4c6e8f0b2d9"
NOTICE = "Notice of extended time limits: Tamsin Quarrelwood (draft)"
REFUSAL = "The request names Tamsin Quarrelwood, whom we hold no file on"
REFUSED: dict[str, Any] = {"status": None, "refusal": {"code": "malformed", "reason": REFUSAL}}


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def _data(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value)


def test_the_migration_seals_reasons_notices_and_refusals_and_going_down_opens_them(
        empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    clock = {"case_id": 1, "rule_code": "eaw_decision", "status": "running",
             "country_code": "XA", "start_on": date(2026, 1, 10),
             "due_at": utc(2026, 3, 11, 23), "pause_reason": ""}
    _insert("deadlines", {**clock, "id": 1, "extensions": 1, "extension_reason": REASON,
                          "extension_notice": NOTICE})
    _insert("deadlines", {**clock, "id": 2, "extensions": 0, "extension_reason": "",
                          "extension_notice": ""})
    message = {"direction": "outgoing", "kind": "request", "counterpart": "XA:ca",
               "case_id": 1, "status": "sealed", "package_sha256": "0" * 64,
               "issued_at": utc(2026, 3, 1), "confirmed_by_id": None}
    _insert("exchange_messages", {**message, "id": 1, "message_id": "m-1",
                                  "data": json.dumps(REFUSED)})
    _insert("exchange_messages", {**message, "id": 2, "message_id": "m-2",
                                  "data": json.dumps({"status": None})})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    stored = _stored("SELECT extension_reason, extension_notice FROM deadlines") \
        + _stored("SELECT data, refusal_reason FROM exchange_messages")
    assert not any(MARKER in value for value in stored)
    reasons = _rows("SELECT id, extension_reason, extension_notice FROM deadlines ORDER BY id")
    assert key_ring().decrypt(bytes(reasons[0][1]), context="deadlines.extension_reason") \
        == REASON
    assert key_ring().decrypt(bytes(reasons[0][2]), context="deadlines.extension_notice") \
        == NOTICE
    assert reasons[1][1:] == (None, None)  # never extended: nothing sealed
    refused, other = _rows("SELECT data, refusal_reason FROM exchange_messages ORDER BY id")
    assert _data(refused[0]) == {"status": None, "refusal": {"code": "malformed"}}
    assert key_ring().decrypt(bytes(refused[1]), context="exchange_messages.refusal_reason") \
        == REFUSAL
    assert (_data(other[0]), other[1]) == ({"status": None}, None)

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    assert _rows("SELECT extension_reason, extension_notice FROM deadlines ORDER BY id") \
        == [(REASON, NOTICE), ("", "")]
    assert [_data(data) for (data,) in _rows("SELECT data FROM exchange_messages ORDER BY id")] \
        == [REFUSED, {"status": None}]
    columns = {c["name"]: str(c["type"]).upper()
               for c in inspect(_db.engine).get_columns("deadlines")}
    assert not {columns["extension_reason"], columns["extension_notice"]} & {"BLOB", "BYTEA"}
    assert "refusal_reason" not in {c["name"] for c in
                                    inspect(_db.engine).get_columns("exchange_messages")}
