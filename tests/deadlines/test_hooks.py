"""The workflow effects, called the way the engine calls them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from mla.deadlines.hooks import UnknownRuleCode
from mla.deadlines.models import Deadline
from mla.notifications.hooks import known_audiences
from mla.notifications.models import Letter, OutboxMessage
from mla.workflow.hooks import TransitionContext, effects
from tests.deadlines.conftest import utc


def ctx(case, **values):
    return TransitionContext(case=case, actor="t", transition=None, values=values,
                             comment="note")


def test_effects_start_pause_resume_stop_notify_and_letter(make_case, create_user, set_now, db):
    boss = create_user("supervisor", email="boss@example.org")
    case = make_case(kind="mla", legal_basis="UNTOC", measures=[])
    run = effects()
    set_now(utc(2026, 3, 2, 9))
    run["start_deadline"](ctx(case), "sla_decision")
    run["start_deadline"](ctx(case, due_on=date(2026, 4, 1)), "requester_deadline")
    deadline = db.session.scalars(select(Deadline).where(
        Deadline.rule_code == "sla_decision")).one()
    run["pause_clocks"](ctx(case), None)
    assert deadline.status == "paused"
    set_now(utc(2026, 3, 3, 9))
    run["resume_clocks"](ctx(case), None)
    assert deadline.status == "running" and deadline.paused_days == 1
    run["stop_deadline"](ctx(case), "sla_decision")
    assert deadline.status == "met"
    run["notify"](ctx(case), "supervisors")
    assert {r.user_id for r in db.session.scalars(select(OutboxMessage))} == {boss.id}
    run["letter"](ctx(case), "acknowledgement")
    assert db.session.scalars(select(Letter.template_code)).one() == "acknowledgement"
    with pytest.raises(UnknownRuleCode):
        run["start_deadline"](ctx(case), "no_such_rule")
    with pytest.raises(ValueError):
        run["notify"](ctx(case), "everyone")
    assert "counterpart" in known_audiences()
