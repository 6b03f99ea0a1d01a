"""Conditions and assurances as records: speciality after surrender and the consents asked
under it, use limitations on documents, assurances a grant waits for, and the referral
for domestic prosecution after a refusal (aut dedere aut judicare), each with its state."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mla.core.clock import now
from mla.core.crypto import SealedOptionalText, SealedText
from mla.core.db import StrEnumType, UTCDateTime
from mla.extensions import Model


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


# -- speciality (ECE arts. 14-15; FD 2002/584/JHA arts. 27-28) ---------------------------

class SpecialityDirection(StrEnum):
    SURRENDERED_BY_US = "surrendered_by_us"  # an incoming request: they may ask us to consent
    RECEIVED_BY_US = "received_by_us"        # an outgoing request: we must ask them


class SpecialityState(StrEnum):
    PROTECTED = "protected"    # the person may be tried only for what they were surrendered for
    DISCHARGED = "discharged"  # final discharge recorded: the 45 days of ECE 14(1)(b) run
    LAPSED = "lapsed"          # protection ended (stayed beyond the period, or renounced)


class SpecialityRecord(Model):
    """What a person was surrendered for, kept from the surrender on (one per request)."""

    __tablename__ = "speciality_records"
    __table_args__ = (
        CheckConstraint(_in("direction", SpecialityDirection), name="direction_known"),
        CheckConstraint(_in("state", SpecialityState), name="state_known"),
        CheckConstraint("state <> 'discharged' OR discharged_on IS NOT NULL",
                        name="discharge_dated"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         unique=True)
    direction: Mapped[SpecialityDirection] = mapped_column(
        StrEnumType(SpecialityDirection, 20))
    state: Mapped[SpecialityState] = mapped_column(StrEnumType(SpecialityState, 12),
                                                   default=SpecialityState.PROTECTED)
    surrendered_on: Mapped[date] = mapped_column(Date)
    # The offences as they stood at surrender (labels): later edits do not widen them.
    offences: Mapped[list[str]] = mapped_column(JSON, default=list)
    discharged_on: Mapped[date | None] = mapped_column(Date)
    # Sealed: why protection lapsed (the person stayed, left, renounced). NULL when none.
    lapse_reason: Mapped[str] = mapped_column(
        SealedOptionalText("speciality_records.lapse_reason"), nullable=True, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    case = relationship("Case")
    consents: Mapped[list[SpecialityConsent]] = relationship(
        back_populates="record", order_by="SpecialityConsent.id")

    @property
    def we_decide(self) -> bool:
        """We surrendered the person: the other state asks us for consent."""
        return self.direction == SpecialityDirection.SURRENDERED_BY_US

    def can_discharge(self) -> bool:
        return self.state == SpecialityState.PROTECTED


class ConsentPurpose(StrEnum):
    OTHER_OFFENCES = "other_offences"  # ECE art. 14(1)(a); FD art. 27(3)(g), 27(4)
    RE_EXTRADITION = "re_extradition"  # ECE art. 15; FD art. 28


class ConsentState(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"


class SpecialityConsent(Model):
    """A request for consent to prosecute other offences or to re-extradite, received
    (we surrendered the person) or sent (we received them), with its clock and decision."""

    __tablename__ = "speciality_consents"
    __table_args__ = (
        CheckConstraint(_in("purpose", ConsentPurpose), name="purpose_known"),
        CheckConstraint(_in("state", ConsentState), name="state_known"),
        CheckConstraint("state = 'pending' OR (decided_on IS NOT NULL AND reasons IS NOT NULL)",
                        name="decision_reasoned"),
        Index("ix_speciality_consents_case_state", "case_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("speciality_records.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    purpose: Mapped[ConsentPurpose] = mapped_column(StrEnumType(ConsentPurpose, 20))
    article: Mapped[str] = mapped_column(String(120))
    # The other offences, or the state the person would be re-extradited to, and why.
    # Sealed: the other offences or state the person faces, and why consent was given or
    # refused (NULL while pending).
    subject: Mapped[str] = mapped_column(SealedText("speciality_consents.subject"))
    asked_on: Mapped[date] = mapped_column(Date)  # received by us, or sent by us
    state: Mapped[ConsentState] = mapped_column(StrEnumType(ConsentState, 10),
                                                default=ConsentState.PENDING)
    decided_on: Mapped[date | None] = mapped_column(Date)
    reasons: Mapped[str] = mapped_column(
        SealedOptionalText("speciality_consents.reasons"), nullable=True, default="")
    rule_code: Mapped[str | None] = mapped_column(String(40))  # its clock, if the text sets one
    deadline_id: Mapped[int | None] = mapped_column(
        ForeignKey("deadlines.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    record: Mapped[SpecialityRecord] = relationship(back_populates="consents")
    deadline = relationship("Deadline")

    @property
    def is_pending(self) -> bool:
        return self.state == ConsentState.PENDING


# -- use limitations on evidence (UNTOC art. 18(19), 18(20)) -----------------------------

class LimitationKind(StrEnum):
    USE = "use"                        # only for the proceedings named (UNTOC 18(19))
    CONFIDENTIALITY = "confidentiality"  # the request and its content kept confidential (18(20))
    CONDITION = "condition"            # another condition set on the assistance (18(21)(c)...)


class LimitationState(StrEnum):
    IN_FORCE = "in_force"
    CONSENT_REQUESTED = "consent_requested"
    CONSENT_GRANTED = "consent_granted"
    CONSENT_REFUSED = "consent_refused"
    LIFTED = "lifted"


RESTRICTING = (LimitationState.IN_FORCE, LimitationState.CONSENT_REQUESTED,
               LimitationState.CONSENT_REFUSED)


class UseLimitation(Model):
    """A limitation on a document: what it restricts, under which article, set by whom."""

    __tablename__ = "use_limitations"
    __table_args__ = (
        CheckConstraint(_in("kind", LimitationKind), name="kind_known"),
        CheckConstraint(_in("state", LimitationState), name="state_known"),
        Index("ix_use_limitations_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[LimitationKind] = mapped_column(StrEnumType(LimitationKind, 16))
    # Sealed, the three: what the evidence may not be used for (names proceedings), who
    # imposed it (an official, named) and the caseworker's note (NULL when none).
    scope: Mapped[str] = mapped_column(SealedText("use_limitations.scope"))
    source_article: Mapped[str] = mapped_column(String(120))
    imposed_by: Mapped[str] = mapped_column(SealedText("use_limitations.imposed_by"))
    imposed_on: Mapped[date] = mapped_column(Date)
    state: Mapped[LimitationState] = mapped_column(StrEnumType(LimitationState, 20),
                                                   default=LimitationState.IN_FORCE)
    # Copied with the document from another request: the limitation it inherits.
    inherited_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("use_limitations.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(
        SealedOptionalText("use_limitations.note"), nullable=True, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    document = relationship("Document")
    case = relationship("Case")

    @property
    def restricts(self) -> bool:
        return self.state in RESTRICTING


# -- assurances (ECE art. 11; fair trial; prison conditions) ------------------------------

class AssuranceKind(StrEnum):
    DEATH_PENALTY = "death_penalty"
    FAIR_TRIAL = "fair_trial"
    PRISON_CONDITIONS = "prison_conditions"
    LIFE_SENTENCE_REVIEW = "life_sentence_review"
    RETURN_OF_NATIONAL = "return_of_national"
    OTHER = "other"


class AssuranceState(StrEnum):
    REQUESTED = "requested"
    RECEIVED = "received"
    SUFFICIENT = "sufficient"      # assessed: it answers the risk
    INSUFFICIENT = "insufficient"  # assessed: it does not (ask again, or refuse)


class Assurance(Model):
    """An assurance asked of the requesting state, received, then assessed; while a
    required one is not assessed sufficient the grant of extradition is blocked."""

    __tablename__ = "assurances"
    __table_args__ = (
        CheckConstraint(_in("kind", AssuranceKind), name="kind_known"),
        CheckConstraint(_in("state", AssuranceState), name="state_known"),
        CheckConstraint("state = 'requested' OR received_on IS NOT NULL", name="receipt_dated"),
        CheckConstraint("state NOT IN ('sufficient', 'insufficient') OR "
                        "(assessed_on IS NOT NULL AND assessment IS NOT NULL)",
                        name="assessment_reasoned"),
        Index("ix_assurances_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[AssuranceKind] = mapped_column(StrEnumType(AssuranceKind, 24))
    source_article: Mapped[str] = mapped_column(String(120))
    is_required: Mapped[bool] = mapped_column(default=True)
    state: Mapped[AssuranceState] = mapped_column(StrEnumType(AssuranceState, 14),
                                                  default=AssuranceState.REQUESTED)
    # Sealed, the three: what is asked, then what was given (a person's detention, care),
    # who gave it (an official, named) and the caseworker's assessment (NULL when none).
    terms: Mapped[str] = mapped_column(SealedText("assurances.terms"))
    requested_on: Mapped[date] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    given_by: Mapped[str] = mapped_column(
        SealedOptionalText("assurances.given_by"), nullable=True, default="")
    assessed_on: Mapped[date | None] = mapped_column(Date)
    assessment: Mapped[str] = mapped_column(
        SealedOptionalText("assurances.assessment"), nullable=True, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    assessed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    case = relationship("Case")

    @property
    def blocks_grant(self) -> bool:
        return self.is_required and self.state != AssuranceState.SUFFICIENT

    def can_receive(self) -> bool:
        return self.state in (AssuranceState.REQUESTED, AssuranceState.INSUFFICIENT)

    def can_assess(self) -> bool:
        return self.state == AssuranceState.RECEIVED


# -- aut dedere aut judicare (UNTOC art. 16(10); ECE art. 6(2)) ---------------------------

class ReferralState(StrEnum):
    REFERRED = "referred"              # submitted to the prosecution service
    OUTCOME_RECORDED = "outcome_recorded"  # the report back to the requesting state is due
    REPORTED = "reported"              # the requesting state was told the result


class ReferralOutcome(StrEnum):
    NOT_PROSECUTED = "not_prosecuted"
    CHARGED = "charged"
    CONVICTED = "convicted"
    ACQUITTED = "acquitted"


class AutDedereReferral(Model):
    """The refused extradition's referral for domestic prosecution, its outcome and the
    report back to the requesting state (one per request)."""

    __tablename__ = "aut_dedere_referrals"
    __table_args__ = (
        CheckConstraint(_in("state", ReferralState), name="state_known"),
        CheckConstraint("outcome IS NULL OR " + _in("outcome", ReferralOutcome),
                        name="outcome_known"),
        CheckConstraint("state = 'referred' OR (outcome IS NOT NULL AND outcome_on IS NOT NULL)",
                        name="outcome_dated"),
        CheckConstraint("state <> 'reported' OR reported_on IS NOT NULL", name="report_dated"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         unique=True)
    # The refusal it follows: its ground's code and the timeline entry of the referral.
    refusal_ground: Mapped[str] = mapped_column(String(60), default="")
    authority_id: Mapped[int | None] = mapped_column(
        ForeignKey("authorities.id", ondelete="SET NULL"))
    referred_on: Mapped[date] = mapped_column(Date)
    domestic_reference: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[ReferralState] = mapped_column(StrEnumType(ReferralState, 20),
                                                 default=ReferralState.REFERRED)
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_on: Mapped[date | None] = mapped_column(Date)
    # Sealed: what the prosecution decided, as typed (names the person). NULL until known.
    details: Mapped[str] = mapped_column(
        SealedOptionalText("aut_dedere_referrals.details"), nullable=True, default="")
    reported_on: Mapped[date | None] = mapped_column(Date)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id", ondelete="SET NULL"))
    deadline_id: Mapped[int | None] = mapped_column(
        ForeignKey("deadlines.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    case = relationship("Case")
    authority = relationship("Authority")
    deadline = relationship("Deadline")
