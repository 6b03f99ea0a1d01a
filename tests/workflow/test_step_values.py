"""Nothing a step asks for disappears: every value is kept with the step and shown
afterwards, labelled and in words, on the request page and on its timeline."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from babel.dates import format_date
from sqlalchemy import select

from mla.cases.models import CaseEvent
from mla.core.errors import ServiceError
from mla.notifications.models import Letter
from mla.workflow.registry import WORKFLOW_NAMES, current
from mla.workflow.services import apply_transition
from tests.workflow.conftest import sample_values


def _section(page: str, element_id: str) -> str:
    """The text of the element with ``element_id`` (up to its closing tag), unescaped."""
    start = page.index(f'id="{element_id}"')
    tag = page.rfind("<", 0, start)
    name = re.match(r"<(\w+)", page[tag:]).group(1)
    end = page.index(f"</{name}>", start)
    return html.unescape(re.sub(r"\s+", " ", page[tag:end]))


# Steps some legal bases only allow (a guard says so): tried in this order.
BASES = (None, "UNTOC", "ECE", "UNCAC", "BILATERAL", "RECIPROCITY")


def _taken(db, ready_case, workflow_name, transition, users, authority_id):
    """A request on which ``transition`` was taken with sample values for every field,
    under the first legal basis its guards accept."""
    actor = next(users[r] for r in ("caseworker", "supervisor") if r in transition.roles)
    reasons = []
    for basis in BASES if workflow_name != "incoming_eaw" else (None,):
        extra = {"legal_basis": basis} if basis else {}
        case = ready_case(workflow_name, transition.sources[0], counterpart_country="FR"
                          if workflow_name == "incoming_eaw" else "XA", **extra)
        asks_ground = any(f.type == "refusal_ground" for f in transition.fields)
        values = sample_values(transition, authority_id, case if asks_ground else None)
        try:
            apply_transition(actor, case, transition.name, expected_version=case.version,
                             values=values, comment="Reason given.")
        except ServiceError as exc:
            if exc.code != "blocked":
                raise
            reasons.append((basis, exc.details))
            db.session.rollback()
            continue
        db.session.commit()
        return case, values
    pytest.fail(f"{transition.name}: blocked under every basis tried: {reasons}")


@pytest.mark.parametrize("workflow_name", WORKFLOW_NAMES)
def test_every_value_a_step_asks_for_is_shown_afterwards(db, ready_case, users, authorities,
                                                        client, login_as, workflow_name):
    workflow = current(workflow_name)
    login_as(users["admin"])
    checked = 0
    for transition in (t for t in workflow.transitions if t.fields):
        case, values = _taken(db, ready_case, workflow_name, transition, users,
                              authorities["court"].id)
        # The step's own entry (a fixture may have recorded the same step before).
        event = db.session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.transition == transition.name)
            .order_by(CaseEvent.id.desc())).first()
        page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
        recorded = _section(page, "step-values")
        entry = _section(page, f"event-{event.id}")
        for spec in transition.fields:
            if spec.name not in values:
                continue
            raw = values[spec.name]
            shown = {"select": dict(spec.choices).get(raw, raw),
                     "authority": authorities["court"].name}.get(spec.type, str(raw))
            if spec.type == "refusal_ground":
                shown = str(raw)  # its label, checked below
                assert event.data["values"][spec.name] == raw
                continue
            if spec.type == "date":  # a day in the reader's language, not ISO 8601
                shown = format_date(date.fromisoformat(raw), "medium", locale="en")
                for text in (recorded, entry):
                    assert raw not in text, (transition.name, spec.name, raw)
            for where, text in (("request page", recorded), ("timeline", entry)):
                assert spec.label in text, (transition.name, spec.name, where)
                assert shown in text, (transition.name, spec.name, where, shown)
        checked += 1
    assert checked >= 2


def test_a_refusal_ground_is_shown_in_words(db, ready_case, users, client, login_as):
    case = ready_case("incoming_mla", "decision")
    apply_transition(users["caseworker"], case, "propose_refusal", expected_version=case.version,
                     values={"refusal_ground": "essential_interests", "reasons": "State secrets.",
                             "consultation": "held"})
    db.session.commit()
    login_as(users["supervisor"])
    recorded = _section(client.get(f"/requests/{case.reference}").get_data(as_text=True),
                        "step-values")
    assert "essential interests" in recorded and "essential_interests" not in recorded
    assert "Consulted: assistance on other terms is not possible" in recorded
    assert "State secrets." in recorded


def test_our_questions_are_kept_shown_and_written_into_the_letter(db, ready_case, users,
                                                                 client, login_as):
    case = ready_case("incoming_mla", "under_review")
    question = "Who holds account AR-1234?\nPlease send the bank's name."
    apply_transition(users["caseworker"], case, "request_information",
                     expected_version=case.version, values={"questions": question})
    db.session.commit()
    letter = db.session.scalars(select(Letter).where(
        Letter.template_code == "supplementary_info_request")).one()
    assert question in letter.body
    login_as(users["caseworker"])
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    asked = _section(page, "open-question")
    assert " ".join(question.split()) in asked
    # Who asked, by name (as the timeline names people), not by user name.
    assert f"· {users['caseworker'].display_name}</span>" in asked, asked
    event = db.session.scalars(select(CaseEvent).where(
        CaseEvent.transition == "request_information")).one()
    assert "Who holds account AR-1234?" in _section(page, f"event-{event.id}")
    step_page = client.get(f"/requests/{case.reference}/steps/information_received")
    assert " ".join(question.split()) in _section(step_page.get_data(as_text=True),
                                                  "open-question")
    # Answered: no longer shown as open, still on the timeline.
    apply_transition(users["caseworker"], case, "information_received",
                     expected_version=case.version)
    db.session.commit()
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert 'id="open-question"' not in page
    assert "Who holds account AR-1234?" in _section(page, f"event-{event.id}")
    answer = db.session.scalars(select(CaseEvent).where(
        CaseEvent.transition == "information_received")).one()
    assert f'href="#event-{event.id}"' in _section(page, f"event-{answer.id}")  # linked


def test_signing_takes_a_second_person(db, ready_case, users, create_user):
    case = ready_case("outgoing_mla", "ca_review")
    proposer = users["supervisor"]
    apply_transition(proposer, case, "submit_for_signature", expected_version=case.version)
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        apply_transition(proposer, case, "sign", expected_version=case.version)
    assert "someone else must approve it" in " ".join(refused.value.details["blocked_by"])
    apply_transition(create_user("supervisor"), case, "sign", expected_version=case.version)
    db.session.commit()
    assert case.state == "signed"


def test_whoever_drafted_the_request_does_not_sign_it(db, make_case, users, create_user):
    from tests.workflow.conftest import force_state

    drafter = create_user("supervisor")
    case = make_case(drafter, direction="outgoing")
    force_state(db, case, "ca_review")
    apply_transition(users["supervisor"], case, "submit_for_signature",
                     expected_version=case.version)
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        apply_transition(drafter, case, "sign", expected_version=case.version)
    assert "You drafted this request" in " ".join(refused.value.details["blocked_by"])


def _letter(db, code: str) -> Letter:
    return db.session.scalars(select(Letter).where(Letter.template_code == code)).one()


def test_letters_say_what_the_steps_recorded(db, ready_case, users):
    """The refusal notice gives the ground and reasons proposed (art. 18(23)), the
    postponement its date, the results their conditions of use."""
    refused = ready_case("incoming_mla", "decision")
    apply_transition(users["caseworker"], refused, "propose_refusal",
                     expected_version=refused.version,
                     values={"refusal_ground": "essential_interests",
                             "reasons": "Disclosure would reveal a state secret.",
                             "consultation": "held"})
    apply_transition(users["supervisor"], refused, "approve_refusal",
                     expected_version=refused.version)
    postponed = ready_case("incoming_mla", "decision")
    apply_transition(users["supervisor"], postponed, "postpone",
                     expected_version=postponed.version, values={"until": "2027-02-01"},
                     comment="A trial is under way.")
    executed = ready_case("incoming_mla", "execution_completed")
    apply_transition(users["caseworker"], executed, "transmit_results",
                     expected_version=executed.version,
                     values={"channel": "central_authority",
                             "conditions": "Not to be used for tax proceedings."})
    db.session.commit()
    notice = _letter(db, "refusal_notice").body
    assert "Disclosure would reveal a state secret." in notice
    assert "Ground for refusal: " in notice and "essential interests" in notice
    assert "postponed until February 1, 2027" in _letter(db, "postponement_notice").body
    assert "Not to be used for tax proceedings." in _letter(db, "results_cover_letter").body
