"""Importing a legacy register: check every row with the registration's own rules,
then write every request in one transaction, or nothing.

Each row becomes the ``CaseInput`` the registration form and the API build, checked by
``validate_case_input`` (and the Case model's own validators): the rules live in
mla.cases, none is repeated here. The rows are then written in batches (executemany),
not one registration at a time: references are reserved per prefix in one counter
bump, persons are sealed by the Person model and indexed with the persons domain's
tokens, and each request gets the history the register gives (registered at its date,
then its state at the import or its closing at the register's date), marked as
imported. Links between requests are then found for all imported requests at once
(mla.persons.bulk), as registering them one by one would have found them. What
registration does one request at a time and an import does not (clocks) is said in
docs/import.md.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from itertools import islice
from pathlib import Path
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import Table, and_, insert, select

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.auth.models import User
from mla.cases.inputs import parse_penalty, split_codes
from mla.cases.models import (
    ENCRYPTED_PERSON_FIELDS,
    Case,
    CaseEvent,
    Measure,
    Offence,
    Person,
    reference_key,
)
from mla.cases.queries import assignable_roles
from mla.cases.services import (
    CaseInput,
    OffenceInput,
    PersonInput,
    reserve_references,
    validate_case_input,
)
from mla.cases.validation import as_date, home_today, home_zone_read_once
from mla.core.clock import now
from mla.core.crypto import SealedBytes, key_ring
from mla.core.errors import ServiceError
from mla.extensions import Model, db
from mla.imports.mapping import QUOTABLE, Mapping
from mla.imports.readers import EXTRA_CELLS, Cell, Register, Row, cell_text, open_register
from mla.persons.bulk import detect_links_in_bulk
from mla.persons.models import PersonToken
from mla.persons.tokens import person_tokens
from mla.reference.models import Country, IccsCode, Instrument
from mla.reports.summary import Stay, all_stays
from mla.workflow.definitions import Workflow
from mla.workflow.registry import workflow_for

BATCH = 2_000
TRUE_WORDS = frozenset({"yes", "y", "true", "1", "x", "urgent", "oui", "sí", "si"})
# Where a rule of mla.cases names a field, the mapping's field it came from.
_FIELD_OF = {"received_at": "received_on", "offences": "offence", "persons": "person_name"}
_ITEM_FIELD_OF = {"label": "offence", "statute": "offence_statute",
                  "max_penalty_months": "offence_max_penalty", "iccs": "offence_iccs",
                  "full_name": "person_name", "role": "person_role",
                  "date_of_birth": "person_date_of_birth", "nationality": "person_nationality",
                  "identifiers": "person_identifiers"}
# The Case model's @validates functions on fields a CaseInput carries (the same name):
# an import checks with them, as setting the attribute would (mapper.validators).
_CASE_VALIDATORS: list[tuple[str, Callable[[Case, str, Any], Any]]] = [
    (key, cast(Callable[[Case, str, Any], Any], check))
    for key, (check, _options) in Case.__mapper__.validators.items()
    if key in CaseInput.__dataclass_fields__]

_PERSONS = cast(Table, Person.__table__)
# Each sealed field of a person: (field, column, context template such as
# "case_persons.full_name.{uid}"), read from the Person table's column types.
_SEALED_PERSON_COLUMNS = [(name, f"{name}_enc",
                           cast(SealedBytes, _PERSONS.c[f"{name}_enc"].type).context)
                          for name in ENCRYPTED_PERSON_FIELDS]
_NAME_INDEX_PURPOSE: str = _PERSONS.c.name_index.info["blind_index_purpose"]

Progress = Callable[[int], Any]


@dataclass(frozen=True)
class RowError:
    """A refused value: its row as the spreadsheet numbers it, its column, the problem."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("row %(row)d, column %(column)s: %(message)s",
                 row=self.row, column=self.column, message=self.message)


@dataclass
class CheckedRow:
    row: int
    data: CaseInput
    workflow_name: str
    workflow_version: str
    state: str
    is_closed: bool
    status_word: str
    # The register's dates as instants (midday UTC of the day, like a date typed in the
    # form): when the request was registered (``registered_on``, else ``received_on``),
    # and, for a request the register shows in a final state, when it was closed.
    registered_at: datetime | None = None
    closed_at: datetime | None = None
    initial_state: str = ""


@dataclass
class Checked:
    """What a dry run tells: rows read, rows good, every error, the states they go to."""

    rows: list[CheckedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    read: int = 0

    @property
    def by_state(self) -> list[tuple[str, str, int]]:
        counts = Counter((r.workflow_name, r.state) for r in self.rows)
        return [(name, state, n) for (name, state), n in sorted(counts.items())]


@dataclass(frozen=True)
class Imported:
    count: int
    first: str
    last: str
    by_state: list[tuple[str, str, int]]
    links: int = 0              # possible links recorded between requests
    linked_requests: int = 0    # imported requests that found at least one


class ImportRefused(ServiceError):
    """Nothing was imported; ``errors`` names each row and column."""

    def __init__(self, errors: list[RowError], read: int) -> None:
        super().__init__(_("%(errors)d problem(s) in %(rows)d rows; nothing was imported.",
                           errors=len(errors), rows=read),
                         code="invalid", details={"errors": [str(e) for e in errors[:200]]})
        self.errors = errors
        self.read = read


# -- checking -----------------------------------------------------------------------------
def check_register(register: Register, mapping: Mapping,
                   progress: Progress | None = None) -> Checked:
    """Every row through the registration's rules; nothing is written that stays
    (a fictional state a rule creates on first use goes with the savepoint)."""
    checked = Checked()
    missing = [column for column in dict.fromkeys(mapping.columns.values())
               if column not in register.header]
    checked.errors += [RowError(1, column, _("The register has no such column."))
                       for column in missing]
    if missing:
        return checked
    context = _Lookups.load()
    savepoint = db.session.begin_nested()
    try:
        with home_zone_read_once():
            _check_rows(register, mapping, context, checked, progress)
    finally:
        savepoint.rollback()
    return checked


def _check_rows(register: Register, mapping: Mapping, context: _Lookups, checked: Checked,
                progress: Progress | None) -> None:
    for number, row in register.rows:
        checked.read += 1
        good, errors = _check_row(number, row, mapping, context)
        if good is not None:
            checked.rows.append(good)
        checked.errors += errors
        if progress is not None:
            progress(1)


@dataclass
class _Lookups:
    """What every row is checked against, read once: users who may take requests, the
    ICCS codes, and the reference rows the rules look up by key (held here so the
    session's identity map answers them, not the database)."""

    users: dict[str, int]
    iccs: set[str]
    held: list[Any]
    workflows: dict[tuple[str, str, str], Workflow] = field(default_factory=dict)
    probe: Case = field(default_factory=Case)  # the ``self`` the validators are given

    @classmethod
    def load(cls) -> _Lookups:
        rows = db.session.execute(select(User.username, User.id)
                                  .where(User.role.in_(assignable_roles())))
        return cls(users={username.casefold(): user_id for username, user_id in rows},
                   iccs=set(db.session.scalars(select(IccsCode.code))),
                   held=[*db.session.scalars(select(Country)),
                         *db.session.scalars(select(Instrument))])

    def model_checks(self, data: CaseInput) -> None:
        """The Case model's own validators (``@validates``) on the values an import
        sets, called as an attribute set would call them, without building a Case per
        row (an ORM object and its events cost more than the check)."""
        for key, check in _CASE_VALIDATORS:
            check(self.probe, key, getattr(data, key))

    def workflow(self, data: CaseInput) -> Workflow:
        key = (data.direction, data.kind, data.legal_basis)
        if key not in self.workflows:
            self.workflows[key] = workflow_for(*key)
        return self.workflows[key]


def _check_row(number: int, row: Row, mapping: Mapping, context: _Lookups
               ) -> tuple[CheckedRow | None, list[RowError]]:
    errors: list[RowError] = []

    def refuse(name: str, message: str) -> None:
        column = mapping.column_of(name)
        value = _cell(row, mapping, name)
        if name in QUOTABLE and value:
            message = _("%(message)s (the register says %(value)r)", message=message,
                        value=value[:60])
        errors.append(RowError(number, column, message))

    if EXTRA_CELLS in row:
        errors.append(RowError(number, _("(beyond the last column)"),
                               _("The row has %(cells)s cells, more than the header's "
                                 "columns.", cells=row[EXTRA_CELLS])))
        return None, errors
    value = lambda name: _translated(row, mapping, name)  # noqa: E731
    data = CaseInput(
        direction=value("direction"), kind=value("kind"),
        counterpart_country=value("counterpart_country").upper(),
        legal_basis=value("legal_basis").upper(), title=value("title"),
        counterpart_reference=value("counterpart_reference"),
        domestic_reference=value("domestic_reference"), summary=value("summary"),
        is_urgent=value("urgent").casefold() in TRUE_WORDS,
        urgency_reason=value("urgency_reason"),
        measures=split_codes(value("measures")))
    data.received_at = _received(_raw(row, mapping, "received_on"), mapping, refuse)
    data.offences = _offences(row, mapping, refuse)
    data.persons = _persons(row, mapping, refuse)
    assignee = value("assignee")
    if assignee:
        data.assignee_id = context.users.get(assignee.casefold())
        if data.assignee_id is None:
            refuse("assignee", _("No caseworker, supervisor or administrator has this "
                                 "user name."))
    if errors:
        return None, errors
    try:
        validate_case_input(data, known_iccs=context.iccs)
        context.model_checks(data)
    except ServiceError as exc:
        refuse(_mapped_field((exc.details or {}).get("field", "")), exc.message)
        return None, errors
    workflow = context.workflow(data)
    word = _cell(row, mapping, "state")
    state = mapping.state_for(word.casefold(), workflow.name)
    if state is None:
        refuse("state", _("The mapping's [states] table gives no state for this status "
                          "word in the %(workflow)s workflow.", workflow=workflow.name))
        return None, errors
    if state not in workflow.states:
        refuse("state", _("%(state)r is not a state of the %(workflow)s workflow.",
                          state=state, workflow=workflow.name))
        return None, errors
    terminal = workflow.states[state].terminal
    registered_at, closed_at = _register_dates(row, mapping, data, terminal, state, refuse)
    if errors:
        return None, errors
    return CheckedRow(number, data, workflow.name, workflow.version, state, terminal, word,
                      registered_at, closed_at, workflow.initial), errors


def _register_dates(row: Row, mapping: Mapping, data: CaseInput, terminal: bool, state: str,
                    refuse: Callable[[str, str], None]
                    ) -> tuple[datetime | None, datetime | None]:
    """When the register says the request was registered and, for one in a final state,
    closed: the reports count it received (sent), aged and closed at these dates, never
    at the import's. A final state without its closing date is refused (a closing at
    any other date would give the reports a wrong outcome date and time to close)."""
    registered = _day(row, mapping, "registered_on", refuse)
    closed = _day(row, mapping, "closed_on", refuse)
    received = data.received_at.date() if data.received_at else None
    today = home_today()
    if registered and registered > today:
        refuse("registered_on", _("A request cannot have been registered after today "
                                  "(%(today)s).", today=today.isoformat()))
    if registered and received and registered < received:
        refuse("registered_on", _("The registration date is before the received date."))
    registered = registered or received
    if registered is None:
        refuse("registered_on" if "registered_on" in mapping.columns else "received_on",
               _("The register gives no date for this request: a registration date "
                 "(registered_on) or a received date (received_on) is needed."))
    if terminal and closed is None:
        refuse("closed_on", _("The request is in a final state (%(state)s): the date it "
                              "was closed is needed.", state=state))
    elif not terminal and closed is not None:
        refuse("closed_on", _("Only a request in a final state has a closing date; "
                              "%(state)s is not final.", state=state))
    elif closed and closed > today:
        refuse("closed_on", _("A request cannot have been closed after today "
                              "(%(today)s).", today=today.isoformat()))
    elif closed and registered and closed < registered:
        refuse("closed_on", _("The closing date is before the request was registered."))
    return _midday(registered), _midday(closed) if terminal else None


def _day(row: Row, mapping: Mapping, name: str, refuse: Callable[[str, str], None]
         ) -> date | None:
    try:
        return _date(_raw(row, mapping, name), mapping, name)
    except ServiceError as exc:
        refuse(name, exc.message)
        return None


def _midday(day: date | None) -> datetime | None:
    """A day as midday UTC, like a date typed in the form."""
    return datetime.combine(day, time(12, 0), tzinfo=UTC) if day else None


def _raw(row: Row, mapping: Mapping, name: str) -> Cell:
    """The field's cell: its text (stripped), a workbook's date cell as a date, or the
    mapping's default when empty."""
    column = mapping.columns.get(name)
    value = row.get(column, "") if column else ""
    if isinstance(value, date):
        return value
    return value.strip() or mapping.defaults.get(name, "")


def _cell(row: Row, mapping: Mapping, name: str) -> str:
    return cell_text(_raw(row, mapping, name))


def _translated(row: Row, mapping: Mapping, name: str) -> str:
    text = _cell(row, mapping, name)
    words = mapping.values.get(name)
    if words and text:
        return words.get(text.casefold(), text)
    return text


def _mapped_field(field_name: str) -> str:
    """'offences.1.iccs' -> 'offence_iccs'; 'received_at' -> 'received_on'."""
    parts = field_name.split(".")
    if len(parts) == 3:
        return _ITEM_FIELD_OF.get(parts[2], parts[0])
    return _FIELD_OF.get(field_name, field_name)


def _date(text: Cell, mapping: Mapping, name: str) -> date | None:
    """A date cell as it is (whatever ``date_format`` says: it is for dates written as
    text), a datetime cell's day, or text read as ``date_format`` (ISO by default)."""
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    if not text:
        return None
    if not mapping.date_format:
        return as_date(text, name)
    try:
        return datetime.strptime(text, mapping.date_format).date()
    except ValueError:
        raise ServiceError(_("Not a date written as %(format)s.", format=mapping.date_format),
                           code="invalid", details={"field": name}) from None


def _received(text: Cell, mapping: Mapping, refuse: Callable[[str, str], None]
              ) -> datetime | None:
    try:
        day = _date(text, mapping, "received_on")
    except ServiceError as exc:
        refuse("received_on", exc.message)
        return None
    # Stored as midday UTC of the day, like a date typed in the form.
    return datetime.combine(day, time(12, 0), tzinfo=UTC) if day else None


def _items(row: Row, mapping: Mapping, name: str) -> list[str]:
    """A cell's items (one per offence or person), each through the word table."""
    text = _cell(row, mapping, name)
    words = mapping.values.get(name, {})
    return [words.get(part.strip().casefold(), part.strip())
            for part in text.split(mapping.list_separator)] if text else []


def _offences(row: Row, mapping: Mapping, refuse: Callable[[str, str], None]
              ) -> list[OffenceInput]:
    labels = _items(row, mapping, "offence")
    statutes = _items(row, mapping, "offence_statute")
    penalties = _items(row, mapping, "offence_max_penalty")
    codes = _items(row, mapping, "offence_iccs")
    offences = []
    for index, label in enumerate(labels):
        try:
            penalty = parse_penalty(_nth_text(penalties, index))
        except ValueError:
            refuse("offence_max_penalty", _("The maximum penalty must be a positive number "
                                            "of months, or life."))
            penalty = None
        offences.append(OffenceInput(label=label, statute=_nth_text(statutes, index),
                                     max_penalty_months=penalty,
                                     iccs=split_codes(_nth_text(codes, index))))
    return offences


def _persons(row: Row, mapping: Mapping, refuse: Callable[[str, str], None]
             ) -> list[PersonInput]:
    names = _items(row, mapping, "person_name")
    roles = _items(row, mapping, "person_role")
    births = _date_items(row, mapping, "person_date_of_birth")
    nationalities = _items(row, mapping, "person_nationality")
    identifiers = _items(row, mapping, "person_identifiers")
    persons = []
    for index, name in enumerate(names):
        born = ""
        try:
            day = _date(_nth(births, index), mapping, "person_date_of_birth")
            born = day.isoformat() if day else ""
        except ServiceError as exc:
            refuse("person_date_of_birth", exc.message)
        role = _nth_text(roles, index) or mapping.defaults.get("person_role", "")
        # One person's identifiers are never spread to the others (a shared passport
        # number would link requests about different people).
        persons.append(PersonInput(role=role, full_name=name, date_of_birth=born,
                                   nationality=_nth_text(nationalities, index),
                                   identifiers=identifiers[index]
                                   if index < len(identifiers) else ""))
    return persons


def _date_items(row: Row, mapping: Mapping, name: str) -> list[Cell]:
    """Dates of birth, one per person: a date cell is one date, text is split."""
    value = _raw(row, mapping, name)
    return [value] if isinstance(value, date) else list(_items(row, mapping, name))


def _nth(items: Sequence[Cell], index: int) -> Cell:
    """The item for the n-th offence or person; a single item applies to all."""
    if len(items) == 1:
        return items[0]
    return items[index] if index < len(items) else ""


def _nth_text(items: list[str], index: int) -> str:
    return cell_text(_nth(items, index))


# -- writing ------------------------------------------------------------------------------
def import_register(actor: Actor, checked: Checked, *, source_name: str,
                    progress: Progress | None = None) -> Imported:
    """Write every checked request, in batches, in the caller's transaction; refused
    whole (ImportRefused) when any row has an error."""
    if checked.errors or not checked.rows:
        raise ImportRefused(checked.errors or [RowError(1, "-", _("The register has no rows."))],
                            checked.read)
    at = now()
    imported_on = home_today().isoformat()
    references = _references(checked.rows, at)
    writer = _Writer(actor, at, imported_on, source_name)
    for batch in _batches(checked.rows, BATCH):
        writer.write([(row, next(references[(row.data.direction, row.data.kind)]))
                      for row in batch])
        if progress is not None:
            progress(len(batch))
    first, last = writer.first, writer.last
    # The imported requests: this import's id range, written at this import's instant
    # (on PostgreSQL a registration committed meanwhile may hold an id in the range).
    first_id, last_id = writer.first_id, writer.last_id
    # (updated_at: created_at is the register's registration date.)
    links = detect_links_in_bulk(actor, lambda case: and_(
        case.id.between(first_id, last_id), case.updated_at == at))
    # The stays the closed requests' two history rows make, which the summary's mapper
    # hook does not see for a bulk insert: one INSERT ... SELECT for the whole import.
    insert_stays(select(Case.id).where(Case.id.between(first_id, last_id),
                                       Case.updated_at == at))
    # One audit entry for the file, the links counted in it: registration's
    # case.link_found per request would be up to one sealed, chained entry per row.
    record_audit(actor, "cases.import", object_type="import", object_id=source_name[:100],
                 rows=len(checked.rows), first=first, last=last, links=links.links,
                 linked_requests=links.requests)
    return Imported(len(checked.rows), first, last, checked.by_state, links.links,
                    links.requests)


def insert_stays(cases: Any) -> None:
    """Write the finished stays of the requests ``cases`` (a SELECT of their ids) from
    their history, for history rows written by a bulk insert."""
    columns = [column.name for column in _table(Stay).columns]
    db.session.execute(insert(Stay).from_select(columns, all_stays(cases)))


def _references(rows: list[CheckedRow], at: datetime) -> dict[tuple[str, str], Iterator[str]]:
    counts = Counter((row.data.direction, row.data.kind) for row in rows)
    return {key: iter(reserve_references(key[0], key[1], at, count))
            for key, count in sorted(counts.items())}


def _batches(rows: list[CheckedRow], size: int) -> Iterable[list[CheckedRow]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def _table(model: type[Model]) -> Table:
    """The model's table, for plain executemany inserts (no ORM bookkeeping per row)."""
    return cast(Table, model.__table__)


class _Writer:
    """One executemany per table and batch."""

    def __init__(self, actor: Actor, at: datetime, imported_on: str, source_name: str) -> None:
        self.actor_id = getattr(actor, "id", None)
        self.actor_label = getattr(actor, "username", None) or str(actor)
        self.at = at
        self.imported_on = imported_on
        self.source_name = source_name
        self.ring = key_ring()
        self.first = ""
        self.last = ""
        self.first_id = 0
        self.last_id = 0

    def write(self, batch: list[tuple[CheckedRow, str]]) -> None:
        # Plain executemany (no RETURNING: on SQLite, SQLAlchemy splices the returned
        # rows batch after batch, which cost more than the inserts), then the ids back.
        references = [reference for _row, reference in batch]
        db.session.execute(insert(_table(Case)),
                           [self._case(row, reference) for row, reference in batch])
        id_of = dict(db.session.execute(select(Case.reference, Case.id)
                                        .where(Case.reference.in_(references))).all())
        ids = [id_of[reference] for reference in references]
        self.first = self.first or batch[0][1]
        self.last = batch[-1][1]
        self.first_id = self.first_id or min(ids)
        self.last_id = max(ids)
        pairs = [(case_id, row) for case_id, (row, _ref) in zip(ids, batch, strict=True)]
        db.session.execute(insert(_table(CaseEvent)), [event for case_id, row in pairs
                                                       for event in self._events(case_id, row)])
        offences = [{"case_id": case_id, "position": position, "label": item.label.strip(),
                     "statute": item.statute.strip(),
                     "max_penalty_months": item.max_penalty_months,
                     "iccs_codes": list(dict.fromkeys(item.iccs)), "conduct": ""}
                    for case_id, row in pairs
                    for position, item in enumerate(row.data.offences)]
        if offences:
            db.session.execute(insert(_table(Offence)), offences)
        measures = [{"case_id": case_id, "code": code, "details": ""}
                    for case_id, row in pairs
                    for code in dict.fromkeys(row.data.measures)]
        if measures:
            db.session.execute(insert(_table(Measure)), measures)
        self._persons([(case_id, person) for case_id, row in pairs
                       for person in row.data.persons])

    def _case(self, row: CheckedRow, reference: str) -> dict[str, Any]:
        data = row.data
        title = data.title.strip()
        return {
            "reference": reference, "direction": data.direction, "kind": data.kind,
            "workflow_name": row.workflow_name, "workflow_version": row.workflow_version,
            "state": row.state, "is_closed": row.is_closed, "version": 1,
            "title": title, "title_search": title.casefold(), "summary": data.summary.strip(),
            "legal_basis": data.legal_basis,
            "counterpart_country": data.counterpart_country.upper(),
            "counterpart_reference": data.counterpart_reference.strip(),
            "counterpart_reference_key": reference_key(data.counterpart_reference),
            "domestic_reference": data.domestic_reference.strip(),
            "is_urgent": data.is_urgent, "urgency_reason": data.urgency_reason.strip(),
            "received_at": data.received_at, "assignee_id": data.assignee_id,
            # Registered when the register says so (the reports' received/sent and
            # age); updated_at says when Comity learned of it.
            "created_by_id": self.actor_id, "created_at": self._until_now(row.registered_at),
            "updated_at": self.at,
        }

    def _events(self, case_id: int, row: CheckedRow) -> list[dict[str, Any]]:
        """The request's history as the register gives it, each row of kind
        ``imported``, its data saying which ``step`` of the register it records: its
        registration at the register's date into the workflow's initial state (where
        every request starts), then either its state at the import's instant (when it
        entered that state the register does not say) or, closed, its final state at the
        register's closing date, so the reports count it open from its registration and
        count its closing at that date with that outcome."""
        data = {"imported": True, "imported_on": self.imported_on,
                "source": self.source_name[:200], "row": row.row,
                "register_status": row.status_word[:60], "workflow": row.workflow_name,
                "workflow_version": row.workflow_version}
        common = {"case_id": case_id, "actor_id": self.actor_id,
                  "actor_label": self.actor_label[:100], "kind": "imported",
                  "comment": "", "is_internal": False}
        registered_at = self._until_now(row.registered_at)
        registered = {**common, "at": registered_at, "to_state": row.initial_state,
                      "data": {**data, "step": "registered",
                               "registered_on": registered_at.date().isoformat()}}
        if row.closed_at is None:
            return [registered, {**common, "at": self.at, "to_state": row.state,
                                 "data": {**data, "step": "imported"}}]
        return [registered, {**common, "at": self._until_now(row.closed_at),
                             "to_state": row.state,
                             "data": {**data, "step": "closed",
                                      "closed_on": row.closed_at.date().isoformat()}}]

    def _until_now(self, day: datetime | None) -> datetime:
        """A register's date as an instant no later than the import's (today's midday
        may be ahead of it), so the history stays in order."""
        return min(day, self.at) if day is not None else self.at

    def _persons(self, items: list[tuple[int, PersonInput]]) -> None:
        if not items:
            return
        sealed = [self._sealed(case_id, item) for case_id, item in items]
        db.session.execute(insert(_table(Person)), sealed)
        uids = [str(row["uid"]) for row in sealed]
        id_of = dict(db.session.execute(select(Person.uid, Person.id)
                                        .where(Person.uid.in_(uids))).all())
        ids = [id_of[uid] for uid in uids]
        tokens = [{"person_id": person_id, "case_id": case_id, "kind": token.kind,
                   "digest": token.digest}
                  for person_id, (case_id, item) in zip(ids, items, strict=True)
                  for token in person_tokens(self.ring, full_name=item.full_name,
                                             date_of_birth=item.date_of_birth,
                                             identifiers=item.identifiers)]
        if tokens:
            db.session.execute(insert(_table(PersonToken)), tokens)

    def _sealed(self, case_id: int, item: PersonInput) -> dict[str, Any]:
        """A person's row sealed as the Person model seals it (``set_field``), with the
        ring read once per import: each field under its column's context template bound
        to the row's uid (the templates key rotation re-seals with), the name's blind
        index under the purpose its column declares. No ORM object per person."""
        uid = uuid.uuid4().hex
        row: dict[str, Any] = {"case_id": case_id, "uid": uid, "role": item.role,
                               "is_in_custody": item.is_in_custody}
        for name, column, template in _SEALED_PERSON_COLUMNS:
            value = (getattr(item, name) or "").strip()
            row[column] = (self.ring.encrypt(value, context=template.format(uid=uid))
                           if value else None)
        row["name_index"] = self.ring.blind_index(item.full_name.strip(),
                                                  purpose=_NAME_INDEX_PURPOSE)
        return row


def import_upload(actor: Actor, filename: str, content: bytes, mapping: Mapping, *,
                  dry_run: bool) -> tuple[Checked, Imported | None]:
    """The admin page's one call: check an uploaded register, then import it unless
    this is a dry run (ImportRefused when any row is wrong)."""
    checked = check_register(open_register(Path(filename), mapping, content), mapping)
    if dry_run:
        return checked, None
    return checked, import_register(actor, checked, source_name=filename)
