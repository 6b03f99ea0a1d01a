"""The tick's second half: claim due outbox rows, deliver them, mark them.

Claiming is a short transaction of its own: PostgreSQL locks candidate rows
with ``FOR UPDATE SKIP LOCKED``; SQLite's write transactions begin IMMEDIATE
(mla/core/db.py), and the claim is a conditional update either way, so two
dispatchers never hold the same row. A claim is a lease: if the dispatcher
dies, the lease expires and the row is claimed again.

- in-app: the notification rows and the "sent" mark commit together, and the
  notification's unique key makes a second insert a no-op: exactly once.
- e-mail: sent over SMTP with the idempotency key as Message-ID, marked sent
  right after the server accepts it; failures retry with exponential backoff
  and end in the dead-letter list after MAX_ATTEMPTS.
- sandbox: no SMTP connection is ever opened; e-mails stay readable in the
  outbox (status ``sandboxed``).
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.core.clock import now
from mla.core.db import UTCDateTime, rows_matched
from mla.core.errors import Conflict, NotFound
from mla.core.plugins import outbox_deliverers
from mla.core.text import single_line
from mla.core.transaction import unit_of_work
from mla.extensions import db
from mla.notifications.models import Notification, OutboxMessage, OutboxStatus
from mla.settings import SmtpSettings, current_settings

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 500
MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=6)


@dataclass
class DispatchReport:
    in_app: int = 0
    email: int = 0
    exchange: int = 0  # packages delivered to a counterpart's exchange endpoint
    sandboxed: int = 0
    retried: int = 0
    dead: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return self.in_app + self.email + self.exchange + self.sandboxed


def backoff(attempts: int) -> timedelta:
    return min(BASE_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _due(at: datetime) -> Any:
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.available_at <= at),
        and_(OutboxMessage.status == OutboxStatus.CLAIMED, OutboxMessage.claimed_until < at),
    )


def claim(limit: int = BATCH, channel: str | None = None,
          lease: timedelta | None = None) -> tuple[str, list[int]]:
    """Take up to ``limit`` due rows for this dispatcher; commits the claim."""
    token = uuid.uuid4().hex
    with unit_of_work():
        at = now()
        candidates = select(OutboxMessage.id).where(_due(at))
        if channel:
            candidates = candidates.where(OutboxMessage.channel == channel)
        candidates = candidates.order_by(OutboxMessage.available_at, OutboxMessage.id).limit(limit)
        if db.session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        ids = list(db.session.scalars(candidates))
        if not ids:
            return token, []
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), _due(at))  # conditional: still ours to take
            .values(status=OutboxStatus.CLAIMED, claim_token=token,
                    claimed_until=at + (lease or LEASE), attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False))
        claimed = list(db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.claim_token == token)))
    return token, claimed


def _mine(token: str, ids: list[int]) -> Any:
    return and_(OutboxMessage.id.in_(ids), OutboxMessage.claim_token == token,
                OutboxMessage.status == OutboxStatus.CLAIMED)


def _insert_notifications() -> Any:
    module = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(Notification).on_conflict_do_nothing(index_elements=["key"])


def deliver_in_app(token: str, ids: list[int], report: DispatchReport | None = None) -> int:
    """Write the notifications and mark the rows sent in one transaction; if the batch
    fails, row by row, so one bad row fails alone (and ends in the dead letters)."""
    try:
        return _deliver_in_app(token, ids)
    except SQLAlchemyError as exc:
        log.warning("in-app batch failed, delivering row by row: %s", type(exc).__name__)
    report = report if report is not None else DispatchReport()
    delivered = 0
    for row in _claimed_rows(token, ids, "in_app"):
        try:
            delivered += _deliver_in_app(token, [row.id])
        except SQLAlchemyError as exc:
            report.errors.append(f"{row.key}: {type(exc).__name__}")
            _fail(token, row, f"{type(exc).__name__}: {exc}", report)
    return delivered


def _deliver_in_app(token: str, ids: list[int]) -> int:
    with unit_of_work():
        rows = db.session.execute(
            select(OutboxMessage.key, OutboxMessage.user_id, OutboxMessage.case_id,
                   OutboxMessage.category, OutboxMessage.subject, OutboxMessage.body,
                   OutboxMessage.link, OutboxMessage.created_at)
            .where(_mine(token, ids), OutboxMessage.channel == "in_app")).all()
        values = [{"key": r.key, "user_id": r.user_id, "case_id": r.case_id,
                   "category": r.category, "title": r.subject, "body": r.body, "link": r.link,
                   "created_at": r.created_at} for r in rows if r.user_id is not None]
        if values:
            db.session.connection().execute(_insert_notifications(), values)
        result = db.session.execute(
            update(OutboxMessage).where(_mine(token, ids), OutboxMessage.channel == "in_app")
            .values(status=OutboxStatus.SENT, sent_at=now(), claim_token=None, claimed_until=None)
            .execution_options(synchronize_session=False))
    return rows_matched(result)


def _claimed_rows(token: str, ids: list[int], channel: str) -> list[OutboxMessage]:
    """This claim's rows of a channel, detached: each is then marked in its own transaction."""
    rows = list(db.session.scalars(
        select(OutboxMessage).where(_mine(token, ids), OutboxMessage.channel == channel)
        .order_by(OutboxMessage.id)))
    for row in rows:
        db.session.expunge(row)
    db.session.rollback()
    return rows


def build_email(row: OutboxMessage, smtp: SmtpSettings) -> EmailMessage:
    """The message for a row. Header values are flattened to one line here as a last
    line of defence: inputs refuse line breaks, but a row written before that (or by a
    path that forgot) must neither inject a header nor make the build fail."""
    message = EmailMessage()
    message["From"] = single_line(smtp.sender)
    message["To"] = single_line(row.to_address)
    message["Subject"] = single_line(row.subject)
    message["Message-ID"] = single_line(row.message_id)
    message["Date"] = format_datetime(now())
    message["Auto-Submitted"] = "auto-generated"
    body = row.body
    if row.link:
        body = f"{body}\n\n{row.link}"
    message.set_content(body)
    return message


class Mailer:
    """One SMTP connection for a batch, opened on first use."""

    def __init__(self, smtp: SmtpSettings) -> None:
        self.settings = smtp
        self.connection: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self.connection is None:
            self.connection = self._connect()
        self.connection.send_message(message)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if not s.is_configured:
            raise smtplib.SMTPException("no SMTP host is configured (MLA_SMTP_HOST)")
        if s.use_tls:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds,
                                                  context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
            if s.use_starttls:
                conn.starttls(context=ssl.create_default_context())
        if s.username:
            conn.login(s.username, s.password)
        return conn

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


def _mark(token: str, row_id: int, **values: Any) -> None:
    with unit_of_work():
        db.session.execute(
            update(OutboxMessage).where(_mine(token, [row_id])).values(**values)
            .execution_options(synchronize_session=False))


def _said(text: bytes | str) -> str:
    return (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).strip()


def failure_reason(exc: BaseException) -> str:
    """Why a message did not go, as the caseworker retrying it needs to read it (the
    mail server's own words where it gave any)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{address} ({code} {_said(said)})"
                            for address, (code, said) in exc.recipients.items())
        return f"The mail server refused the recipient: {refused}"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return (f"The mail server refused the sender {exc.sender} "
                f"({exc.smtp_code} {_said(exc.smtp_error)})")
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"The mail server answered {exc.smtp_code} {_said(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "The mail server closed the connection"
    if isinstance(exc, smtplib.SMTPException):
        return str(exc)  # ours, e.g. no SMTP host is configured
    if isinstance(exc, OSError):
        return f"The mail server could not be reached: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")


def without_addresses(text: str) -> str:
    """``text`` with every e-mail address replaced, for a log line: the mail server's
    words echo the recipient or the sender (the sealed last_error keeps them whole for
    the outbox page). The SMTP code and the server's reason stay."""
    return _ADDRESS.sub("[address]", text)


def _fail(token: str, row: OutboxMessage, error: str, report: DispatchReport) -> None:
    at = now()
    if row.attempts >= MAX_ATTEMPTS:
        _mark(token, row.id, status=OutboxStatus.DEAD, last_error=error[:2000], claim_token=None,
              claimed_until=None)
        report.dead += 1
        log.error("outbox %s dead after %s attempts: %s", row.key, row.attempts,
                  without_addresses(error))
    else:
        _mark(token, row.id, status=OutboxStatus.PENDING, last_error=error[:2000], claim_token=None,
              claimed_until=None, available_at=at + backoff(row.attempts))
        report.retried += 1


def deliver_email(token: str, ids: list[int], report: DispatchReport) -> None:
    settings = current_settings()
    rows = _claimed_rows(token, ids, "email")
    if settings.is_sandbox:
        with unit_of_work():
            result = db.session.execute(
                update(OutboxMessage).where(_mine(token, ids), OutboxMessage.channel == "email")
                .values(status=OutboxStatus.SANDBOXED, sent_at=now(), claim_token=None,
                        claimed_until=None)
                .execution_options(synchronize_session=False))
        report.sandboxed += rows_matched(result)
        return
    mailer = Mailer(settings.smtp)
    marker = SentMarker(token)
    try:
        for row in rows:
            if not row.to_address:
                _fail(token, row, "no recipient address", report)
                continue
            try:
                message = build_email(row, settings.smtp)
            except Exception as exc:  # the e-mail library raises all sorts
                # A message that cannot be built fails alone; the connection is fine.
                report.errors.append(f"{row.key}: {type(exc).__name__}")
                _fail(token, row, f"cannot build the message: {type(exc).__name__}: {exc}",
                      report)
                continue
            try:
                mailer.send(message)
            except Exception as exc:  # contained to this message
                report.errors.append(f"{row.key}: {exc}")
                mailer.close()  # the conversation may be mid-message: start afresh
                _fail(token, row, failure_reason(exc), report)
                continue
            marker.mark(row.id)
            report.email += 1
    finally:
        marker.close()
        mailer.close()


class SentMarker:
    """Records "sent" the instant the SMTP server has accepted a message.

    Between the server's 250 and this record, a crash would make a delivered
    message look unsent, and the next claim would send it again. The window is
    kept as short as the database allows: one prepared statement on a connection
    kept open for the batch; on PostgreSQL in autocommit, so the server commits it
    as soon as it arrives, whatever happens to this process afterwards.
    """

    _SQL = text(
        "UPDATE outbox_messages SET status = 'sent', sent_at = :at, claim_token = NULL, "
        "claimed_until = NULL, last_error = NULL WHERE id = :id AND claim_token = :token")

    def __init__(self, token: str) -> None:
        self.token = token
        self.connection: Any = None

    def mark(self, row_id: int) -> None:
        if db.engine.dialect.name != "postgresql":
            # SQLite writes in-process: the commit is a local write, not a round trip.
            _mark(self.token, row_id, status=OutboxStatus.SENT, sent_at=now(), claim_token=None,
                  claimed_until=None, last_error="")
            return
        if self.connection is None:
            self.connection = db.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT")
        at = now()
        bind = UTCDateTime().process_bind_param(at, db.engine.dialect)
        self.connection.execute(self._SQL, {"at": bind, "id": row_id, "token": self.token})

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def dispatch_due(max_batches: int | None = None, batch: int = BATCH,
                 lease: timedelta | None = None) -> DispatchReport:
    """Deliver everything due now, batch after batch, until nothing is left."""
    report = DispatchReport()
    while max_batches is None or report.batches < max_batches:
        token, ids = claim(batch, lease=lease)
        if not ids:
            break
        report.batches += 1
        # Each channel's deliverer, as the domains registered them (in_app, email, ...).
        for deliver in outbox_deliverers(current_app).values():
            deliver(token, ids, report)
    return report


def retry_dead(actor: Actor, message_id: int) -> OutboxMessage:
    """An admin puts a dead message back in the queue."""
    row = db.session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound()
    if row.status != OutboxStatus.DEAD:
        raise Conflict(_("Only a dead message can be retried."))
    row.status = OutboxStatus.PENDING
    row.attempts = 0
    row.available_at = now()
    record_audit(actor, "outbox.retry", object_type="outbox_message", object_id=row.id)
    return row
