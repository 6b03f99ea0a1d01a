"""The trainer's debrief of one trainee: each exercise with its checks and the pack's
model answer, what the trainee (or their team) did on their copy and when, in
simulated and real time, their answers to the counterpart, and the clocks of their
copy kept or missed.

Real time is what the trainee lived: an event's simulated instant minus the clock
offset in force then (each clock move is audited with its offset, in simulated
time), or, for answers to the counterpart, the real instant recorded with them.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from mla.audit.models import AuditEntry
from mla.auth.models import User
from mla.cases.models import Case, CaseEvent
from mla.core import clock
from mla.core.display import humanise
from mla.core.i18n import data_text, exercise_key
from mla.core.text import csv_text, unwrapped
from mla.deadlines.models import Deadline
from mla.extensions import db
from mla.sandbox import copies
from mla.sandbox import exercises as exercise_service
from mla.sandbox.models import CounterpartLetter, ScenarioCase
from mla.sandbox.pack import Pack
from mla.workflow.registry import definition_for_case

CLOCK_ACTIONS = ("sandbox.pack_loaded", "sandbox.clock_advanced", "sandbox.clock_set")


@dataclass
class Action:
    reference: str
    key: str  # the pack's key of the request ("" for one the trainee registered)
    what: str
    comment: str
    simulated_at: datetime
    real_at: datetime | None
    by: str


@dataclass
class ClockRow:
    reference: str
    rule_code: str
    due_at: datetime
    status: str
    kept: bool | None  # None: still running and not missed


@dataclass
class Debrief:
    trainee: User
    team: list[User]
    exercises: list[dict[str, Any]]
    actions: list[Action]
    answers: list[CounterpartLetter]
    clocks: list[ClockRow]
    by_exercise: dict[str, list[Action]] = field(default_factory=dict)


def _offsets() -> tuple[list[datetime], list[int]]:
    """The clock moves in simulated order: (simulated instant, offset seconds)."""
    rows = db.session.execute(
        select(AuditEntry.at, AuditEntry.details).where(AuditEntry.action.in_(CLOCK_ACTIONS))
        .order_by(AuditEntry.id)).all()
    moves = sorted((at, int(details["offset"])) for at, details in rows
                   if isinstance(details, dict) and "offset" in details)
    return [m[0] for m in moves], [m[1] for m in moves]


def real_time(at: datetime, moves: tuple[list[datetime], list[int]]) -> datetime | None:
    instants, offsets = moves
    index = bisect_right(instants, at) - 1
    return at - timedelta(seconds=offsets[index]) if index >= 0 else None


def debrief(trainee: User, pack: Pack | None) -> Debrief:
    copy_id = copies.copy_id_of(trainee.id)
    team_ids = copies.members_by_user([trainee.id])[trainee.id]
    team = list(db.session.scalars(select(User).where(User.id.in_(team_ids)).order_by(User.id)))
    names = {u.id: u.display_name for u in team}
    results = exercise_service.progress([trainee.id])[trainee.id]
    model = {e.code: e.model_answer for e in pack.exercises} if pack is not None else {}
    exercises: list[dict[str, Any]] = [{"result": r, "code": r.exercise.code,
                  "model_answer": unwrapped(data_text(
                      exercise_key(r.exercise.code, "model_answer"),
                      model.get(r.exercise.code, ""))),
                  "requests": {str(c.get("params", {}).get("request", ""))
                               for c in r.exercise.checks} - {""}}
                 for r in results]
    if copy_id is None:
        return Debrief(trainee, team, exercises, [], [], [])
    moves = _offsets()
    keys = {case_id: key for case_id, key in db.session.execute(
        select(ScenarioCase.case_id, ScenarioCase.key)
        .join(Case, Case.id == ScenarioCase.case_id).where(Case.sandbox_copy_id == copy_id))}
    events = db.session.execute(
        select(CaseEvent, Case.reference, Case.id).join(Case, Case.id == CaseEvent.case_id)
        .where(Case.sandbox_copy_id == copy_id, CaseEvent.actor_id.in_(team_ids))
        .order_by(CaseEvent.at, CaseEvent.id)).all()
    actions = [Action(reference, keys.get(case_id, ""), _label(event),
                      event.comment or "", event.at,
                      real_time(event.at, moves), names.get(event.actor_id or 0, ""))
               for event, reference, case_id in events]
    answers = list(db.session.scalars(
        select(CounterpartLetter).join(Case, Case.id == CounterpartLetter.case_id)
        .where(Case.sandbox_copy_id == copy_id, CounterpartLetter.kind == "question")
        .order_by(CounterpartLetter.id)))
    now = clock.now()
    clocks = [ClockRow(reference, d.rule_code, d.due_at, str(d.status),
                       True if d.status == "met" and d.missed_at is None
                       else False if d.missed_at is not None or d.is_missed(now) else None)
              for d, reference in db.session.execute(
                  select(Deadline, Case.reference).join(Case, Case.id == Deadline.case_id)
                  .where(Case.sandbox_copy_id == copy_id)
                  .order_by(Deadline.due_at)).all()]
    report = Debrief(trainee, team, exercises, actions, answers, clocks)
    for item in exercises:
        wanted = set(item["requests"])
        report.by_exercise[str(item["code"])] = [a for a in actions if a.key in wanted]
    return report


def _label(event: CaseEvent) -> str:
    """A step by its label in the request's workflow; other events by their kind."""
    if event.transition:
        step = definition_for_case(event.case).transition(event.transition)
        if step is not None:
            return str(step.label)
    return humanise(event.transition or event.kind)


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at is not None else ""


def debrief_csv(report: Debrief) -> str:
    """One row per fact; every cell through csv_cell (no formulas)."""
    rows: list[list[Any]] = []
    for item in report.exercises:
        result = item["result"]
        for check in result.checks:
            rows.append(["check", result.exercise.title_text, "", check.label, "",
                         "", _("passed") if check.passed else _("not done")])
        rows.append(["model_answer", result.exercise.title_text, "", item["model_answer"],
                     "", "", ""])
    for action in report.actions:
        rows.append(["action", action.key, action.reference,
                     f"{action.what}: {action.comment}" if action.comment else action.what,
                     _when(action.simulated_at), _when(action.real_at), action.by])
    for letter in report.answers:
        rows.append(["answer", "", letter.case.reference, letter.answer or letter.text,
                     _when(letter.answered_at), _when(letter.answered_real_at),
                     "" if letter.complete is None else
                     _("complete") if letter.complete else
                     _("incomplete: %(missing)s", missing="; ".join(letter.missing))])
    for row in report.clocks:
        rows.append(["clock", row.rule_code, row.reference, row.status,
                     _when(row.due_at), "", "" if row.kept is None else
                     _("kept") if row.kept else _("missed")])
    return csv_text(["section", "exercise_or_rule", "request", "what", "simulated_time",
                     "real_time", "result"], rows)
