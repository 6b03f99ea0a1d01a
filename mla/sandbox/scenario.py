"""Load a scenario pack, and reset the sandbox to the scenario's start.

Loading wipes the training data (requests and everything hanging off them,
the outbox, notifications, letters, assessments, offence catalogues, exercises,
counterpart settings, reference counters), keeps every account, then rebuilds
the pack in the caller's transaction: one commit, or nothing changes.

Requests are registered with ``register_case`` and moved with the workflow
engine's ``apply_transition``, with the simulated clock set to each step's day,
so their history, deadlines and letters are exactly what a real run would have
written. The clock ends at the scenario's start.

Each trainee (or team) gets their own copy of the requests (``mla.sandbox.copies``):
loading builds the trainer's copy and one per copy of the class; a trainee added
later, or reset alone, gets a fresh copy built the same way while the class clock
stays where it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Table, select

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.auth.models import User
from mla.cases.models import Case
from mla.cases.services import CaseInput, OffenceInput, PersonInput, register_case
from mla.core import clock
from mla.core.errors import ApiError
from mla.directory.models import Authority
from mla.directory.services import AuthorityInput, save_authority
from mla.dualcrim.catalogue import import_catalogue_text
from mla.extensions import db
from mla.notifications.services import notify_users
from mla.persons.services import relink
from mla.reference.services import ensure_fictional_country, is_user_assigned
from mla.sandbox import copies
from mla.sandbox.clock import remember_offset
from mla.sandbox.counterpart import track
from mla.sandbox.letters import readers
from mla.sandbox.models import (
    CounterpartProfile,
    Exercise,
    SandboxCopy,
    SandboxState,
    ScenarioCase,
)
from mla.sandbox.pack import Pack, PackError, RequestSpec, read_pack, resolve_pack
from mla.sandbox.personas import counterpart_persona, persona
from mla.sandbox.services import get_state, set_simulated_now
from mla.settings import current_settings
from mla.workflow.registry import definition_for_case
from mla.workflow.services import apply_transition

SCENARIO_ACTOR = "scenario.desk"
# Four eyes in a pack's history too: what awaits approval is decided by a second person.
SCENARIO_APPROVER = "scenario.approver"
# Tables wiped although nothing in them points at a request (report_figures: figures of
# the wiped requests, computed at a simulated instant the rewound clock reaches again
# only later, would be served as fresh until then).
ALSO_WIPED = ("outbox_messages", "notifications", "reference_counters", "sandbox_exercises",
              "sandbox_counterparts", "offence_catalogues", "catalogue_offences",
              "catalogue_offence_iccs", "report_figures")


def wiped_tables() -> list[Table]:
    """Every table holding training data, children first (deletion order).

    Requests and every table that points at them, directly or through another
    such table - whatever domain added it - plus ALSO_WIPED. Accounts, sessions,
    audit, reference data, the directory and the deployment identity stay.
    """
    chosen: set[str] = {"cases", *ALSO_WIPED}
    ordered = db.metadata.sorted_tables
    changed = True
    while changed:
        changed = False
        for table in ordered:
            if table.name in chosen:
                continue
            if any(fk.column.table.name in chosen and fk.column.table.name != "users"
                   for fk in table.foreign_keys):
                chosen.add(table.name)
                changed = True
    return [t for t in reversed(ordered) if t.name in chosen]


def wipe_training_data() -> None:
    db.session.flush()
    for table in wiped_tables():
        db.session.execute(table.delete())
    db.session.expire_all()


def load_pack(actor: Actor, name_or_path: str) -> Pack:
    """Wipe the training data and load the pack; flush, never commit."""
    if not current_settings().is_sandbox:
        raise ApiError(403, "forbidden", "Scenario packs load only in a sandbox instance.")
    pack = read_pack(resolve_pack(name_or_path))
    wipe_training_data()
    try:
        authorities = _build(actor, pack)
        for trainee in copies.trainees_without_copy():
            copies.new_copy([trainee])
        for copy in copies.all_copies():
            _requests(actor, pack, authorities, copy)
    except PackError:
        raise
    except ApiError as exc:  # a refusal no earlier check caught: say it, change nothing
        raise PackError([exc.message]) from None
    state = get_state()
    state.pack = pack.name
    state.pack_title = pack.title
    state.scenario_start_at = pack.start
    state.loaded_at = clock.real_now()
    set_simulated_now(actor, pack.start, audit=False)
    record_audit(actor, "sandbox.pack_loaded", state, pack=pack.name,
                 offset=state.offset_seconds)
    db.session.flush()
    return pack


def reset_scenario(actor: Actor) -> Pack:
    """Everything back to the loaded scenario's start; accounts stay."""
    state = db.session.get(SandboxState, 1)
    if state is None or not state.pack:
        raise PackError(["No scenario is loaded yet: load a pack first."])
    pack = load_pack(actor, state.pack)
    record_audit(actor, "sandbox.reset", state, pack=state.pack)
    return pack


def _build(actor: Actor, pack: Pack) -> dict[str, int]:
    """What the whole class shares (states, catalogues, authorities, exercises) and the
    trainer's copy of the requests; returns the authorities' ids by the pack's keys."""
    home = current_settings().home_country
    set_simulated_now(actor, pack.start, audit=False)
    if is_user_assigned(home):
        ensure_fictional_country(home, pack.home_name)
    desk = persona(SCENARIO_ACTOR, "Scenario desk", "admin")
    for spec in pack.states:
        ensure_fictional_country(spec.code, spec.name, spec.holiday_calendar)
        c = spec.counterpart
        db.session.add(CounterpartProfile(
            country_code=spec.code, acknowledge_after_days=c.acknowledge_after_days,
            answer_after_days=c.answer_after_days,
            supplementary_probability=c.supplementary_probability,
            supplementary_question=c.supplementary_question, outcome=c.outcome,
            refusal_ground=c.refusal_ground, refusal_reason=c.refusal_reason,
            script=c.script()))
        counterpart_persona(spec.code, spec.name)
    db.session.flush()
    catalogues = [(home, pack.home_catalogue)] + [(s.code, s.catalogue) for s in pack.states]
    for code, path in catalogues:
        if path is None:
            continue
        try:
            import_catalogue_text(desk, code, path.read_text(encoding="utf-8"),
                                  source_name=f"{pack.name}/{path.name}")
        except ApiError as exc:
            raise PackError([f"{path.name}: {exc.message}",
                             *[str(e) for e in (exc.details or {}).get("errors", [])]]) from None
    authorities = _authorities(desk, pack, home)
    for position, exercise in enumerate(pack.exercises):
        db.session.add(Exercise(
            code=exercise.code, position=position, title=exercise.title,
            instructions=exercise.instructions,
            checks=[{"check": c.check, "label": c.label, "params": c.params}
                    for c in exercise.checks]))
    _requests(desk, pack, authorities, None)
    return authorities


def _requests(actor: Actor, pack: Pack, authorities: dict[str, int],
              copy: SandboxCopy | None) -> None:
    """The pack's requests, for one copy (None: the trainer's)."""
    desk = persona(SCENARIO_ACTOR, "Scenario desk", "admin")
    now = clock.now()  # a request the pack schedules later arrives when the clock gets there
    for request_spec in sorted(pack.requests, key=lambda r: r.received_day):
        arrives = pack.arrives_at(request_spec)
        if arrives is None or arrives <= now:
            _request(desk, pack, request_spec, authorities, copy)
    if copy is not None:
        copy.built_at = clock.now()
    db.session.flush()


def _authority_ids(pack: Pack) -> dict[str, int]:
    """The pack's authorities as loaded (looked up, not saved again)."""
    home = current_settings().home_country
    ids: dict[str, int] = {}
    for spec in pack.authorities:
        country = home if spec.country == "home" else spec.country
        found = db.session.scalar(select(Authority.id).where(
            Authority.country_code == country, Authority.name == spec.name))
        if found is not None:
            ids[spec.key] = found
    return ids


def loaded_pack() -> Pack | None:
    state = db.session.get(SandboxState, 1)
    if state is None or not state.pack:
        return None
    return read_pack(resolve_pack(state.pack))


def build_copy(actor: Actor, copy: SandboxCopy) -> None:
    """Build the loaded scenario's requests for ``copy`` as the pack writes them (each
    step on its scenario day); the class clock stays where it is. No pack: nothing."""
    pack = loaded_pack()
    if pack is None:
        return
    state = get_state()
    offset, moved_at = state.offset_seconds, state.clock_moved_at
    try:
        _requests(actor, pack, _authority_ids(pack), copy)
    finally:
        state.offset_seconds, state.clock_moved_at = offset, moved_at
        remember_offset(timedelta(seconds=offset))
        db.session.flush()
    record_audit(actor, "sandbox.copy_built", copy, pack=pack.name)


def deliver_arrivals() -> int:
    """The requests the pack schedules for a day the clock has reached arrive in every
    copy that lacks them (the trainer's, each trainee's or team's), each on its day, and
    the people working on the copy are told. Returns the requests delivered."""
    state = db.session.get(SandboxState, 1)
    if state is None or not state.pack:
        return 0
    pack = loaded_pack()
    now = clock.now()
    due = [r for r in pack.requests if _due(pack.arrives_at(r), now)] \
        if pack is not None else []
    if pack is None or not due:
        return 0
    have = {(copy_id, key) for copy_id, key in db.session.execute(
        select(Case.sandbox_copy_id, ScenarioCase.key)
        .join(ScenarioCase, ScenarioCase.case_id == Case.id)
        .where(ScenarioCase.key.in_([r.key for r in due])))}
    targets: list[SandboxCopy | None] = [None, *copies.all_copies()]
    missing = [(copy, spec) for copy in targets for spec in due
               if (copy.id if copy is not None else None, spec.key) not in have]
    if not missing:
        return 0
    desk = persona(SCENARIO_ACTOR, "Scenario desk", "admin")
    authorities = _authority_ids(pack)
    offset, moved_at = state.offset_seconds, state.clock_moved_at
    try:
        for copy, spec in missing:
            case = _request(desk, pack, spec, authorities, copy)
            notify_users(readers(case), f"sandbox-arrival:{case.id}", _arrival(case),
                         case.title, case=case)
    finally:
        state.offset_seconds, state.clock_moved_at = offset, moved_at
        remember_offset(timedelta(seconds=offset))
        db.session.flush()
    record_audit(desk, "sandbox.requests_arrived", state, count=len(missing))
    return len(missing)


def _arrival(case: Case) -> Callable[[], str]:
    """The notice's subject, written in each reader's language."""
    return lambda: _("%(reference)s: a new request arrived", reference=case.reference)


def _due(arrives: datetime | None, now: datetime) -> bool:
    return arrives is not None and arrives <= now


def give_copy(actor: Actor, user: User) -> SandboxCopy:
    """A trainee's own fresh copy (a late arrival joins the class at its current time)."""
    copy = copies.new_copy([user])
    build_copy(actor, copy)
    return copy


def reset_trainee(actor: Actor, user: User) -> SandboxCopy:
    """Start one trainee's copy (their team's, when in one) over, at the class's time."""
    copy_id = copies.copy_id_of(user.id)
    copy = db.session.get(SandboxCopy, copy_id) if copy_id is not None else None
    if copy is None:
        return give_copy(actor, user)
    copies.drop_cases(copy.id)
    copies.drop_figures(copies.members(copy.id))  # their team's too: the same copy
    copy = db.session.get(SandboxCopy, copy.id)
    assert copy is not None
    build_copy(actor, copy)
    record_audit(actor, "sandbox.trainee_reset", user, copy=copy.id)
    return copy


def team_up(actor: Actor, user: User, partner: User) -> SandboxCopy:
    """``user`` joins ``partner``'s copy; a copy nobody works on any more is deleted."""
    copy_id = copies.copy_id_of(partner.id)
    copy = db.session.get(SandboxCopy, copy_id) if copy_id is not None else None
    if copy is None:
        copy = give_copy(actor, partner)
    left = copies.join(user, copy.id)
    if left is not None:
        copies.drop_copy(left)
    record_audit(actor, "sandbox.team_joined", user, copy=copy.id, partner=partner.id)
    return copy


def _authorities(actor: Actor, pack: Pack, home: str) -> dict[str, int]:
    """Create or update the pack's authorities (matched by country and name)."""
    ids: dict[str, int] = {}
    for spec in pack.authorities:
        country = home if spec.country == "home" else spec.country
        existing = db.session.scalar(select(Authority).where(
            Authority.country_code == country, Authority.name == spec.name))
        saved = save_authority(actor, AuthorityInput(
            name=spec.name, country_code=country, kind=spec.kind, email=spec.email,
            phone=spec.phone, address=spec.address, website=spec.website,
            languages=list(spec.languages), channels=list(spec.channels)), existing)
        ids[spec.key] = saved.id
    return ids


def _request(actor: Actor, pack: Pack, spec: RequestSpec, authorities: dict[str, int],
             copy: SandboxCopy | None) -> Case:
    where = f"request {spec.key!r}"
    set_simulated_now(actor, pack.at(spec.received_day), audit=False)
    try:
        case = register_case(actor, CaseInput(
            direction=spec.direction, kind=spec.kind, counterpart_country=spec.counterpart,
            legal_basis=spec.legal_basis, title=spec.title, summary=spec.summary,
            counterpart_reference=spec.counterpart_reference,
            domestic_reference=spec.domestic_reference,
            counterpart_authority_id=authorities.get(spec.counterpart_authority),
            domestic_authority_id=authorities.get(spec.domestic_authority),
            is_urgent=spec.urgent, urgency_reason=spec.urgency_reason,
            offences=[OffenceInput(**o) for o in spec.offences],
            measures=list(spec.measures),
            persons=[PersonInput(**p) for p in spec.persons]))
    except ApiError as exc:
        raise PackError([f"{where}: {exc.message}"]) from None
    case.sandbox_copy_id = copy.id if copy is not None else None
    relink(actor, case)  # every copy names the same persons: links stay within the copy
    db.session.add(ScenarioCase(key=spec.key, case_id=case.id,
                                counterpart_plan=dict(spec.counterpart_plan)))
    workflow = definition_for_case(case)
    for number, step in enumerate(spec.steps, start=1):
        here = f"{where}: steps[{number}] {step.transition!r}"
        transition = workflow.transition(step.transition)
        if transition is None:
            raise PackError([f"{here}: the {workflow.name} workflow has no such step"])
        values = _field_values(pack, transition, step.fields)
        set_simulated_now(actor, pack.at(step.day, step.time), audit=False)
        state = workflow.state(case.state)
        by = (persona(SCENARIO_APPROVER, "Supervising colleague (scenario)", "supervisor")
              if state is not None and state.approval else actor)
        try:
            apply_transition(by, case, step.transition, expected_version=case.version,
                             values=values, comment=step.comment)
        except ApiError as exc:
            details = exc.details.get("blocked_by") if isinstance(exc.details, dict) else None
            reason = f" ({'; '.join(details)})" if details else ""
            raise PackError([f"{here}: {exc.message}{reason}"]) from None
    if spec.direction == "outgoing" and case.state == "transmitted":
        _remember_transmission(case)
    return case


def _field_values(pack: Pack, transition: Any, raw: dict[str, Any]) -> dict[str, Any]:
    """Whole numbers in date fields are days from the scenario's start."""
    values: dict[str, Any] = {}
    for name, value in raw.items():
        spec = transition.field(name)
        if spec is not None and spec.type == "date" and isinstance(value, int) \
                and not isinstance(value, bool):
            values[name] = pack.day_date(value)
        elif isinstance(value, date | datetime):
            values[name] = value if isinstance(value, date) else value.date()
        else:
            values[name] = value
    return values


def _remember_transmission(case: Any) -> None:
    track(case)
    db.session.flush()
