"""The outbox's e-mails, the in-app notifications and a letter's discard reason are
sealed at rest: the database holds ciphertext, while the e-mail that reaches a real SMTP
server, the notifications page and the letter read the same words."""

from __future__ import annotations

from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from mla.core.crypto import key_ring
from mla.core.transaction import unit_of_work
from mla.extensions import db
from mla.notifications import dispatcher
from mla.notifications.letters import delivery_of, discard_letter
from mla.notifications.models import Letter, Notification, OutboxMessage
from mla.notifications.outbox import enqueue
from mla.settings import SmtpSettings
from tests.deadlines.conftest import utc
from tests.notifications.helpers import settings_override, smtp_server
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _as_bytes, _insert, _plain_rows

MARKER = b"Quarrelwood"
SUBJECT = "Surrender of Tamsin Quarrelwood on 5 May"
BODY = "Tamsin Quarrelwood will be handed over at the border post at 10:00."


def _stored(sql: str) -> list[bytes]:
    with db.engine.connect() as conn:
        return [_as_bytes(value) for row in conn.execute(text(sql)).all() for value in row]


def test_an_email_is_ciphertext_in_the_outbox_and_plain_over_smtp(app, db, create_user,
                                                                  set_now):
    user = create_user("caseworker", email="worker@example.org")
    set_now(utc(2026, 5, 1, 9))
    with smtp_server() as (inbox, port), settings_override(
            app, smtp=SmtpSettings(host="127.0.0.1", port=port, sender="ca@example.org")):
        with unit_of_work():
            enqueue("mail-1", "email", subject=SUBJECT, body=BODY,
                    to_address=user.email, user_id=user.id, link="/cases/X")
        stored = _stored("SELECT subject, body FROM outbox_messages")
        assert stored and not any(MARKER in value for value in stored)
        assert dispatcher.dispatch_due().email == 1
    message = inbox.messages[0]
    assert message["Subject"] == SUBJECT
    assert message.get_payload(decode=True).decode().replace("\r\n", "\n") \
        == f"{BODY}\n\n/cases/X\n"
    assert not any(MARKER in value for value in _stored(
        "SELECT subject, body FROM outbox_messages"))
    db.session.expire_all()
    row = db.session.scalars(select(OutboxMessage)).one()
    assert (row.status, row.subject, row.body) == ("sent", SUBJECT, BODY)


def test_an_in_app_notification_is_ciphertext_and_the_page_reads_it(
        db, create_user, set_now, client, login_as):
    user = create_user("caseworker")
    set_now(utc(2026, 5, 1, 9))
    with unit_of_work():
        enqueue("note-1", "in_app", subject=SUBJECT, body=BODY, user_id=user.id)
    assert dispatcher.dispatch_due().in_app == 1

    stored = _stored("SELECT title, body FROM notifications") \
        + _stored("SELECT subject, body FROM outbox_messages")
    assert len(stored) == 4 and not any(MARKER in value for value in stored)
    db.session.expire_all()
    note = db.session.scalars(select(Notification)).one()
    assert (note.title, note.body) == (SUBJECT, BODY)
    login_as(user)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Surrender of Tamsin Quarrelwood" in page


def test_a_discard_reason_is_ciphertext_and_the_letter_reads_it(db, make_case, create_user):
    supervisor = create_user("supervisor")
    case = make_case(kind="mla", legal_basis="UNTOC", measures=[])
    with unit_of_work():
        letter = Letter(key="discard-1", case=case, template_code="refusal_notice",
                        subject="Refusal", body="Body")
        db.session.add(letter)
        db.session.flush()
        discard_letter(supervisor, letter, reason="Tamsin Quarrelwood withdrew her consent")

    assert not any(MARKER in value for value in _stored("SELECT discard_reason FROM letters"))
    db.session.expire_all()
    letter = db.session.get(Letter, letter.id)
    assert letter.discard_reason == "Tamsin Quarrelwood withdrew her consent"
    assert delivery_of([letter])[letter.id].reason == "Tamsin Quarrelwood withdrew her consent"


# --- the migration ----------------------------------------------------------------------

SEALS = "b8d0f2a4c6e1"


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def _open(value: Any, context: str) -> str:
    return key_ring().decrypt(bytes(value), context=context)


def test_the_migration_seals_outbox_notifications_and_discard_reasons_and_going_down_opens_them(
        empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1) and a letter (id 1), as f1a3c5e7b9d4's test writes them
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE letters SET discard_reason = :reason"),
                     {"reason": "Tamsin Quarrelwood withdrew"})
    for row_id in (1, 2):
        _insert("outbox_messages", {"id": row_id, "key": f"mail-{row_id}", "channel": "email",
                                    "status": "pending", "user_id": None, "case_id": 1,
                                    "subject": f"{SUBJECT} {row_id}", "body": BODY,
                                    "data": "{}", "claim_token": None,
                                    "claimed_until": None, "sent_at": None})
    _insert("users", {"id": 1, "username": "worker", "role": "caseworker"})
    _insert("notifications", {"id": 1, "key": "note-1", "user_id": 1, "case_id": 1,
                              "title": SUBJECT, "body": BODY, "read_at": None})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    stored = _stored("SELECT subject, body FROM outbox_messages") \
        + _stored("SELECT title, body FROM notifications") \
        + _stored("SELECT discard_reason FROM letters")
    assert len(stored) == 7 and not any(MARKER in value for value in stored)
    with db.engine.connect() as conn:
        outbox = conn.execute(text("SELECT subject, body FROM outbox_messages ORDER BY id")).all()
        title, body = conn.execute(text("SELECT title, body FROM notifications")).one()
        reason = conn.execute(text("SELECT discard_reason FROM letters")).scalar_one()
    assert [(_open(s, "outbox_messages.subject"), _open(b, "outbox_messages.body"))
            for s, b in outbox] == [(f"{SUBJECT} 1", BODY), (f"{SUBJECT} 2", BODY)]
    assert (_open(title, "notifications.title"), _open(body, "notifications.body")) \
        == (SUBJECT, BODY)
    assert _open(reason, "letters.discard_reason") == "Tamsin Quarrelwood withdrew"

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    with db.engine.connect() as conn:
        outbox = conn.execute(text("SELECT subject, body FROM outbox_messages ORDER BY id")).all()
        note = conn.execute(text("SELECT title, body FROM notifications")).one()
        reason = conn.execute(text("SELECT discard_reason FROM letters")).scalar_one()
    assert [tuple(r) for r in outbox] == [(f"{SUBJECT} 1", BODY), (f"{SUBJECT} 2", BODY)]
    assert tuple(note) == (SUBJECT, BODY) and reason == "Tamsin Quarrelwood withdrew"
    kinds = {str(c["type"]).upper() for c in inspect(db.engine).get_columns("notifications")
             if c["name"] in ("title", "body")}
    assert kinds and not kinds & {"BLOB", "BYTEA"}  # text columns again
