"""The simulated counterpart answers outgoing requests as the scenario says."""

from __future__ import annotations

from sqlalchemy import select

from mla.core import clock


def _case(db, key):
    """The trainer's copy of the request (trainees work on their own)."""
    from tests.sandbox.helpers import scenario_case

    db.session.expire_all()
    return scenario_case(db, key)


def _advance(db, trainer, days):
    from mla.sandbox.counterpart import run_counterpart
    from mla.sandbox.services import advance_clock

    advance_clock(trainer, days=days)
    acted = run_counterpart()
    db.session.commit()
    return acted


def test_carpania_acknowledges_asks_and_executes_after_the_answer(db, loaded, trainer,
                                                                  create_user):
    from mla.workflow.services import apply_transition

    loaded()  # the EIO was transmitted on day -8; Carpania answers after 3 days, always asks
    assert _advance(db, trainer, 1) == 1  # day 1: the acknowledgement is overdue: given now
    eio = _case(db, "carpania-eio")
    assert eio.state == "under_execution"
    ack = eio.events[-1] if eio.events[-1].kind == "transition" else next(
        e for e in reversed(eio.events) if e.kind == "transition")
    assert ack.transition == "record_acknowledgement"
    assert ack.actor.username == "counterpart.xc" and not ack.actor.is_enabled
    assert eio.counterpart_reference.startswith("XC-")

    assert _advance(db, trainer, 3) == 0  # half of 14 days after the ack not reached yet
    assert _advance(db, trainer, 5) == 1
    eio = _case(db, "carpania-eio")
    assert eio.state == "information_requested"
    asked = next(e for e in reversed(eio.events) if e.transition == "information_requested")
    assert "date of birth" in asked.values["questions"]

    assert _advance(db, trainer, 30) == 0  # waits for us: never answers over the question
    # A complete answer under the pack's rule (first-week: the date of birth and the period).
    apply_transition(trainer, eio, "answer_information", expected_version=eio.version,
                     comment="Born on 3 March 1980; the period is January to June 2025.")
    db.session.commit()
    assert _advance(db, trainer, 7) == 1
    eio = _case(db, "carpania-eio")
    assert eio.state == "results_received"
    assert _advance(db, trainer, 30) == 0  # answered once


def _replan(db, *, supplementary: bool, outcome: str) -> None:
    """The plan is fixed when a request is first seen transmitted (at load, here)."""
    from mla.sandbox.models import CounterpartProgress

    progress = db.session.get(CounterpartProgress, _case(db, "carpania-eio").id)
    progress.will_ask_supplementary = supplementary
    progress.planned_outcome = outcome
    db.session.commit()


def test_a_refusing_counterpart_refuses_with_its_ground(db, loaded, trainer):
    from mla.sandbox.models import CounterpartProfile

    loaded()
    profile = db.session.get(CounterpartProfile, "XC")
    profile.refusal_ground = "essential_interests"
    profile.refusal_reason = "An ongoing domestic investigation."
    db.session.commit()
    _replan(db, supplementary=False, outcome="refuse")
    _advance(db, trainer, 1)
    assert _case(db, "carpania-eio").state == "under_execution"
    _advance(db, trainer, 10)
    eio = _case(db, "carpania-eio")
    assert eio.state == "closed_refused"
    refusal = next(e for e in reversed(eio.events) if e.transition == "record_refusal")
    assert "UNTOC art. 18(21)(b)" in refusal.values["reasons"]
    assert refusal.actor.username == "counterpart.xc"


def test_a_silent_counterpart_only_acknowledges(db, loaded, trainer):
    loaded()
    _replan(db, supplementary=False, outcome="none")
    _advance(db, trainer, 100)
    assert _case(db, "carpania-eio").state == "under_execution"


def test_the_draw_is_deterministic_per_request():
    from mla.sandbox.counterpart import draws_supplementary

    draws = [draws_supplementary(f"MLA-OUT-2026-{n:05d}", 50) for n in range(200)]
    assert draws == [draws_supplementary(f"MLA-OUT-2026-{n:05d}", 50) for n in range(200)]
    assert 60 < sum(draws) < 140
    assert not any(draws_supplementary(f"R{n}", 0) for n in range(50))
    assert all(draws_supplementary(f"R{n}", 100) for n in range(50))


def test_a_trainee_request_is_picked_up_when_transmitted(db, loaded, trainer, make_case):
    from mla.sandbox.models import CounterpartProgress

    loaded()
    case = make_case(direction="outgoing", counterpart_country="XA", legal_basis="UNTOC")
    from mla.sandbox.counterpart import run_counterpart

    run_counterpart()
    assert db.session.get(CounterpartProgress, case.id) is None  # a draft: nothing to answer
    assert clock.now()


def test_the_page_pass_runs_the_counterpart_and_the_reminders(client, db, loaded, trainer,
                                                              login_as, csrf_token):
    from mla.notifications.models import OutboxMessage

    loaded()
    login_as(trainer)
    token = csrf_token("/sandbox/")
    assert client.post("/sandbox/clock/advance",
                       data={"days": "16", "csrf_token": token}).status_code == 302
    db.session.rollback()
    assert _case(db, "carpania-eio").state in ("under_execution", "information_requested")
    subjects = list(db.session.scalars(select(OutboxMessage.subject)))
    assert any(s.startswith("Day 18 reached") for s in subjects), subjects
    outbox = client.get("/sandbox/outbox").get_data(as_text=True)
    assert "Day 18 reached" in outbox


def test_the_scheduler_tick_runs_the_counterpart_in_a_sandbox(db, loaded, trainer, app):
    """The standalone `scheduler run` process answers too, not only the trainer's button."""
    from mla.sandbox.services import advance_clock
    from mla.scheduler.runner import run_tick

    loaded()
    advance_clock(trainer, days=1)
    db.session.commit()
    db.session.close()  # the scheduler is another process: hold no SQLite lock here
    report = run_tick(app)
    assert report.counterpart_steps == 1
    assert _case(db, "carpania-eio").state == "under_execution"
    db.session.close()
    assert run_tick(app).counterpart_steps == 0
