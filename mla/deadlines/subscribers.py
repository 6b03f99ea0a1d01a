"""How the deadlines react to a request's corrections (``mla.cases.signals``).

A corrected date received recomputes the clocks that run from receipt; a corrected
legal basis stops the clocks the workflow starts only under the old basis and
starts, on a request not yet acted on, those it starts under the new one. Every
clock goes through the deadline rules (``start_deadline``/``stop_deadline``),
never a copy of them. What happened to each clock goes into the correction's timeline
entry as codes and an ISO day (a ``ClockLine``), worded when read by
``clock_consequence``: in the reader's language, the basis by its name, the day as the
language writes it, whoever made the correction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from mla.auth.actors import Actor
from mla.cases.models import Case
from mla.cases.signals import case_updated, home_time_zone
from mla.core.cache import cached_by_tables
from mla.core.display import day
from mla.deadlines.models import Deadline, DeadlineStatus
from mla.deadlines.rules import get_rule
from mla.deadlines.services import (
    OPEN,
    calendar_of,
    open_deadline,
    start_deadline,
    stop_deadline,
    zone_name_for,
)
from mla.extensions import db
from mla.reference.queries import instrument_name
from mla.workflow.definitions import EffectRef, Workflow
from mla.workflow.registry import definition_for_case

START = "start_deadline"

# One clock a correction stopped, started or recomputed: {"clock": "stopped" | "started" |
# "recomputed", "rule": code, "basis": instrument code, "due": ISO day}.
ClockLine = dict[str, str]


@home_time_zone.connect
def home_zone(country_code: str, **_kwargs: Any) -> str:
    """The home state's day is the one its deadlines end in (admins may set its zone)."""
    return home_zone_name_for(country_code)


@cached_by_tables("country_time_zones", "countries")
def home_zone_name_for(country_code: str) -> str:
    """``zone_name_for`` the home state, read once per process (every page shows times in
    it): forgotten when this process writes an admin's zone or a country, within
    ``mla.core.cache.TTL_SECONDS`` when another does. Clocks started by a write ask
    ``zone_name_for`` itself, in their unit of work."""
    return zone_name_for(country_code)


@case_updated.connect
def recompute_clocks(case: Case, *, actor: Actor, changes: Any, **_kwargs: Any
                     ) -> list[ClockLine]:
    said: list[ClockLine] = []
    if changes.changed("legal_basis"):
        said += _follow_basis(case, actor, *changes.fields["legal_basis"])
    if changes.changed("received_on"):
        said += _recompute_from_receipt(case, actor)
    return said


def _recompute_from_receipt(case: Case, actor: Actor) -> list[ClockLine]:
    if case.received_at is None:
        return []
    values = {"received_on": case.received_at.date()}
    said = []
    for deadline in open_deadlines(case):
        rule = get_rule(deadline.rule_code)
        if rule.start_field != "received_on":
            continue
        recomputed = start_deadline(case, rule.code, actor=actor, values=values)
        if recomputed is None:  # an open clock is recomputed, never found out of scope
            continue
        said.append({"clock": "recomputed", "rule": rule.code, "due": _due_on(recomputed)})
    return said


def _follow_basis(case: Case, actor: Actor, old: str, new: str) -> list[ClockLine]:
    """Clocks the workflow starts only under the old basis stop; where the step that
    started one starts another under the new basis (a provisional arrest: ECE art. 16(4)
    becomes the domestic-law limit under UNTOC), that one starts in its place, from the
    values the step recorded. A request not yet acted on also gets the clocks its
    registration starts under the new basis."""
    workflow = definition_for_case(case)
    said: list[ClockLine] = []
    started: set[str] = set()
    for deadline in open_deadlines(case):
        refs = _starting(workflow, deadline.rule_code)
        if not refs or any(not ref.legal_basis or new in ref.legal_basis for ref in refs):
            continue
        stop_deadline(case, deadline.rule_code, actor=actor, status=DeadlineStatus.STOPPED)
        said.append({"clock": "stopped", "rule": deadline.rule_code, "basis": new})
        for effects, values in _places_starting(workflow, case, deadline.rule_code):
            said += _start_applying(case, actor, effects, values, new, started)
    if case.state == workflow.initial:
        said += _start_applying(case, actor, workflow.start_effects, _received(case), new,
                                started, only_new_under=old)
    return said


def _start_applying(case: Case, actor: Actor, effects: Any, values: dict[str, Any], basis: str,
                    started: set[str], only_new_under: str | None = None) -> list[ClockLine]:
    said = []
    for ref in effects:
        if ref.name != START or not ref.arg or ref.arg in started:
            continue
        if only_new_under is not None and ref.applies(only_new_under, values):
            continue
        if ref.applies(basis, values) and open_deadline(case, ref.arg) is None:
            deadline = start_deadline(case, ref.arg, actor=actor, values=values)
            started.add(ref.arg)
            if deadline is None:  # outside the new basis's scope: recorded as not applicable
                continue
            said.append({"clock": "started", "rule": ref.arg, "basis": basis,
                         "due": _due_on(deadline)})
    return said


def _places_starting(workflow: Workflow, case: Case, rule_code: str
                     ) -> list[tuple[Any, dict[str, Any]]]:
    """Each step list that starts this rule, with the values it was last taken with."""
    places = []
    if any(ref.name == START and ref.arg == rule_code for ref in workflow.start_effects):
        places.append((workflow.start_effects, _received(case)))
    for transition in workflow.transitions:
        if not any(ref.name == START and ref.arg == rule_code for ref in transition.effects):
            continue
        taken = [e for e in case.events
                 if e.kind == "transition" and e.transition == transition.name]
        if taken:
            places.append((transition.effects, taken[-1].values))
    return places


def _received(case: Case) -> dict[str, Any]:
    return {"received_on": case.received_at.date()} if case.received_at else {}


def _starting(workflow: Workflow, rule_code: str) -> list[EffectRef]:
    """Every place the workflow starts this rule's clock."""
    refs = [*workflow.start_effects, *(ref for t in workflow.transitions for ref in t.effects)]
    return [ref for ref in refs if ref.name == START and ref.arg == rule_code]


def open_deadlines(case: Case) -> list[Deadline]:
    return list(db.session.scalars(
        select(Deadline).where(Deadline.case_id == case.id, Deadline.status.in_(OPEN))
        .order_by(Deadline.id)))


def _due_on(deadline: Deadline) -> str:
    """The due day as the clock's own state counts it (ISO: worded when read)."""
    return calendar_of(deadline).local_date(deadline.due_at).isoformat()


def _title(code: str) -> str:
    try:
        return get_rule(code).title_text
    except (KeyError, LookupError, ValueError):  # a rule since removed from the file
        return code.replace("_", " ")


def clock_consequence(line: Mapping[str, str]) -> str:
    """A ``ClockLine`` in the reader's language (a template global: the correction's
    timeline entry): the clock's title, the legal basis's name, the due day."""
    clock, basis = _title(line.get("rule", "")), instrument_name(line.get("basis", ""))
    due = day(line.get("due", ""))
    if line.get("clock") == "stopped":
        return _("Clock “%(clock)s” stopped: it does not apply under %(basis)s.",
                 clock=clock, basis=basis)
    if line.get("clock") == "started":
        return _("Clock “%(clock)s” started under %(basis)s: due %(due)s.",
                 clock=clock, basis=basis, due=due)
    return _("Clock “%(clock)s” recomputed from the corrected date received: now due "
             "%(due)s.", clock=clock, due=due)
