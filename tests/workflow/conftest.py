"""Factories for workflow tests: a request in any workflow, ready for every guard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import update

from mla.core.access import ROLES
from mla.workflow.definitions import Transition

# Legal bases that make the extradition effects (ECE deadlines) run for real.
BASES = {"mla": "UNTOC", "extradition": "ECE"}
# Workflows chosen by legal basis: (direction, kind, legal basis).
BY_WORKFLOW = {"incoming_eaw": ("incoming", "extradition", "EAW")}


def request_kind(workflow: str) -> tuple[str, str, str]:
    """(direction, kind, legal basis) of a request that starts under ``workflow``."""
    if workflow in BY_WORKFLOW:
        return BY_WORKFLOW[workflow]
    direction, kind = workflow.split("_", 1)
    return direction, kind, BASES[kind]


@pytest.fixture
def authorities(db) -> dict[str, Any]:
    from mla.directory.models import Authority

    home = Authority(name="Prosecution Service of Zembla", country_code="XZ", kind="prosecution",
                     email="pps@example.invalid")
    court = Authority(name="Zembla High Court", country_code="XZ", kind="court")
    foreign = Authority(name="Ministry of Justice of Arcadia", country_code="XA",
                        kind="central_authority", email="mla@example.invalid")
    french = Authority(name="Bureau de l'entraide pénale internationale", country_code="FR",
                       kind="central_authority", email="beopi@example.invalid")
    db.session.add_all([home, court, foreign, french])
    db.session.commit()
    return {"domestic": home, "court": court, "foreign": foreign, "FR": french}


@pytest.fixture
def users(create_user, authorities) -> dict[str, Any]:
    """One user per role; the prosecutor belongs to the requests' domestic authority."""
    return {role: create_user(role, authority_id=authorities["domestic"].id
                              if role == "prosecutor" else None) for role in ROLES}


@pytest.fixture
def ready_case(db, make_case, users, authorities) -> Callable[..., Any]:
    """A request in `workflow` (optionally forced into `state`) that every guard accepts."""
    from mla.cases.services import PersonInput
    from mla.dualcrim.services import record_assessment

    def factory(workflow: str, state: str | None = None, *, assess: bool = True, **overrides):
        direction, kind, basis = request_kind(workflow)
        values: dict[str, Any] = {
            "direction": direction, "kind": kind, "legal_basis": basis,
            "domestic_authority_id": authorities["domestic"].id,
            "counterpart_authority_id": authorities["foreign"].id,
            "persons": [PersonInput(role="suspect", full_name="Jean Fictif")],
        }
        country = overrides.get("counterpart_country", "XA")
        if country != "XA":  # the foreign authority is Arcadia's
            values["counterpart_authority_id"] = (authorities[country].id
                                                  if country in authorities else None)
        values.update(overrides)
        case = make_case(actor=users["caseworker"], **values)
        if assess:
            for offence in case.offences:
                record_assessment(users["caseworker"], case, offence,
                                  iccs=list(offence.iccs_codes), decision="satisfied",
                                  justification="Fraud is an offence here too.")
        if kind == "extradition" and case.legal_basis == "UNTOC":
            _untoc_scope_confirmed(case, users["caseworker"])
        if state is not None:
            force_state(db, case, state)
            if case.workflow_name == "incoming_eaw":
                _eaw_person_arrested(case, users["caseworker"])
        db.session.commit()
        return case

    return factory


def _untoc_scope_confirmed(case: Any, actor: Any) -> None:
    """The caseworker confirmed UNTOC's scope (art. 3), as the confirm step records it."""
    from mla.cases.services import add_event

    add_event(case, actor, "transition", transition="confirm_untoc_scope",
              from_state=case.state, to_state=case.state,
              data={"values": {"transnational": "yes", "organised_group": "yes",
                               "convention_offence": "no"}})


def _eaw_person_arrested(case: Any, actor: Any) -> None:
    """A warrant forced into a state has its art. 17(3) clock, as after an arrest."""
    from mla.deadlines.services import start_deadline

    start_deadline(case, "eaw_decision", actor=actor, values={"arrested_on": date(2026, 3, 1)})


def force_state(db, case: Any, state: str) -> None:
    """Put a request in a state directly (test set-up only; the engine never does this)."""
    from mla.cases.models import Case

    db.session.execute(update(Case).where(Case.id == case.id).values(state=state))
    db.session.commit()
    db.session.expire(case)


def sample_values(transition: Transition, authority_id: int,
                  case: Any = None) -> dict[str, Any]:
    """Valid values for every field a step asks for (a treaty only when one is asked
    for and required: none is recorded in these tests)."""
    from mla.workflow.grounds import all_grounds, grounds_for

    offered = grounds_for(case) if case is not None else []
    ground = (offered or all_grounds())[0].code
    samples: dict[str, Any] = {}
    for spec in transition.fields:
        if spec.type == "treaty":
            continue
        samples[spec.name] = {
            "text": "Sample",
            "textarea": "Sample reasons.",
            "date": date(2026, 3, 2).isoformat(),
            "select": spec.choices[0][0] if spec.choices else "",
            "refusal_ground": ground,
            "authority": authority_id,
        }[spec.type]
    return samples


FOREIGN_EFFECTS = ("start_deadline", "stop_deadline", "pause_clocks", "resume_clocks",
                   "stop_all_clocks", "notify", "letter", "extend_deadline", "lift_deadline",
                   "remind_duty")


@pytest.fixture
def effect_log(monkeypatch) -> list[str]:
    """Replace the deadlines and notification effects with a recorder.

    Keeps engine tests about the engine (order, filters, clocks); the real
    effects run in test_effects_integration.
    """
    from mla.workflow import hooks

    calls: list[str] = []
    for name in FOREIGN_EFFECTS:
        def record(ctx, arg, _name=name):
            calls.append(f"{_name}:{arg}" if arg is not None else _name)
        monkeypatch.setitem(hooks._effects, name, record)
    return calls
