"""Status inquiries drafted in the counterpart's language, approved, sent, repeated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from mla.cases.models import CaseEvent
from mla.core.transaction import unit_of_work
from mla.deadlines.reminders import scan_deadlines
from mla.deadlines.services import set_send_without_approval, start_deadline
from mla.directory.models import Authority
from mla.notifications.dispatcher import dispatch_due
from mla.notifications.letters import draft_letter, known_letter_templates
from mla.notifications.models import Letter, Notification, OutboxMessage
from tests.deadlines.conftest import utc


@pytest.fixture
def outgoing(db, make_case, create_user):
    worker = create_user("caseworker")
    authority = Authority(name="Bureau de l'entraide pénale", country_code="FR",
                          kind="central_authority", languages=["fr", "en"],
                          email="entraide@example.fr")
    db.session.add(authority)
    db.session.commit()
    case = make_case(direction="outgoing", kind="mla", legal_basis="UNTOC",
                     counterpart_country="FR", counterpart_authority_id=authority.id,
                     assignee_id=worker.id, measures=[], counterpart_reference="BEPI-77")
    return case, worker, authority


def test_every_letter_the_workflows_name_has_en_and_fr_templates():
    from mla.notifications.letters import LETTER_DIR

    named = set()
    for path in (Path(__file__).resolve().parents[2] / "mla" / "workflows").glob("*.toml"):
        named |= set(re.findall(r'"letter:([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert named <= known_letter_templates()
    for code in known_letter_templates():
        assert (LETTER_DIR / f"{code}.fr.txt").is_file(), code


def test_followup_drafts_an_inquiry_in_french_for_approval_then_repeats(
        outgoing, set_now, db, login_as, client, csrf_token, create_user):
    case, _worker, _authority = outgoing
    set_now(utc(2026, 7, 6, 8))
    with unit_of_work():
        d = start_deadline(case, "outgoing_followup", actor="t")     # due 28 July (Paris)
    set_now(utc(2026, 7, 28, 22, 30))
    scan_deadlines()
    letter = db.session.scalars(select(Letter)).one()
    assert letter.language == "fr" and letter.status == "draft"
    assert letter.subject.startswith("Demande d'information") and "BEPI-77" in letter.subject
    assert letter.to_address == "entraide@example.fr"
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "letter")).all()
    assert [e.data["action"] for e in events] == ["drafted"]
    db.session.refresh(d)
    assert d.cycle == 1 and d.due_at == utc(2026, 8, 18, 21, 59, 59)  # 15 FR business days
    assert d.status == "running"
    dispatch_due()
    assert db.session.scalars(select(Notification.title)).one().startswith("Letter to approve")
    login_as(create_user("supervisor"))  # a supervisor approves by default (four eyes)
    assert "Demande d" in client.get("/letters").get_data(as_text=True)
    response = client.post(f"/letters/{letter.id}", data={
        "csrf_token": csrf_token("/letters"), "subject": letter.subject,
        "body": letter.body + "\nCordialement."})
    assert response.status_code == 302
    db.session.expire_all()
    assert letter.status == "approved" and "Cordialement" in letter.body
    mail = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == "entraide@example.fr")).one()
    assert mail.key == f"letter:{letter.id}:mail"
    again = client.post(f"/letters/{letter.id}", data={
        "csrf_token": csrf_token("/letters"), "subject": "x", "body": "y"})
    assert again.status_code == 409                            # no longer a draft


def test_authority_may_send_inquiries_without_approval(outgoing, create_user, set_now, db):
    case, _worker, _authority = outgoing
    with unit_of_work():
        set_send_without_approval(create_user("admin"), "outgoing_followup", True)
    set_now(utc(2026, 7, 6, 8))
    with unit_of_work():
        start_deadline(case, "outgoing_followup", actor="t")
    set_now(utc(2026, 7, 29, 9))
    scan_deadlines()
    assert db.session.scalars(select(Letter.status)).one() == "approved"
    assert db.session.scalars(select(OutboxMessage.channel).where(
        OutboxMessage.category == "letter")).one() == "email"


def test_english_when_no_template_in_the_authoritys_languages(outgoing, db):
    case, _worker, authority = outgoing
    authority.languages = ["de"]
    db.session.commit()
    letter = draft_letter(case, "status_inquiry", actor="t", key="k1")
    assert letter.language == "en" and letter.subject.startswith("Status inquiry")
    assert draft_letter(case, "status_inquiry", actor="t", key="k1").id == letter.id
