from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from mla.portal.drafts import ESSENTIALS, missing_essentials
from tests.conftest import _csrf_from

BASICS = {"counterpart_country": "XA", "legal_basis": "UNTOC", "domestic_reference": "PP-1/26",
          "contact": "A. Prosecutor, +000 1234"}
INVESTIGATION = {"title": "Bank records, fraud ring", "nature": "investigation",
                 "subject_matter": "Fraud by false invoices", "conducting_authority": "Office A",
                 "offence_name": "Fraud", "offence_statute": "PC 210",
                 "offence_max_penalty": "60", "offence_iccs": "0701"}
FACTS = {"summary": "Between 2024 and 2025 the suspects issued false invoices."}
ASSISTANCE = {"measures": "bank_records", "assistance_details": "Statements of account 1234."}
PERSONS = {"persons-0-role": "suspect", "persons-0-full_name": "Jean Fictif",
           "persons-0-nationality": "XA", "persons-0-location": "Arcadia City",
           "persons-0-date_of_birth": "1980-01-01"}
PURPOSE_MISSING = {"purpose": "", "language": "French"}


@pytest.fixture
def prosecutor(prosecutor_setup, login_as):
    login_as(prosecutor_setup["me"])
    return prosecutor_setup["me"]


def _start(client) -> str:
    token = _csrf_from(client.get("/portal/").get_data(as_text=True))
    response = client.post("/portal/drafts", data={"csrf_token": token})
    assert response.status_code == 302
    match = re.search(r"/portal/drafts/([0-9a-f]{32})/basics", response.headers["Location"])
    assert match
    return match.group(1)


def _post(client, uid: str, step: str, values: dict, button: str = "next"):
    token = _csrf_from(client.get(f"/portal/drafts/{uid}/{step}").get_data(as_text=True))
    return client.post(f"/portal/drafts/{uid}/{step}",
                       data={"csrf_token": token, button: "1", **values})


def test_missing_essentials_name_their_article():
    data = {"basics": BASICS, "investigation": INVESTIGATION, "facts": FACTS,
            "assistance": {"measures": ["bank_records"]}, "persons": {"persons": [
                {"full_name": "X"}]}, "purpose": {"language": "fr"}}
    assert [m.citation for m in missing_essentials(data)] == ["UNTOC art. 18(15)(f)"]
    assert len(missing_essentials({})) == len(ESSENTIALS)


def test_walk_warn_confirm_and_submit(prosecutor, prosecutor_setup, client, db):
    from mla.cases.models import Case, CaseEvent
    from mla.deadlines.models import Deadline
    from mla.portal.models import OutgoingDraft

    uid = _start(client)
    assert _post(client, uid, "basics", BASICS).headers["Location"].endswith("/investigation")
    assert _post(client, uid, "investigation", INVESTIGATION).status_code == 302
    # A step missing something essential warns and stays, keeping what was typed.
    warned = _post(client, uid, "facts", {"summary": ""})
    html = warned.get_data(as_text=True)
    assert warned.status_code == 200 and 'id="draft-warning"' in html
    assert "UNTOC art. 18(15)(c)" in html
    assert _post(client, uid, "facts", FACTS).status_code == 302
    assert _post(client, uid, "assistance", ASSISTANCE).status_code == 302
    assert _post(client, uid, "persons", PERSONS).status_code == 302
    warned = _post(client, uid, "purpose", PURPOSE_MISSING)
    assert "UNTOC art. 18(15)(f)" in warned.get_data(as_text=True)
    confirmed = _post(client, uid, "purpose", PURPOSE_MISSING, button="continue_anyway")
    assert confirmed.headers["Location"].endswith("/review")
    # Kept on the server, encrypted: the name is not in the stored bytes.
    db.session.rollback()
    draft = db.session.scalar(select(OutgoingDraft).where(OutgoingDraft.uid == uid))
    assert draft.data["persons"]["persons"][0]["full_name"] == "Jean Fictif"
    assert b"Jean Fictif" not in draft.data_enc
    review = client.get(f"/portal/drafts/{uid}/review").get_data(as_text=True)
    assert "UNTOC art. 18(15)(f)" in review
    token = _csrf_from(review)
    refused = client.post(f"/portal/drafts/{uid}/submit", data={"csrf_token": token})
    assert refused.status_code == 422
    done = client.post(f"/portal/drafts/{uid}/submit",
                       data={"csrf_token": token, "confirm_missing": "y"})
    assert done.status_code == 302
    db.session.rollback()
    case = db.session.scalar(select(Case).where(Case.direction == "outgoing"))
    # The submission is the workflow's submit step: into review, with its clock running.
    assert case.state == "ca_review" and case.kind == "mla"
    step = db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "transition"))
    assert (step.transition, step.from_state, step.to_state) == ("submit", "draft", "ca_review")
    assert step.actor_id == prosecutor.id
    clocks = db.session.scalars(select(Deadline).where(Deadline.case_id == case.id)).all()
    assert [(d.rule_code, d.status) for d in clocks] == [("sla_decision", "running")]
    assert case.domestic_authority_id == prosecutor_setup["ours"].id
    assert case.created_by_id == prosecutor.id
    assert [m.code for m in case.measures] == ["bank_records"]
    assert case.persons[0].full_name == "Jean Fictif"
    assert "Purpose (18(15)(f))" not in case.summary  # nothing invented for what is missing
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "draft_submitted"))
    assert event.data["missing"] == ["UNTOC art. 18(15)(f)"]
    # Submitted drafts are closed to editing.
    assert client.get(f"/portal/drafts/{uid}/basics").status_code == 404


def test_back_keeps_entries_without_warning(prosecutor, client, db):
    uid = _start(client)
    _post(client, uid, "basics", BASICS)
    back = _post(client, uid, "investigation", {"title": "Half typed"}, button="back")
    assert back.headers["Location"].endswith("/basics")
    page = client.get(f"/portal/drafts/{uid}/investigation").get_data(as_text=True)
    assert 'value="Half typed"' in page


def test_required_fields_are_errors_not_warnings(prosecutor, client):
    uid = _start(client)
    response = _post(client, uid, "basics", {"counterpart_country": "", "legal_basis": ""})
    assert response.status_code == 422
    assert 'id="draft-warning"' not in response.get_data(as_text=True)


def test_drafts_are_private_to_their_author(prosecutor_setup, prosecutor, client, login_as):
    uid = _start(client)
    login_as(prosecutor_setup["other"])
    assert client.get(f"/portal/drafts/{uid}/basics").status_code == 404


def test_review_queue_lists_prosecutor_drafts_only(prosecutor_setup, make_case, client,
                                                   login_as, db):
    from mla.cases.services import register_case
    from mla.portal.drafts import compose_input

    me = prosecutor_setup["me"]
    submitted = register_case(me, compose_input(me, {"basics": BASICS,
                                                     "investigation": INVESTIGATION}))
    staff_made = make_case(prosecutor_setup["staff"], direction="outgoing", title="Staff draft")
    db.session.commit()
    login_as(prosecutor_setup["staff"])
    html = client.get("/portal/review").get_data(as_text=True)
    assert submitted.reference in html and staff_made.reference not in html


def test_account_without_office_cannot_draft(create_user, client, login_as):
    login_as(create_user("prosecutor"))
    token = _csrf_from(client.get("/portal/").get_data(as_text=True))
    response = client.post("/portal/drafts", data={"csrf_token": token}, follow_redirects=True)
    assert "not linked to a prosecution office" in response.get_data(as_text=True)


def test_a_draft_without_a_measure_is_not_submitted(prosecutor, client, db):
    """The workflow's submit step needs an offence and a measure: the review says so
    before submitting, and nothing is registered."""
    from mla.cases.models import Case

    uid = _start(client)
    _post(client, uid, "basics", BASICS)
    _post(client, uid, "investigation", INVESTIGATION)
    _post(client, uid, "assistance", {"assistance_details": "Statements of account 1234."},
          button="continue_anyway")
    review = client.get(f"/portal/drafts/{uid}/review").get_data(as_text=True)
    assert "Cannot be submitted without" in review and "at least one measure sought" in review
    refused = client.post(f"/portal/drafts/{uid}/submit",
                          data={"csrf_token": _csrf_from(review), "confirm_missing": "y"})
    assert refused.status_code == 422
    assert "at least one measure sought" in refused.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(Case).where(Case.direction == "outgoing")) is None
