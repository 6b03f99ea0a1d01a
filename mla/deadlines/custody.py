"""The custody board: every person deprived of liberty in the requests the actor may
see (both directions), each with the next custody limit and how urgent it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from mla.auth.models import User
from mla.cases.models import Case, Person
from mla.cases.queries import visible_cases
from mla.core.clock import now
from mla.deadlines.models import Deadline, DeadlineStatus
from mla.deadlines.services import DeadlineView, view_of
from mla.extensions import db

# Urgency of a custody limit, by days left in the clock's own time zone.
MISSED, DUE_3, DUE_10, RUNNING, NO_CLOCK = "missed", "due_3", "due_10", "running", "no_clock"
URGENT_DAYS = 3
SOON_DAYS = 10
# A milestone inside the period (ECE art. 16(4): day 18) is shown from this many
# days before it: earlier it is noise next to the limit itself.
MILESTONE_NEAR = timedelta(days=5)


@dataclass(frozen=True)
class CustodyRow:
    case: Case
    person: Person | None       # None: a custody clock runs, nobody is marked in custody
    view: DeadlineView | None   # None: marked in custody, no custody clock runs
    urgency: str
    milestone_at: datetime | None  # set only when the milestone is near or passed
    milestone_passed: bool = False


def urgency_of(view: DeadlineView | None, at: datetime) -> str:
    if view is None:
        return NO_CLOCK
    if view.deadline.due_at < at:
        return MISSED
    if view.days_left <= URGENT_DAYS:
        return DUE_3
    if view.days_left <= SOON_DAYS:
        return DUE_10
    return RUNNING


def _milestone(view: DeadlineView | None, at: datetime) -> datetime | None:
    if view is None or view.deadline.soft_due_at is None:
        return None
    soft = view.deadline.soft_due_at
    return soft if soft - at <= MILESTONE_NEAR else None


PER_PAGE = 100


@dataclass(frozen=True)
class CustodyPage:
    """One page of the board: ``rows`` are rows ``first``..``last`` of ``total``."""
    rows: list[CustodyRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def custody_board(actor: User, at: datetime | None = None, *, page: int = 1,
                  per_page: int | None = None) -> CustodyPage:
    """Rows sorted by time left (missed first); people with no running custody clock
    last, flagged; one page of them (a page past the last shows the last).

    Every row is placed from its clock's due instant and its request's reference alone;
    only the page's requests are loaded and only its clocks read (``view_of``: time
    zone, days left, rule), so a page costs the same with 10 or 10,000 people held.
    At most four statements whatever the rows: what places them, then the page's clocks
    and persons with their requests (not asked for when the page has none). Names are
    not decrypted here: the page reads only those it shows."""
    at = at or now()
    per_page = per_page or PER_PAGE
    visible = visible_cases(actor).whereclause
    # Only what places a row: whole clocks and persons are loaded for the page alone
    # (an ORM Deadline costs ~0.1 ms to build; 419 of them were most of the board).
    clocks = (
        select(Deadline.id, Deadline.case_id, Deadline.due_at, Case.reference)
        .join(Case, Case.id == Deadline.case_id)
        .where(Deadline.status == DeadlineStatus.RUNNING, Deadline.is_custody.is_(True))
        .order_by(Deadline.due_at, Deadline.id)
    )
    held = (
        select(Person.id, Person.case_id, Case.reference)
        .join(Case, Case.id == Person.case_id)
        .where(Person.is_in_custody.is_(True), Case.is_closed.is_(False))
        .order_by(Person.id)
    )
    if visible is not None:
        clocks = clocks.where(visible)
        held = held.where(visible)
    references: dict[int, str] = {}
    next_clock: dict[int, tuple[int, datetime]] = {}
    for deadline_id, case_id, due_at, reference in db.session.execute(clocks):
        next_clock.setdefault(case_id, (deadline_id, due_at))  # the earliest per request
        references[case_id] = reference
    persons: dict[int, list[int]] = {}
    for person_id, case_id, reference in db.session.execute(held):
        persons.setdefault(case_id, []).append(person_id)
        references[case_id] = reference
    placed: list[tuple[int, int | None]] = []
    for case_id in references:
        held_here: list[int | None] = [*persons.get(case_id, [])] or [None]
        placed.extend((case_id, person_id) for person_id in held_here)

    def order(entry: tuple[int, int | None]) -> tuple[bool, datetime, str, int]:
        case_id, person_id = entry
        clock = next_clock.get(case_id)
        return (clock is None, clock[1] if clock is not None else at,
                references[case_id], person_id or 0)

    placed.sort(key=order)
    total = len(placed)
    page = min(max(page, 1), max(1, -(-total // per_page)))
    shown = placed[(page - 1) * per_page:page * per_page]
    cases, deadlines, people = _load_page(
        {next_clock[case_id][0] for case_id, _ in shown if case_id in next_clock},
        {person_id for _, person_id in shown if person_id is not None})
    views: dict[int, DeadlineView | None] = {}
    rows = []
    for case_id, shown_person in shown:
        if case_id not in views:
            clock = next_clock.get(case_id)
            views[case_id] = view_of(deadlines[clock[0]], at) if clock is not None else None
        view = views[case_id]
        urgency, milestone = urgency_of(view, at), _milestone(view, at)
        someone = people[shown_person] if shown_person is not None else None
        rows.append(CustodyRow(cases[case_id], someone, view, urgency, milestone,
                               milestone is not None and milestone < at))
    return CustodyPage(rows, total, page, per_page)


def _load_page(deadline_ids: set[int], person_ids: set[int]
               ) -> tuple[dict[int, Case], dict[int, Deadline], dict[int, Person]]:
    """The page's clocks and persons by id, each with its request (joined): at most two
    statements, none for an empty set. Every request on the board has a clock or a
    person, so its requests come with them."""
    deadlines: dict[int, Deadline] = {}
    people: dict[int, Person] = {}
    if deadline_ids:
        deadlines = {d.id: d for d in db.session.scalars(
            select(Deadline).options(joinedload(Deadline.case))
            .where(Deadline.id.in_(deadline_ids)))}
    if person_ids:
        people = {p.id: p for p in db.session.scalars(
            select(Person).options(joinedload(Person.case)).where(Person.id.in_(person_ids)))}
    cases = {d.case_id: d.case for d in deadlines.values()}
    cases.update((p.case_id, p.case) for p in people.values())
    return cases, deadlines, people
