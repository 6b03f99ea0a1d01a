"""A simulated counterpart's questions are shown where the caseworker must answer them,
and the reply letter quotes them, exactly as a real counterpart's."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from tests.sandbox.test_counterpart import _advance, _case


def _visible(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_simulated_question_is_shown_to_whoever_answers_it(db, loaded, trainer,
                                                               create_user, client, login_as):
    from mla.notifications.models import Letter
    from mla.workflow.services import apply_transition
    from mla.workflow.values import question_text

    loaded()
    _advance(db, trainer, 1)
    _advance(db, trainer, 8)
    eio = _case(db, "carpania-eio")
    assert eio.state == "information_requested"
    asked = next(e for e in reversed(eio.events) if e.transition == "information_requested")
    question = " ".join(question_text(asked).split())
    assert "date of birth" in question

    caseworker = create_user("caseworker")
    login_as(caseworker)
    page = client.get(f"/requests/{eio.reference}").get_data(as_text=True)
    assert 'id="open-question"' in page and question in _visible(page)
    step = client.get(f"/requests/{eio.reference}/steps/answer_information")
    assert step.status_code == 200 and question in _visible(step.get_data(as_text=True))

    apply_transition(caseworker, eio, "answer_information", expected_version=eio.version,
                     comment="The suspect was born on 3 March 1980.")
    db.session.commit()
    reply = db.session.scalars(select(Letter).where(
        Letter.case_id == eio.id, Letter.template_code == "supplementary_info_reply")).one()
    assert question in " ".join(reply.body.split())
    assert "born on 3 March 1980" in reply.body
