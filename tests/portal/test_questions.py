"""A counterpart's questions reach the prosecutor who must answer them; the answer is
linked to them, and both go into the reply letter."""

from __future__ import annotations

import html
import re

from sqlalchemy import select, update

from mla.cases.models import Case, CaseEvent
from mla.notifications.models import Letter
from mla.workflow.services import apply_transition
from tests.conftest import _csrf_from

QUESTION = "Which branch of the bank holds account AR-1234?"
ANSWER = "The Arcadia City branch, Harbour Street."


def _text(page: str) -> str:
    """What a reader sees: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_questions_reach_the_portal_and_the_answer_is_linked_and_sent_back(
        prosecutor_setup, make_case, client, login_as, db):
    from mla.directory.models import Authority

    staff, me = prosecutor_setup["staff"], prosecutor_setup["me"]
    foreign = Authority(name="Arcadian Ministry of Justice", country_code="XA",
                        kind="central_authority", email="mla@example.invalid")
    db.session.add(foreign)
    db.session.commit()
    case = make_case(staff, direction="outgoing", counterpart_authority_id=foreign.id,
                     domestic_authority_id=prosecutor_setup["ours"].id)
    db.session.execute(update(Case).where(Case.id == case.id).values(state="under_execution"))
    db.session.commit()
    db.session.expire(case)
    apply_transition(staff, case, "information_requested", expected_version=case.version,
                     values={"questions": QUESTION})
    db.session.commit()
    question = db.session.scalars(select(CaseEvent).where(
        CaseEvent.transition == "information_requested")).one()

    login_as(me)
    raw = client.get(f"/portal/requests/{case.reference}").get_data(as_text=True)
    assert 'id="open-question"' in raw
    page = _text(raw)
    assert f"What is asked {QUESTION}" in page
    assert f"Questions: {QUESTION}" in page                       # on the timeline too
    token = _csrf_from(client.get(f"/portal/requests/{case.reference}").get_data(as_text=True))
    sent = client.post(f"/portal/requests/{case.reference}/answer",
                       data={"csrf_token": token, "text": ANSWER})
    assert sent.status_code == 302
    answer = db.session.scalars(select(CaseEvent).where(
        CaseEvent.kind == "supplementary_answer")).one()
    assert answer.data["question_event_id"] == question.id

    login_as(staff)
    detail = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert f'href="#event-{question.id}"' in detail            # the answer names its question
    assert QUESTION in _text(detail)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    apply_transition(staff, case, "answer_information", expected_version=case.version)
    db.session.commit()
    reply = db.session.scalars(select(Letter).where(
        Letter.template_code == "supplementary_info_reply")).one()
    assert QUESTION in reply.body and ANSWER in reply.body


def test_a_prosecutor_sees_no_questions_of_internal_steps(prosecutor_setup, db):
    from mla.portal.serializers import prosecutor_case_view

    case = prosecutor_setup["mine"]
    db.session.execute(update(Case).where(Case.id == case.id).values(state="under_review"))
    db.session.commit()
    db.session.expire(case)
    apply_transition(prosecutor_setup["staff"], case, "request_information",
                     expected_version=case.version, values={"questions": QUESTION})
    db.session.commit()
    view = prosecutor_case_view(case)
    # Asked of the foreign state, not of the prosecutor's office: shown on the timeline,
    # not as something to answer.
    assert view["open_questions"] == QUESTION
    assert not view["standing"].can_answer
    assert [row["questions"] for row in view["history"] if row.get("questions")] == [QUESTION]


def test_answering_a_return_for_correction_sends_the_request_back_for_review(
        prosecutor_setup, make_case, client, login_as, db):
    staff, me = prosecutor_setup["staff"], prosecutor_setup["me"]
    case = make_case(me, direction="outgoing", domestic_authority_id=prosecutor_setup["ours"].id)
    db.session.execute(update(Case).where(Case.id == case.id).values(state="ca_review"))
    db.session.commit()
    db.session.expire(case)
    apply_transition(staff, case, "return_for_correction", expected_version=case.version,
                     comment="Add the numbers of the accounts concerned.")
    db.session.commit()

    login_as(me)
    raw = client.get(f"/portal/requests/{case.reference}").get_data(as_text=True)
    assert "What is asked Add the numbers of the accounts concerned." in _text(raw)
    sent = client.post(f"/portal/requests/{case.reference}/answer",
                       data={"csrf_token": _csrf_from(raw), "text": "Accounts AR-1 and AR-2."})
    assert sent.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == "ca_review"
    steps = [(e.transition, e.actor_id) for e in case.events if e.kind == "transition"]
    assert steps[-1] == ("resubmit", me.id)
