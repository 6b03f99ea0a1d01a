"""Every (state, transition, role) of every workflow against what its file declares.

Generated from the definitions: a step succeeds exactly when the file lists the
state among its sources and the role among its roles; from any other state it is
refused as not available, and for any other role with 403. Each attempt runs in
a savepoint that is rolled back, so one request per state serves every attempt.
"""

from __future__ import annotations

import pytest

from mla.core.access import ROLES
from mla.core.errors import ApiError, ServiceError
from mla.workflow.registry import WORKFLOW_NAMES, current
from mla.workflow.services import apply_transition, available_transitions
from tests.workflow.conftest import sample_values

CASES = [(name, state) for name in WORKFLOW_NAMES for state in current(name).states]


@pytest.mark.parametrize(("workflow_name", "state"), CASES,
                         ids=[f"{w}-{s}" for w, s in CASES])
def test_every_step_and_role_from_state(db, ready_case, users, authorities, effect_log,
                                        workflow_name, state):
    workflow = current(workflow_name)
    case = ready_case(workflow_name, state)
    authority_id = authorities["domestic"].id
    declared_here = {t.name for t in workflow.transitions_from(state)}

    for role in ROLES:
        options = {o.name: o for o in available_transitions(users[role], case)}
        if workflow.states[state].terminal:
            assert options == {}, "a closed request offers no step"
            continue
        assert set(options) == declared_here
        for name, option in options.items():
            assert option.allowed == (role in workflow.transition(name).roles), (role, name)

    for transition in workflow.transitions:
        values = sample_values(transition, authority_id, case)
        for role in ROLES:
            version = case.version
            savepoint = db.session.begin_nested()
            try:
                outcome = _attempt(users[role], case, transition.name, version, values)
                if state in transition.sources and role in transition.roles:
                    assert outcome == "ok", (transition.name, role, outcome)
                    target = transition.target_for(state)
                    assert case.state == target
                    assert case.version == version + 1
                    assert case.is_closed == workflow.states[target].terminal
                elif state in transition.sources:
                    assert outcome == "403", (transition.name, role, outcome)
                else:
                    assert outcome == "not_available", (transition.name, role, outcome)
            finally:
                savepoint.rollback()
                db.session.expire_all()
            assert case.state == state


def _attempt(actor, case, name, version, values) -> str:
    try:
        apply_transition(actor, case, name, expected_version=version, values=values,
                         comment="Reason given.")
    except ServiceError as exc:
        return exc.code
    except ApiError as exc:
        return str(exc.status)
    return "ok"
