"""The custody board: every person deprived of liberty in the requests the actor may
see (both directions), each with the next custody limit and how urgent it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

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


def custody_board(actor: User, at: datetime | None = None) -> list[CustodyRow]:
    """Rows sorted by time left (missed first); people with no running custody clock
    last, flagged. Names are not decrypted here: the page reads only those it shows."""
    at = at or now()
    visible = visible_cases(actor).whereclause
    clocks = (
        select(Deadline).join(Case, Case.id == Deadline.case_id)
        .where(Deadline.status == DeadlineStatus.RUNNING, Deadline.is_custody.is_(True))
        .order_by(Deadline.due_at, Deadline.id)
    )
    held = (
        select(Person).join(Case, Case.id == Person.case_id)
        .where(Person.is_in_custody.is_(True), Case.is_closed.is_(False))
        .order_by(Person.id)
    )
    if visible is not None:
        clocks = clocks.where(visible)
        held = held.where(visible)
    next_clock: dict[int, Deadline] = {}
    for deadline in db.session.scalars(clocks):
        next_clock.setdefault(deadline.case_id, deadline)  # the earliest per request
    persons: dict[int, list[Person]] = {}
    for person in db.session.scalars(held):
        persons.setdefault(person.case_id, []).append(person)
    cases = {c.id: c for c in db.session.scalars(
        select(Case).where(Case.id.in_(set(next_clock) | set(persons))))}
    rows = []
    for case_id, case in cases.items():
        clock = next_clock.get(case_id)
        view = view_of(clock, at) if clock is not None else None
        urgency, milestone = urgency_of(view, at), _milestone(view, at)
        held_here: list[Person | None] = [*persons.get(case_id, [])] or [None]
        for someone in held_here:
            rows.append(CustodyRow(case, someone, view, urgency, milestone,
                                   milestone is not None and milestone < at))
    rows.sort(key=lambda r: (r.view is None,
                             r.view.deadline.due_at if r.view else at,
                             r.case.reference, r.person.id if r.person else 0))
    return rows
