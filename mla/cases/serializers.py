"""Plain-data views of a request, shared by the API and exports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mla.cases.models import Case
from mla.extensions import db

HISTORY_KINDS = ("registered", "transition")


def case_history(case: Case) -> list[dict[str, Any]]:
    return [
        {"transition": e.transition or e.kind, "from_state": e.from_state,
         "to_state": e.to_state, "at": e.at, "actor_label": e.actor_label}
        for e in case.events if e.kind in HISTORY_KINDS
    ]


def preload_for_payload(cases: Sequence[Case]) -> None:
    """Load what case_payload reads for a whole page in a fixed number of statements."""
    if not cases:
        return
    ids = [c.id for c in cases]
    db.session.scalars(
        select(Case).where(Case.id.in_(ids)).options(
            selectinload(Case.offences), selectinload(Case.measures), selectinload(Case.events),
            selectinload(Case.persons))
    ).all()
