"""The drafting and asset-recovery packs play as written: Genovia refuses the request
that went out incomplete, with its ground; Sylvania asks about the return and returns
the funds once both points are answered, in each trainee's copy."""

from __future__ import annotations

from sqlalchemy import select

from mla.sandbox.counterpart import run_counterpart
from mla.sandbox.exercises import progress
from mla.sandbox.letters import answer_question
from mla.sandbox.models import CounterpartLetter
from mla.sandbox.scenario import deliver_arrivals
from mla.sandbox.services import advance_clock
from mla.workflow.services import apply_transition
from tests.sandbox.helpers import scenario_case


def _tick(db, trainer, days):
    advance_clock(trainer, days=days)
    deliver_arrivals()
    run_counterpart()
    db.session.commit()
    db.session.expire_all()


def _letters(db, case):
    return list(db.session.scalars(select(CounterpartLetter).where(
        CounterpartLetter.case_id == case.id).order_by(CounterpartLetter.id)))


def _status(user, code):
    result = next(r for r in progress([user.id])[user.id] if r.exercise.code == code)
    return [c.passed for c in result.checks]


def test_genovia_refuses_the_incomplete_request_with_its_ground(db, loaded, trainer,
                                                                create_user):
    trainee = create_user("trainee")
    loaded("outgoing-drafting")
    _tick(db, trainer, 2)
    case = scenario_case(db, "genovia-incomplete", trainee)
    assert case.state == "closed_refused"
    refusal = _letters(db, case)[-1]
    assert refusal.kind == "refusal" and "art. 18(15)" in refusal.text
    assert scenario_case(db, "prosecutor-draft", trainee).state == "ca_review"


def test_sylvania_returns_the_funds_once_both_points_are_answered(db, loaded, trainer,
                                                                  create_user):
    trainee = create_user("trainee")
    loaded("uncac-asset-recovery")
    for _ in range(6):
        _tick(db, trainer, 1)
    case = scenario_case(db, "sylvania-return", trainee)
    question = _letters(db, case)[-1]
    assert question.kind == "question" and "57(3)(a)" in question.text
    answer_question(trainee, question.id, "The final judgment of 2 May 2026 is enclosed.", [])
    db.session.commit()
    _tick(db, trainer, 1)
    question = _letters(db, scenario_case(db, "sylvania-return", trainee))[-1]
    assert question.number == 2  # the account was missing
    answer_question(trainee, question.id,
                    "The judgment is enclosed; return the funds to the treasury account "
                    "ZT-0001 of Zembla's Ministry of Finance.", [])
    db.session.commit()
    for _ in range(6):
        _tick(db, trainer, 1)
    case = scenario_case(db, "sylvania-return", trainee)
    assert case.state == "results_received"
    assert _status(trainee, "return-from-sylvania") == [True, False]
    apply_transition(trainee, case, "close_executed", expected_version=case.version)
    db.session.commit()
    assert _status(trainee, "return-from-sylvania") == [True, True]
    # The confiscation order arrived on day 4 in the trainee's copy.
    assert scenario_case(db, "ruritania-confiscation", trainee).state == "received"
