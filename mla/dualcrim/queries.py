"""Read side of dual criminality: assessments of a case, catalogue lists."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from mla.dualcrim.models import Assessment
from mla.extensions import db


def unassessed_offences(case: Any) -> list[Any]:
    """The case's offences without a current assessment (none, or only out-of-date ones)."""
    if not case.offences:
        return []
    assessed = set(db.session.scalars(
        select(Assessment.offence_id).where(Assessment.case_id == case.id,
                                            Assessment.offence_id.is_not(None),
                                            Assessment.is_outdated.is_(False))
    ))
    return [offence for offence in case.offences if offence.id not in assessed]


def current_assessments(case_id: int, offence_ids: list[int] | None = None) -> list[Assessment]:
    """Assessments of a case that still count (optionally only for some offences)."""
    stmt = select(Assessment).where(Assessment.case_id == case_id,
                                    Assessment.is_outdated.is_(False))
    if offence_ids is not None:
        stmt = stmt.where(Assessment.offence_id.in_(offence_ids))
    return list(db.session.scalars(stmt.order_by(Assessment.id)))


def case_has_assessment(case: Any) -> bool:
    """True when every offence of the case has a recorded assessment (and there is one)."""
    if not case.offences:
        count = db.session.scalar(
            select(func.count()).select_from(Assessment).where(Assessment.case_id == case.id))
        return bool(count)
    return not unassessed_offences(case)


def latest_assessments(case: Any) -> dict[int, Assessment]:
    """The most recent assessment per offence id."""
    rows = db.session.scalars(
        select(Assessment).where(Assessment.case_id == case.id).order_by(Assessment.id)
    ).all()
    return {row.offence_id: row for row in rows if row.offence_id is not None}
