"""The tick's first half: find deadlines crossing a reminder point, write the outbox.

Each deadline lists its points (reminders before the due day and on it, the
soft milestone, the letter to the counterpart, the missed escalation). The tick
takes the rows whose ``next_reminder_at`` has passed, acts on every point
crossed since ``reminded_through`` (so after downtime one pass catches up), and
writes outbox rows whose idempotency key is deadline id + cycle + due day +
point: running it twice writes nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from mla.cases.models import Case
from mla.cases.services import add_event
from mla.core.actors import SystemActor
from mla.core.clock import now
from mla.core.display import due, due_in
from mla.core.transaction import unit_of_work
from mla.deadlines.calendar import calendar_of
from mla.deadlines.calendar import zone as calendar_zone
from mla.deadlines.models import Deadline
from mla.deadlines.rules import Rule, get_rule
from mla.deadlines.schedule import Point, point_key, points, schedule_next
from mla.deadlines.services import compute, refresh_next_due, zone_name_for
from mla.extensions import db
from mla.notifications import services as notify
from mla.notifications.letters import draft_letter
from mla.notifications.outbox import enqueue_many
from mla.settings import current_settings

SYSTEM_ACTOR = SystemActor("scheduler")


@dataclass
class Batch:
    """What one scan batch collects: outbox rows for one bulk insert, and the
    recipients it has looked up (held here so the session does not reload them)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    assignees: dict[int, list[Any]] = field(default_factory=dict)
    supervisors: list[Any] | None = None

    def assignee_recipients(self, case: Case) -> list[Any]:
        if case.id not in self.assignees:
            self.assignees[case.id] = notify.assignee_recipients(case)
        return self.assignees[case.id]

    def supervisor_recipients(self) -> list[Any]:
        if self.supervisors is None:
            self.supervisors = notify.supervisor_recipients()
        return self.supervisors

    def flush(self) -> None:
        enqueue_many(self.rows)
        self.rows = []


def process_deadline(deadline: Deadline, at: datetime, batch: Batch | None = None) -> int:
    """Act on every point crossed since the last look; returns how many."""
    own = batch is None
    batch = batch or Batch()
    rule = get_rule(deadline.rule_code)
    since = deadline.reminded_through or deadline.started_at
    crossed = [p for p in points(deadline, rule) if since < p.at <= at]
    reminders = [p for p in crossed if p.kind == "remind"]
    # After downtime only the latest reminder is still true ("due tomorrow", not
    # also "due in 3 days"); the others are superseded, not sent late.
    acted = [p for p in crossed if p.kind != "remind"] + reminders[-1:]
    repeat_due = False
    for point in sorted(acted, key=lambda p: p.at):
        _act(deadline, rule, point, at, batch)
        repeat_due = repeat_due or (rule.repeat and point.kind == "letter")
    deadline.reminded_through = at
    if repeat_due:
        _next_cycle(deadline)
    schedule_next(deadline, rule)
    if own:
        batch.flush()
    return len(acted)


def _next_cycle(deadline: Deadline) -> None:
    """A repeating clock (status inquiries) starts again from the day it fell due."""
    cal = calendar_of(deadline)
    deadline.start_on = cal.local_date(deadline.due_at)
    deadline.fixed_due_on = None
    deadline.paused_days = 0
    deadline.extended_days = 0
    deadline.cycle += 1
    compute(deadline)
    refresh_next_due(deadline.case)


def _act(deadline: Deadline, rule: Rule, point: Point, at: datetime, batch: Batch) -> None:
    case: Case = deadline.case
    key = point_key(deadline, point)
    view_due = deadline.due_at
    if point.kind == "remind":
        def subject() -> str:
            return _("%(left)s: %(title)s (%(reference)s)", left=_days_left_text(deadline, at),
                     title=rule.title_text, reference=case.reference)

        notify.notify_users(batch.assignee_recipients(case), key, subject,
                            lambda: _reminder_body(deadline, rule), case=case,
                            category="custody" if deadline.is_custody else "reminder",
                            sink=batch.rows)
    elif point.kind == "soft":
        notify.notify_users(batch.assignee_recipients(case), key,
                            lambda: _("Day %(days)s reached: %(title)s (%(reference)s)",
                                      days=deadline.soft_days, title=rule.title_text,
                                      reference=case.reference),
                            lambda: _reminder_body(deadline, rule), case=case,
                            category="custody", sink=batch.rows)
    elif point.kind == "missed":
        deadline.missed_at = deadline.missed_at or at
        recipients = batch.supervisor_recipients() + batch.assignee_recipients(case)
        notify.notify_users(recipients, key,
                            lambda: _("Missed: %(title)s (%(reference)s)", title=rule.title_text,
                                      reference=case.reference),
                            lambda: _reminder_body(deadline, rule), case=case,
                            category="escalation", sink=batch.rows)
        add_event(case, SYSTEM_ACTOR, "deadline", comment=rule.title, is_internal=True,
                  data={"rule": rule.code, "action": "missed", "deadline_id": deadline.id,
                        "due_at": view_due.isoformat()})
    elif point.kind == "letter" and rule.counterpart_letter:
        letter = draft_letter(case, rule.counterpart_letter, actor=SYSTEM_ACTOR,
                              deadline=deadline, key=key)
        if letter.status == "draft":
            notify.notify_users(batch.assignee_recipients(case), f"{key}:queue",
                                lambda: _("Letter to approve: %(subject)s",
                                          subject=letter.subject),
                                lambda: _("A letter to the counterpart is waiting for your "
                                          "approval."),
                                case=case, category="letter", link="/letters", sink=batch.rows)


def _days_left_text(deadline: Deadline, at: datetime) -> str:
    """In the reader's words: calendar days in the home state's zone ("Due tomorrow" on
    a Friday never means Monday, whatever a business-day clock counts)."""
    home = calendar_zone(zone_name_for(current_settings().home_country))
    return due_in((deadline.due_at.astimezone(home).date() - at.astimezone(home).date()).days)


def _reminder_body(deadline: Deadline, rule: Rule) -> str:
    return "\n".join([
        _("Due: %(when)s", when=due(deadline.due_at, deadline.zone_name)),
        rule.summary_text,
        _("Rule: %(citation)s", citation=rule.citation_text),
    ])


def due_deadline_ids(at: datetime, limit: int) -> list[int]:
    stmt = (select(Deadline.id)
            .where(Deadline.status == "running", Deadline.next_reminder_at <= at)
            .order_by(Deadline.next_reminder_at, Deadline.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(db.session.scalars(stmt))


def scan_deadlines(batch: int = 500, at: datetime | None = None) -> int:
    """Process every deadline whose next point has passed; one transaction per batch."""
    at = at or now()
    total = 0
    while True:
        with unit_of_work():
            ids = due_deadline_ids(at, batch)
            if not ids:
                return total
            rows = db.session.scalars(select(Deadline).where(Deadline.id.in_(ids))
                                      .options(joinedload(Deadline.case))).all()
            work = Batch()
            with db.session.no_autoflush:
                for deadline in rows:
                    total += process_deadline(deadline, at, work)
            work.flush()
