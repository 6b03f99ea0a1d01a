"""Plain-data views of a request's clocks, shared by the API and the portal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from mla.cases.models import Case
from mla.deadlines.models import Deadline
from mla.deadlines.services import deadlines_of, view_of
from mla.extensions import db


def case_deadlines(case: Case) -> list[dict[str, Any]]:
    """Running and past deadlines of a request (open first, custody first)."""
    return [view.as_dict() for view in deadlines_of(case)]


def deadlines_by_case(cases: Sequence[Case]) -> dict[int, list[dict[str, Any]]]:
    """``case_deadlines`` for a whole page of requests in one statement, by case id."""
    rows: dict[int, list[Deadline]] = defaultdict(list)
    if cases:
        for deadline in db.session.scalars(
                select(Deadline).where(Deadline.case_id.in_([c.id for c in cases]))):
            rows[deadline.case_id].append(deadline)
    result: dict[int, list[dict[str, Any]]] = {}
    for case in cases:
        views = [view_of(d) for d in rows[case.id]]
        views.sort(key=lambda v: (not v.deadline.is_open, not v.deadline.is_custody,
                                  v.deadline.due_at))
        result[case.id] = [view.as_dict() for view in views]
    return result
