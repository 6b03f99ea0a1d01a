"""The transition service: guards, fields, history, audit, clocks, versions, conflicts."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from mla.audit.models import AuditEntry
from mla.cases.models import Case, CaseEvent
from mla.core.errors import ApiError, Conflict, NotFound, ServiceError
from mla.workflow import hooks, registry
from mla.workflow.models import WorkflowVersion
from mla.workflow.services import (
    apply_transition,
    available_transitions,
    clean_values,
    pending_approvals,
)


def _blocked(actor, case, name, **kwargs) -> list[str]:
    with pytest.raises(ServiceError) as caught:
        apply_transition(actor, case, name, expected_version=case.version, **kwargs)
    assert caught.value.code == "blocked"
    return caught.value.details["blocked_by"]


def _transitions(db, case) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "transition")))


# --- guards: each blocks when its condition is missing, and only then -------------

GUARD_CASES = [
    # (guard, workflow, state, step, values, what breaks it, the reason's words)
    ("has_offences", "outgoing_mla", "draft", "submit", {}, {"offences": []},
     "No offence is recorded"),
    ("has_measures", "incoming_mla", "under_review", "refer_for_decision", {},
     {"measures": []}, "assistance requested (measures) is not recorded"),
    ("has_person_sought", "incoming_extradition", "received", "record_arrest",
     {"arrested_on": "2026-03-02"}, {"persons": []}, "person sought is not recorded"),
    ("has_domestic_authority", "outgoing_mla", "draft", "submit", {},
     {"domestic_authority_id": None}, "No domestic authority"),
    ("has_counterpart_authority", "outgoing_mla", "signed", "transmit",
     {"channel": "central_authority"}, {"counterpart_authority_id": None},
     "foreign authority to address is not recorded"),
    ("dual_criminality_assessed", "incoming_mla", "decision", "accept", {}, {"assess": False},
     "Dual criminality not yet assessed"),
]


@pytest.mark.parametrize("spec", GUARD_CASES, ids=[c[0] for c in GUARD_CASES])
def test_guard_blocks_until_its_condition_holds(db, ready_case, users, effect_log, spec):
    guard, workflow, state, step, values, breaking, words = spec
    assert guard in registry.current(workflow).transition(step).guards
    worker = users["caseworker"]

    broken = ready_case(workflow, state, **breaking)
    reasons = _blocked(worker, broken, step, values=values)
    assert any(words in r for r in reasons), reasons
    db.session.rollback()
    assert broken.state == state and broken.version == 1
    assert _transitions(db, broken) == []
    option = next(o for o in available_transitions(worker, broken) if o.name == step)
    assert not option.allowed and any(words in r for r in option.blocked_by)

    fine = ready_case(workflow, state)
    apply_transition(worker, fine, step, expected_version=1, values=values)
    assert fine.state == registry.current(workflow).transition(step).target


def test_has_assignee_guard(db, ready_case, users):
    from mla.workflow.hooks import TransitionContext

    check = hooks.guards()["has_assignee"]
    case = ready_case("incoming_mla")
    ctx = TransitionContext(case=case, actor=users["caseworker"], transition=None)
    assert "Nobody" in check(ctx)
    case.assignee_id = users["caseworker"].id
    assert check(ctx) is None


def test_every_reason_is_listed_when_several_guards_block(db, ready_case, users, effect_log):
    case = ready_case("outgoing_mla", "draft", offences=[], measures=[],
                      domestic_authority_id=None)
    reasons = _blocked(users["caseworker"], case, "submit")
    assert len(reasons) == 3


# --- roles -------------------------------------------------------------------------

def test_caseworker_sees_why_approval_is_not_theirs(db, ready_case, users):
    case = ready_case("incoming_mla", "refusal_proposed")
    options = {o.name: o for o in available_transitions(users["caseworker"], case)}
    assert not options["approve_refusal"].allowed
    assert "Only a supervisor or an administrator" in options["approve_refusal"].blocked_by[0]
    with pytest.raises(ApiError) as caught:
        apply_transition(users["caseworker"], case, "approve_refusal", expected_version=1)
    assert caught.value.status == 403


def test_prosecutor_of_another_office_cannot_touch_the_request(db, ready_case, users,
                                                                create_user):
    from mla.directory.models import Authority

    other = Authority(name="Other office", country_code="XZ", kind="prosecution")
    db.session.add(other)
    db.session.commit()
    outsider = create_user("prosecutor", authority_id=other.id)
    case = ready_case("outgoing_mla", "draft")
    with pytest.raises(NotFound):
        apply_transition(outsider, case, "submit", expected_version=1)


def test_the_system_acts_only_where_a_file_says_so(db, ready_case):
    case = ready_case("incoming_mla")
    with pytest.raises(ApiError) as caught:
        apply_transition("scheduler", case, "acknowledge", expected_version=1)
    assert caught.value.status == 403


# --- one transaction: state, version, history, audit ------------------------------

def test_a_step_writes_state_version_history_and_audit(db, ready_case, users, authorities,
                                                       effect_log):
    case = ready_case("incoming_mla", "accepted")
    court = authorities["court"]
    effect_log.clear()  # registration's own effects are tested below
    apply_transition(users["caseworker"], case, "assign_execution", expected_version=1,
                     values={"executing_authority_id": str(court.id)}, comment="To the court")
    db.session.commit()
    db.session.expire_all()
    assert (case.state, case.version, case.is_closed) == ("in_execution", 2, False)
    assert case.domestic_authority_id == court.id
    [event] = _transitions(db, case)
    assert (event.transition, event.from_state, event.to_state) == (
        "assign_execution", "accepted", "in_execution")
    assert event.actor_id == users["caseworker"].id
    assert event.comment == "To the court"
    assert event.data["label"] == "Send to an executing body"
    assert event.data["values"] == {"executing_authority_id": court.id}
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "case.transition")).one()
    assert audit.object_id == case.reference
    assert audit.details["to_state"] == "in_execution"
    assert effect_log == ["letter:execution_request", "notify:domestic_authority"]


def test_terminal_state_closes_the_request(db, ready_case, users, effect_log):
    case = ready_case("incoming_mla", "refusal_proposed")
    apply_transition(users["supervisor"], case, "approve_refusal", expected_version=1)
    db.session.commit()
    db.session.expire_all()
    assert case.is_closed and case.state == "closed_refused"
    assert available_transitions(users["supervisor"], case) == []


def test_internal_steps_are_hidden_from_prosecutors_timeline(db, ready_case, users,
                                                             effect_log):
    case = ready_case("incoming_mla", "decision")
    apply_transition(users["caseworker"], case, "propose_refusal", expected_version=1,
                     values={"refusal_ground": "essential_interests", "reasons": "Security.",
                             "consultation": "held"})
    [event] = _transitions(db, case)
    assert event.is_internal


# --- fields -----------------------------------------------------------------------

def test_fields_are_checked_and_named(db, ready_case, users):
    step = registry.current("incoming_mla").transition("propose_refusal")
    case = ready_case("incoming_mla")  # the grounds offered are the request's (UNTOC)
    good = {"refusal_ground": "essential_interests", "reasons": "Security.",
            "consultation": "held"}
    assert clean_values(step, good, case) == good
    for bad, field in [
        ({**good, "refusal_ground": "fiscal"}, "refusal_ground"),  # 18(22): not a ground
        ({**good, "consultation": "maybe"}, "consultation"),
        ({k: v for k, v in good.items() if k != "reasons"}, "reasons"),
        ({**good, "reasons": "   "}, "reasons"),
        ({**good, "colour": "blue"}, "colour"),
        ({**good, "reasons": "x" * 5001}, "reasons"),
        ({**good, "consultation": ["held"]}, "consultation"),
        ({**good, "refusal_ground": {"code": 1}}, "refusal_ground"),
        ({**good, "reasons": 42}, "reasons"),
    ]:
        with pytest.raises(ServiceError) as caught:
            clean_values(step, bad, case)
        assert caught.value.details == {"field": field}


def test_dates_and_authorities_are_parsed(db, ready_case, authorities):
    from datetime import date

    acknowledge = registry.current("incoming_mla").transition("acknowledge")
    assert clean_values(acknowledge, {"due_on": "2026-04-30"}) == {"due_on": date(2026, 4, 30)}
    assert clean_values(acknowledge, {"due_on": ""}) == {}
    for bad in ("30/04/2026", ["2026-04-30"], 20260430):
        with pytest.raises(ServiceError):
            clean_values(acknowledge, {"due_on": bad})
    assign = registry.current("incoming_mla").transition("assign_execution")
    with pytest.raises(ServiceError):
        clean_values(assign, {"executing_authority_id": 999_999})
    with pytest.raises(ServiceError):
        clean_values(assign, {"executing_authority_id": "court"})
    with pytest.raises(ServiceError):  # the foreign ministry cannot execute here
        clean_values(assign, {"executing_authority_id": authorities["foreign"].id})
    court = authorities["court"].id
    assert clean_values(assign, {"executing_authority_id": str(court)}) == {
        "executing_authority_id": court}


def test_comment_required_where_declared(db, ready_case, users, effect_log):
    case = ready_case("incoming_mla", "refusal_proposed")
    with pytest.raises(ServiceError) as caught:
        apply_transition(users["supervisor"], case, "return_refusal", expected_version=1,
                         comment="  ")
    assert caught.value.details == {"field": "comment"}


# --- clocks and effect filters ------------------------------------------------------

def test_entering_a_paused_state_pauses_before_the_step_starts_its_own_deadline(
        db, ready_case, users, effect_log):
    case = ready_case("incoming_mla", "under_review")
    effect_log.clear()
    apply_transition(users["caseworker"], case, "request_information", expected_version=1,
                     values={"questions": "Which accounts?"})
    assert effect_log[0] == "pause_clocks"
    assert "start_deadline:supplementary_info_due" in effect_log
    effect_log.clear()
    apply_transition(users["caseworker"], case, "information_received", expected_version=2)
    assert effect_log == ["resume_clocks", "stop_deadline:supplementary_info_due"]


def test_no_clock_change_between_running_states(db, ready_case, users, effect_log):
    case = ready_case("outgoing_mla", "under_execution")
    apply_transition(users["caseworker"], case, "inquire_status", expected_version=1)
    assert "pause_clocks" not in effect_log and "resume_clocks" not in effect_log
    assert case.state == "under_execution" and case.version == 2


def test_leaving_a_paused_state_for_a_closed_one_resumes_first(db, ready_case, users,
                                                                effect_log):
    case = ready_case("incoming_mla", "awaiting_information")
    effect_log.clear()
    apply_transition(users["caseworker"], case, "withdraw", expected_version=1,
                     comment="Withdrawn by letter")
    assert effect_log[0] == "resume_clocks"


def test_entering_a_terminal_state_stops_every_clock_after_the_steps_effects(
        db, ready_case, users, effect_log):
    """A closed request keeps no running clock (docs/workflows.md): the engine runs
    stop_all_clocks last, so clocks the step itself stopped stay met."""
    case = ready_case("incoming_mla", "refusal_proposed")
    effect_log.clear()
    apply_transition(users["supervisor"], case, "approve_refusal", expected_version=1)
    assert effect_log[-1] == "stop_all_clocks"
    assert effect_log.index("stop_deadline:sla_decision") < effect_log.index("stop_all_clocks")
    effect_log.clear()
    other = ready_case("incoming_mla")
    effect_log.clear()
    apply_transition(users["caseworker"], other, "acknowledge", expected_version=1)
    assert "stop_all_clocks" not in effect_log


def test_check_requires_the_closing_effect_when_states_are_terminal(app_ctx):
    from mla.workflow import hooks
    from mla.workflow.registry import current
    from mla.workflow.validation import validate

    workflow = current("incoming_mla")
    without = set(hooks.effects()) - {"stop_all_clocks"}
    problems = validate(workflow, guard_names=hooks.guards(), effect_names=without)
    assert "terminal states stop clocks but no effect 'stop_all_clocks' is registered" \
        in problems
    assert validate(workflow, guard_names=hooks.guards(), effect_names=hooks.effects()) == []


def test_effects_follow_the_legal_basis_and_given_fields(db, ready_case, users, effect_log):
    untoc = ready_case("incoming_mla")
    apply_transition(users["caseworker"], untoc, "acknowledge", expected_version=1)
    assert not any("eio" in e for e in effect_log)
    assert "start_deadline:requester_deadline" not in effect_log  # no due_on given
    effect_log.clear()
    eio = ready_case("incoming_mla", legal_basis="EIO", counterpart_country="FR")
    effect_log.clear()  # registration started the EIO clocks (on_start)
    apply_transition(users["caseworker"], eio, "acknowledge", expected_version=1,
                     values={"due_on": "2026-06-01"})
    assert "stop_deadline:eio_acknowledge" in effect_log
    # Recognition runs from receipt (art. 12(3)): started at registration, not here.
    assert "start_deadline:eio_recognition" not in effect_log
    assert "start_deadline:requester_deadline" in effect_log


def test_custody_follows_arrest_and_release(db, ready_case, users, effect_log):
    case = ready_case("incoming_extradition")
    apply_transition(users["caseworker"], case, "record_arrest", expected_version=1,
                     values={"arrested_on": "2026-03-01"})
    assert all(p.is_in_custody for p in case.persons if p.role == "suspect")
    assert "start_deadline:ece_provisional_arrest" in effect_log
    apply_transition(users["caseworker"], case, "release", expected_version=2,
                     comment="Forty days passed")
    assert not any(p.is_in_custody for p in case.persons)


# --- conflicts --------------------------------------------------------------------

def test_stale_version_is_a_conflict(db, ready_case, users, effect_log):
    case = ready_case("incoming_mla")
    apply_transition(users["caseworker"], case, "acknowledge", expected_version=1)
    db.session.commit()
    with pytest.raises(Conflict):
        apply_transition(users["caseworker"], case, "withdraw", expected_version=1,
                         comment="late")


def test_a_move_between_load_and_update_is_a_conflict_not_a_lost_update(
        db, ready_case, users, effect_log):
    case = ready_case("incoming_mla")
    assert (case.state, case.version) == ("received", 1)
    assert case.offences and case.measures
    # Another writer moves the request after we loaded it; what we hold stays as read
    # (on SQLite a transaction cannot read stale data, so end ours without expiring).
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    with db.engine.begin() as other:
        other.execute(update(Case).where(Case.id == case.id)
                      .values(state="under_review", version=2))
    with pytest.raises(Conflict):
        apply_transition(users["caseworker"], case, "acknowledge", expected_version=1)
    db.session.rollback()
    db.session.expire_all()
    assert (case.state, case.version) == ("under_review", 2)
    assert _transitions(db, case) == []


def test_a_step_not_leaving_the_current_state_is_refused(db, ready_case, users):
    case = ready_case("incoming_mla")
    with pytest.raises(ServiceError) as caught:
        apply_transition(users["caseworker"], case, "accept", expected_version=1)
    assert caught.value.code == "not_available"
    with pytest.raises(ServiceError) as caught:
        apply_transition(users["caseworker"], case, "teleport", expected_version=1)
    assert caught.value.code == "unknown_transition"


# --- versions -----------------------------------------------------------------------

def test_a_request_keeps_the_version_it_started_under(db, make_case, users, effect_log,
                                                      tmp_path, monkeypatch):
    for name in registry.WORKFLOW_NAMES:
        (tmp_path / f"{name}.toml").write_bytes(registry.workflow_path(name).read_bytes())
    monkeypatch.setattr(registry, "WORKFLOW_DIR", tmp_path)
    old_case = make_case(actor=users["caseworker"])
    old_version = old_case.workflow_version

    # The authority edits its file: no more withdrawal from 'received'.
    path = tmp_path / "incoming_mla.toml"
    text = path.read_text().replace('from = ["received", "under_review", "awaiting_information"',
                                    'from = ["under_review", "awaiting_information"')
    path.write_text(text)
    new_case = make_case(actor=users["caseworker"])
    assert new_case.workflow_version != old_version

    def names(case):
        return {o.name for o in available_transitions(users["caseworker"], case)}

    assert "withdraw" in names(old_case)
    assert "withdraw" not in names(new_case)
    # Even when the file is broken later, requests in flight keep working.
    path.write_text("this is not toml [")
    apply_transition(users["caseworker"], old_case, "withdraw", expected_version=1,
                     comment="Withdrawn")
    assert old_case.state == "closed_withdrawn"
    stored = db.session.scalars(select(WorkflowVersion.version).where(
        WorkflowVersion.name == "incoming_mla")).all()
    assert set(stored) == {old_version, new_case.workflow_version}


# --- approvals ----------------------------------------------------------------------

def test_supervisors_see_what_waits_for_their_approval(db, ready_case, users):
    waiting = ready_case("incoming_mla", "refusal_proposed")
    signature = ready_case("outgoing_mla", "awaiting_signature")
    ready_case("incoming_mla", "decision")
    assert {c.id for c in pending_approvals(users["supervisor"])} == {waiting.id, signature.id}
    assert pending_approvals(users["caseworker"]) == []


def test_approvals_page(client, login_as, ready_case, users):
    case = ready_case("incoming_mla", "refusal_proposed")
    login_as(users["supervisor"])
    page = client.get("/approvals")
    assert page.status_code == 200
    assert case.reference in page.get_data(as_text=True)
    login_as(users["caseworker"])
    assert client.get("/approvals").status_code == 403


# --- registration effects (on_start) ---------------------------------------------

@pytest.mark.parametrize(("basis", "expected"), [
    ("UNTOC", ["start_deadline:sla_acknowledge"]),
    ("EIO", ["start_deadline:sla_acknowledge", "start_deadline:eio_acknowledge",
             "start_deadline:eio_recognition"]),
])
def test_registration_starts_the_acknowledgement_clocks(make_case, effect_log, basis,
                                                        expected):
    make_case(legal_basis=basis)
    assert effect_log == expected


def test_outgoing_registration_starts_nothing(make_case, effect_log):
    make_case(direction="outgoing")
    assert effect_log == []


def test_on_start_effects_are_validated():
    from mla.workflow.definitions import parse_definition
    from mla.workflow.validation import validate

    raw = b"""
name = "w"
initial = "a"
on_start = ["launch_rockets", "start_deadline:no_such_rule"]
[[states]]
name = "a"
label = "A"
[[states]]
name = "b"
label = "B"
terminal = true
[[transitions]]
name = "go"
label = "Go"
from = ["a"]
to = "b"
roles = ["caseworker"]
"""
    workflow, problems = parse_definition(raw)
    assert problems == []
    found = validate(workflow, guard_names=[], effect_names=["start_deadline"])
    assert "on_start: unknown effect 'launch_rockets'" in found
    assert any(p.startswith("on_start: unknown argument 'no_such_rule'") for p in found)
