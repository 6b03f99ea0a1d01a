"""The EAW pack's exercises can be done as written: a trainee on their own copy takes
Delorme's warrant from review to a surrender date moved, and extends Varga's limit."""

from __future__ import annotations

from sqlalchemy import select

from mla.directory.models import Authority
from mla.dualcrim.services import record_assessment
from mla.sandbox.exercises import progress
from mla.sandbox.services import advance_clock
from mla.workflow.services import apply_transition
from tests.sandbox.helpers import scenario_case


def _status(user, code):
    result = next(r for r in progress([user.id])[user.id] if r.exercise.code == code)
    return [c.passed for c in result.checks]


def _step(trainee, case, name, **values):
    apply_transition(trainee, case, name, expected_version=case.version, values=values,
                     comment="" if name != "agree_new_surrender_date" else "Airport strike.")


def test_consent_decision_and_a_surrender_date_moved(db, loaded, create_user, trainer):
    pack = loaded("eaw-surrender")
    trainee, other = create_user("trainee"), create_user("trainee")
    assert _status(trainee, "eaw-consent") == [False, False, False]
    advance_clock(trainer, days=1)
    case = scenario_case(db, "lutania-robbery", trainee)
    court = db.session.scalars(select(Authority).where(
        Authority.name == "Capital District Court, Surrender Chamber")).one()
    _step(trainee, case, "start_review")
    for offence in case.offences:
        record_assessment(trainee, case, offence, iccs=["0401"], decision="agree")
    _step(trainee, case, "refer_to_court", executing_authority_id=court.id)
    _step(trainee, case, "record_consent", consented_on=pack.day_date(1))
    db.session.commit()
    assert _status(trainee, "eaw-consent") == [True, True, False]
    advance_clock(trainer, days=3)
    _step(trainee, case, "court_orders_surrender", decided_on=pack.day_date(4))
    _step(trainee, case, "arrange_surrender", surrender_on=pack.day_date(9),
          place="Capital airport")
    db.session.commit()
    assert _status(trainee, "eaw-consent") == [True, True, True]
    assert _status(trainee, "eaw-surrender-moved") == [True, False]
    _step(trainee, case, "agree_new_surrender_date", new_surrender_on=pack.day_date(12),
          cause="beyond_control", reasons="Strike at the airport.")
    db.session.commit()
    assert _status(trainee, "eaw-surrender-moved") == [True, True]
    assert _status(other, "eaw-consent") == [False, False, False]  # their copy is untouched


def test_the_sixty_day_limit_is_extended_in_time(db, loaded, create_user, trainer):
    loaded("eaw-surrender")
    trainee = create_user("trainee")
    advance_clock(trainer, days=2)
    case = scenario_case(db, "ostland-laundering", trainee)
    _step(trainee, case, "extend_decision_time", reasons="Documents awaited from Ostland.")
    _step(trainee, case, "request_information", questions="The dealerships' accounts.")
    db.session.commit()
    assert _status(trainee, "eaw-sixty-days") == [True, True]
