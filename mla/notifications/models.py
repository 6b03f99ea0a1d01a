"""The outbox, in-app notifications and letters to counterpart authorities."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from mla.core.clock import now
from mla.core.crypto import SealedOptionalText, SealedText
from mla.core.db import StrEnumType, UTCDateTime
from mla.core.errors import ServiceError
from mla.core.text import has_line_break
from mla.extensions import Model

CHANNELS = ("in_app", "email")


class OutboxStatus(StrEnum):
    PENDING = "pending"      # waiting for its time (available_at)
    CLAIMED = "claimed"      # a dispatcher holds it until claimed_until
    SENT = "sent"
    SANDBOXED = "sandboxed"  # a training sandbox never sends: kept, not delivered
    DEAD = "dead"            # gave up after the last attempt


OUTBOX_STATUSES = tuple(s.value for s in OutboxStatus)


class OutboxMessage(Model):
    """Something to deliver, written in the same transaction as the change that caused it.

    ``key`` is the idempotency key: writing the same message twice is a no-op,
    the in-app notification carries it as its unique key and the e-mail as its
    Message-ID. A dispatcher claims due rows for ``claimed_until``; an expired
    claim (the dispatcher died) is taken again.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'claimed', 'sent', 'sandboxed', 'dead')",
                        name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_positive"),
        CheckConstraint("status <> 'claimed' OR claimed_until IS NOT NULL", name="claim_has_lease"),
        Index("ix_outbox_messages_status_available", "status", "available_at"),
        Index("ix_outbox_messages_status_claimed_until", "status", "claimed_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[OutboxStatus] = mapped_column(StrEnumType(OutboxStatus, 10),
                                                 default=OutboxStatus.PENDING)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    to_address: Mapped[str] = mapped_column(String(254), default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                                index=True)
    # Sealed: an e-mail carries an approved letter or a reminder naming a request and
    # its persons (an exchange package, already a JWE, is sealed again with the rest).
    # Neither is searched or sorted in SQL; the 300-character subject is cut in Python.
    subject: Mapped[str] = mapped_column(SealedText("outbox_messages.subject"))
    body: Mapped[str] = mapped_column(SealedText("outbox_messages.body"), default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str] = mapped_column(String(30), default="notice")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    attempts: Mapped[int] = mapped_column(default=0)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sealed: the mail server's words may echo a recipient's address (a 550 names the
    # mailbox). NULL while there is no error, so asking "failed?" in SQL is IS NOT NULL.
    last_error: Mapped[str] = mapped_column(
        SealedOptionalText("outbox_messages.last_error"), nullable=True, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    user = relationship("User")
    case = relationship("Case")

    @property
    def message_id(self) -> str:
        return message_id_for(self.key)


def message_id_for(key: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-._" else "." for c in key)
    return f"<{safe}@comity.invalid>"


class Notification(Model):
    """An in-app notification; ``key`` (the outbox key) makes it exist at most once."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(30), default="notice")
    # Sealed like the outbox row they come from (a title can name a person).
    title: Mapped[str] = mapped_column(SealedText("notifications.title"))
    body: Mapped[str] = mapped_column(SealedText("notifications.body"), default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LetterStatus(StrEnum):
    """The decision on a letter. Whether an approved letter has gone is the outbox's
    to say (``mla.notifications.letters.delivery_of``): approved is not sent."""

    DRAFT = "draft"
    APPROVED = "approved"
    DISCARDED = "discarded"


LETTER_STATUSES = tuple(s.value for s in LetterStatus)


class Letter(Model):
    """A letter to a counterpart authority, rendered from templates/letters/."""

    __tablename__ = "letters"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'approved', 'discarded')", name="status_known"),
        # Four eyes: whoever drafted a letter never approves it.
        CheckConstraint("status <> 'approved' OR created_by_id IS NULL OR decided_by_id IS NULL "
                        "OR created_by_id <> decided_by_id", name="four_eyes"),
        Index("ix_letters_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    authority_id: Mapped[int | None] = mapped_column(
        ForeignKey("authorities.id", ondelete="SET NULL"))
    deadline_id: Mapped[int | None] = mapped_column(
        ForeignKey("deadlines.id", ondelete="SET NULL"))
    template_code: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(8), default="en")
    # No template in a language the counterpart accepts: drafted in another language, so
    # a translation must go with it (shown on the request page and in the letter list).
    is_translation_needed: Mapped[bool] = mapped_column(default=False)
    to_address: Mapped[str] = mapped_column(String(254), default="")
    # Sealed like the timeline's comments: a letter states what a caseworker typed at a
    # step and can name persons (its subject too: a refusal's, a surrender's). Neither is
    # searched or sorted in SQL.
    subject: Mapped[str] = mapped_column(SealedText("letters.subject"))
    body: Mapped[str] = mapped_column(SealedText("letters.body"))
    status: Mapped[LetterStatus] = mapped_column(StrEnumType(LetterStatus, 10),
                                                 default=LetterStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_by_label: Mapped[str] = mapped_column(String(100), default="")
    # The person whose step drafted it; None when a scheduled job did.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Free text (cut to 300 characters in Python), sealed like the letter itself.
    discard_reason: Mapped[str] = mapped_column(SealedText("letters.discard_reason"),
                                                default="")
    # What a draft was written from (a step's values, a service's words and days), as
    # letters.kept_values encodes them, so drafting it again in another language writes
    # the same letter. A caseworker's free text, so sealed like the timeline's comments;
    # emptied once the letter is approved or discarded. None: nothing, or a letter
    # drafted before they were kept.
    drafted_values: Mapped[str | None] = mapped_column(SealedText("letters.drafted_values"))

    case = relationship("Case")
    authority = relationship("Authority")
    # The clock the letter is about (deadlines' model, named here only as a string).
    deadline = relationship("Deadline")
    created_by = relationship("User", foreign_keys=[created_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @validates("subject")
    def _one_line(self, field: str, value: str) -> str:
        # The subject becomes a mail header: refused here, whichever path edits it
        # (the approval form, the API); the dispatcher flattens it again at build.
        if value and has_line_break(value):
            raise ServiceError(_("Write the subject on one line."), code="invalid",
                               details={"field": field})
        return value

    @property
    def is_draft(self) -> bool:
        return self.status == LetterStatus.DRAFT

    @property
    def mail_key(self) -> str:
        """The outbox key of the e-mail carrying this letter."""
        return f"letter:{self.id}:mail"


class SecondApprover(StrEnum):
    """Who may approve a letter someone else drafted (an admin's choice)."""

    SUPERVISOR = "supervisor"
    ANY_CASEWORKER = "any_caseworker"


class NotificationSetting(Model):
    """A setting of this domain an admin changes on screen (audited); an absent key
    means the default."""

    __tablename__ = "notification_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
