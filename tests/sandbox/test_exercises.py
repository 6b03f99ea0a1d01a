"""Exercises are checked against what each trainee did; nothing done, nothing passes."""

from __future__ import annotations

import pytest


def _status(user, code):
    from mla.sandbox.exercises import progress

    result = next(r for r in progress([user.id])[user.id] if r.exercise.code == code)
    return [c.passed for c in result.checks]


def _arcadia_mla(make_case, trainee):
    from mla.cases.services import OffenceInput

    return make_case(actor=trainee, direction="incoming", kind="mla", counterpart_country="XA",
                     legal_basis="UNTOC", title="Fake concert tickets",
                     offences=[OffenceInput(label="Fraud", statute="PC s.210",
                                            max_penalty_months=60, iccs=["0701"]),
                               OffenceInput(label="Laundering", max_penalty_months=120,
                                            iccs=["07041"])])


def test_nothing_done_nothing_passed(db, loaded, create_user):
    loaded()
    trainee = create_user("trainee")
    from mla.sandbox.exercises import progress

    results = progress([trainee.id])[trainee.id]
    assert len(results) == 5  # first-week: four, and the day-3 arrest
    assert not any(c.passed for r in results for c in r.checks)
    assert not any(r.complete for r in results)


def test_register_then_assess_each_offence(db, loaded, create_user, make_case):
    from mla.dualcrim.services import record_assessment

    loaded()
    trainee, other = create_user("trainee"), create_user("trainee")
    case = _arcadia_mla(make_case, trainee)
    assert _status(trainee, "register-arcadia-mla") == [True, False]
    assert _status(other, "register-arcadia-mla") == [False, False]
    record_assessment(trainee, case, case.offences[0], iccs=["0701"], decision="agree")
    db.session.commit()
    assert _status(trainee, "register-arcadia-mla") == [True, False]  # one offence left
    record_assessment(trainee, case, case.offences[1], iccs=["07041"], decision="agree")
    db.session.commit()
    assert _status(trainee, "register-arcadia-mla") == [True, True]
    assert _status(other, "register-arcadia-mla") == [False, False]  # the other did nothing


def test_a_request_from_another_state_does_not_count(db, loaded, create_user, make_case):
    loaded()
    trainee = create_user("trainee")
    make_case(actor=trainee, counterpart_country="XB", legal_basis="UNTOC")
    assert _status(trainee, "register-arcadia-mla") == [False, False]


@pytest.mark.parametrize(("days", "in_time"), [(20, True), (38, False)])
def test_the_formal_request_counts_before_day_40_only(db, loaded, create_user, trainer, days,
                                                      in_time):
    from mla.sandbox.services import advance_clock
    from mla.workflow.services import apply_transition
    from tests.sandbox.helpers import scenario_case

    loaded()
    trainee = create_user("trainee")
    advance_clock(trainer, days=days)
    case = scenario_case(db, "arcadia-extradition", trainee)  # the trainee's own copy
    apply_transition(trainee, case, "formal_request_received", expected_version=case.version)
    db.session.commit()
    assert _status(trainee, "custody-clock") == [True, in_time]


def test_the_trainee_sees_a_checklist_and_the_trainer_a_grid(client, db, loaded, trainer,
                                                             create_user, make_case, login_as):
    loaded()
    trainee = create_user("trainee", display_name="Amira Haddad")
    create_user("trainee", display_name="Bruno Keller")
    _arcadia_mla(make_case, trainee)
    login_as(trainee)
    page = client.get("/sandbox/exercises").get_data(as_text=True)
    assert "Register Arcadia&#39;s request and assess dual criminality" in page
    assert "1 of 2" in page
    login_as(trainer)
    grid = client.get("/sandbox/progress").get_data(as_text=True)
    assert "Amira Haddad" in grid and "Bruno Keller" in grid
    assert grid.count("1/2") == 1 and "0/2" in grid


def test_grid_queries_do_not_grow_with_the_class(db, loaded, create_user, count_queries):
    from mla.sandbox.exercises import progress

    loaded()
    few = [create_user("trainee").id for _ in range(2)]
    many = few + [create_user("trainee").id for _ in range(20)]
    db.session.commit()
    with count_queries() as small:
        progress(few)
    with count_queries() as large:
        progress(many)
    selects = [[s for s in c.statements if s.lstrip().upper().startswith("SELECT")]
               for c in (small, large)]
    assert len(selects[1]) == len(selects[0]) <= 12
