"""Reminders into the outbox, the outbox into notifications and e-mail."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from mla.core.transaction import unit_of_work
from mla.deadlines.reminders import scan_deadlines
from mla.deadlines.services import start_deadline
from mla.notifications import dispatcher
from mla.notifications.models import Notification, OutboxMessage
from mla.notifications.outbox import enqueue
from mla.settings import SmtpSettings
from tests.deadlines.conftest import utc
from tests.notifications.helpers import settings_override, smtp_server


@pytest.fixture
def assigned_case(make_case, create_user):
    def factory(**overrides):
        worker = create_user("caseworker", email="worker@example.org")
        values = {"kind": "mla", "legal_basis": "UNTOC", "measures": [],
                  "assignee_id": worker.id}
        values.update(overrides)
        return make_case(**values), worker
    return factory


def keys(db, **where):
    stmt = select(OutboxMessage.key).order_by(OutboxMessage.key)
    for name, value in where.items():
        stmt = stmt.where(getattr(OutboxMessage, name) == value)
    return list(db.session.scalars(stmt))


def test_reminders_before_on_the_day_and_escalation_once_each(assigned_case, create_user,
                                                             set_now, db):
    supervisor = create_user("supervisor", email="boss@example.org")
    case, worker = assigned_case()
    set_now(utc(2026, 3, 2, 9))
    with unit_of_work():
        d = start_deadline(case, "sla_decision", actor="t")  # due Mon 30 March
    # Business-day rule: 3 business days before Mon 30 March = Wed 25, at 08:00.
    assert d.next_reminder_at == utc(2026, 3, 25, 8)
    set_now(utc(2026, 3, 25, 8, 0, 1))
    assert scan_deadlines() == 1
    assert scan_deadlines() == 0                              # nothing new on a second tick
    assert keys(db, channel="in_app") == [f"dl:{d.id}:0:2026-03-30:before3:u{worker.id}:app"]
    set_now(utc(2026, 3, 27, 9))                              # Fri: 1 business day before
    scan_deadlines()
    set_now(utc(2026, 3, 30, 9))
    scan_deadlines()
    set_now(utc(2026, 3, 31, 0, 0, 5))
    scan_deadlines()
    app_keys = keys(db, channel="in_app")
    assert [k.split(":")[4] for k in app_keys].count("before1") == 1
    assert f"dl:{d.id}:0:2026-03-30:day:u{worker.id}:app" in app_keys
    assert f"dl:{d.id}:0:2026-03-30:missed:u{supervisor.id}:app" in app_keys
    assert f"dl:{d.id}:0:2026-03-30:missed:u{worker.id}:app" in app_keys
    assert len(keys(db, channel="email")) == len(app_keys)   # both have an address
    db.session.refresh(d)
    assert d.missed_at is not None and d.next_reminder_at is None


def test_48_hours_of_downtime_caught_up_in_one_pass(assigned_case, create_user, set_now, db):
    boss = create_user("supervisor")
    set_now(utc(2026, 3, 2, 9))
    with unit_of_work():
        for _ in range(12):
            case, _worker = assigned_case()
            start_deadline(case, "sla_acknowledge", actor="t")  # due Mon 9 March 23:59:59
    set_now(utc(2026, 3, 6, 9))                                  # Fri: "due in 1 business day"
    assert scan_deadlines() == 12
    assert dispatcher.dispatch_due().in_app == 12
    # The scheduler is down from Mon 9 March 07:00 to Wed 11 March 07:00 (48 hours): the
    # reminder on the day (9 March 08:00) and the missed escalation (10 March 00:00) passed.
    set_now(utc(2026, 3, 9, 7))
    assert scan_deadlines() == 0
    set_now(utc(2026, 3, 11, 7))
    assert scan_deadlines() == 24                                # one pass: 12 x (day, missed)
    report = dispatcher.dispatch_due()
    assert report.in_app == 12 + 12 * 2                          # assignee; supervisor + assignee
    assert scan_deadlines() == 0 and dispatcher.dispatch_due().delivered == 0
    escalations = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == boss.id, Notification.category == "escalation"))
    assert escalations == 12


def test_in_app_exactly_once_and_expired_claims_taken_again(db, create_user, set_now):
    user = create_user("caseworker")
    set_now(utc(2026, 5, 1, 9))
    with unit_of_work():
        for i in range(5):
            enqueue(f"k{i}", "in_app", subject=f"s{i}", user_id=user.id)
        assert enqueue("k0", "in_app", subject="again", user_id=user.id) is False
    token, ids = dispatcher.claim(3)
    assert len(ids) == 3          # a dispatcher claimed three rows, then died
    report = dispatcher.dispatch_due()
    assert report.in_app == 2     # the other two; the claimed three wait for the lease
    set_now(utc(2026, 5, 1, 9) + dispatcher.LEASE + timedelta(seconds=1))
    assert dispatcher.dispatch_due().in_app == 3
    # The dead dispatcher wakes up and tries to finish: its claim is gone, nothing doubles.
    assert dispatcher.deliver_in_app(token, ids) == 0
    rows = db.session.execute(select(Notification.key, func.count()).group_by(Notification.key))
    assert sorted(rows.all()) == [(f"k{i}", 1) for i in range(5)]


def test_email_goes_over_smtp_with_the_key_as_message_id(app, db, create_user, set_now):
    user = create_user("caseworker", email="worker@example.org")
    set_now(utc(2026, 5, 1, 9))
    with smtp_server() as (inbox, port), settings_override(
            app, smtp=SmtpSettings(host="127.0.0.1", port=port, sender="ca@example.org")):
        with unit_of_work():
            enqueue("mail-1", "email", subject="Due tomorrow", body="Body text",
                    to_address=user.email, user_id=user.id, link="/cases/X")
        report = dispatcher.dispatch_due()
        assert report.email == 1
        assert dispatcher.dispatch_due().delivered == 0
    assert inbox.message_ids() == ["<mail-1@comity.invalid>"]
    message = inbox.messages[0]
    assert message["To"] == "worker@example.org" and message["From"] == "ca@example.org"
    assert "Body text" in message.get_payload()
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.status == "sent" and row.sent_at is not None


def test_failures_back_off_then_dead_letter(app, db, create_user, set_now, login_as, client):
    admin = create_user("admin")
    at = utc(2026, 5, 1, 9)
    set_now(at)
    with unit_of_work():
        enqueue("mail-x", "email", subject="s", to_address="a@example.org")
    closed = SmtpSettings(host="127.0.0.1", port=1, timeout_seconds=1)  # nothing listens
    with settings_override(app, smtp=closed):
        report = dispatcher.dispatch_due()
        assert report.retried == 1
        row = db.session.scalars(select(OutboxMessage)).one()
        assert row.status == "pending" and row.attempts == 1
        assert row.available_at == at + dispatcher.backoff(1)
        assert dispatcher.dispatch_due().delivered == 0   # not before the backoff ends
        for _ in range(dispatcher.MAX_ATTEMPTS - 1):
            at += dispatcher.MAX_BACKOFF
            set_now(at)
            dispatcher.dispatch_due()
    db.session.expire_all()
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.status == "dead" and row.attempts == dispatcher.MAX_ATTEMPTS and row.last_error
    login_as(admin)
    page = client.get("/outbox/dead")
    assert page.status_code == 200 and "mail-x" not in page.get_data(as_text=True)
    assert "a@example.org" in page.get_data(as_text=True)


def test_sandbox_never_opens_smtp(app, db, create_user, set_now, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("SMTP opened in a sandbox")

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    monkeypatch.setattr(smtplib, "SMTP_SSL", refuse)
    set_now(utc(2026, 5, 1, 9))
    with settings_override(app, mode="sandbox", smtp=SmtpSettings(host="127.0.0.1", port=25)):
        with unit_of_work():
            enqueue("sb-1", "email", subject="s", to_address="a@example.org")
        assert dispatcher.dispatch_due().sandboxed == 1
    assert db.session.scalar(select(OutboxMessage.status)) == "sandboxed"


def test_two_claims_never_share_a_row(db, create_user, set_now):
    user = create_user("caseworker")
    set_now(utc(2026, 5, 1, 9))
    with unit_of_work():
        for i in range(10):
            enqueue(f"c{i}", "in_app", subject="s", user_id=user.id)
    _t1, first = dispatcher.claim(6)
    _t2, second = dispatcher.claim(6)
    assert len(first) == 6 and len(second) == 4 and not set(first) & set(second)
    with unit_of_work():
        db.session.execute(update(OutboxMessage).values(status="pending", claim_token=None,
                                                        claimed_until=None))
