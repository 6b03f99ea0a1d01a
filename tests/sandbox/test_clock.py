"""The simulated clock: every now() moves with it, deadlines count from it, one query per unit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from mla.core import clock
from mla.core.errors import ServiceError


def test_advancing_moves_now_everywhere_and_is_stored(db, trainer, real_time_stands_still):
    from mla.sandbox.models import SandboxState
    from mla.sandbox.services import advance_clock

    before = clock.now()
    advance_clock(trainer, days=10, hours=5)
    db.session.commit()
    moved = clock.now() - before
    assert abs(moved - timedelta(days=10, hours=5)) < timedelta(seconds=2)
    # A fresh transaction (another request, the scheduler) reads the stored offset.
    db.session.remove()
    offset = db.session.scalar(select(SandboxState.offset_seconds))
    assert offset == pytest.approx((timedelta(days=10, hours=5)).total_seconds(), abs=60)
    assert clock.now() - clock.real_now() > timedelta(days=10)


def test_now_costs_one_query_per_transaction_not_per_call(db, trainer, count_queries):
    from mla.sandbox.services import advance_clock

    advance_clock(trainer, days=2)
    db.session.commit()
    with count_queries() as counter:
        values = [clock.now() for _ in range(50)]
    assert len(_selects(counter)) == 1
    assert values[0] - clock.real_now() > timedelta(days=1)
    db.session.commit()  # a new transaction reads it again (the trainer may have moved it)
    with count_queries() as counter:
        clock.now()
        clock.now()
    assert len(_selects(counter)) == 1


def _selects(counter) -> list[str]:
    return [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]


def test_a_clock_moved_in_this_transaction_is_seen_at_once(db, trainer):
    from mla.sandbox.services import advance_clock

    clock.now()  # cache the old offset
    advance_clock(trainer, days=3)
    assert clock.now() - clock.real_now() > timedelta(days=2, hours=23)


def test_the_clock_never_goes_backwards(db, trainer, real_time_stands_still):
    from mla.sandbox.services import advance_clock, move_clock_to

    with pytest.raises(ServiceError, match="only moves forward"):
        move_clock_to(trainer, clock.now() - timedelta(hours=1))
    with pytest.raises(ServiceError):
        advance_clock(trainer, days=0, hours=0)
    with pytest.raises(ServiceError, match="at most"):
        advance_clock(trainer, days=400)
    target = (clock.now() + timedelta(days=20)).replace(microsecond=0)
    assert move_clock_to(trainer, target) - target < timedelta(seconds=5)


def test_deadlines_are_computed_from_the_simulated_clock(db, trainer, loaded,
                                                         real_time_stands_still):
    """The custody clock of the scenario's arrest counts from the simulated day -3."""
    from mla.deadlines.models import Deadline
    from mla.sandbox.models import ScenarioCase

    pack = loaded()
    case_id = db.session.scalar(select(ScenarioCase.case_id)
                                .where(ScenarioCase.key == "arcadia-extradition"))
    custody = db.session.scalar(select(Deadline).where(
        Deadline.case_id == case_id, Deadline.rule_code == "ece_provisional_arrest"))
    arrest = pack.day_date(-3)
    assert custody.due_at.date() == arrest + timedelta(days=40)
    assert custody.soft_due_at.date() == arrest + timedelta(days=18)
    assert clock.now().date() == pack.start.date()  # the load ends at the scenario's start
    assert custody.due_at.year == 2026  # simulated, not the machine's date


def test_production_now_is_never_shifted(tmp_path, fast_passwords, real_time_stands_still):
    """The provider answers zero, without a query, in a production app."""
    from mla import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'p.db'}"))
    with app.app_context():
        from mla.sandbox.clock import current_offset

        assert current_offset() == timedelta(0)
    assert clock.now() == real_time_stands_still


def test_trainer_advances_through_the_page_and_the_banner_follows(client, trainer, login_as,
                                                                  csrf_token, loaded):
    loaded()
    login_as(trainer)
    token = csrf_token("/sandbox/")
    response = client.post("/sandbox/clock/advance", data={"days": "16", "hours": "0",
                                                           "csrf_token": token})
    assert response.status_code == 302
    page = client.get("/sandbox/").get_data(as_text=True)
    banner = re.search(r'id="banner-now" datetime="([^"]+)"', page).group(1)
    assert banner.startswith("2026-03-18")
    assert "Scenario day 16" in page


def test_trainer_cannot_set_the_clock_back_through_the_page(client, trainer, login_as,
                                                            csrf_token, loaded):
    loaded()
    login_as(trainer)
    token = csrf_token("/sandbox/")
    response = client.post("/sandbox/clock/set", data={"target": "2026-01-01T08:00",
                                                       "csrf_token": token})
    assert response.status_code == 422
    assert "only moves forward" in response.get_data(as_text=True)


def test_trainees_may_not_move_the_clock(client, create_user, login_as, csrf_token):
    trainee = create_user("trainee")
    login_as(trainee)
    token = csrf_token("/sandbox/exercises")
    assert client.get("/sandbox/").status_code == 403
    assert client.post("/sandbox/clock/advance",
                       data={"days": "3", "csrf_token": token}).status_code == 403
