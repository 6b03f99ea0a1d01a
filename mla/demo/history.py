"""A few years of fictional requests moved through the real workflows, for the reports.

Each request is registered and then stepped through its workflow by the same services
a user's click calls (``register_case``, ``apply_transition``), each on its simulated day
(``clock.as_of``): its timeline, clocks, audit rows and outbox messages are what they
would have been. The steps are drawn from a seeded random generator, so a seed gives the
same requests again (on the same day: the history ends today).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from mla.auth.models import User
from mla.cases.models import Case
from mla.cases.services import CaseInput, OffenceInput, PersonInput, register_case
from mla.core.clock import as_of, now
from mla.core.errors import ApiError
from mla.directory.models import Authority
from mla.extensions import db
from mla.workflow.definitions import FieldSpec, Transition
from mla.workflow.grounds import GROUNDS_BY_CODE
from mla.workflow.registry import definition_for_case
from mla.workflow.services import apply_transition, may_take

YEARS = 3
MAX_STEPS = 30
# Kinds of request the demo's treaties and states allow: (direction, kind, state, basis).
SHAPES = (
    ("incoming", "mla", "XA", "UNTOC"), ("incoming", "mla", "XA", "UNTOC"),
    ("outgoing", "mla", "XA", "UNTOC"), ("outgoing", "mla", "XC", "UNCAC"),
    ("incoming", "mla", "XC", "UNCAC"), ("incoming", "extradition", "XB", "ECE"),
    ("outgoing", "extradition", "XA", "BILATERAL"),
)
OFFENCES = (("Fraud", "0701", ["bank_records", "witness_hearing"]),
            ("Drug trafficking", "0601", ["electronic_evidence"]),
            ("Bribery of a public official", "07031", ["production_order"]),
            ("Robbery", "0401", ["search_seizure"]),
            ("Assault", "0201", ["witness_hearing"]),
            ("Money laundering", "07041", ["bank_records"]))


class DemoNotLoaded(LookupError):
    """The history needs the demo's users, authorities and treaties."""


def generate_history(count: int, seed: int = 1) -> int:
    """Register ``count`` requests over the last three years and move each through its
    workflow; returns how many steps were taken. Flushes; the caller commits."""
    found = {name: db.session.scalars(select(User).where(User.username == name)).first()
             for name in ("caseworker", "supervisor", "prosecutor")}
    staff = {name: user for name, user in found.items() if user is not None}
    if len(staff) < len(found):
        raise DemoNotLoaded("run `flask --app wsgi demo load` first")
    authorities = {a.country_code: a.id for a in db.session.scalars(
        select(Authority).where(Authority.kind == "central_authority"))}
    office = db.session.scalar(select(Authority.id).where(Authority.kind == "prosecution"))
    rng = random.Random(seed)
    end = now()
    start = end - timedelta(days=365 * YEARS)
    steps = 0
    for number in range(count):
        registered = start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
        direction, kind, country, basis = rng.choice(SHAPES)
        label, iccs, measures = rng.choice(OFFENCES)
        with as_of(registered):
            case = register_case(staff["caseworker"], CaseInput(
                direction=direction, kind=kind, counterpart_country=country,
                legal_basis=basis, title=f"{label} (history {number + 1})",
                counterpart_authority_id=authorities.get(country),
                domestic_authority_id=office, received_at=now(),
                assignee_id=staff["caseworker"].id,
                offences=[OffenceInput(label=label, statute="Penal Code", iccs=[iccs],
                                       max_penalty_months=rng.choice((24, 60, 120)),
                                       conduct="Fictional conduct for the demo history")],
                measures=measures if kind == "mla" else [],
                persons=[PersonInput(role="suspect", full_name=f"Demo Person {number + 1}")],
            ))
        steps += _walk(case, registered, end, rng, list(staff.values()))
    return steps


def _walk(case: Case, at: datetime, end: datetime, rng: random.Random,
          people: list[User]) -> int:
    """Step the request forward on random later days until it closes, stalls or today."""
    taken = 0
    for _step in range(MAX_STEPS):
        at += timedelta(days=rng.choice((1, 2, 3, 5, 8, 13, 21, 34)), hours=rng.randrange(8))
        if at >= end:
            return taken
        workflow = definition_for_case(case)
        if workflow.states[case.state].terminal and rng.random() < 0.97:
            return taken
        options = [t for t in workflow.transitions
                   if case.state in t.sources and not t.internal]
        rng.shuffle(options)
        # Forward steps first; a step that closes the request (withdrawn, refused, ...) or
        # records a fact and stays is tried first now and then, so most requests run their
        # course and some end early.
        options.sort(key=lambda t: _detour(t, case.state, rng))
        with as_of(at):
            if not any(_try(case, t, rng, people) for t in options):
                return taken
        taken += 1
    return taken


EARLY_ENDS = ("withdrawn", "refus", "lapsed", "cancel", "abandon", "released")


def _detour(transition: Transition, state: str, rng: random.Random) -> bool:
    """Whether to try this step after the others this time: an early end (withdrawn,
    refused, ...) is tried first once in twenty-five, a step that stays once in five."""
    target = transition.target_for(state)
    if any(word in target for word in EARLY_ENDS):
        return rng.random() >= 0.04
    return transition.stays and rng.random() >= 0.2


def _try(case: Case, transition: Transition, rng: random.Random, people: list[User]) -> bool:
    actor = next((p for p in people if may_take(p, transition)), None)
    if actor is None:
        return False
    values = {spec.name: value for spec in transition.fields
              if (value := _value(spec, case, rng)) is not None}
    try:
        with db.session.begin_nested():
            apply_transition(actor, case, transition.name, expected_version=case.version,
                             values=values, comment="Demo history.")
    except ApiError:  # a guard, a value the step refuses: another step, or stop here
        db.session.refresh(case)
        return False
    return True


VALUES: dict[str, Callable[[FieldSpec, Case, random.Random], Any]] = {
    "date": lambda spec, case, rng: now().date().isoformat(),
    "text": lambda spec, case, rng: spec.default or "Demo",
    "textarea": lambda spec, case, rng: spec.default or "Demo history.",
    "select": lambda spec, case, rng: rng.choice(spec.choices)[0] if spec.choices else None,
    "refusal_ground": lambda spec, case, rng: rng.choice(sorted(GROUNDS_BY_CODE)),
    "authority": lambda spec, case, rng: (str(case.counterpart_authority_id)
                                          if case.counterpart_authority_id else None),
}


def _value(spec: FieldSpec, case: Case, rng: random.Random) -> Any:
    make = VALUES.get(spec.type)
    if make is None or (not spec.required and rng.random() < 0.3):
        return None
    return make(spec, case, rng)
