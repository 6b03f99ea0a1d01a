"""The simulated counterpart talks: its letters reach the trainee whose copy it is, in its
language; an incomplete answer brings a second question, a complete one lets execution
go on. A request the pack schedules for day N arrives in every copy when the clock
gets there."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from tests.sandbox.helpers import scenario_case


def _visible(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _tick(db, trainer, days, hours=0):
    """Move the clock and run the sandbox's job as the scheduler tick does."""
    from mla.sandbox.counterpart import run_counterpart
    from mla.sandbox.scenario import deliver_arrivals
    from mla.sandbox.services import advance_clock

    advance_clock(trainer, days=days, hours=hours)
    arrived = deliver_arrivals()
    acted = run_counterpart()
    db.session.commit()
    db.session.expire_all()
    return arrived, acted


def _letters(db, case):
    from mla.sandbox.models import CounterpartLetter

    return list(db.session.scalars(select(CounterpartLetter).where(
        CounterpartLetter.case_id == case.id).order_by(CounterpartLetter.id)))


def _notices(db, user):
    """The in-app notices written for ``user`` (the outbox delivers them in the app)."""
    from mla.notifications.models import OutboxMessage

    return [n.subject for n in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == user.id,
                                    OutboxMessage.channel == "in_app"))]


def test_a_question_reaches_trainee_a_only_and_is_answered_until_complete(
        db, loaded, trainer, create_user, client, login_as, csrf_token):
    amira = create_user("trainee", username="amira")
    bruno = create_user("trainee", username="bruno")
    loaded()
    _tick(db, trainer, 1)  # Carpania acknowledges in every copy
    eio_a = scenario_case(db, "carpania-eio", amira)
    eio_b = scenario_case(db, "carpania-eio", bruno)
    assert [x.kind for x in _letters(db, eio_a)] == ["acknowledgement"]
    _tick(db, trainer, 8)  # ... and asks
    eio_a = scenario_case(db, "carpania-eio", amira)
    question = _letters(db, eio_a)[-1]
    assert (question.kind, question.language, question.sender) == (
        "question", "en", "Public Prosecutor's Office of Carpania City")
    assert "date of birth" in question.text and question.answered_at is None
    assert any("asks for supplementary information" in s and eio_a.reference in s
               for s in _notices(db, amira))
    assert not any(eio_a.reference in s for s in _notices(db, bruno))

    login_as(amira)
    page = _visible(client.get(f"/requests/{eio_a.reference}").get_data(as_text=True))
    assert "Incoming letters from the counterpart" in page and question.text in page
    assert client.get(f"/sandbox/letters/{question.id}").status_code == 200
    # Trainee B cannot see, let alone answer, A's letter (as if it did not exist).
    login_as(bruno)
    b_question = _letters(db, eio_b)[-1]
    assert b_question.id != question.id and b_question.kind == "question"
    b_page = _visible(client.get(f"/requests/{eio_b.reference}").get_data(as_text=True))
    assert question.text in b_page  # B has B's own question on B's copy
    token = csrf_token(f"/sandbox/letters/{b_question.id}")
    assert client.get(f"/sandbox/letters/{question.id}").status_code == 404
    assert client.post(f"/sandbox/letters/{question.id}",
                       data={"answer": "Born 1980", "csrf_token": token}).status_code == 404

    # An empty answer is refused next to the field; nothing moves.
    login_as(amira)
    token = csrf_token(f"/sandbox/letters/{question.id}")
    empty = client.post(f"/sandbox/letters/{question.id}",
                        data={"answer": "  ", "csrf_token": token})
    assert empty.status_code == 422
    assert f'id="answer-{question.id}-error"' in empty.get_data(as_text=True)
    # Incomplete (no period): the answer goes out, and a second question comes back.
    sent = client.post(f"/sandbox/letters/{question.id}",
                       data={"answer": "The account holder was born on 3 March 1980.",
                             "csrf_token": token})
    assert sent.status_code == 302
    db.session.expire_all()
    first = _letters(db, scenario_case(db, "carpania-eio", amira))[-1]
    assert first.answer.startswith("The account holder") and first.complete is False
    assert first.missing == ["period / between / période"]
    assert first.answered_by_id == amira.id
    assert scenario_case(db, "carpania-eio", amira).state == "under_execution"
    _tick(db, trainer, 1)
    eio_a = scenario_case(db, "carpania-eio", amira)
    second = _letters(db, eio_a)[-1]
    assert eio_a.state == "information_requested"
    assert (second.kind, second.number) == ("question", 2)
    assert "does not yet give us everything" in second.text
    # Complete: execution goes on when its time comes.
    client.post(f"/sandbox/letters/{second.id}",
                data={"answer": "Born on 3 March 1980; the period is 1 January to 30 June 2025.",
                      "csrf_token": token})
    db.session.expire_all()
    assert _letters(db, scenario_case(db, "carpania-eio", amira))[-1].complete is True
    _tick(db, trainer, 10)
    eio_a = scenario_case(db, "carpania-eio", amira)
    assert eio_a.state == "results_received"
    assert [x.kind for x in _letters(db, eio_a)] == [
        "acknowledgement", "question", "question", "execution"]
    # B, who has not answered, is still being asked.
    assert scenario_case(db, "carpania-eio", bruno).state == "information_requested"


def test_a_checklist_and_the_counterparts_language_come_from_the_pack(db, loaded, trainer,
                                                                      create_user):
    from mla.sandbox.letters import answer_question
    from mla.sandbox.models import CounterpartProfile

    amira = create_user("trainee", username="amira")
    loaded()
    profile = db.session.get(CounterpartProfile, "XC")
    profile.script = {**profile.script, "language": "fr", "keywords": [],
                      "checklist": ["The date of birth is given"]}
    db.session.commit()
    _tick(db, trainer, 1)
    _tick(db, trainer, 8)
    eio = scenario_case(db, "carpania-eio", amira)
    question = _letters(db, eio)[-1]
    assert question.language == "fr" and "date de naissance" in question.text
    answer_question(amira, question.id, "Voir ci-dessous.", [])
    db.session.commit()
    assert _letters(db, eio)[-1].missing == ["The date of birth is given"]
    _tick(db, trainer, 1)
    eio = scenario_case(db, "carpania-eio", amira)
    follow_up = _letters(db, eio)[-1]
    assert follow_up.number == 2 and follow_up.language == "fr"
    answer_question(amira, follow_up.id, "Né le 3 mars 1980.", ["The date of birth is given"])
    db.session.commit()
    assert _letters(db, eio)[-1].complete is True


def test_a_request_scheduled_for_day_3_arrives_in_every_copy(db, loaded, trainer,
                                                             create_user):
    amira = create_user("trainee", username="amira")
    bruno = create_user("trainee", username="bruno")
    loaded()
    assert scenario_case(db, "borduria-provisional-arrest", amira) is None
    assert _tick(db, trainer, 2)[0] == 0  # day 2: not yet
    assert scenario_case(db, "borduria-provisional-arrest") is None
    # Day 3 at 08:00: received at 08:00 but the arrest is recorded at 09:00 (a step's
    # default time): it arrives once both are past.
    assert _tick(db, trainer, 1)[0] == 0
    assert _tick(db, trainer, 0, hours=1)[0] == 3  # the trainer's copy, Amira's and Bruno's
    a = scenario_case(db, "borduria-provisional-arrest", amira)
    b = scenario_case(db, "borduria-provisional-arrest", bruno)
    assert a is not None and b is not None and a.id != b.id
    assert a.sandbox_copy_id != b.sandbox_copy_id
    assert a.state == b.state == "arrested"
    arrest = next(e for e in a.events if e.transition == "record_arrest")
    assert arrest.at.date().isoformat() == "2026-03-05"  # day 3, whenever it was delivered
    assert any(a.reference in s and "new request arrived" in s for s in _notices(db, amira))
    assert not any(a.reference in s for s in _notices(db, bruno))
    assert _tick(db, trainer, 1)[0] == 0  # once
    # A late arrival after day 3 gets it in their fresh copy, on its day.
    late = create_user("trainee", username="late")
    db.session.commit()
    assert scenario_case(db, "borduria-provisional-arrest", late) is not None
