"""Registering and changing requests. Services take an explicit actor and flush."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any
from weakref import WeakSet

from flask_babel import gettext as _
from sqlalchemy import event as sa_event
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.auth.models import User
from mla.cases.constants import (
    DIRECTION_CODES,
    DIRECTIONS,
    KINDS,
    LIFE_MONTHS,
    MEASURES,
    PERSON_ROLES,
    REFERENCE_PREFIXES,
)
from mla.cases.models import Case, CaseEvent, Measure, Offence, Person, ReferenceCounter
from mla.cases.queries import assignable_roles
from mla.cases.signals import case_registered, case_registering
from mla.cases.validation import (
    authority_in_state,
    basis_fits,
    counterpart_not_home,
    date_of_birth_plausible,
    domestic_authority_at_home,
    home_today,
    received_date_not_in_future,
)
from mla.core.clock import now
from mla.core.crypto import key_ring
from mla.core.errors import ServiceError
from mla.extensions import db
from mla.reference.queries import iccs_code_set
from mla.reference.services import known_country


@dataclass
class OffenceInput:
    label: str
    statute: str = ""
    max_penalty_months: int | None = None  # LIFE_MONTHS for life
    iccs: list[str] = field(default_factory=list)
    conduct: str = ""


@dataclass
class PersonInput:
    role: str
    full_name: str
    date_of_birth: str = ""
    nationality: str = ""
    identifiers: str = ""
    address: str = ""
    is_in_custody: bool = False


@dataclass
class CaseInput:
    direction: str
    kind: str
    counterpart_country: str
    legal_basis: str
    title: str
    counterpart_reference: str = ""
    counterpart_authority_id: int | None = None
    domestic_authority_id: int | None = None
    domestic_reference: str = ""
    summary: str = ""
    is_urgent: bool = False
    urgency_reason: str = ""
    received_at: datetime | None = None
    assignee_id: int | None = None
    offences: list[OffenceInput] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    persons: list[PersonInput] = field(default_factory=list)


def _problem(field_name: str, message: str) -> ServiceError:
    return ServiceError(message, code="invalid", details={"field": field_name})


def validate_case_input(data: CaseInput, *, known_iccs: set[str] | None = None) -> None:
    """Every rule on a new request; raises ServiceError naming the field. A bulk caller
    may pass the ICCS codes it read once (``known_iccs``) instead of a query per call."""
    if data.direction not in DIRECTIONS:
        raise _problem("direction", _("Direction must be incoming or outgoing."))
    if data.kind not in KINDS:
        raise _problem("kind", _("Kind must be mla or extradition."))
    if not data.title.strip():
        raise _problem("title", _("A title is required."))
    if known_country(data.counterpart_country) is None:
        raise _problem("counterpart_country",
                       _("Unknown country code %(code)r.", code=data.counterpart_country))
    counterpart_not_home(data.counterpart_country)
    basis_fits(data.legal_basis, data.kind, data.direction)
    authority_in_state(data.counterpart_authority_id, data.counterpart_country,
                       "counterpart_authority_id")
    domestic_authority_at_home(data.domestic_authority_id)
    received_date_not_in_future(data.received_at)
    unknown_measures = [m for m in data.measures if m not in MEASURES]
    if unknown_measures:
        raise _problem("measures", _("Unknown measures: %(codes)s.",
                                     codes=", ".join(unknown_measures)))
    check_offences(data.offences, known_iccs)
    check_persons(data.persons)


def check_offences(offences: list[OffenceInput], known_iccs: set[str] | None = None) -> None:
    """Names, penalties and ICCS codes of a request's offences (registration and edits)."""
    codes = {code for offence in offences for code in offence.iccs}
    known = (codes & (iccs_code_set() if known_iccs is None else known_iccs)) if codes else set()
    for index, offence in enumerate(offences):
        missing = sorted(set(offence.iccs) - known)
        if missing:
            raise _problem(f"offences.{index}.iccs", _("Unknown ICCS codes: %(codes)s.",
                                                       codes=", ".join(missing)))
        if not offence.label.strip():
            raise _problem(f"offences.{index}.label",
                           _("Offence %(n)d needs a name.", n=index + 1))
        penalty = offence.max_penalty_months
        if penalty is not None and (penalty <= 0 or penalty > LIFE_MONTHS):
            raise _problem(f"offences.{index}.max_penalty_months",
                           _("Offence %(n)d: the maximum penalty must be a positive "
                             "number of months, or life.", n=index + 1))


def check_persons(persons: list[PersonInput]) -> None:
    """Roles, names and dates of birth of a request's persons (registration and edits)."""
    for index, person in enumerate(persons):
        if person.role not in PERSON_ROLES:
            raise _problem(f"persons.{index}.role", _("Person %(n)d: unknown role %(role)r.",
                                                      n=index + 1, role=person.role))
        if not person.full_name.strip():
            raise _problem(f"persons.{index}.full_name",
                           _("Person %(n)d needs a name.", n=index + 1))
        date_of_birth_plausible(person.date_of_birth, f"persons.{index}.date_of_birth")


def next_reference(direction: str, kind: str, at: datetime) -> str:
    """MLA-IN-2026-00042: a counter row per prefix and year, bumped atomically.

    The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite, BEGIN
    IMMEDIATE), so two registrations at the same instant get different numbers.
    """
    return reserve_references(direction, kind, at, 1)[0]


def reserve_references(direction: str, kind: str, at: datetime, count: int) -> list[str]:
    """``count`` consecutive references in one bump of the counter (bulk imports)."""
    prefix = f"{REFERENCE_PREFIXES[kind]}-{DIRECTION_CODES[direction]}"
    year = at.year
    bump = (
        update(ReferenceCounter)
        .where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
        .values(value=ReferenceCounter.value + count)
        .returning(ReferenceCounter.value)
    )
    value = db.session.execute(bump).scalar_one_or_none()
    if value is None:
        try:
            with db.session.begin_nested():
                db.session.execute(
                    insert(ReferenceCounter).values(prefix=prefix, year=year, value=0))
        except IntegrityError:
            pass  # another registration created the row first
        value = db.session.execute(bump).scalar_one()
    return [f"{prefix}-{year}-{number:05d}" for number in range(value - count + 1, value + 1)]


def register_case(actor: Actor, data: CaseInput) -> Case:
    validate_case_input(data)
    start = _workflow_start(data)
    current = now()
    case = Case(
        reference=next_reference(data.direction, data.kind, current),
        direction=data.direction,
        kind=data.kind,
        workflow_name=start["workflow_name"],
        workflow_version=start["workflow_version"],
        state=start["state"],
        title=data.title.strip(),
        title_search=data.title.strip().casefold(),
        summary=data.summary.strip(),
        legal_basis=data.legal_basis,
        counterpart_country=data.counterpart_country.upper(),
        counterpart_authority_id=data.counterpart_authority_id,
        counterpart_reference=data.counterpart_reference.strip(),
        domestic_authority_id=data.domestic_authority_id,
        domestic_reference=data.domestic_reference.strip(),
        is_urgent=data.is_urgent,
        urgency_reason=data.urgency_reason.strip(),
        received_at=data.received_at or (_received_today() if data.direction == "incoming"
                                         else None),
        assignee_id=data.assignee_id,
        created_by_id=getattr(actor, "id", None),
        created_at=current,
        updated_at=current,
    )
    for position, item in enumerate(data.offences):
        case.offences.append(Offence(
            position=position, label=item.label.strip(), statute=item.statute.strip(),
            max_penalty_months=item.max_penalty_months, iccs_codes=list(dict.fromkeys(item.iccs)),
            conduct=item.conduct.strip()))
    for code in dict.fromkeys(data.measures):
        case.measures.append(Measure(code=code))
    for person in data.persons:
        case.persons.append(_new_person(person))
    db.session.add(case)
    db.session.flush()
    db.session.info.setdefault(_REGISTERED, set()).add(case.id)
    event = add_event(case, actor, "registered", to_state=case.state, comment="",
                      data={"workflow": case.workflow_name,
                            "workflow_version": case.workflow_version})
    record_audit(actor, "case.register", case, direction=case.direction, kind=case.kind)
    case_registered.send(case, actor=actor, event=event)  # the workflow's on_start effects
    return case


# Ids of the requests registered, and the events added, in the current unit of work.
_REGISTERED = "cases.registered"
_NEW_EVENTS = "cases.new_events"


def registered_in_this_transaction(case: Case) -> bool:
    """``case`` was registered in the current unit of work: no other transaction can have
    written rows about it yet, so what this one added is all there is (domains skip
    reading their rows of a request they know to be new)."""
    return case.id in db.session.info.get(_REGISTERED, ())


@sa_event.listens_for(Session, "after_commit")
@sa_event.listens_for(Session, "after_rollback")
def _forget_registered(session: Session) -> None:
    session.info.pop(_REGISTERED, None)
    session.info.pop(_NEW_EVENTS, None)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_new_events(session: Session, _previous: Any) -> None:
    session.info.pop(_NEW_EVENTS, None)  # a savepoint's events are gone: ask again


def _workflow_start(data: CaseInput) -> dict[str, str]:
    """The workflow a new request starts under, and its first state: the engine
    answers (cases never imports it; see mla.cases.signals)."""
    answers = [answer for _receiver, answer in case_registering.send(data) if answer]
    if len(answers) != 1:
        raise RuntimeError(f"{len(answers)} workflow engines answered case_registering; "
                           "exactly one must (is the workflow domain installed?)")
    return answers[0]


def _received_today() -> datetime:
    """Received today, as a calendar date in the home state's zone (never the UTC date of
    this instant), stored as midday UTC of that date like a date typed in."""
    return datetime.combine(home_today(), time(12, 0), tzinfo=UTC)


def _new_person(item: PersonInput) -> Person:
    person = Person(role=item.role, is_in_custody=item.is_in_custody)
    for name in ("full_name", "date_of_birth", "nationality", "identifiers", "address"):
        person.set_field(name, getattr(item, name))
    return person


def add_person(actor: Actor, case: Case, item: PersonInput) -> Person:
    if item.role not in PERSON_ROLES or not item.full_name.strip():
        raise _problem("full_name", _("A person needs a role and a name."))
    date_of_birth_plausible(item.date_of_birth, "date_of_birth")
    person = _new_person(item)
    case.persons.append(person)
    db.session.flush()
    add_event(case, actor, "person_added", data={"role": item.role, "person_id": person.id})
    record_audit(actor, "case.person_add", case, person_id=person.id, role=item.role)
    return person


def add_event(case: Case, actor: Actor, kind: str, *, transition: str | None = None,
              from_state: str | None = None, to_state: str | None = None,
              comment: str = "", data: dict | None = None, sealed_values: str | None = None,
              is_internal: bool = False) -> CaseEvent:
    event = CaseEvent(
        case=case, at=now(), actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "username", None) or (actor if isinstance(actor, str) else ""),
        kind=kind, transition=transition, from_state=from_state, to_state=to_state,
        comment=comment, data=data or {}, sealed_values=sealed_values,
        is_internal=is_internal)
    db.session.add(event)
    db.session.info.setdefault(_NEW_EVENTS, WeakSet()).add(event)
    return event


def added_in_this_transaction(event: CaseEvent) -> bool:
    """``event`` was written by the current unit of work: no other transaction has seen
    it, so nothing outside this one refers to it (e.g. a letter keyed by its id)."""
    return event in db.session.info.get(_NEW_EVENTS, ())


def add_note(actor: Actor, case: Case, text: str) -> CaseEvent:
    text = text.strip()
    if not text:
        raise _problem("text", _("A note cannot be empty."))
    event = add_event(case, actor, "note", comment=text, is_internal=True)
    record_audit(actor, "case.note", case)
    return event


def assign_case(actor: Actor, case: Case, assignee_id: int | None) -> None:
    if assignee_id is not None:
        assignee = db.session.get(User, assignee_id)
        if assignee is None or assignee.role not in assignable_roles():
            raise _problem("assignee_id", _("Choose a caseworker or supervisor."))
    previous = case.assignee_id
    case.assignee_id = assignee_id
    case.updated_at = now()
    add_event(case, actor, "assigned", data={"from": previous, "to": assignee_id})
    record_audit(actor, "case.assign", case, assignee_id=assignee_id)


def find_persons_by_name(name: str) -> list[Person]:
    """Exact-name search through the blind index (case, accents and spacing ignored)."""
    digests = key_ring().blind_indexes(name, purpose="person.name")
    return list(db.session.scalars(select(Person).where(Person.name_index.in_(digests))))
