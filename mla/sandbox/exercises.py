"""Exercises checked automatically against what each trainee did.

A pack's exercise lists checks by name with parameters; the names are looked up
in ``CHECKS`` below - nothing from a file is evaluated. Each check answers, in
one query, which of the given users pass it, so the trainer's grid costs one
query per check whatever the size of the class. Progress is computed from the
record (cases registered, steps taken, assessments recorded), which is
append-only history: nothing has to be stored per trainee, and a reset that
wipes the cases wipes the progress with them.

Progress counts per copy of the scenario: each trainee acts on their own copy
(nobody can take a step on another's), and the members of a team share theirs, so
a check one member passed counts for every member of the team.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, select

from mla.cases.models import Case, CaseEvent, Offence
from mla.dualcrim.models import Assessment
from mla.extensions import db
from mla.sandbox.copies import members_by_user
from mla.sandbox.models import Exercise, SandboxState, ScenarioCase

CASE_FILTERS = ("direction", "kind", "counterpart_country", "legal_basis")


@dataclass
class Context:
    start_at: datetime | None
    # A pack's request key -> its requests, one per copy (the trainer's and each trainee's).
    scenario_cases: dict[str, list[int]]

    @classmethod
    def load(cls) -> Context:
        state = db.session.get(SandboxState, 1)
        keys: dict[str, list[int]] = {}
        for key, case_id in db.session.execute(select(ScenarioCase.key, ScenarioCase.case_id)):
            keys.setdefault(key, []).append(case_id)
        return cls(state.scenario_start_at if state else None, keys)


def _filter_problems(params: dict[str, Any], request_keys: set[str], *, allowed: set[str],
                     required: Iterable[str] = ()) -> list[str]:
    problems = [f"unknown parameter {k!r} (allowed: {', '.join(sorted(allowed))})"
                for k in sorted(set(params) - allowed)]
    problems += [f"missing parameter {k!r}" for k in required if k not in params]
    for key, value in params.items():
        if key in ("before_day", "min_offences"):
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append(f"{key!r} must be a whole number")
        elif not isinstance(value, str):
            problems.append(f"{key!r} must be a string")
    request = params.get("request")
    if isinstance(request, str) and request not in request_keys:
        problems.append(f"no request with key {request!r} in the pack")
    if params.get("direction") not in (None, "incoming", "outgoing"):
        problems.append("'direction' must be incoming or outgoing")
    if params.get("kind") not in (None, "mla", "extradition"):
        problems.append("'kind' must be mla or extradition")
    return problems


def _case_conditions(params: dict[str, Any], ctx: Context) -> list[Any]:
    conditions: list[Any] = []
    for name in CASE_FILTERS:
        if name in params:
            value = params[name].upper() if name == "counterpart_country" else params[name]
            conditions.append(getattr(Case, name) == value)
    if "request" in params:
        conditions.append(Case.id.in_(ctx.scenario_cases.get(params["request"], [])))
    return conditions


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    params: frozenset[str]
    required: tuple[str, ...]
    evaluate: Callable[[dict[str, Any], list[int], Context], set[int]]

    def problems(self, params: dict[str, Any], request_keys: set[str]) -> list[str]:
        return _filter_problems(params, request_keys, allowed=set(self.params),
                                required=self.required)


def _registered_case(params: dict[str, Any], users: list[int], ctx: Context) -> set[int]:
    stmt: Select[Any] = select(Case.created_by_id).distinct().where(
        Case.created_by_id.in_(users), *_case_conditions(params, ctx))
    minimum = params.get("min_offences")
    if minimum:
        counted = (select(func.count(Offence.id)).where(Offence.case_id == Case.id)
                   .scalar_subquery())
        stmt = stmt.where(counted >= minimum)
    return set(db.session.scalars(stmt))


def _assessed_all_offences(params: dict[str, Any], users: list[int], ctx: Context) -> set[int]:
    """The trainee assessed every offence of a matching request (one they registered,
    unless ``request`` names a scenario request)."""
    conditions = _case_conditions(params, ctx)
    if "request" not in params:
        conditions.append(Case.created_by_id.in_(users))
    # (user, case, offence) for every assessment a trainee recorded on a matching case
    assessed = db.session.execute(
        select(Assessment.decided_by_id, Assessment.case_id, Assessment.offence_id)
        .join(Case, Case.id == Assessment.case_id)
        .where(Assessment.decided_by_id.in_(users), *conditions)).all()
    if not assessed:
        return set()
    case_ids = {row.case_id for row in assessed}
    offences: dict[int, set[int]] = {}
    for case_id, offence_id in db.session.execute(
            select(Offence.case_id, Offence.id).where(Offence.case_id.in_(case_ids))).all():
        offences.setdefault(case_id, set()).add(offence_id)
    done: dict[tuple[int, int], set[int]] = {}
    for row in assessed:
        done.setdefault((row.decided_by_id, row.case_id), set()).add(row.offence_id)
    return {user for (user, case_id), ids in done.items()
            if offences.get(case_id) and offences[case_id] <= ids}


def _took_step(params: dict[str, Any], users: list[int], ctx: Context) -> set[int]:
    conditions = [CaseEvent.kind == "transition", CaseEvent.transition == params["transition"],
                  CaseEvent.actor_id.in_(users), *_case_conditions(params, ctx)]
    if "before_day" in params:
        if ctx.start_at is None:
            return set()
        conditions.append(CaseEvent.at < ctx.start_at + timedelta(days=params["before_day"]))
    stmt = (select(CaseEvent.actor_id).distinct()
            .join(Case, and_(Case.id == CaseEvent.case_id)).where(*conditions))
    return set(db.session.scalars(stmt))


def _reached_state(params: dict[str, Any], users: list[int], ctx: Context) -> set[int]:
    """A request the trainee registered (or, with ``request``, that they moved) is in
    ``state`` or has passed through it."""
    conditions = _case_conditions(params, ctx)
    through = (select(CaseEvent.actor_id).distinct().join(Case, Case.id == CaseEvent.case_id)
               .where(CaseEvent.kind == "transition", CaseEvent.to_state == params["state"],
                      CaseEvent.actor_id.in_(users), *conditions))
    if "request" in params:
        return set(db.session.scalars(through))
    registered = (select(Case.created_by_id).distinct()
                  .where(Case.created_by_id.in_(users), *conditions,
                         Case.id.in_(select(CaseEvent.case_id).where(
                             CaseEvent.kind == "transition",
                             CaseEvent.to_state == params["state"]))))
    return set(db.session.scalars(registered))


_FILTER_PARAMS = frozenset({*CASE_FILTERS, "request"})
CHECKS: dict[str, Check] = {check.name: check for check in (
    Check("registered_case",
          "The trainee registered a request matching direction, kind, counterpart_country, "
          "legal_basis (all optional) with at least min_offences offences.",
          frozenset({*CASE_FILTERS, "min_offences"}), (), _registered_case),
    Check("assessed_all_offences",
          "The trainee recorded a dual-criminality assessment for every offence of a request "
          "they registered matching the filters, or of the scenario request named by "
          "'request'.", _FILTER_PARAMS, (), _assessed_all_offences),
    Check("took_step",
          "The trainee took workflow step 'transition' on a matching request (or the "
          "scenario request 'request'), before scenario day 'before_day' when given.",
          _FILTER_PARAMS | {"transition", "before_day"}, ("transition",), _took_step),
    Check("reached_state",
          "A request the trainee registered reached workflow state 'state' (with 'request': "
          "the trainee moved that scenario request into it).",
          _FILTER_PARAMS | {"state"}, ("state",), _reached_state),
)}


@dataclass(frozen=True)
class CheckResult:
    label: str
    passed: bool


@dataclass(frozen=True)
class ExerciseResult:
    exercise: Exercise
    checks: tuple[CheckResult, ...]

    @property
    def done(self) -> int:
        return sum(1 for c in self.checks if c.passed)

    @property
    def complete(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)


def exercises() -> list[Exercise]:
    return list(db.session.scalars(select(Exercise).order_by(Exercise.position, Exercise.id)))


def progress(user_ids: list[int]) -> dict[int, list[ExerciseResult]]:
    """Every exercise's checklist for each user: one query per check. A team's members
    pass together (what one did on the team's copy counts for all)."""
    ctx = Context.load()
    items = exercises()
    team = members_by_user(user_ids)
    everyone = sorted({m for members in team.values() for m in members})
    passed: dict[tuple[int, int], set[int]] = {}
    for exercise in items:
        for index, spec in enumerate(exercise.checks):
            check = CHECKS.get(spec.get("check", ""))
            done = (check.evaluate(spec.get("params", {}), everyone, ctx)
                    if check is not None and everyone else set())
            passed[(exercise.id, index)] = {u for u in user_ids if done & set(team[u])}
    return {
        user: [ExerciseResult(exercise, tuple(
            CheckResult(exercise.check_label(index),
                        user in passed[(exercise.id, index)])
            for index, spec in enumerate(exercise.checks))) for exercise in items]
        for user in user_ids
    }
