"""In a sandbox no SMTP connection is ever opened: a real server on loopback sees nothing."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from mla.settings import SmtpSettings
from tests.notifications.helpers import smtp_server


def test_a_whole_class_hour_sends_no_mail(app, db, loaded, trainer, create_user, client,
                                          login_as, csrf_token):
    """Reminders, counterpart letters and notifications with e-mail recipients: all kept."""
    from mla.notifications.models import OutboxMessage
    from mla.notifications.outbox import enqueue

    loaded()
    create_user("supervisor", username="sup", email="sup@example.org")
    enqueue("sandbox-direct", "email", subject="To a real address",
            to_address="someone@example.org")
    db.session.commit()
    original = app.extensions["mla.settings"]
    with smtp_server() as (inbox, port):
        app.extensions["mla.settings"] = dataclasses.replace(
            original, smtp=SmtpSettings(host="127.0.0.1", port=port))
        try:
            login_as(trainer)
            token = csrf_token("/sandbox/")
            for _ in range(3):  # three advances: each runs the dispatcher
                assert client.post("/sandbox/clock/advance",
                                   data={"days": "15", "csrf_token": token}).status_code == 302
        finally:
            app.extensions["mla.settings"] = original
        assert inbox.messages == []
    db.session.rollback()
    mail = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")))
    assert len(mail) > 1  # the class hour produced e-mails ...
    assert {m.status for m in mail} == {"sandboxed"}  # ... and none left the machine


def test_the_same_server_receives_mail_from_a_production_dispatcher(app, db):
    """The control: the server and the settings above do work when not in a sandbox."""
    from mla.core.transaction import unit_of_work
    from mla.notifications import dispatcher
    from mla.notifications.outbox import enqueue

    original = app.extensions["mla.settings"]
    with smtp_server() as (inbox, port):
        app.extensions["mla.settings"] = dataclasses.replace(
            original, mode="production", smtp=SmtpSettings(host="127.0.0.1", port=port))
        try:
            with unit_of_work():
                enqueue("control-1", "email", subject="Control", to_address="a@example.org")
            assert dispatcher.dispatch_due().email == 1
        finally:
            app.extensions["mla.settings"] = original
        assert len(inbox.messages) == 1
