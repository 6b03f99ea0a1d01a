"""What the exchange remembers: counterparts' public identities and the messages seen.

Private keys are never here (mla.exchange.identity keeps them beside the key ring).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mla.core.clock import now
from mla.core.crypto import SealedOptionalText
from mla.core.db import StrEnumType, UTCDateTime
from mla.extensions import Model


class CounterpartIdentity(Model):
    """A counterpart authority's public exchange identity, registered by `exchange trust`
    after its fingerprints were checked out of band. One per directory authority; a
    rotation updates the row (the retired keys stay in ``document`` for verification)."""

    __tablename__ = "exchange_counterparts"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(
        ForeignKey("authorities.id", ondelete="CASCADE"), unique=True)
    # The id packages name (``iss``/``aud``), e.g. "XB:procuraduria-general".
    exchange_id: Mapped[str] = mapped_column(String(80), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    signing_fingerprint: Mapped[str] = mapped_column(String(64))
    encryption_fingerprint: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    # The public identity document as registered (keys as JWKs, retired ones included).
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    authority = relationship("Authority")


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class MessageStatus(StrEnum):
    SEALED = "sealed"                  # outgoing: the package exists (file or outbox)
    DELIVERED = "delivered"            # outgoing: the counterpart's receipt came back
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # incoming request, not yet confirmed
    CONFIRMED = "confirmed"            # incoming request confirmed by a caseworker
    RECEIVED = "received"              # incoming receipt or status update


class ExchangeMessage(Model):
    """A package sealed here or opened here, by its message id (``jti``).

    An incoming message id is unique per sender: a replayed package is refused before
    anything is registered, and the unique constraint is the last word when two copies
    arrive at once. No personal data in the clear: the request's content is in the case,
    a refusal's words in ``refusal_reason``, sealed.
    """

    __tablename__ = "exchange_messages"
    __table_args__ = (
        CheckConstraint("direction IN ('incoming', 'outgoing')", name="direction_known"),
        CheckConstraint("kind IN ('request', 'receipt', 'status')", name="kind_known"),
        UniqueConstraint("direction", "counterpart", "message_id"),
        Index("ix_exchange_messages_case", "case_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(100))
    direction: Mapped[Direction] = mapped_column(StrEnumType(Direction, 10))
    kind: Mapped[str] = mapped_column(String(10))
    # The other side's exchange id (sender of an incoming, recipient of an outgoing one).
    counterpart: Mapped[str] = mapped_column(String(80))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    status: Mapped[MessageStatus] = mapped_column(StrEnumType(MessageStatus, 24))
    # SHA-256 of the package bytes as sent or received (what a receipt acknowledges).
    package_sha256: Mapped[str] = mapped_column(String(64))
    # The message this one answers (a receipt's or status update's request), if any.
    in_reply_to: Mapped[str] = mapped_column(String(100), default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the package was sealed here, or arrived here (opened and recorded at once):
    # the request page's "Received" for a request registered from a package.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # Small, non-personal facts (e.g. a status update's code); transport's own notes.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The counterpart's words refusing our package (data["refusal"] keeps its code):
    # sealed, as they may repeat what the package said. NULL while none was refused.
    refusal_reason: Mapped[str] = mapped_column(
        SealedOptionalText("exchange_messages.refusal_reason"), nullable=True, default="")

    case = relationship("Case")
    confirmed_by = relationship("User")

    @property
    def is_awaiting_confirmation(self) -> bool:
        return self.status == MessageStatus.AWAITING_CONFIRMATION
