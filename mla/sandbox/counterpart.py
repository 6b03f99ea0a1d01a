"""The simulated counterpart: fictional states answer our outgoing requests.

Per the scenario's profile of each state (``CounterpartProfile``), or the pack's
plan for one request, a transmitted request is acknowledged after N days, may
draw a request for supplementary information (deterministically from its
reference, so a reset replays the same class), and is then executed or refused
with a ground - or never answered (``none``), to practise status inquiries.

Each answer is a step of the request's own workflow taken by the state's
counterpart account (a disabled account that never signs in), so the timeline,
deadlines, letters and notifications are those of a real answer. Nothing is
e-mailed: in a sandbox the outbox keeps every message for the UI.

``run_counterpart()`` works in the caller's unit of work; ``run_sandbox_pass(app)``
is the one pass the trainer page runs after moving the clock (counterpart, then
the deadlines tick and the outbox dispatcher).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from mla.auth.actors import Actor
from mla.cases.models import Case, CaseEvent
from mla.core import clock
from mla.core.errors import ApiError
from mla.extensions import db
from mla.reference.models import Country
from mla.sandbox.letters import answered_outside, last_question, question_text, write_letter
from mla.sandbox.models import CounterpartProfile, CounterpartProgress, ScenarioCase
from mla.sandbox.personas import counterpart_persona
from mla.scheduler.runner import run_tick
from mla.workflow.grounds import GROUNDS_BY_CODE
from mla.workflow.services import apply_transition

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Steps:
    """The steps of an outgoing workflow that the counterpart's answers map to."""
    waiting: str                 # the state a transmitted request waits in
    acknowledge: str | None
    acknowledged: str            # the state after the acknowledgement
    ask: str
    execute: str
    refuse: str


STEPS: dict[str, Steps] = {
    "outgoing_mla": Steps("transmitted", "record_acknowledgement", "under_execution",
                          "information_requested", "record_results", "record_refusal"),
    "outgoing_extradition": Steps("transmitted", None, "transmitted", "information_requested",
                                  "extradition_granted", "record_refusal"),
}


def draws_supplementary(reference: str, probability: int) -> bool:
    """The same request always draws the same answer (percent, 0-100)."""
    if probability <= 0:
        return False
    if probability >= 100:
        return True
    digest = hashlib.sha256(reference.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < probability


def _transmitted_at(case: Case) -> datetime:
    at = db.session.scalar(
        select(CaseEvent.at).where(CaseEvent.case_id == case.id, CaseEvent.kind == "transition",
                                   CaseEvent.to_state == "transmitted")
        .order_by(CaseEvent.id.desc()).limit(1))
    return at or clock.now()


def track(case: Case) -> CounterpartProgress | None:
    """Start following a transmitted request; its plan is fixed now."""
    found = db.session.get(CounterpartProgress, case.id)
    if found is not None:
        return found
    profile = db.session.get(CounterpartProfile, case.counterpart_country)
    if profile is None or case.workflow_name not in STEPS:
        return None
    plan = db.session.scalar(
        select(ScenarioCase.counterpart_plan).where(ScenarioCase.case_id == case.id)) or {}
    progress = CounterpartProgress(
        case_id=case.id, transmitted_at=_transmitted_at(case),
        will_ask_supplementary=plan.get("supplementary",
                                        draws_supplementary(case.reference,
                                                            profile.supplementary_probability)),
        planned_outcome=plan.get("outcome", profile.outcome))
    db.session.add(progress)
    db.session.flush()
    return progress


def _actor(profile: CounterpartProfile) -> tuple[Any, str]:
    """The state's counterpart account and the state's name."""
    country = db.session.get(Country, profile.country_code)
    name = country.name if country else profile.country_code
    return counterpart_persona(profile.country_code, name), name


def _take(actor: Actor, case: Case, name: str, values: dict[str, Any], comment: str) -> bool:
    try:
        apply_transition(actor, case, name, expected_version=case.version, values=values,
                         comment=comment)
    except ApiError as exc:  # the trainees moved it elsewhere meanwhile: try next pass
        log.info("simulated counterpart could not take %s on %s: %s", name, case.reference,
                 exc.message)
        return False
    return True


def _answer(progress: CounterpartProgress, case: Case, profile: CounterpartProfile,
            steps: Steps, at: datetime, acting: tuple[Any, str]) -> int:
    actor, label = acting
    # Its letters are signed by the authority the request went to, else by the state.
    sender = case.counterpart_authority.name if case.counterpart_authority else label
    acted = 0
    ack_due = progress.transmitted_at + timedelta(days=profile.acknowledge_after_days)
    if progress.acknowledged_at is None and at >= ack_due:
        if steps.acknowledge is None:
            progress.acknowledged_at = at
        elif case.state == steps.waiting and _take(
                actor, case, steps.acknowledge,
                {"counterpart_reference": f"{profile.country_code}-{case.reference}"},
                f"Acknowledged by the central authority of {label} (simulated counterpart)."):
            progress.acknowledged_at = at
            acted += 1
        if progress.acknowledged_at is not None:
            write_letter(case, profile, sender, "acknowledgement", at=at)
    if progress.acknowledged_at is None:
        return acted
    half = timedelta(days=max(1, profile.answer_after_days // 2))
    if progress.will_ask_supplementary:
        asked = _questions(progress, case, profile, steps, at, half, actor, label, sender)
        if asked is None:
            return acted  # a question is out, or comes first: nothing is answered before it
        acted += asked
        if asked:
            return acted
    answer_due = progress.transmitted_at + timedelta(days=profile.answer_after_days)
    if progress.supplementary_at is not None:
        answer_due = max(answer_due, progress.supplementary_at + half)
    if (progress.answered_at is not None or at < answer_due or progress.planned_outcome == "none"
            or case.state != steps.acknowledged):
        return acted
    if progress.planned_outcome == "refuse":
        ground = GROUNDS_BY_CODE.get(profile.refusal_ground)
        reasons = profile.refusal_reason or (str(ground.label) if ground else "Refused.")
        if ground is not None:
            reasons = f"{reasons} ({ground.citation})"
        done = _take(actor, case, steps.refuse, {"reasons": reasons},
                     f"Refused by {label} (simulated counterpart).")
        if done:
            write_letter(case, profile, sender, "refusal", at=at, addendum=reasons)
    else:
        values = {"decided_on": clock.now().date()} if steps.execute == "extradition_granted" \
            else {}
        done = _take(actor, case, steps.execute, values,
                     f"Executed by {label} (simulated counterpart).")
        if done:
            write_letter(case, profile, sender, "execution", at=at)
    if done:
        progress.answered_at = at
        progress.outcome = progress.planned_outcome
        acted += 1
    return acted


def _questions(progress: CounterpartProgress, case: Case, profile: CounterpartProfile,
               steps: Steps, at: datetime, half: timedelta, actor: Actor,
               label: str, sender: str) -> int | None:
    """Ask (again) when the time has come. None: wait (a question is out or is still to
    come); 0: the answers are complete (or enough questions were asked); 1: asked now."""
    question = last_question(case)
    if question is not None and question.answered_at is None:
        if case.state != steps.acknowledged:
            return None  # waits for us: never answers over its question
        answered_outside(case, question)  # answered by the workflow step itself
    if question is None:
        if progress.supplementary_at is not None:
            return 0  # asked before letters were kept
        if at < progress.acknowledged_at + half:  # type: ignore[operator]
            return None
        number = 1
    elif question.complete or question.number >= int(
            (profile.script or {}).get("max_questions", 3)):
        return 0
    else:
        number = question.number + 1
    if case.state != steps.acknowledged:
        return None
    text = question_text(profile, number)
    if not _take(actor, case, steps.ask, {"questions": text},
                 f"Supplementary information requested by {label} (simulated counterpart)."):
        return None
    progress.supplementary_at = at
    write_letter(case, profile, sender, "question", at=at, fallback=text, number=number,
                 text_kind="question" if number == 1 else "follow_up")
    return 1


def run_counterpart(at: datetime | None = None) -> int:
    """Answer every outgoing request whose time has come; returns the steps taken."""
    at = at or clock.now()
    new = db.session.scalars(
        select(Case).where(Case.direction == "outgoing", Case.state == "transmitted",
                           Case.id.not_in(select(CounterpartProgress.case_id))))
    for case in list(new):
        track(case)
    acted = 0
    rows = db.session.execute(
        select(CounterpartProgress, Case, CounterpartProfile)
        .join(Case, Case.id == CounterpartProgress.case_id)
        .join(CounterpartProfile, CounterpartProfile.country_code == Case.counterpart_country)
        .where(CounterpartProgress.answered_at.is_(None), Case.is_closed.is_(False))
        .order_by(CounterpartProgress.transmitted_at)).all()
    # One persona per state for the whole pass: every trainee's copy of a request has
    # the same counterpart, so looking it up (and flushing) once per copy was waste.
    actors: dict[str, tuple[Any, str]] = {}
    for progress, case, profile in rows:
        steps = STEPS.get(case.workflow_name)
        if steps is not None:
            if profile.country_code not in actors:
                actors[profile.country_code] = _actor(profile)
            acted += _answer(progress, case, profile, steps, at, actors[profile.country_code])
    db.session.flush()
    return acted


def run_sandbox_pass(app: Flask) -> dict[str, int]:
    """One pass after the clock moved: the counterpart answers, deadlines fall due,
    reminders are written and the outbox is delivered (in-app; e-mail kept)."""
    tick = run_tick(app)  # in a sandbox the tick runs the counterpart first
    return {"counterpart_steps": tick.counterpart_steps, "reminder_points": tick.points,
            "delivered": tick.delivered}
