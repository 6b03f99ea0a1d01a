"""When a clock's reminders, letters and escalations fall: its points in time, and
the next one to look at (``next_reminder_at``). Pure scheduling: what happens at a
point is mla.deadlines.reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mla.core.clock import now
from mla.deadlines.calendar import calendar_of
from mla.deadlines.models import Deadline
from mla.deadlines.rules import Rule

ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Point:
    at: datetime
    name: str
    kind: str  # remind | soft | letter | missed


def points(deadline: Deadline, rule: Rule) -> list[Point]:
    cal = calendar_of(deadline)
    due_day = cal.local_date(deadline.due_at)
    found: list[Point] = []
    for days in rule.remind_days:
        day = cal.days_before(due_day, days, deadline.is_business)
        found.append(Point(cal.morning_of(day), f"before{days}", "remind"))
    if rule.remind_days:
        found.append(Point(cal.morning_of(due_day), "day", "remind"))
    if deadline.soft_due_at is not None:
        found.append(Point(deadline.soft_due_at + ONE_SECOND, "soft", "soft"))
    if rule.counterpart_letter:
        if rule.letter_days_before:
            letter_at = cal.morning_of(cal.days_before(due_day, rule.letter_days_before,
                                                       deadline.is_business))
        else:
            letter_at = deadline.due_at + ONE_SECOND
        found.append(Point(letter_at, "letter", "letter"))
    if rule.escalate:
        found.append(Point(deadline.due_at + ONE_SECOND, "missed", "missed"))
    return sorted(found, key=lambda p: p.at)


def schedule_next(deadline: Deadline, rule: Rule) -> None:
    """Point ``next_reminder_at`` at the first point not looked at yet."""
    if deadline.status != "running":
        deadline.next_reminder_at = None
        return
    if deadline.reminded_through is None:
        deadline.reminded_through = deadline.started_at or now()
    since = deadline.reminded_through
    upcoming = [p.at for p in points(deadline, rule) if p.at > since]
    deadline.next_reminder_at = min(upcoming) if upcoming else None


def point_key(deadline: Deadline, point: Point) -> str:
    stamp = calendar_of(deadline).local_date(deadline.due_at).isoformat()
    return f"dl:{deadline.id}:{deadline.cycle}:{stamp}:{point.name}"
