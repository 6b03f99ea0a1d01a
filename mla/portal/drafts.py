"""The guided draft of an outgoing MLA request (UNTOC art. 18(14) and 18(15)).

Each step is saved on the server as it is left, so nothing typed is lost
between steps or sessions. Before moving on, the step's essential contents are
checked; what is missing is named with its article, and the prosecutor must
confirm to go on without it (as the UNODC MLA Request Writer Tool does).
Submitting registers the request, outgoing, and takes the workflow's "submit" step:
the request enters the central authority's review, whose clock starts then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from mla.audit.services import record_audit
from mla.auth.models import User
from mla.cases.constants import PERSON_ROLES
from mla.cases.inputs import parse_penalty, split_codes
from mla.cases.models import Case
from mla.cases.services import CaseInput, OffenceInput, PersonInput, add_event, register_case
from mla.core.clock import now
from mla.core.errors import NotFound, ServiceError
from mla.extensions import db
from mla.portal.models import DRAFT_STEPS, OutgoingDraft
from mla.workflow.registry import workflow_for
from mla.workflow.services import apply_transition


@dataclass(frozen=True)
class Essential:
    step: str
    fields: tuple[str, ...]   # missing when every one of these is empty
    what: Any                 # a lazy string naming what is missing
    citation: str
    # Not asked for when this holds for the draft (e.g. service of documents only).
    unless: Callable[[dict[str, Any]], bool] | None = None


def only_service_of_documents(data: dict[str, Any]) -> bool:
    """UNTOC art. 18(15)(c): no summary of facts for service of judicial documents."""
    measures = data.get("assistance", {}).get("measures") or []
    return bool(measures) and set(measures) <= {"service_of_documents"}


# UNTOC art. 18(15)(a) asks for "the identity of the authority making the request":
# a draft is always made by the prosecutor's own office (start_draft refuses an
# account with none) and the request names it. The file number and a contact
# officer are good practice, not 18(15)(a).
GOOD_PRACTICE = "UNODC MLA Request Writer Tool (good practice)"

ESSENTIALS: tuple[Essential, ...] = (
    Essential("basics", ("domestic_reference",), _l("your office's file number"),
              GOOD_PRACTICE),
    Essential("basics", ("contact",), _l("a contact officer at the requesting authority"),
              GOOD_PRACTICE),
    Essential("investigation", ("subject_matter",),
              _l("the subject matter and nature of the investigation"), "UNTOC art. 18(15)(b)"),
    Essential("investigation", ("conducting_authority",),
              _l("the authority conducting the investigation"), "UNTOC art. 18(15)(b)"),
    Essential("investigation", ("offence_name",), _l("the offence under investigation"),
              "UNTOC art. 18(15)(b)"),
    Essential("facts", ("summary",),
              _l("a summary of the relevant facts (not needed when only service of "
                 "documents is sought)"),
              "UNTOC art. 18(15)(c)", unless=only_service_of_documents),
    Essential("assistance", ("measures", "assistance_details"), _l("the assistance sought"),
              "UNTOC art. 18(15)(d)"),
    Essential("persons", ("persons",),
              _l("the identity, location and nationality of the persons concerned"),
              "UNTOC art. 18(15)(e)"),
    Essential("purpose", ("purpose",), _l("the purpose of the request"),
              "UNTOC art. 18(15)(f)"),
    Essential("purpose", ("language",), _l("the language of the request"),
              "UNTOC art. 18(14)"),
)
# Without these the request cannot be registered at all, nor enter the central
# authority's review (the outgoing workflow's "submit" step needs an offence and a
# measure: guards has_offences, has_measures).
REQUIRED: tuple[tuple[str, str, Any], ...] = (
    ("basics", "counterpart_country", _l("the requested state")),
    ("basics", "legal_basis", _l("the legal basis")),
    ("investigation", "title", _l("a short title")),
    ("investigation", "offence_name", _l("the offence under investigation")),
    ("assistance", "measures", _l("at least one measure sought")),
)
# The workflow step a submitted draft takes: into the central authority's review.
SUBMIT_STEP = "submit"
STEP_TITLES = {
    "basics": _l("Requesting authority and addressee"),
    "investigation": _l("The investigation"),
    "facts": _l("The facts"),
    "assistance": _l("Assistance sought"),
    "persons": _l("Persons concerned"),
    "purpose": _l("Purpose and language"),
    "review": _l("Review and submit"),
}


def _filled(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        return any(_filled(item) for item in value)
    if isinstance(value, dict):
        # A person row counts when it has a name.
        return _filled(value.get("full_name", ""))
    return bool(value)


def missing_essentials(data: dict[str, Any], step: str | None = None) -> list[Essential]:
    missing = []
    for item in ESSENTIALS:
        if step is not None and item.step != step:
            continue
        if item.unless is not None and item.unless(data):
            continue
        values = data.get(item.step, {})
        if not any(_filled(values.get(name)) for name in item.fields):
            missing.append(item)
    return missing


def missing_required(data: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [r for r in REQUIRED if not _filled(data.get(r[0], {}).get(r[1]))]


def next_step(step: str) -> str:
    return DRAFT_STEPS[min(DRAFT_STEPS.index(step) + 1, len(DRAFT_STEPS) - 1)]


def previous_step(step: str) -> str:
    return DRAFT_STEPS[max(DRAFT_STEPS.index(step) - 1, 0)]


# -- services ----------------------------------------------------------------------------
def start_draft(actor: User) -> OutgoingDraft:
    if actor.authority_id is None:
        raise ServiceError(_("Your account is not linked to a prosecution office; ask an "
                             "administrator to link it before drafting a request."))
    draft = OutgoingDraft(author_id=actor.id, authority_id=actor.authority_id, step="basics")
    conducting = actor.authority.name if actor.authority else ""
    draft.data = {"investigation": {"conducting_authority": conducting}}
    db.session.add(draft)
    db.session.flush()
    record_audit(actor, "draft.start", draft)
    return draft


def get_draft_for(actor: User, uid: str) -> OutgoingDraft:
    """The actor's own unsubmitted draft, or NotFound."""
    draft = db.session.scalar(select(OutgoingDraft).where(
        OutgoingDraft.uid == uid, OutgoingDraft.author_id == actor.id,
        OutgoingDraft.submitted_at.is_(None)))
    if draft is None:
        raise NotFound(_("No draft with that number is open for you."))
    return draft


def open_drafts(actor: User) -> Sequence[OutgoingDraft]:
    return db.session.scalars(
        select(OutgoingDraft)
        .where(OutgoingDraft.author_id == actor.id, OutgoingDraft.submitted_at.is_(None))
        .order_by(OutgoingDraft.updated_at.desc())).all()


def save_step(actor: User, draft: OutgoingDraft, step: str, values: dict[str, Any],
              *, go_to: str) -> None:
    if step not in DRAFT_STEPS or go_to not in DRAFT_STEPS:
        raise NotFound()
    data = draft.data
    data[step] = values
    draft.data = data
    draft.step = go_to
    draft.updated_at = now()
    db.session.flush()


def _section(title: Any, text: str) -> str:
    return f"{title}:\n{text.strip()}" if text and text.strip() else ""


def compose_input(actor: User, data: dict[str, Any]) -> CaseInput:
    basics, inv = data.get("basics", {}), data.get("investigation", {})
    facts, assist = data.get("facts", {}), data.get("assistance", {})
    purpose = data.get("purpose", {})
    offences = []
    if _filled(inv.get("offence_name")):
        try:
            penalty = parse_penalty(inv.get("offence_max_penalty"))
        except ValueError:
            penalty = None
        offences.append(OffenceInput(
            label=inv["offence_name"], statute=inv.get("offence_statute") or "",
            max_penalty_months=penalty, iccs=split_codes(inv.get("offence_iccs")),
            conduct=""))
    persons = [
        PersonInput(role=p.get("role") if p.get("role") in PERSON_ROLES else "other",
                    full_name=p["full_name"],
                    nationality=p.get("nationality") or "", address=p.get("location") or "",
                    date_of_birth=p.get("date_of_birth") or "")
        for p in data.get("persons", {}).get("persons", []) or [] if _filled(p)
    ]
    language = purpose.get("language") or ""
    if language and purpose.get("needs_translation"):
        language += " " + _("(translation needed)")
    authority = actor.authority.name if actor.authority else ""
    sections = [
        _section(_("Requesting authority (18(15)(a))"), authority),
        _section(_("Contact at the requesting authority"), basics.get("contact") or ""),
        _section(_("Nature and subject matter of the %(nature)s (18(15)(b))",
                   nature=inv.get("nature") or "investigation"),
                 "\n".join(filter(None, [inv.get("subject_matter") or "",
                                         inv.get("conducting_authority") or ""]))),
        _section(_("Summary of the facts (18(15)(c))"), facts.get("summary") or ""),
        _section(_("Assistance sought (18(15)(d))"), assist.get("assistance_details") or ""),
        _section(_("Procedure to follow (18(15)(d))"), assist.get("procedure") or ""),
        _section(_("Purpose (18(15)(f))"), purpose.get("purpose") or ""),
        _section(_("Language (18(14))"), language),
    ]
    return CaseInput(
        direction="outgoing", kind="mla",
        counterpart_country=basics.get("counterpart_country") or "",
        legal_basis=basics.get("legal_basis") or "",
        title=inv.get("title") or "",
        domestic_authority_id=actor.authority_id,
        domestic_reference=basics.get("domestic_reference") or "",
        summary="\n\n".join(s for s in sections if s),
        is_urgent=bool(basics.get("is_urgent")),
        urgency_reason=basics.get("urgency_reason") or "",
        offences=offences,
        measures=[m for m in assist.get("measures") or [] if m],
        persons=persons,
    )


def submit_draft(actor: User, draft: OutgoingDraft, *, confirm_missing: bool) -> Case:
    if draft.authority_id is None or draft.authority_id != actor.authority_id:
        raise ServiceError(_("Your account is no longer linked to the office that started "
                             "this draft."))
    data = draft.data
    required = missing_required(data)
    if required:
        raise ServiceError(_("Before submitting, give %(what)s.",
                             what=", ".join(str(r[2]) for r in required)),
                           details={"field": "submit"})
    missing = missing_essentials(data)
    if missing and not confirm_missing:
        raise ServiceError(_("Essential contents are missing: confirm to submit anyway."),
                           details={"field": "confirm_missing"})
    case = register_case(actor, compose_input(actor, data))
    add_event(case, actor, "draft_submitted",
              comment=_("Draft submitted through the prosecutors' portal."),
              data={"label": "Draft submitted by the domestic authority", "draft": draft.uid,
                    "missing": [m.citation for m in missing]})
    _enter_review(actor, case)
    draft.submitted_at = now()
    draft.case_id = case.id
    draft.updated_at = draft.submitted_at
    db.session.flush()
    record_audit(actor, "draft.submit", case, missing=len(missing))
    return case


def _enter_review(actor: User, case: Case) -> None:
    """Take the workflow's submit step: the request moves to the central authority's
    review, and the effects the workflow names there (its clock, the notice to the
    assignee or supervisors) happen in this same transaction."""
    try:
        apply_transition(actor, case, SUBMIT_STEP, expected_version=case.version)
    except ServiceError as exc:
        blocked = exc.details.get("blocked_by") if isinstance(exc.details, dict) else None
        if not blocked:
            raise
        raise ServiceError(_("Before submitting, give %(what)s.", what="; ".join(blocked)),
                           details={"field": "submit"}) from None


def review_states() -> tuple[str, ...]:
    """Where a submitted draft waits for the central authority: the state the submit
    step leads to (and the first state, for drafts submitted before it was taken)."""
    workflow = workflow_for("outgoing", "mla")
    submit = workflow.transition(SUBMIT_STEP)
    return (workflow.initial, submit.target) if submit is not None else (workflow.initial,)


def review_queue() -> Sequence[Case]:
    """Outgoing requests drafted by prosecutors waiting for the central authority's review."""
    stmt = (
        select(Case).join(User, User.id == Case.created_by_id)
        .where(Case.direction == "outgoing", Case.kind == "mla",
               Case.state.in_(review_states()),
               Case.is_closed.is_(False), User.role == "prosecutor")
        .order_by(Case.created_at.asc(), Case.id.asc())
    )
    return db.session.scalars(stmt.options(joinedload(Case.domestic_authority),
                                           joinedload(Case.country))).unique().all()
