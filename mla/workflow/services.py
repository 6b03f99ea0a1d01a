"""Taking a step: one transaction holding the state change, its history, audit and effects.

``apply_transition`` checks, in order: the version the caller saw (409), that
the step leaves the current state (422), the actor's role (403), the fields
(422, naming the field), the guards (422, with every reason). Then a single
conditional UPDATE moves the state and bumps the version; zero rows means
someone else moved first (409), so an update is never lost, whatever the
database. Services flush; the request boundary commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.auth.models import User
from mla.cases.models import Case, CaseEvent
from mla.cases.queries import visible_cases
from mla.cases.services import add_event
from mla.cases.validation import event_date_not_in_future, home_today
from mla.core.access import ROLES
from mla.core.clock import now
from mla.core.db import rows_matched
from mla.core.errors import ApiError, Conflict, NotFound, ServiceError
from mla.directory.models import Authority
from mla.extensions import db
from mla.settings import current_settings
from mla.treaties.services import treaties_between
from mla.workflow import hooks
from mla.workflow.definitions import (
    STRUCTURED_FIELD_TYPES,
    SYSTEM_ROLE,
    FieldSpec,
    Transition,
    Workflow,
)
from mla.workflow.grounds import grounds_for
from mla.workflow.models import WorkflowVersion
from mla.workflow.registry import as_written, current_all, definition, definition_for_case
from mla.workflow.roles import describe_roles
from mla.workflow.validation import CLOSING_EFFECT

TEXT_LIMITS = {"text": 300, "textarea": 5000}
# Field values that also update the request itself.
CASE_FIELDS = {
    "executing_authority_id": "domestic_authority_id",
    "counterpart_reference": "counterpart_reference",
    "treaty_id": "treaty_id",
}


@dataclass(frozen=True)
class StepOption:
    transition: Transition
    allowed: bool
    blocked_by: tuple[str, ...]
    role_allowed: bool

    @property
    def name(self) -> str:
        return self.transition.name


def may_take(actor: Actor, transition: Transition) -> bool:
    if isinstance(actor, str):  # a scheduled job acting as the system
        return SYSTEM_ROLE in transition.roles
    role = getattr(actor, "role", None)
    return role in ROLES and role in transition.roles


def _role_reason(transition: Transition) -> str:
    return _("Only %(roles)s can take this step", roles=describe_roles(transition.roles))


def _guard_reasons(ctx: hooks.TransitionContext, transition: Transition) -> list[str]:
    registered = hooks.guards()
    reasons: list[str] = []
    for name in transition.guards:
        check = registered.get(name)
        if check is None:  # validation refuses this; never let a missing guard pass
            reasons.append(_("Check %(name)s is not available", name=name))
            continue
        reason = check(ctx)
        if reason:
            reasons.append(str(reason))
    return reasons


def available_transitions(actor: Actor, case: Case) -> list[StepOption]:
    """Every step leaving the current state, whether the actor may take it, and why not."""
    if case.is_closed:
        return []
    workflow = definition_for_case(case)
    options: list[StepOption] = []
    memo: dict[str, Any] = {}  # shared: guards of several steps read the same rows once
    for transition in workflow.transitions_from(case.state):
        ctx = hooks.TransitionContext(case=case, actor=actor, transition=transition, memo=memo)
        reasons = _guard_reasons(ctx, transition)
        role_ok = may_take(actor, transition)
        if not role_ok:
            reasons.insert(0, _role_reason(transition))
        options.append(StepOption(transition, not reasons, tuple(reasons), role_ok))
    return options


def clean_values(transition: Transition, raw: dict[str, Any] | None,
                 case: Case | None = None) -> dict[str, Any]:
    """Typed values for the step's fields; ServiceError naming the first bad field."""
    raw = dict(raw or {})
    unknown = sorted(set(raw) - {f.name for f in transition.fields})
    if unknown:
        raise ServiceError(_("This step does not ask for: %(names)s", names=", ".join(unknown)),
                           code="invalid", details={"field": unknown[0]})
    values: dict[str, Any] = {}
    for spec in transition.fields:
        value = _clean_one(spec, raw.get(spec.name), case)
        if value is None and spec.default == "today":
            value = home_today()  # a receipt date left out: received today, home zone
        if value is None:
            if spec.required:
                raise ServiceError(_("%(label)s is required.", label=spec.label),
                                   code="invalid", details={"field": spec.name})
            continue
        values[spec.name] = value
    return values


# Dates a step may record: wide enough for any real case, narrow enough that deadline
# arithmetic (business days, time zones) never leaves the calendar.
DATE_RANGE = (date(1900, 1, 1), date(2199, 12, 31))


def _invalid(spec: FieldSpec, message: str) -> ServiceError:
    return ServiceError(f"{spec.label}: {message}", code="invalid", details={"field": spec.name})


def _clean_one(spec: FieldSpec, value: Any, case: Case | None = None) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if spec.type in TEXT_LIMITS:
        if not isinstance(value, str):
            raise _invalid(spec, _("expected text"))
        if len(value) > TEXT_LIMITS[spec.type]:
            raise _invalid(spec, _("at most %(n)d characters", n=TEXT_LIMITS[spec.type]))
        return value.strip()
    if spec.type == "date":
        if not isinstance(value, date):
            if not isinstance(value, str):
                raise _invalid(spec, _("expected a date as YYYY-MM-DD"))
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise _invalid(spec, _("expected a date as YYYY-MM-DD")) from None
        if not DATE_RANGE[0] <= value <= DATE_RANGE[1]:
            raise _invalid(spec, _("a date between %(first)s and %(last)s",
                                   first=DATE_RANGE[0].isoformat(),
                                   last=DATE_RANGE[1].isoformat()))
        if not spec.future:  # the day something happened: not after today (home zone)
            event_date_not_in_future(value, spec.name)
        return value
    if spec.type == "select":
        if not isinstance(value, str) or value not in dict(spec.choices):
            raise _invalid(spec, _("not one of the choices offered"))
        return value
    if spec.type == "refusal_ground":
        offered = {g.code for g in grounds_for(case)} if case is not None else set()
        if not isinstance(value, str) or value not in offered:
            raise _invalid(spec, _("not a ground for refusing this request under its "
                                   "legal basis"))
        return value
    if spec.type == "authority":
        return _authority_id(spec, value)
    if spec.type == "treaty":
        return _treaty_id(spec, value, case)
    raise _invalid(spec, _("unknown field type"))


def _authority_id(spec: FieldSpec, value: Any) -> int:
    if isinstance(value, bool):
        raise _invalid(spec, _("expected an authority"))
    try:
        authority_id = int(value)
    except (TypeError, ValueError):
        raise _invalid(spec, _("expected an authority")) from None
    if not 0 < authority_id < 2**31:
        raise _invalid(spec, _("unknown authority"))
    authority = db.session.get(Authority, authority_id)
    if authority is None or not authority.is_active:
        raise _invalid(spec, _("unknown authority"))
    if authority.country_code != current_settings().home_country:
        raise _invalid(spec, _("choose a domestic authority"))
    return authority_id


def _treaty_id(spec: FieldSpec, value: Any, case: Case | None) -> int:
    """A bilateral treaty in force between our state and the request's counterpart."""
    if case is None:
        raise _invalid(spec, _("expected a treaty"))
    offered = {t.id for t in treaties_between(current_settings().home_country,
                                              case.counterpart_country, case.kind)}
    try:
        treaty_id = int(value)
    except (TypeError, ValueError):
        raise _invalid(spec, _("expected a treaty")) from None
    if isinstance(value, bool) or treaty_id not in offered:
        raise _invalid(spec, _("not a treaty in force between the two states"))
    return treaty_id


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _check_visible(actor: Actor, case: Case) -> None:
    if isinstance(actor, str):
        return
    scope = visible_cases(actor)
    if scope.whereclause is None:  # this actor sees every request: nothing to ask
        return
    visible = db.session.scalar(scope.where(Case.id == case.id).with_only_columns(Case.id))
    if visible is None:
        raise NotFound(_("No request with that reference is visible to you."))


def apply_transition(actor: Actor, case: Case, name: str, *, expected_version: int,
                     values: dict[str, Any] | None = None, comment: str = "") -> Case:
    """Take step ``name`` on ``case``; raises Conflict, ServiceError or ApiError(403)."""
    _check_visible(actor, case)
    workflow = definition_for_case(case)
    transition = workflow.transition(name)
    if transition is None:
        raise ServiceError(_("%(workflow)s has no step %(name)s.", workflow=workflow.title,
                             name=name), code="unknown_transition")
    if case.version != expected_version:
        raise Conflict(_("This request changed since you loaded it; reload and try again."),
                       details={"version": case.version, "state": case.state})
    if case.state not in transition.sources:
        raise ServiceError(
            _("“%(step)s” is not possible from “%(state)s”.", step=transition.label,
              state=workflow.label_of(case.state)), code="not_available")
    if not may_take(actor, transition):
        raise ApiError(403, "forbidden", _role_reason(transition))
    comment = (comment or "").strip()
    if transition.comment_required and not comment:
        raise ServiceError(_("Say why in the comment: this step needs one."), code="invalid",
                           details={"field": "comment"})
    if len(comment) > 5000:
        raise ServiceError(_("The comment is too long."), code="invalid",
                           details={"field": "comment"})
    cleaned = clean_values(transition, values, case)
    ctx = hooks.TransitionContext(case=case, actor=actor, transition=transition,
                                  values=cleaned, comment=comment)
    reasons = _guard_reasons(ctx, transition)
    if reasons:
        raise ServiceError(_("This step is not possible yet."), code="blocked",
                           details={"blocked_by": reasons})
    from_state = _move(case, workflow, transition, expected_version)
    ctx.event = _record(actor, case, workflow, transition, from_state, cleaned, comment)
    with hooks.effects_scope(ctx):
        _run_effects(ctx, workflow, transition, from_state)
    db.session.flush()
    return case


def start_case(actor: Actor, case: Case, event: CaseEvent) -> None:
    """Run the workflow's registration effects (``on_start``) in the caller's transaction."""
    workflow = definition_for_case(case)
    if not workflow.start_effects:
        return
    registered = hooks.effects()
    # Clocks that run from receipt start on the day received, not the day registered.
    values = {"received_on": case.received_at.date()} if case.received_at else {}
    ctx = hooks.TransitionContext(case=case, actor=actor, transition=None, values=values,
                                  event=event)
    with hooks.effects_scope(ctx):
        for ref in workflow.start_effects:
            if ref.applies(case.legal_basis, values):
                registered[ref.name](ctx, ref.arg)


def _move(case: Case, workflow: Workflow, transition: Transition, expected_version: int) -> str:
    """The conditional UPDATE; returns the state left."""
    source = case.state
    target = workflow.states[transition.target_for(source)]
    at = now()
    result = db.session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == expected_version, Case.state == source)
        .values(state=target.name, version=Case.version + 1, is_closed=target.terminal,
                updated_at=at)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        raise Conflict(_("Someone else changed this request at the same moment; reload and "
                         "try again."))
    # Mirror the committed row without marking the object dirty (no second UPDATE).
    set_committed_value(case, "state", target.name)
    set_committed_value(case, "version", expected_version + 1)
    set_committed_value(case, "is_closed", target.terminal)
    set_committed_value(case, "updated_at", at)
    return source


def _record(actor: Actor, case: Case, workflow: Workflow, transition: Transition,
            from_state: str, values: dict[str, Any], comment: str) -> CaseEvent:
    for field_name, attribute in CASE_FIELDS.items():
        if field_name in values:
            setattr(case, attribute, values[field_name])
    structured = {f.name for f in transition.fields if f.type in STRUCTURED_FIELD_TYPES}
    typed = {k: _json_value(v) for k, v in values.items() if k not in structured}
    data = {
        # the label as the file words it: the page shows it in the reader's language
        "label": (as_written(workflow).transition(transition.name) or transition).label,
        "values": {k: _json_value(v) for k, v in values.items() if k in structured},
        "workflow_version": workflow.version,
    }
    event = add_event(case, actor, "transition", transition=transition.name,
                      from_state=from_state, to_state=case.state, comment=comment, data=data,
                      sealed_values=json.dumps(typed, ensure_ascii=False) if typed else None,
                      is_internal=transition.internal)
    record_audit(actor, "case.transition", case, transition=transition.name,
                 from_state=from_state, to_state=case.state, version=case.version)
    return event


def _run_effects(ctx: hooks.TransitionContext, workflow: Workflow,
                 transition: Transition, from_state: str) -> None:
    registered = hooks.effects()
    source = workflow.states.get(from_state)
    target = workflow.states[transition.target_for(from_state)]
    # Clocks first: a deadline the step starts must not be paused by entering the state.
    automatic: list[str] = []
    if source is not None and source.name != target.name:
        if target.pauses_clocks and not source.pauses_clocks:
            automatic.append("pause_clocks")
        if source.pauses_clocks and not target.pauses_clocks:
            automatic.append("resume_clocks")
    for name in automatic:
        registered[name](ctx, None)
    for ref in transition.effects:
        if ref.applies(ctx.case.legal_basis, ctx.values):
            registered[ref.name](ctx, ref.arg)
    # Closing a request stops its clocks, after the step's own effects (a clock the
    # step stopped as met stays met; the rest are marked stopped): no reminder,
    # letter or escalation is ever sent for a closed request.
    if target.terminal:
        registered[CLOSING_EFFECT](ctx, None)


def pending_approvals(actor: User) -> list[Case]:
    """Open requests in an approval state where the actor may take a step, oldest first."""
    conditions = []
    for workflow in _known_definitions():
        states = [s for s in workflow.approval_states
                  if any(may_take(actor, t) for t in decision_steps(workflow, s))]
        if states:
            conditions.append((Case.workflow_name == workflow.name)
                              & (Case.workflow_version == workflow.version)
                              & Case.state.in_(states))
    if not conditions:
        return []
    stmt = (visible_cases(actor).where(Case.is_closed.is_(False), or_(*conditions))
            .options(joinedload(Case.assignee), joinedload(Case.country))
            .order_by(Case.updated_at.asc(), Case.id.asc()))
    return list(db.session.scalars(stmt).unique())


def decision_steps(workflow: Workflow, state: str) -> list[Transition]:
    """The steps that decide on a proposal: those its proposers may not take themselves.

    (Withdrawal, open to the proposers too, leaves an approval state without
    being an approval.)
    """
    proposers: set[str] = set()
    for t in workflow.transitions:
        if t.target == state and not t.stays:
            proposers |= t.roles
    return [t for t in workflow.transitions_from(state) if not proposers <= t.roles]


def _known_definitions() -> list[Workflow]:
    found = {(w.name, w.version): w for w in current_all()}
    for name, version in db.session.execute(
            select(WorkflowVersion.name, WorkflowVersion.version)).all():
        if (name, version) not in found:
            found[(name, version)] = definition(name, version)
    return list(found.values())
