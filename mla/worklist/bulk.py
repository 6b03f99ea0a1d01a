"""Work on several requests at once: assign them, annotate them, export them.

Each selected request is named with what the list showed of it (its version and its
assignee); one that changed since, or that the actor may not see, is refused by name,
never skipped in silence. The rest change in the caller's one transaction, each with
its timeline and audit rows (through the same services as one request's page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from mla.auth.models import User
from mla.cases.models import Case
from mla.cases.queries import REFERENCE_RE, staff_choices, visible_cases
from mla.cases.services import add_note, assign_case
from mla.core.errors import ServiceError
from mla.extensions import db

MAX_SELECTED = 200


@dataclass(frozen=True)
class Selected:
    """One ticked row: the request's reference, version and assignee as listed."""

    reference: str
    version: int
    assignee_id: int | None

    @property
    def token(self) -> str:
        return f"{self.reference}:{self.version}:{self.assignee_id or 0}"

    @classmethod
    def of(cls, case: Case) -> Selected:
        return cls(case.reference, case.version, case.assignee_id)

    @classmethod
    def parse(cls, token: str) -> Selected | None:
        parts = token.strip().split(":")
        if len(parts) != 3 or not REFERENCE_RE.fullmatch(parts[0].upper()):
            return None
        if not (parts[1].isdecimal() and parts[2].isdecimal()):
            return None
        return cls(parts[0].upper(), int(parts[1]), int(parts[2]) or None)


@dataclass
class BulkOutcome:
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)


def parse_selection(tokens: Iterable[str]) -> list[Selected]:
    """The ticked rows, in the list's order, each once; raises ServiceError for none,
    too many, or a value the list did not write."""
    selection: dict[str, Selected] = {}
    for token in tokens:
        item = Selected.parse(token)
        if item is None:
            raise ServiceError(_("The selection could not be read: reload the list."),
                               code="invalid", details={"field": "selected"})
        selection.setdefault(item.reference, item)
    if not selection:
        raise ServiceError(_("Select at least one request."), code="invalid",
                           details={"field": "selected"})
    if len(selection) > MAX_SELECTED:
        raise ServiceError(_("Select at most %(num)d requests at once.", num=MAX_SELECTED),
                           code="invalid", details={"field": "selected"})
    return list(selection.values())


def selected_cases(actor: User, selection: list[Selected]) -> dict[str, Case]:
    """The selected requests the actor may see, by reference (one statement)."""
    stmt = visible_cases(actor).where(
        Case.reference.in_([item.reference for item in selection])
    ).options(joinedload(Case.assignee), joinedload(Case.country))
    return {case.reference: case for case in db.session.scalars(stmt).unique()}


def _why_refused(item: Selected, case: Case | None, *, unchanged_assignee: bool) -> str | None:
    if case is None:
        return _("not visible to you")
    if case.version != item.version or (unchanged_assignee
                                        and case.assignee_id != item.assignee_id):
        return _("changed since the list was shown: open it and check")
    return None


def _each(actor: User, selection: list[Selected], change: Callable[[Case], object], *,
          unchanged_assignee: bool) -> BulkOutcome:
    outcome = BulkOutcome()
    cases = selected_cases(actor, selection)
    for item in selection:
        case = cases.get(item.reference)
        why = _why_refused(item, case, unchanged_assignee=unchanged_assignee)
        if why is None and case is not None:
            try:
                change(case)
            except ServiceError as exc:
                why = exc.message
        if why is None:
            outcome.done.append(item.reference)
        else:
            outcome.refused.append((item.reference, why))
    return outcome


def bulk_assign(actor: User, selection: list[Selected], assignee_id: int | None) -> BulkOutcome:
    """Assign every selected request to one eligible person (or to nobody): the same
    people the request page offers, never a trainee outside a training sandbox."""
    if assignee_id is not None and assignee_id not in {uid for uid, _name in staff_choices()}:
        raise ServiceError(_("Choose a caseworker or supervisor."), code="invalid",
                           details={"field": "assignee_id"})
    return _each(actor, selection, lambda case: assign_case(actor, case, assignee_id),
                 unchanged_assignee=True)


def bulk_note(actor: User, selection: list[Selected], text: str) -> BulkOutcome:
    """The same internal note on every selected request."""
    if not text.strip():
        raise ServiceError(_("A note cannot be empty."), code="invalid",
                           details={"field": "note"})
    return _each(actor, selection, lambda case: add_note(actor, case, text),
                 unchanged_assignee=False)
