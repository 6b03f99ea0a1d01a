"""Read side: the dashboard's due-this-week list, custody clocks first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, union_all

from mla.auth.models import User
from mla.cases.models import Case
from mla.cases.queries import visible_cases
from mla.core.clock import now
from mla.deadlines.models import Deadline
from mla.deadlines.services import DeadlineView, view_of
from mla.extensions import db


@dataclass
class DueItem:
    case: Case
    view: DeadlineView


def due_soon(actor: User, days: int = 7, limit: int = 50) -> dict[str, list[DueItem]]:
    """{'overdue': [...], 'week': [...]}: running clocks, custody first, then by due instant.

    Custody and other clocks are each read in due order from
    ix_deadlines_running_custody_due and cut at ``limit`` before the two are merged:
    ordering by custody first over every running clock sorted all of them (every
    missed one ever included) on each home page.
    """
    at = now()
    visible = visible_cases(actor).whereclause
    branches = []
    for is_custody in (True, False):
        branch = (
            select(Deadline.id).join(Case, Case.id == Deadline.case_id)
            .where(Deadline.status == "running", Deadline.is_custody.is_(is_custody),
                   Deadline.due_at <= at + timedelta(days=days))
            .order_by(Deadline.due_at, Deadline.id).limit(limit)
        )
        if visible is not None:
            branch = branch.where(visible)
        branches.append(select(branch.subquery().c.id))
    rows = db.session.execute(
        select(Deadline, Case).join(Case, Case.id == Deadline.case_id)
        .where(Deadline.id.in_(union_all(*branches)))
        .order_by(Deadline.is_custody.desc(), Deadline.due_at, Deadline.id).limit(limit)
    ).all()
    result: dict[str, list[DueItem]] = {"overdue": [], "week": []}
    for deadline, case in rows:
        item = DueItem(case, view_of(deadline, at))
        result["overdue" if deadline.due_at < at else "week"].append(item)
    return result
