"""The persons' token index and the links between requests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mla.core.clock import now
from mla.core.crypto import SealedJSON, SealedOptionalText, SealedText
from mla.core.db import UTCDateTime
from mla.extensions import Model


class PersonToken(Model):
    """One blind-index token of one person (see mla.persons.tokens for the rules).

    Rebuilt from the encrypted values by ``rebuild_person_index`` (the blind-index key
    is outside the database, so a migration cannot compute them)."""

    __tablename__ = "person_tokens"
    __table_args__ = (
        CheckConstraint("kind IN ('name', 'name_key', 'dob', 'identifier')", name="kind_known"),
        Index("ix_person_tokens_digest", "digest", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("case_persons.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    digest: Mapped[str] = mapped_column(String(32))


class LinkStatus(StrEnum):
    POSSIBLE = "possible"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class LinkReason(StrEnum):
    """Why two requests may concern the same thing, strongest first."""

    IDENTIFIER = "identifier"
    NAME_AND_DATE_OF_BIRTH = "name_and_date_of_birth"
    COUNTERPART_REFERENCE = "counterpart_reference"
    NAME = "name"


REASON_ORDER = list(LinkReason)


class CaseLink(Model):
    """Two requests that may concern the same person or file, stored once per pair
    (``case_id`` < ``other_case_id``) and shown on both."""

    __tablename__ = "case_links"
    __table_args__ = (
        UniqueConstraint("case_id", "other_case_id"),
        CheckConstraint("case_id < other_case_id", name="pair_ordered"),
        CheckConstraint("status IN ('possible', 'confirmed', 'dismissed')",
                        name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    other_case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # The strongest reason (LinkReason) and every reason found, with the persons' ids.
    reason: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=LinkStatus.POSSIBLE)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # Sealed: the caseworker's note on the decision (names the person). NULL when none.
    decision_note: Mapped[str] = mapped_column(
        SealedOptionalText("case_links.decision_note"), nullable=True, default="")

    case = relationship("Case", foreign_keys=[case_id])
    other_case = relationship("Case", foreign_keys=[other_case_id])
    decided_by = relationship("User")

    def other_than(self, case_id: int) -> Any:
        return self.other_case if case_id == self.case_id else self.case

    @property
    def is_possible(self) -> bool:
        return self.status == LinkStatus.POSSIBLE

    @property
    def is_confirmed(self) -> bool:
        return self.status == LinkStatus.CONFIRMED

    def can_decide(self) -> bool:
        return self.status == LinkStatus.POSSIBLE


class CompetingDecision(Model):
    """Which of two competing extradition requests for one person prevails, and on what
    criteria (ECE art. 17; FD 2002/584 art. 16; UNTOC art. 16). Recorded once per link,
    shown on both requests."""

    __tablename__ = "competing_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("case_links.id", ondelete="CASCADE"),
                                         unique=True)
    prevailing_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # Sealed: criterion code (COMPETING_CRITERIA) -> what the caseworker weighed (typed
    # words about the person and the offences). Read whole by the decision's page.
    criteria: Mapped[dict[str, str]] = mapped_column(
        SealedJSON("competing_decisions.criteria", empty=dict), default=dict)
    # Sealed: why one request prevails (the person's situation, the offences).
    reasons: Mapped[str] = mapped_column(SealedText("competing_decisions.reasons"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    link = relationship("CaseLink")
    prevailing_case = relationship("Case")
    decided_by = relationship("User")
