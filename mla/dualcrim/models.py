"""Offence catalogues per jurisdiction, their ICCS coding, policy settings and assessments.

The check never scans a catalogue: ``catalogue_offence_iccs`` is indexed on
(jurisdiction, iccs_code), so an equality lookup on the conduct's codes and their
ancestors, and one prefix range for descendants, find every candidate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mla.cases.constants import LIFE_MONTHS
from mla.core.clock import now
from mla.core.crypto import SealedOptionalText
from mla.core.db import StrEnumType, UTCDateTime
from mla.dualcrim.engine import Outcome
from mla.extensions import Model


class OffenceCatalogue(Model):
    """One jurisdiction's catalogue: its presence is what "a catalogue is loaded" means."""

    __tablename__ = "offence_catalogues"

    jurisdiction: Mapped[str] = mapped_column(
        ForeignKey("countries.code", ondelete="CASCADE"), primary_key=True)
    source_name: Mapped[str] = mapped_column(String(200), default="")
    offence_count: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    imported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    country = relationship("Country")
    imported_by = relationship("User")


class CatalogueOffence(Model):
    __tablename__ = "catalogue_offences"
    __table_args__ = (
        UniqueConstraint("jurisdiction", "code"),
        CheckConstraint(f"max_penalty_months > 0 AND max_penalty_months <= {LIFE_MONTHS}",
                        name="penalty_range"),
        Index("ix_catalogue_offences_jurisdiction_title", "jurisdiction", "title_search"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(
        ForeignKey("offence_catalogues.jurisdiction", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    title_search: Mapped[str] = mapped_column(String(300))
    statute: Mapped[str] = mapped_column(String(300), default="")
    max_penalty_months: Mapped[int]

    iccs_links: Mapped[list[CatalogueOffenceIccs]] = relationship(
        back_populates="offence", cascade="all, delete-orphan",
        order_by="CatalogueOffenceIccs.position")

    @property
    def iccs_codes(self) -> list[str]:
        return [link.iccs_code for link in self.iccs_links]

    @property
    def is_life(self) -> bool:
        return self.max_penalty_months == LIFE_MONTHS

    @property
    def penalty_label(self) -> str:
        return "life" if self.is_life else str(self.max_penalty_months)


class CatalogueOffenceIccs(Model):
    """An offence's ICCS code; jurisdiction is repeated so one index answers the check."""

    __tablename__ = "catalogue_offence_iccs"
    __table_args__ = (
        # Equality and prefix-range lookups by code, best penalty first, read from the index.
        Index("ix_catalogue_offence_iccs_lookup", "jurisdiction", "iccs_code",
              "max_penalty_months"),
    )

    offence_id: Mapped[int] = mapped_column(
        ForeignKey("catalogue_offences.id", ondelete="CASCADE"), primary_key=True)
    iccs_code: Mapped[str] = mapped_column(
        ForeignKey("iccs_codes.code", ondelete="RESTRICT"), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(2))
    # Repeated from the offence (kept in step by the catalogue services).
    max_penalty_months: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)

    offence: Mapped[CatalogueOffence] = relationship(back_populates="iccs_links")


class PolicySetting(Model):
    """A home-authority policy value set by an admin; absent keys fall back to the data file."""

    __tablename__ = "dc_policy_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Assessment(Model):
    """A recorded dual-criminality decision for one offence of a case.

    The verdict, reasons and matches are a snapshot: re-importing a catalogue
    deletes its offences but never changes what was assessed.
    """

    __tablename__ = "dc_assessments"
    __table_args__ = (
        CheckConstraint(
            "verdict IN ('satisfied', 'not_satisfied', 'not_required', 'review')",
            name="verdict_known"),
        CheckConstraint(
            "decision IN ('satisfied', 'not_satisfied', 'not_required')", name="decision_known"),
        CheckConstraint("is_override = false OR justification IS NOT NULL",
                        name="override_justified"),
        Index("ix_dc_assessments_case_offence", "case_id", "offence_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    offence_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_offences.id", ondelete="SET NULL"), index=True)
    offence_label: Mapped[str] = mapped_column(String(200))
    conduct_iccs: Mapped[list[str]] = mapped_column(JSON, default=list)
    legal_basis: Mapped[str] = mapped_column(String(20))
    requesting_country: Mapped[str] = mapped_column(String(2))
    requested_country: Mapped[str] = mapped_column(String(2))
    is_coercive: Mapped[bool] = mapped_column(default=True)
    verdict: Mapped[Outcome] = mapped_column(StrEnumType(Outcome, 20))
    decision: Mapped[Outcome] = mapped_column(StrEnumType(Outcome, 20))
    is_override: Mapped[bool] = mapped_column(default=False)
    # Sealed: the caseworker's reasons for departing from the verdict. NULL when none.
    justification: Mapped[str] = mapped_column(
        SealedOptionalText("dc_assessments.justification"), nullable=True, default="")
    # Snapshot of the check: {"reasons": [...], "matches": [...], "input": {...}}
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A correction of the request changed what this decision rested on (the offence's
    # ICCS codes or penalty, the legal basis, the counterpart): it no longer counts.
    is_outdated: Mapped[bool] = mapped_column(default=False, server_default=false())
    outdated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outdated_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")

    case = relationship("Case")
    offence = relationship("Offence")
    decided_by = relationship("User")
