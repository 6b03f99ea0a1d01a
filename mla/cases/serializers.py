"""Plain-data views of a request, shared by the API and exports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mla.cases.models import Case, CaseEvent
from mla.extensions import db

HISTORY_KINDS = ("registered", "transition")


def case_history(case: Case) -> list[dict[str, Any]]:
    """The steps of a request; ``is_internal`` is for the role filter
    (mla.portal.serializers), not shown (the API's schema leaves it out)."""
    return [
        {"transition": e.transition or e.kind, "from_state": e.from_state,
         "to_state": e.to_state, "at": e.at, "actor_label": e.actor_label,
         "is_internal": e.is_internal}
        for e in case.events if e.kind in HISTORY_KINDS
    ]


def histories_by_case(cases: Sequence[Case]) -> dict[int, list[dict[str, Any]]]:
    """``case_history`` of a whole page in one statement. Only the columns the history
    shows: loading whole events built an object per event and unsealed every comment."""
    found: dict[int, list[dict[str, Any]]] = {case.id: [] for case in cases}
    if not cases:
        return found
    rows = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.transition, CaseEvent.kind, CaseEvent.from_state,
               CaseEvent.to_state, CaseEvent.at, CaseEvent.actor_label, CaseEvent.is_internal)
        .where(CaseEvent.case_id.in_(list(found)), CaseEvent.kind.in_(HISTORY_KINDS))
        .order_by(CaseEvent.id))
    for row in rows:
        found[row.case_id].append(
            {"transition": row.transition or row.kind, "from_state": row.from_state,
             "to_state": row.to_state, "at": row.at, "actor_label": row.actor_label,
             "is_internal": row.is_internal})
    return found


def preload_for_payload(cases: Sequence[Case]) -> None:
    """Load what case_payload reads for a whole page in a fixed number of statements
    (its history: ``histories_by_case``)."""
    if not cases:
        return
    ids = [c.id for c in cases]
    db.session.scalars(
        select(Case).where(Case.id.in_(ids)).options(
            selectinload(Case.offences), selectinload(Case.measures),
            selectinload(Case.persons))
    ).all()
