"""A delivery's failure is sealed at rest: the mail server's words (which name the
refused mailbox) are ciphertext in outbox_messages.last_error and, once a caseworker
re-sends the letter, in the timeline entry's sealed values; the letter, the letters
queue, the request's timeline and the admins' dead-letter list read them whole, and
the log line of a message given up names no address."""

from __future__ import annotations

import json
import logging
from typing import Any

import flask_migrate
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import inspect, select, text, update

from mla.cases.models import CaseEvent
from mla.core.clock import now
from mla.core.crypto import key_ring
from mla.extensions import db as _db
from mla.notifications import dispatcher
from mla.notifications.models import OutboxMessage
from mla.settings import SmtpSettings
from tests.conftest import _csrf_from
from tests.notifications.helpers import free_port, settings_override
from tests.notifications.test_four_eyes import (  # noqa: F401  (fixture)
    ADDRESS,
    RefusingInbox,
    _approved_by_supervisor,
    drafted,
)
from tests.notifications.test_sealed_outbox import _stored
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = ADDRESS.encode()  # entraide@example.fr
REFUSAL = f"The mail server refused the recipient: {ADDRESS} (550 5.1.1 Mailbox unavailable)"


def _dispatch_to_refusing_server(app) -> dispatcher.DispatchReport:
    port = free_port()
    controller = Controller(RefusingInbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with settings_override(app, smtp=SmtpSettings(host="127.0.0.1", port=port)):
            return dispatcher.dispatch_due()
    finally:
        controller.stop()


def test_a_refused_mailbox_is_ciphertext_and_the_pages_read_it(
        drafted, app, client, login_as, create_user, db, caplog):  # noqa: F811
    letter, drafter, case = drafted
    _approved_by_supervisor(letter, create_user)
    assert _dispatch_to_refusing_server(app).retried == 1

    stored = _stored("SELECT last_error FROM outbox_messages")
    assert stored and stored[0] and not any(MARKER in value or b"Mailbox" in value
                                            for value in stored)
    db.session.expire_all()
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.last_error == REFUSAL
    login_as(drafter)
    for path in (f"/letters/{letter.id}", "/letters", f"/requests/{case.reference}"):
        html = client.get(path).get_data(as_text=True)
        assert 'data-delivery="retrying"' in html and ADDRESS in html, path

    # The last attempt: given up, named in the log without the address.
    db.session.execute(update(OutboxMessage).values(
        attempts=dispatcher.MAX_ATTEMPTS - 1, available_at=now()))
    db.session.commit()
    caplog.set_level(logging.ERROR, logger="mla.notifications.dispatcher")
    assert _dispatch_to_refusing_server(app).dead == 1
    given_up = [r.getMessage() for r in caplog.records if "dead after" in r.getMessage()]
    assert given_up and "550 5.1.1 Mailbox unavailable" in given_up[0]
    assert ADDRESS not in caplog.text and "[address]" in given_up[0]
    assert not any(MARKER in value for value in _stored("SELECT last_error FROM outbox_messages"))
    login_as(create_user("admin"))
    assert REFUSAL in client.get("/outbox/dead").get_data(as_text=True)

    # Re-sent by a caseworker: the failure goes to the timeline, sealed.
    login_as(drafter)
    page = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert client.post(f"/letters/{letter.id}/retry",
                       data={"csrf_token": _csrf_from(page)}).status_code == 302
    stored = _stored("SELECT data, sealed_values FROM case_events WHERE kind = 'letter'")
    assert stored and not any(MARKER in value for value in stored)
    assert db.session.execute(text("SELECT last_error FROM outbox_messages")).scalar_one() \
        is None  # no error now: nothing stored
    db.session.expire_all()
    retried = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "letter")
                                 .order_by(CaseEvent.id.desc())).first()
    assert retried.data["action"] == "retry" and "reason" not in retried.data
    assert retried.values == {"reason": REFUSAL}
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "Letter delivery tried again" in html and f"Last failure: {REFUSAL}" in html


def test_a_message_never_failed_stores_no_error_and_reads_empty(db, create_user):
    from mla.core.transaction import unit_of_work
    from mla.notifications.outbox import enqueue

    with unit_of_work():
        enqueue("mail-ok", "email", subject="Reminder", body="Due", to_address="a@example.org")
    assert db.session.execute(text("SELECT last_error FROM outbox_messages")).scalar_one() \
        is None
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.last_error == ""


# --- the migration ----------------------------------------------------------------------

SEALS = "c2e4a6f8b0d3"
RESEND = "Refused: tamsin.quarrelwood@example.org (550 Mailbox unavailable)"
CONSENT = "Consent of Tamsin Quarrelwood, 3 March"
EVENTS: dict[int, tuple[str, dict[str, Any]]] = {
    3: ("letter", {"letter_id": 1, "template": "refusal_notice", "language": "en",
                   "action": "retry", "status": "approved", "reason": RESEND}),
    4: ("exchange", {"label": "Sealed for electronic transmission", "action": "sealed",
                     "message_id": "m-1", "counterpart": "xb", "left_out": [8],
                     "limited_sent": [7], "reason": CONSENT}),
    5: ("exchange", {"label": "Sealed for electronic transmission", "action": "sealed",
                     "message_id": "m-2", "counterpart": "xb", "left_out": [],
                     "limited_sent": [], "reason": ""}),
    6: ("letter", {"letter_id": 1, "action": "discarded", "status": "discarded"}),
}


def _before() -> str:
    from alembic.script import ScriptDirectory

    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def _events() -> dict[int, tuple[dict[str, Any], Any]]:
    with _db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, data, sealed_values FROM case_events "
                                 "WHERE id >= 3 ORDER BY id")).all()
    return {row.id: (row.data if isinstance(row.data, dict) else json.loads(row.data),
                     row.sealed_values) for row in rows}


def _errors() -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text("SELECT last_error FROM outbox_messages ORDER BY id"))
                    .scalars())


@pytest.mark.usefixtures("empty_app")
def test_the_migration_seals_reasons_and_errors_and_going_down_opens_them():
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1), its events 1 and 2, a letter (id 1)
    for event_id, (kind, data) in EVENTS.items():
        _insert("case_events", {"id": event_id, "case_id": 1, "kind": kind, "transition": None,
                                "comment": b"", "data": json.dumps(data),
                                "sealed_values": None, "is_internal": True})
    for row_id, error in ((1, REFUSAL), (2, "")):
        _insert("outbox_messages", {"id": row_id, "key": f"mail-{row_id}", "channel": "email",
                                    "status": "pending", "user_id": None, "case_id": 1,
                                    "subject": b"", "body": b"", "data": "{}",
                                    "claim_token": None, "claimed_until": None,
                                    "sent_at": None, "last_error": error})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    stored = _stored("SELECT data, sealed_values FROM case_events WHERE id >= 3") + [
        bytes(v) for v in _errors() if v is not None]
    assert not any(m in value for value in stored
                   for m in (b"Quarrelwood", MARKER, b"tamsin"))
    events = _events()
    assert all("reason" not in data for data, _sealed in events.values())
    assert events[4][0]["limited_sent"] == [7] and events[4][0]["left_out"] == [8]
    opened = {event_id: json.loads(key_ring().decrypt(bytes(sealed),
                                                      context="case_events.sealed_values"))
              for event_id, (_data, sealed) in events.items() if sealed is not None}
    assert opened == {3: {"reason": RESEND}, 4: {"reason": CONSENT}}
    first, second = _errors()
    assert key_ring().decrypt(bytes(first), context="outbox_messages.last_error") == REFUSAL
    assert second is None

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    events = _events()
    assert {event_id: data for event_id, (data, _sealed) in events.items()} \
        == {event_id: data for event_id, (_kind, data) in EVENTS.items()}
    assert all(sealed is None for _data, sealed in events.values())
    assert _errors() == [REFUSAL, ""]
    kinds = {str(c["type"]).upper() for c in inspect(_db.engine).get_columns("outbox_messages")
             if c["name"] == "last_error"}
    assert kinds and not kinds & {"BLOB", "BYTEA"}  # a text column again
