"""The real effects (deadlines, letters, notifications) run inside the step's transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from mla.cases.models import Case
from mla.workflow.registry import WORKFLOW_NAMES, current
from mla.workflow.services import apply_transition
from tests.workflow.conftest import sample_values

INCOMING_WALK = [
    ("acknowledge", {"due_on": "2026-09-30"}, ""),
    ("request_information", {"questions": "Which bank accounts?"}, ""),
    ("information_received", {}, ""),
    ("refer_for_decision", {}, ""),
    ("accept", {}, ""),
    ("assign_execution", {"executing_authority_id": None}, ""),
    ("report_execution", {"extent": "full"}, ""),
    ("transmit_results", {"channel": "central_authority"}, ""),
    ("close_executed", {}, ""),
]


def test_incoming_mla_walk_with_real_effects(db, ready_case, users, authorities):
    case = ready_case("incoming_mla")
    for name, values, comment in INCOMING_WALK:
        if "executing_authority_id" in values:
            values = {"executing_authority_id": authorities["court"].id}
        apply_transition(users["caseworker"], case, name, expected_version=case.version,
                         values=values, comment=comment)
        db.session.commit()
    assert case.state == "closed_executed" and case.is_closed
    assert case.version == len(INCOMING_WALK) + 1


@pytest.mark.parametrize("workflow_name", WORKFLOW_NAMES)
def test_every_step_runs_its_real_effects(db, ready_case, users, authorities, workflow_name):
    """Every effect a file names works for real: deadlines, letters, notifications."""
    workflow = current(workflow_name)
    actor_for = {"caseworker": users["caseworker"], "supervisor": users["supervisor"]}
    for legal_basis in _bases(workflow_name):
        case = ready_case(workflow_name, workflow.initial, legal_basis=legal_basis,
                          counterpart_country="FR" if legal_basis in ("EIO", "EAW") else "XA")
        for transition in workflow.transitions:
            actor = next(a for role, a in actor_for.items() if role in transition.roles
                         # four eyes: the request's drafter (the caseworker) never signs it
                         and not ("four_eyes" in transition.guards
                                  and a.id == case.created_by_id))
            savepoint = db.session.begin_nested()
            try:
                db.session.execute(update(Case).where(Case.id == case.id)
                                   .values(state=transition.sources[0]))
                db.session.expire(case)
                apply_transition(actor, case, transition.name, expected_version=case.version,
                                 values=sample_values(transition, authorities["court"].id, case),
                                 comment="Reason given.")
                db.session.flush()
            finally:
                savepoint.rollback()
                db.session.expire_all()


def _bases(workflow_name: str) -> list[str]:
    if workflow_name == "incoming_eaw":
        return ["EAW"]
    return ["UNTOC", "EIO"] if workflow_name.endswith("mla") else ["ECE", "BILATERAL"]


def test_the_counterpart_hears_only_through_letters_a_person_approves(db, ready_case, users,
                                                                      authorities):
    """An arrest is reported by a drafted letter (ECE art. 16(4)), never an unreviewed e-mail."""
    from sqlalchemy import select

    from mla.directory.models import Authority
    from mla.notifications.models import Letter, OutboxMessage

    arcadia = Authority(name="Central Authority of Arcadia", country_code="XA",
                        kind="central_authority", email="mla@justice.xa.example")
    db.session.add(arcadia)
    case = ready_case("incoming_extradition", legal_basis="ECE", counterpart_country="XA")
    case.counterpart_authority_id = arcadia.id
    db.session.commit()
    apply_transition(users["caseworker"], case, "record_arrest", expected_version=case.version,
                     values={"arrested_on": "2026-03-02"})
    db.session.commit()
    letter = db.session.scalars(select(Letter).where(Letter.case_id == case.id)).one()
    assert (letter.template_code, letter.status) == ("arrest_notice", "draft")
    assert "March 2, 2026" in letter.body and "18 days" in letter.body
    assert letter.to_address == "mla@justice.xa.example"
    abroad = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == "mla@justice.xa.example")).all()
    assert abroad == []  # nothing leaves until a caseworker approves the letter
