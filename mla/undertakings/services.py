"""Speciality, use limitations, assurances and aut dedere referrals: the verbs.

Every verb takes an explicit actor, changes the record, writes the request's timeline
entry and the audit row in the caller's transaction (flush, never commit). Clocks come
from the deadline engine (rules in mla/data/deadlines/rules.toml); letters from the
notifications' templates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.auth.models import User
from mla.cases.models import Case
from mla.cases.queries import visible_cases
from mla.cases.services import add_event
from mla.core.clock import now
from mla.core.errors import NotFound, ServiceError
from mla.deadlines.models import Deadline
from mla.deadlines.services import start_deadline, stop_deadline
from mla.documents.models import Document
from mla.documents.services import Upload, document_content, documents_for, store_document
from mla.extensions import db
from mla.notifications.letters import draft_letter
from mla.notifications.models import Letter
from mla.undertakings.models import (
    Assurance,
    AssuranceKind,
    AssuranceState,
    AutDedereReferral,
    ConsentPurpose,
    ConsentState,
    LimitationKind,
    LimitationState,
    ReferralOutcome,
    ReferralState,
    SpecialityConsent,
    SpecialityDirection,
    SpecialityRecord,
    SpecialityState,
    UseLimitation,
)

# The letters this domain drafts (mla/templates/letters/<code>.<language>.txt).
USE_CONSENT_LETTER = "use_consent_request"
REPORT_BACK_LETTER = "aut_dedere_report"


def _invalid(field_name: str, message: str) -> ServiceError:
    return ServiceError(message, code="invalid", details={"field": field_name})


def _conflict(message: str) -> ServiceError:
    return ServiceError(message, code="conflict", status=409)


def _not_future(field_name: str, day: date | None) -> date:
    if day is None:
        raise _invalid(field_name, _("Give the date."))
    if day > now().date():
        raise _invalid(field_name, _("This date is in the future."))
    return day


def _text(field_name: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise _invalid(field_name, message)
    return value


def _log(actor: Actor, case: Case, topic: str, action: str, /, **data: Any) -> None:
    """The history row (the request's timeline) and the audit row of one change."""
    add_event(case, actor, topic, is_internal=True, data={"action": action, **data})
    record_audit(actor, f"{topic}.{action}", case, **data)


# -- speciality ----------------------------------------------------------------------------

# Which clock a consent request runs on, by legal basis and by who decides. The ECE sets
# no time limit for the decision (art. 14(1)(a), art. 15): no clock, the page says so.
CONSENT_RULES = {("EAW", True): "eaw_consent_decision", ("EAW", False): "eaw_consent_awaited"}
DISCHARGE_RULES = {"ECE": "ece_speciality_discharge", "EAW": "eaw_speciality_discharge"}
CONSENT_ARTICLES = {
    ("ECE", ConsentPurpose.OTHER_OFFENCES): "ECE art. 14(1)(a)",
    ("ECE", ConsentPurpose.RE_EXTRADITION): "ECE art. 15",
    ("EAW", ConsentPurpose.OTHER_OFFENCES): "FD 2002/584/JHA art. 27(3)(g) and 27(4)",
    ("EAW", ConsentPurpose.RE_EXTRADITION): "FD 2002/584/JHA art. 28(2)-(4)",
}
CONSENT_PURPOSES: dict[str, object] = {
    ConsentPurpose.OTHER_OFFENCES: _l("Prosecute, sentence or detain for other offences "
                                      "committed before the surrender"),
    ConsentPurpose.RE_EXTRADITION: _l("Re-extradite or surrender the person to another "
                                      "state"),
}


def speciality_of(case: Case) -> SpecialityRecord | None:
    return db.session.scalar(select(SpecialityRecord).where(
        SpecialityRecord.case_id == case.id).options(
        selectinload(SpecialityRecord.consents).joinedload(SpecialityConsent.deadline)))


def record_speciality(actor: Actor, case: Case, *, surrendered_on: date | None,
                      offences: Sequence[str] | None = None) -> SpecialityRecord:
    """Keep what the person was surrendered for: the request's offences at surrender."""
    if case.kind != "extradition":
        raise _conflict(_("Speciality applies to extradition and surrender only."))
    if speciality_of(case) is not None:
        raise _conflict(_("What the person was surrendered for is already recorded."))
    surrendered_on = _not_future("surrendered_on", surrendered_on)
    labels = [o.strip() for o in (offences if offences is not None
                                  else [o.label for o in case.offences]) if o.strip()]
    if not labels:
        raise _invalid("offences", _("Name at least one offence the person was surrendered "
                                     "for."))
    record = SpecialityRecord(
        case_id=case.id, surrendered_on=surrendered_on, offences=labels,
        direction=(SpecialityDirection.SURRENDERED_BY_US if case.direction == "incoming"
                   else SpecialityDirection.RECEIVED_BY_US),
        state=SpecialityState.PROTECTED, created_at=now(), created_by_id=_user_id(actor))
    db.session.add(record)
    db.session.flush()
    _log(actor, case, "speciality", "recorded", record_id=record.id,
         surrendered_on=surrendered_on.isoformat(), offences=labels)
    return record


def record_discharge(actor: Actor, record: SpecialityRecord, *,
                     discharged_on: date | None) -> Deadline | None:
    """The person was finally discharged: the period after which speciality no longer
    protects them starts (ECE art. 14(1)(b), FD art. 27(3)(a): 45 days)."""
    if not record.can_discharge():
        raise _conflict(_("The final discharge is already recorded."))
    record.discharged_on = _not_future("discharged_on", discharged_on)
    record.state = SpecialityState.DISCHARGED
    rule = DISCHARGE_RULES.get(record.case.legal_basis)
    deadline = None
    if rule is not None:
        deadline = start_deadline(record.case, rule, actor=actor,
                                  values={"discharged_on": record.discharged_on})
    _log(actor, record.case, "speciality", "discharged", record_id=record.id,
         discharged_on=record.discharged_on.isoformat(), rule=rule)
    db.session.flush()
    return deadline


def consent_rule(record: SpecialityRecord) -> str | None:
    return CONSENT_RULES.get((record.case.legal_basis, record.we_decide))


def add_consent_request(actor: Actor, record: SpecialityRecord, *, purpose: str,
                        subject: str, asked_on: date | None) -> SpecialityConsent:
    """A request for consent after surrender: received from the state we surrendered the
    person to, or sent by us to the state that surrendered them. Its clock starts when
    the text sets one (FD art. 27(4), 28(3)(c): 30 days from receipt)."""
    if purpose not in set(ConsentPurpose):
        raise _invalid("purpose", _("Choose what the consent is for."))
    subject = _text("subject", subject, _("Say which offences, or to which state."))
    asked_on = _not_future("asked_on", asked_on)
    rule = consent_rule(record)
    if rule is not None and any(c.is_pending and c.rule_code == rule for c in record.consents):
        raise _conflict(_("A request for consent is already pending: record its decision "
                          "first."))
    basis = record.case.legal_basis
    consent = SpecialityConsent(
        record=record, case_id=record.case_id, purpose=ConsentPurpose(purpose),
        article=CONSENT_ARTICLES.get((basis, ConsentPurpose(purpose)), basis),
        subject=subject, asked_on=asked_on, state=ConsentState.PENDING, rule_code=rule,
        created_at=now(), created_by_id=_user_id(actor))
    db.session.add(consent)
    db.session.flush()
    if rule is not None:
        start_field = "received_on" if record.we_decide else "sent_on"
        deadline = start_deadline(record.case, rule, actor=actor,
                                  values={start_field: asked_on})
        consent.deadline_id = deadline.id if deadline is not None else None
    _log(actor, record.case, "speciality", "consent_asked", consent_id=consent.id,
         purpose=str(consent.purpose), asked_on=asked_on.isoformat(),
         direction="received" if record.we_decide else "sent")
    db.session.flush()
    return consent


def decide_consent(actor: Actor, consent: SpecialityConsent, *, granted: bool,
                   decided_on: date | None, reasons: str) -> SpecialityConsent:
    """Record the decision on a request for consent (ours, or the other state's)."""
    if not consent.is_pending:
        raise _conflict(_("This request for consent was already decided."))
    consent.reasons = _text("reasons", reasons, _("Give the reasons for the decision."))
    consent.decided_on = _not_future("decided_on", decided_on)
    if consent.decided_on < consent.asked_on:
        raise _invalid("decided_on", _("The decision cannot come before the request."))
    consent.state = ConsentState.GRANTED if granted else ConsentState.REFUSED
    consent.decided_by_id = _user_id(actor)
    case = consent.record.case
    if consent.rule_code is not None:
        stop_deadline(case, consent.rule_code, actor=actor)
    _log(actor, case, "speciality", "consent_decided", consent_id=consent.id,
         state=str(consent.state), decided_on=consent.decided_on.isoformat())
    db.session.flush()
    return consent


def get_consent(record: SpecialityRecord, consent_id: int) -> SpecialityConsent:
    for consent in record.consents:
        if consent.id == consent_id:
            return consent
    raise NotFound(_("No such request for consent on this request."))


# -- use limitations -----------------------------------------------------------------------

LIMITATION_ARTICLES = {
    LimitationKind.USE: "UNTOC art. 18(19)",
    LimitationKind.CONFIDENTIALITY: "UNTOC art. 18(20)",
    LimitationKind.CONDITION: "UNTOC art. 18(21)",
}


def limitations_of(case: Case) -> list[UseLimitation]:
    return list(db.session.scalars(select(UseLimitation).where(
        UseLimitation.case_id == case.id).options(selectinload(UseLimitation.document))
        .order_by(UseLimitation.id)))


def restricting(document: Document) -> list[UseLimitation]:
    """The limitations on the document that still restrict its use elsewhere."""
    return [lim for lim in db.session.scalars(select(UseLimitation).where(
        UseLimitation.document_id == document.id).order_by(UseLimitation.id)) if lim.restricts]


def leaving_limitations(documents: list[Document]) -> dict[int, list[str]]:
    """For documents about to leave (exchange package, ...): document id -> one sentence
    per limitation that still restricts it, naming the article and who imposed it."""
    ids = [d.id for d in documents]
    found: dict[int, list[str]] = {}
    if not ids:
        return found
    for lim in db.session.scalars(select(UseLimitation).where(
            UseLimitation.document_id.in_(ids)).options(selectinload(UseLimitation.document))
            .order_by(UseLimitation.id)):
        if lim.restricts:
            found.setdefault(lim.document_id, []).append(_(
                "%(document)s is under a use limitation imposed by %(authority)s "
                "(%(article)s): %(scope)s", document=lim.document.filename,
                authority=lim.imposed_by, article=lim.source_article, scope=lim.scope))
    return found


def add_limitation(actor: Actor, document: Document | None, *, kind: str, scope: str,
                   source_article: str = "", imposed_by: str = "",
                   imposed_on: date | None = None) -> UseLimitation:
    """Record a limitation on a document: what it restricts, under which article, by whom."""
    if document is None:
        raise _invalid("document", _("Choose one of this request's documents."))
    if kind not in set(LimitationKind):
        raise _invalid("kind", _("Choose the kind of limitation."))
    case = document.case
    authority = case.counterpart_authority
    limitation = UseLimitation(
        document_id=document.id, case_id=case.id, kind=LimitationKind(kind),
        scope=_text("scope", scope, _("Say what the limitation allows or forbids.")),
        source_article=(source_article or "").strip() or LIMITATION_ARTICLES[LimitationKind(kind)],
        imposed_by=((imposed_by or "").strip() or (authority.name if authority else "")
                    or case.counterpart_country)[:200],
        imposed_on=_not_future("imposed_on", imposed_on or now().date()),
        state=LimitationState.IN_FORCE, created_at=now(), created_by_id=_user_id(actor))
    db.session.add(limitation)
    db.session.flush()
    _log(actor, case, "use_limitation", "recorded", limitation_id=limitation.id,
         document_id=document.id, kind=str(limitation.kind))
    return limitation


class LimitedUse(ServiceError):
    """Reusing the document needs the consent of whoever limited it (or a reason)."""

    def __init__(self, limitations: list[UseLimitation]) -> None:
        super().__init__(_("This document is under a use limitation: the state that "
                           "supplied it must consent before it is used for another "
                           "purpose (%(articles)s).",
                           articles=", ".join(sorted({lim.source_article
                                                      for lim in limitations}))),
                         code="use_limited", status=409,
                         details={"limitations": [lim.id for lim in limitations]})
        self.limitations = limitations


def reuse_document(actor: Actor, document: Document, target: Case, *,
                   acknowledged: bool = False, reason: str = "") -> Document:
    """Copy a document to another request. A limited document is refused (LimitedUse)
    unless the caseworker acknowledges the limitation and says why; the copy carries the
    same limitations, so the warning follows it."""
    if target.id == document.case_id:
        raise _invalid("target", _("Choose another request."))
    limits = restricting(document)
    if limits and not acknowledged:
        raise LimitedUse(limits)
    reason = (reason or "").strip()
    if limits and not reason:
        raise _invalid("reason", _("Say why the document is used although it is limited "
                                   "(for example: consent received on a date)."))
    copy = store_document(actor, target, Upload(document.filename, document_content(document)),
                          visibility=str(document.visibility), doc_type=str(document.doc_type),
                          language=document.language)
    for lim in limits:
        db.session.add(UseLimitation(
            document_id=copy.id, case_id=target.id, kind=lim.kind, scope=lim.scope,
            source_article=lim.source_article, imposed_by=lim.imposed_by,
            imposed_on=lim.imposed_on, state=lim.state, inherited_from_id=lim.id,
            note=reason, created_at=now(), created_by_id=_user_id(actor)))
    source = document.case
    add_event(target, actor, "document", is_internal=True,
              data={"document_id": copy.id, "copied_from": source.reference})
    _log(actor, source, "use_limitation", "reused", document_id=document.id,
         target=target.reference, copy_id=copy.id, limited=bool(limits),
         limitations=[lim.id for lim in limits])
    db.session.flush()
    return copy


def request_use_consent(actor: Actor, limitation: UseLimitation, *, purpose: str,
                        target: Case | None = None) -> Letter:
    """Draft the letter asking whoever limited the document to consent to its use for
    ``purpose`` (through the letters' approval, like every other letter)."""
    if limitation.state not in (LimitationState.IN_FORCE, LimitationState.CONSENT_REFUSED,
                                LimitationState.CONSENT_REQUESTED):
        raise _conflict(_("This limitation no longer restricts the document."))
    purpose = _text("purpose", purpose, _("Say what the document would be used for."))
    case = limitation.case
    letter = draft_letter(case, USE_CONSENT_LETTER, actor=actor, values={
        "document": limitation.document.filename, "limitation_scope": limitation.scope,
        "source_article": limitation.source_article,
        "imposed_on": limitation.imposed_on, "purpose": purpose,
        "other_reference": target.reference if target is not None else ""})
    limitation.state = LimitationState.CONSENT_REQUESTED
    _log(actor, case, "use_limitation", "consent_requested", limitation_id=limitation.id,
         letter_id=letter.id, target=target.reference if target is not None else "")
    db.session.flush()
    return letter


def record_use_consent(actor: Actor, limitation: UseLimitation, *, granted: bool,
                       note: str) -> UseLimitation:
    if limitation.state != LimitationState.CONSENT_REQUESTED:
        raise _conflict(_("No consent was asked for this limitation."))
    limitation.note = _text("note", note, _("Say what the answer was and when it came."))
    limitation.state = (LimitationState.CONSENT_GRANTED if granted
                        else LimitationState.CONSENT_REFUSED)
    _log(actor, limitation.case, "use_limitation", "consent_answered",
         limitation_id=limitation.id, state=str(limitation.state))
    db.session.flush()
    return limitation


def get_limitation(case: Case, limitation_id: int) -> UseLimitation:
    found = db.session.get(UseLimitation, limitation_id)
    if found is None or found.case_id != case.id:
        raise NotFound(_("No such limitation on this request."))
    return found


# -- assurances ----------------------------------------------------------------------------

ASSURANCE_ARTICLES = {
    AssuranceKind.DEATH_PENALTY: "ECE art. 11",
    AssuranceKind.FAIR_TRIAL: "ECHR art. 6; ECE Second Additional Protocol art. 3",
    AssuranceKind.PRISON_CONDITIONS: "ECHR art. 3; CJEU C-404/15 and C-659/15 PPU",
    AssuranceKind.LIFE_SENTENCE_REVIEW: "FD 2002/584/JHA art. 5(2)",
    AssuranceKind.RETURN_OF_NATIONAL: "FD 2002/584/JHA art. 5(3)",
    AssuranceKind.OTHER: "",
}
ASSURANCE_KINDS: dict[str, object] = {
    AssuranceKind.DEATH_PENALTY: _l("Death penalty not imposed or not carried out"),
    AssuranceKind.FAIR_TRIAL: _l("Fair trial (retrial after a judgment in absentia)"),
    AssuranceKind.PRISON_CONDITIONS: _l("Prison conditions"),
    AssuranceKind.LIFE_SENTENCE_REVIEW: _l("Review of a life sentence"),
    AssuranceKind.RETURN_OF_NATIONAL: _l("Return of a national to serve the sentence"),
    AssuranceKind.OTHER: _l("Other assurance"),
}


def assurances_of(case: Case) -> list[Assurance]:
    return list(db.session.scalars(select(Assurance).where(
        Assurance.case_id == case.id).order_by(Assurance.id)))


def request_assurance(actor: Actor, case: Case, *, kind: str, terms: str,
                      requested_on: date | None, is_required: bool = True,
                      source_article: str = "") -> Assurance:
    if case.kind != "extradition":
        raise _conflict(_("Assurances are recorded on extradition requests."))
    if kind not in set(AssuranceKind):
        raise _invalid("kind", _("Choose the kind of assurance."))
    article = (source_article or "").strip() or ASSURANCE_ARTICLES[AssuranceKind(kind)]
    if not article:
        raise _invalid("source_article", _("Name the article or case law that requires it."))
    assurance = Assurance(
        case_id=case.id, kind=AssuranceKind(kind), source_article=article[:120],
        is_required=is_required, state=AssuranceState.REQUESTED,
        terms=_text("terms", terms, _("Say what is asked of the requesting state.")),
        requested_on=_not_future("requested_on", requested_on), created_at=now(),
        updated_at=now(), created_by_id=_user_id(actor))
    db.session.add(assurance)
    db.session.flush()
    _log(actor, case, "assurance", "requested", assurance_id=assurance.id,
         kind=str(assurance.kind), required=is_required)
    return assurance


def receive_assurance(actor: Actor, assurance: Assurance, *, received_on: date | None,
                      terms: str, given_by: str) -> Assurance:
    if not assurance.can_receive():
        raise _conflict(_("This assurance was already received; assess it."))
    received_on = _not_future("received_on", received_on)
    if received_on < assurance.requested_on:
        raise _invalid("received_on", _("It cannot arrive before it was asked for."))
    assurance.terms = _text("terms", terms, _("Write what the requesting state assured."))
    assurance.given_by = _text("given_by", given_by, _("Say which authority gave it."))[:200]
    assurance.received_on = received_on
    assurance.state = AssuranceState.RECEIVED
    assurance.assessed_on, assurance.assessment = None, ""
    assurance.updated_at = now()
    _log(actor, assurance.case, "assurance", "received", assurance_id=assurance.id,
         kind=str(assurance.kind))
    db.session.flush()
    return assurance


def assess_assurance(actor: Actor, assurance: Assurance, *, sufficient: bool,
                     assessment: str, assessed_on: date | None) -> Assurance:
    """Is the assurance enough to answer the risk (specific, given by an authority that
    can bind the state, verifiable)? Only a sufficient one lets the grant through."""
    if not assurance.can_assess():
        raise _conflict(_("Only a received assurance can be assessed."))
    assessed_on = _not_future("assessed_on", assessed_on)
    if assurance.received_on is not None and assessed_on < assurance.received_on:
        raise _invalid("assessed_on", _("The assessment cannot come before the assurance."))
    assurance.assessment = _text("assessment", assessment, _("Give the reasons of the "
                                                             "assessment."))
    assurance.assessed_on = assessed_on
    assurance.state = AssuranceState.SUFFICIENT if sufficient else AssuranceState.INSUFFICIENT
    assurance.assessed_by_id = _user_id(actor)
    assurance.updated_at = now()
    _log(actor, assurance.case, "assurance", "assessed", assurance_id=assurance.id,
         kind=str(assurance.kind), state=str(assurance.state))
    db.session.flush()
    return assurance


def get_assurance(case: Case, assurance_id: int) -> Assurance:
    found = db.session.get(Assurance, assurance_id)
    if found is None or found.case_id != case.id:
        raise NotFound(_("No such assurance on this request."))
    return found


def grant_blockers(case: Case, assurances: list[Assurance] | None = None) -> list[str]:
    """Why extradition cannot be granted yet: each required assurance not assessed
    sufficient, with the article that requires it."""
    reasons = []
    for assurance in assurances if assurances is not None else assurances_of(case):
        if not assurance.blocks_grant:
            continue
        kind, article = ASSURANCE_KINDS[assurance.kind], assurance.source_article
        if assurance.state == AssuranceState.REQUESTED:
            reasons.append(_("The assurance “%(kind)s” required by %(article)s has not been "
                             "received.", kind=kind, article=article))
        elif assurance.state == AssuranceState.RECEIVED:
            reasons.append(_("The assurance “%(kind)s” required by %(article)s has been "
                             "received but not assessed.", kind=kind, article=article))
        else:
            reasons.append(_("The assurance “%(kind)s” required by %(article)s was assessed "
                             "insufficient.", kind=kind, article=article))
    return reasons


# -- aut dedere aut judicare ---------------------------------------------------------------

REFERRAL_OUTCOMES: dict[str, object] = {
    ReferralOutcome.NOT_PROSECUTED: _l("Decision not to prosecute"),
    ReferralOutcome.CHARGED: _l("Charged: proceedings opened"),
    ReferralOutcome.CONVICTED: _l("Convicted"),
    ReferralOutcome.ACQUITTED: _l("Acquitted"),
}


def referral_of(case: Case) -> AutDedereReferral | None:
    return db.session.scalar(select(AutDedereReferral).where(
        AutDedereReferral.case_id == case.id))


def open_referral(actor: Actor, case: Case, *, authority_id: int | None,
                  referred_on: date, refusal_ground: str = "") -> AutDedereReferral:
    """The refused extradition is submitted for domestic prosecution (UNTOC art. 16(10))."""
    existing = referral_of(case)
    if existing is not None:
        return existing
    referral = AutDedereReferral(
        case_id=case.id, authority_id=authority_id, referred_on=referred_on,
        refusal_ground=refusal_ground[:60], state=ReferralState.REFERRED, created_at=now())
    db.session.add(referral)
    db.session.flush()
    _log(actor, case, "aut_dedere", "referred", referral_id=referral.id,
         authority_id=authority_id, ground=refusal_ground)
    return referral


def record_outcome(actor: Actor, referral: AutDedereReferral, *, outcome: str,
                   outcome_on: date | None, details: str,
                   domestic_reference: str = "") -> AutDedereReferral:
    """The prosecution service's outcome: the report back to the requesting state is now
    due (its clock: rule aut_dedere_report)."""
    if referral.state == ReferralState.REPORTED:
        raise _conflict(_("The outcome was already reported."))
    if outcome not in set(ReferralOutcome):
        raise _invalid("outcome", _("Choose the outcome."))
    outcome_on = _not_future("outcome_on", outcome_on)
    if outcome_on < referral.referred_on:
        raise _invalid("outcome_on", _("The outcome cannot come before the referral."))
    referral.outcome, referral.outcome_on = outcome, outcome_on
    referral.details = _text("details", details, _("Say what was decided."))
    referral.domestic_reference = (domestic_reference or "").strip()[:100]
    referral.state = ReferralState.OUTCOME_RECORDED
    deadline = start_deadline(referral.case, "aut_dedere_report", actor=actor,
                              values={"outcome_on": outcome_on})
    referral.deadline_id = deadline.id if deadline is not None else None
    _log(actor, referral.case, "aut_dedere", "outcome", referral_id=referral.id,
         outcome=outcome, outcome_on=outcome_on.isoformat())
    db.session.flush()
    return referral


def report_back(actor: Actor, referral: AutDedereReferral) -> Letter:
    """Draft the report to the requesting state (ECE art. 6(2)); the clock is met."""
    if referral.state != ReferralState.OUTCOME_RECORDED:
        raise _conflict(_("Record the outcome of the prosecution first."))
    case = referral.case
    # Lazy words and days: the letter writes them in its own language, not the page's.
    letter = draft_letter(case, REPORT_BACK_LETTER, actor=actor, values={
        "outcome": REFERRAL_OUTCOMES[referral.outcome or ""],
        "outcome_on": referral.outcome_on or "",
        "details": referral.details, "domestic_reference": referral.domestic_reference,
        "referred_on": referral.referred_on},
        key=f"aut_dedere_report:{referral.id}")
    referral.letter_id = letter.id
    referral.reported_on = now().date()
    referral.state = ReferralState.REPORTED
    stop_deadline(case, "aut_dedere_report", actor=actor)
    _log(actor, case, "aut_dedere", "reported", referral_id=referral.id, letter_id=letter.id)
    db.session.flush()
    return letter


# -- reading -------------------------------------------------------------------------------

@dataclass
class Undertakings:
    """Everything the request page's panels show."""

    speciality: SpecialityRecord | None
    assurances: list[Assurance]
    limitations: list[UseLimitation]
    referral: AutDedereReferral | None
    blockers: list[str] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)

    @property
    def shows_speciality(self) -> bool:
        return self.speciality is not None


def documents_of(case: Case) -> list[Document]:
    """The request's documents (the panel is staff's: they see internal ones too)."""
    return list(db.session.scalars(select(Document).where(
        Document.case_id == case.id).order_by(Document.id)))


def undertakings_for(actor: User, case: Case) -> Undertakings:
    """What the panels show ``actor`` (a prosecutor: shared documents only)."""
    documents = list(documents_for(actor, case))
    shown = {d.id for d in documents}
    assurances = assurances_of(case) if case.kind == "extradition" else []
    return Undertakings(speciality=speciality_of(case), assurances=assurances,
                        limitations=[lim for lim in limitations_of(case)
                                     if lim.document_id in shown],
                        referral=referral_of(case),
                        blockers=grant_blockers(case, assurances), documents=documents)


def undertakings_payload(actor: User, case: Case) -> dict[str, Any]:
    """The read-only JSON of a request's conditions and assurances."""
    found = undertakings_for(actor, case)
    record = found.speciality
    referral = found.referral
    return {
        "speciality": None if record is None else {
            "direction": str(record.direction), "state": str(record.state),
            "surrendered_on": record.surrendered_on.isoformat(), "offences": record.offences,
            "discharged_on": record.discharged_on.isoformat() if record.discharged_on else None,
            "consents": [{"purpose": str(c.purpose), "article": c.article,
                          "state": str(c.state), "asked_on": c.asked_on.isoformat(),
                          "decided_on": c.decided_on.isoformat() if c.decided_on else None,
                          "due_at": c.deadline.due_at.isoformat() if c.deadline else None}
                         for c in record.consents]},
        "assurances": [{"kind": str(a.kind), "article": a.source_article,
                        "required": a.is_required, "state": str(a.state)}
                       for a in found.assurances],
        "use_limitations": [{"document_id": lim.document_id, "kind": str(lim.kind),
                             "article": lim.source_article, "imposed_by": lim.imposed_by,
                             "state": str(lim.state)} for lim in found.limitations],
        "aut_dedere": None if referral is None else {
            "state": str(referral.state), "referred_on": referral.referred_on.isoformat(),
            "outcome": referral.outcome,
            "reported_on": referral.reported_on.isoformat() if referral.reported_on else None},
        "grant_blocked_by": found.blockers,
    }


def other_requests(actor: User, case: Case, limit: int = 200) -> list[Case]:
    """Requests the actor may see a document could be copied to (newest first)."""
    stmt = visible_cases(actor).where(Case.id != case.id).order_by(Case.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))


def visible_target(actor: User, reference: str) -> Case | None:
    return db.session.scalar(visible_cases(actor).where(
        Case.reference == (reference or "").strip().upper()))


def _user_id(actor: Actor) -> int | None:
    return actor.id if isinstance(actor, User) else None
