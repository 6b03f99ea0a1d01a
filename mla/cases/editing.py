"""Correcting a registered request, and reopening a closed one.

``update_case`` is the one way a request's registered fields change, for the
edit page, the JSON API and tests: it checks every value with the shared rules
(``mla.cases.validation``), takes the request with a conditional UPDATE on its
version (a stale version is a 409, like a transition), applies the change,
writes one timeline entry saying what changed and what that invalidated, and an
audit row, all in the caller's transaction. Other domains react through the
``case_updated`` signal (dual criminality marks assessments out of date; the
deadlines recompute the clocks that depend on the change).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.cases.constants import LIFE_MONTHS, MEASURES
from mla.cases.models import ENCRYPTED_PERSON_FIELDS, Case, Measure, Offence, Person
from mla.cases.services import (
    OffenceInput,
    PersonInput,
    _new_person,
    add_event,
    check_offences,
    check_persons,
)
from mla.cases.signals import case_correcting, case_updated
from mla.cases.validation import (
    Refused,
    authority_in_state,
    counterpart_not_home,
    domestic_authority_at_home,
    legal_basis_fits,
    received_date_not_in_future,
)
from mla.core.clock import now
from mla.core.db import rows_matched
from mla.core.errors import Conflict, ServiceError
from mla.directory.models import Authority
from mla.extensions import db

# Plain fields of the request a correction may change, in the order they are listed.
PLAIN_FIELDS = (
    "title", "summary", "counterpart_country", "counterpart_authority_id",
    "counterpart_reference", "domestic_authority_id", "domestic_reference", "legal_basis",
    "is_urgent", "urgency_reason", "received_on",
)
EDITABLE = frozenset({*PLAIN_FIELDS, "offences", "measures", "persons"})
OFFENCE_FIELDS = ("label", "statute", "max_penalty_months", "iccs", "conduct")
# Sealed columns (SealedText): a correction's timeline entry names the change in its data
# and keeps the old and new words in its sealed_values, never in the clear.
SEALED_FIELDS = frozenset({"summary", "urgency_reason"})
SEALED_OFFENCE_FIELDS = frozenset({"conduct"})
PERSON_PLAIN_FIELDS = ("role", "is_in_custody")


@dataclass
class OffenceEdit:
    """An offence as corrected: ``id`` None adds one; a field left None stays as it is."""

    id: int | None = None
    label: str | None = None
    statute: str | None = None
    max_penalty_months: int | None = None
    iccs: list[str] | None = None
    conduct: str | None = None
    # max_penalty_months None is also a value ("not known"); say when it was given.
    has_penalty: bool = False


@dataclass
class PersonEdit:
    """A person as corrected: ``id`` None adds one; a field left None stays as it is."""

    id: int | None = None
    role: str | None = None
    full_name: str | None = None
    date_of_birth: str | None = None
    nationality: str | None = None
    identifiers: str | None = None
    address: str | None = None
    is_in_custody: bool | None = None


@dataclass
class CaseChanges:
    """What a correction changed, for the timeline and for the domains that react.

    ``fields``: plain request fields, name -> (old, new) as stored;
    ``offences``: offence id -> names of the fields changed (``added`` / ``removed``
    for whole offences); ``lines``: what the timeline entry lists; ``sealed``: a line's
    index (as text) -> the old and new value of a sealed field, kept sealed.
    """

    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    offences: dict[int, set[str]] = field(default_factory=dict)
    persons: dict[int, set[str]] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)
    sealed: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.lines)

    def changed(self, name: str) -> bool:
        return name in self.fields

    def offences_changed(self, *names: str) -> list[int]:
        return [oid for oid, changed in self.offences.items() if changed & set(names)]

    def add_sealed_line(self, line: dict[str, Any], old: Any, new: Any) -> None:
        """A line whose values are sealed: the entry's data says what changed only."""
        self.sealed[str(len(self.lines))] = {"old": old, "new": new}
        self.lines.append({**line, "encrypted": True})

    def sealed_values(self) -> str | None:
        """The timeline entry's sealed_values: the sealed lines' old and new words."""
        if not self.sealed:
            return None
        return json.dumps({"corrected": self.sealed}, ensure_ascii=False)


# --- the service ---------------------------------------------------------------------

def update_case(actor: Actor, case: Case, changes: Mapping[str, Any],
                expected_version: int) -> CaseChanges:
    """Apply a correction; fields left out of ``changes`` stay as they are."""
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise Refused(unknown[0], _("This field cannot be changed."))
    if case.is_closed:
        raise ServiceError(_("This request is closed and cannot be changed; a supervisor can "
                             "reopen it."), code="closed", status=409)
    _check(case, changes)
    _take(case, expected_version)
    result = CaseChanges()
    _apply_plain(case, changes, result)
    if "measures" in changes:
        _apply_measures(case, list(changes["measures"]), result)
    if "offences" in changes:
        _apply_offences(case, list(changes["offences"]), result)
    if "persons" in changes:
        _apply_persons(case, list(changes["persons"]), result)
    db.session.flush()
    # A sentence, or a mapping of codes its domain words when the entry is read.
    consequences: list[str | dict[str, Any]] = []
    if result:
        for _receiver, said in case_updated.send(case, actor=actor, changes=result):
            consequences.extend(line if isinstance(line, dict) else str(line)
                                for line in said or ())
    add_event(case, actor, "edited", is_internal=True,
              data={"changes": result.lines, "consequences": consequences},
              sealed_values=result.sealed_values())
    record_audit(actor, "case.update", case, version=case.version,
                 fields=sorted({line["field"] for line in result.lines}))
    return result


def _take(case: Case, expected_version: int) -> None:
    """The conditional UPDATE that makes concurrent corrections collide (409)."""
    at = now()
    taken = db.session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == expected_version, Case.is_closed.is_(False))
        .values(version=Case.version + 1, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(taken) != 1:
        raise Conflict(_("Someone else changed this request in the meantime; reload it and "
                         "make your correction again."))
    set_committed_value(case, "version", expected_version + 1)
    set_committed_value(case, "updated_at", at)


# --- checking --------------------------------------------------------------------------

def _check(case: Case, changes: Mapping[str, Any]) -> None:
    """Every rule on the request as it would be after the change."""
    country = changes.get("counterpart_country", case.counterpart_country) or ""
    if "title" in changes and not (changes["title"] or "").strip():
        raise Refused("title", _("A title is required."))
    if "counterpart_country" in changes:
        counterpart_not_home(country)
    if {"counterpart_country", "counterpart_authority_id"} & set(changes):
        authority_in_state(changes.get("counterpart_authority_id",
                                       case.counterpart_authority_id),
                           country, "counterpart_authority_id")
    if "domestic_authority_id" in changes:
        domestic_authority_at_home(changes["domestic_authority_id"])
    if "legal_basis" in changes:
        legal_basis_fits(changes["legal_basis"], case.kind, case.direction)
    if "received_on" in changes:
        if changes["received_on"] is None and case.direction == "incoming":
            raise Refused("received_on", _("An incoming request needs the date it was "
                                           "received."))
        received_date_not_in_future(changes["received_on"])
    if "measures" in changes:
        unknown = [code for code in changes["measures"] if code not in MEASURES]
        if unknown:
            raise Refused("measures", _("Unknown measures: %(codes)s.", codes=", ".join(unknown)))
    if "offences" in changes:
        _check_offences(case, list(changes["offences"]))
    if "persons" in changes:
        _check_persons(case, list(changes["persons"]))
    for _receiver, refusal in case_correcting.send(case, changes=changes):
        if refusal:
            raise Refused(*refusal)


def _check_offences(case: Case, edits: list[OffenceEdit]) -> None:
    current = {offence.id: offence for offence in case.offences}
    merged = []
    for index, edit in enumerate(edits):
        if edit.id is not None and edit.id not in current:
            raise Refused(f"offences.{index}", _("That offence is not part of this request."))
        base = current.get(edit.id) if edit.id is not None else None
        merged.append(OffenceInput(
            label=_pick(edit.label, base.label if base else ""),
            statute=_pick(edit.statute, base.statute if base else ""),
            max_penalty_months=edit.max_penalty_months if edit.has_penalty or base is None
            else base.max_penalty_months,
            iccs=_pick(edit.iccs, list(base.iccs_codes) if base else []),
            conduct=_pick(edit.conduct, base.conduct if base else "")))
    if case.kind == "extradition" and not merged:
        raise Refused("offences", _("An extradition request needs at least one offence."))
    check_offences(merged)


def _check_persons(case: Case, edits: list[PersonEdit]) -> None:
    current = {person.id: person for person in case.persons}
    merged = []
    for index, edit in enumerate(edits):
        if edit.id is not None and edit.id not in current:
            raise Refused(f"persons.{index}", _("That person is not part of this request."))
        base = current.get(edit.id) if edit.id is not None else None
        merged.append(PersonInput(
            role=_pick(edit.role, base.role if base else ""),
            # An existing name left out stays; only a name given is checked.
            full_name=_pick(edit.full_name, "-" if base else ""),
            date_of_birth=_pick(edit.date_of_birth, ""),
            is_in_custody=bool(edit.is_in_custody)))
    check_persons(merged)


def _pick(value: Any, default: Any) -> Any:
    return default if value is None else value


# --- applying --------------------------------------------------------------------------

def received_at_for(day: date | None) -> datetime | None:
    """The instant stored for a date received: midday UTC, the same day in every zone
    within twelve hours of UTC (as the registration form has always stored it)."""
    return datetime.combine(day, time(12, 0), tzinfo=UTC) if day else None


def _plain_value(case: Case, name: str) -> Any:
    if name == "received_on":
        return case.received_at.date() if case.received_at else None
    return getattr(case, name)


def _apply_plain(case: Case, changes: Mapping[str, Any], result: CaseChanges) -> None:
    for name in PLAIN_FIELDS:
        if name not in changes:
            continue
        new = _normalised(name, changes[name])
        old = _plain_value(case, name)
        if new == old:
            continue
        if name == "received_on":
            case.received_at = received_at_for(new)
        else:
            setattr(case, name, new)
        if name == "title":
            case.title_search = new.casefold()
        result.fields[name] = (old, new)
        if name in SEALED_FIELDS:
            result.add_sealed_line({"field": name}, old, new)
            continue
        result.lines.append({"field": name, "old": _shown(name, old), "new": _shown(name, new)})


def _normalised(name: str, value: Any) -> Any:
    if name == "received_on":
        return value if isinstance(value, date) or value is None else date.fromisoformat(value)
    if name == "counterpart_country":
        return (value or "").upper()
    if name == "is_urgent":
        return bool(value)
    if name.endswith("_id"):
        return value or None
    return (value or "").strip()


def _shown(name: str, value: Any) -> Any:
    """A plain value as the timeline shows it (names of authorities, ISO dates)."""
    if value is None:
        return ""
    if name.endswith("authority_id"):
        authority = db.session.get(Authority, value)
        return str(authority) if authority else ""
    if isinstance(value, date):
        return value.isoformat()
    return value


def _apply_measures(case: Case, codes: list[str], result: CaseChanges) -> None:
    wanted = list(dict.fromkeys(codes))
    old = [m.code for m in case.measures]
    if set(wanted) == set(old):
        return
    for measure in list(case.measures):
        if measure.code not in wanted:
            case.measures.remove(measure)
    for code in wanted:
        if code not in old:
            case.measures.append(Measure(code=code))
    result.fields["measures"] = (old, wanted)
    result.lines.append({"field": "measures", "old": old, "new": wanted})


def _apply_offences(case: Case, edits: list[OffenceEdit], result: CaseChanges) -> None:
    current = {offence.id: offence for offence in case.offences}
    kept = {edit.id for edit in edits if edit.id is not None}
    for offence_id, offence in current.items():
        if offence_id not in kept:
            case.offences.remove(offence)
            result.offences[offence_id] = {"removed"}
            result.lines.append({"field": "offences", "offence": offence.label,
                                 "change": "removed"})
    for position, edit in enumerate(edits):
        if edit.id is None:
            offence = Offence(position=position, label=(edit.label or "").strip(),
                              statute=(edit.statute or "").strip(),
                              max_penalty_months=edit.max_penalty_months,
                              iccs_codes=list(dict.fromkeys(edit.iccs or [])),
                              conduct=(edit.conduct or "").strip())
            case.offences.append(offence)
            db.session.flush()
            result.offences[offence.id] = {"added"}
            result.lines.append({"field": "offences", "offence": offence.label,
                                 "change": "added"})
            continue
        offence = current[edit.id]
        offence.position = position
        _apply_offence_fields(offence, edit, result)


def _apply_offence_fields(offence: Offence, edit: OffenceEdit, result: CaseChanges) -> None:
    for name in OFFENCE_FIELDS:
        if name == "max_penalty_months":
            if not edit.has_penalty:
                continue
            new: Any = edit.max_penalty_months
        else:
            new = getattr(edit, name)
            if new is None:
                continue
            new = list(dict.fromkeys(new)) if name == "iccs" else new.strip()
        attribute = "iccs_codes" if name == "iccs" else name
        old = getattr(offence, attribute)
        if new == old:
            continue
        label = offence.label
        setattr(offence, attribute, new)
        result.offences.setdefault(offence.id, set()).add(name)
        line = {"field": "offences", "offence": label, "part": name}
        if name in SEALED_OFFENCE_FIELDS:
            result.add_sealed_line(line, old, new)
            continue
        result.lines.append({**line, "old": _offence_shown(name, old),
                             "new": _offence_shown(name, new)})


def _offence_shown(name: str, value: Any) -> Any:
    if name == "iccs":
        return ", ".join(value or [])
    if name == "max_penalty_months":
        return "" if value is None else ("life" if value == LIFE_MONTHS else value)
    return value


def _apply_persons(case: Case, edits: list[PersonEdit], result: CaseChanges) -> None:
    current = {person.id: person for person in case.persons}
    kept = {edit.id for edit in edits if edit.id is not None}
    numbers = {person.id: n for n, person in enumerate(case.persons, start=1)}
    for person_id, person in current.items():
        if person_id not in kept:
            case.persons.remove(person)
            result.persons[person_id] = {"removed"}
            result.lines.append({"field": "persons", "person": numbers[person_id],
                                 "role": person.role, "change": "removed"})
    for edit in edits:
        if edit.id is None:
            person = _new_person(PersonInput(
                role=edit.role or "", full_name=edit.full_name or "",
                date_of_birth=edit.date_of_birth or "", nationality=edit.nationality or "",
                identifiers=edit.identifiers or "", address=edit.address or "",
                is_in_custody=bool(edit.is_in_custody)))
            case.persons.append(person)
            db.session.flush()
            result.persons[person.id] = {"added"}
            result.lines.append({"field": "persons", "person": len(case.persons),
                                 "role": person.role, "change": "added"})
            continue
        _apply_person_fields(current[edit.id], numbers[edit.id], edit, result)


def _apply_person_fields(person: Person, number: int, edit: PersonEdit,
                         result: CaseChanges) -> None:
    for name in PERSON_PLAIN_FIELDS:
        new = getattr(edit, name)
        old = getattr(person, name)
        if new is None or new == old:
            continue
        setattr(person, name, new)
        result.persons.setdefault(person.id, set()).add(name)
        result.lines.append({"field": "persons", "person": number, "role": person.role,
                             "part": name, "old": old, "new": new})
    for name in ENCRYPTED_PERSON_FIELDS:
        new = getattr(edit, name)
        if new is None or new.strip() == person.get_field(name):
            continue
        person.set_field(name, new)  # re-encrypts; a new name also renews the blind index
        result.persons.setdefault(person.id, set()).add(name)
        # Never the values: the timeline says only which encrypted field changed.
        result.lines.append({"field": "persons", "person": number, "role": person.role,
                             "part": name, "encrypted": True})
