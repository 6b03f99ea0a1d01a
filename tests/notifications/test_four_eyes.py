"""Four eyes on letters to counterparts, and an honest delivery status.

The person whose step drafted a letter never approves it, on screen or through the
API; a supervisor does by default, any second caseworker when an admin says so
(audited). "Approved and sent" is said only once the SMTP server accepted it; a
refusal or a missing SMTP host is shown on the letter, the request page and the
letters queue, with the reason and a retry.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from mla.audit.models import AuditEntry
from mla.core.transaction import unit_of_work
from mla.directory.models import Authority
from mla.notifications.dispatcher import dispatch_due
from mla.notifications.letters import draft_letter
from mla.notifications.models import Letter, OutboxMessage
from mla.settings import SmtpSettings
from tests.conftest import _csrf_from
from tests.notifications.helpers import settings_override, smtp_server

ADDRESS = "entraide@example.fr"


class RefusingInbox:
    """aiosmtpd handler that refuses every recipient, as a real server would."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        return "550 5.1.1 Mailbox unavailable"


@pytest.fixture
def drafted(db, make_case, create_user):
    """A letter drafted by a caseworker's step, to a French authority with an address."""
    drafter = create_user("caseworker")
    authority = Authority(name="Bureau de l'entraide pénale", country_code="FR",
                          kind="central_authority", languages=["en"], email=ADDRESS)
    db.session.add(authority)
    db.session.commit()
    case = make_case(drafter, direction="outgoing", counterpart_country="FR",
                     counterpart_authority_id=authority.id, assignee_id=drafter.id)
    with unit_of_work():
        letter = draft_letter(case, "status_inquiry", actor=drafter, key="k-four-eyes")
    return letter, drafter, case


def _approve(client, letter: Letter):
    token = _csrf_from(client.get(f"/letters/{letter.id}").get_data(as_text=True))
    return client.post(f"/letters/{letter.id}", data={
        "csrf_token": token, "subject": letter.subject, "body": letter.body})


def test_the_drafter_cannot_approve_on_screen_a_supervisor_can(drafted, client, login_as,
                                                              create_user, db):
    letter, drafter, _case = drafted
    assert letter.created_by_id == drafter.id and letter.status == "draft"
    login_as(drafter)
    page = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert 'id="approval-refused"' in page and "You drafted this letter" in page
    assert ">Approve<" not in page
    refused = _approve(client, letter)
    assert refused.status_code == 403
    assert "You drafted this letter" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert letter.status == "draft"
    assert db.session.scalar(select(OutboxMessage)) is None

    supervisor = create_user("supervisor")
    login_as(supervisor)
    done = _approve(client, letter)
    assert done.status_code == 302
    db.session.expire_all()
    assert letter.status == "approved" and letter.decided_by_id == supervisor.id
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    # Approved, not yet sent: the page says so and never claims it went.
    assert "It is being sent to entraide@example.fr" in page
    assert 'data-delivery="queued"' in page and "Approved and sent" not in page


def test_a_second_caseworker_approves_only_when_an_admin_allows_it(drafted, client, login_as,
                                                                   create_user, db):
    letter, _drafter, _case = drafted
    colleague = create_user("caseworker")
    login_as(colleague)
    assert _approve(client, letter).status_code == 403          # default: a supervisor
    admin = create_user("admin")
    login_as(admin)
    form = client.get("/letters/settings").get_data(as_text=True)
    saved = client.post("/letters/settings", data={"csrf_token": _csrf_from(form),
                                                   "second_approver": "any_caseworker"})
    assert saved.status_code == 302
    bad = client.post("/letters/settings", data={"csrf_token": _csrf_from(form),
                                                 "second_approver": "anyone"})
    assert bad.status_code == 422
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "settings.second_approver")).one()
    assert audit.actor_id == admin.id
    login_as(colleague)
    assert _approve(client, letter).status_code == 302
    db.session.expire_all()
    assert letter.status == "approved" and letter.decided_by_id == colleague.id


def test_nobody_approves_their_own_letter_through_the_api(drafted, client, api_token,
                                                          create_user, db):
    letter, drafter, _case = drafted
    url = f"/api/v1/letters/{letter.id}/approve"
    mine = client.get(f"/api/v1/letters/{letter.id}", headers=api_token(drafter)).get_json()
    assert mine["you_may_approve"] is False and "You drafted" in mine["why_not"]
    refused = client.post(url, json={}, headers=api_token(drafter))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "four_eyes"
    supervisor = create_user("supervisor")
    done = client.post(url, json={"body": letter.body + "\nRegards."},
                       headers=api_token(supervisor))
    assert done.status_code == 200
    body = done.get_json()
    assert body["status"] == "approved" and body["delivery"] == "queued"
    again = client.post(url, json={}, headers=api_token(supervisor))
    assert again.status_code == 409
    assert client.post("/api/v1/letters/999999/approve", json={},
                       headers=api_token(supervisor)).status_code == 404
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/letters/{letter_id}/approve" in spec["paths"]


def test_the_database_refuses_a_self_approved_letter(drafted, db):
    from sqlalchemy.exc import IntegrityError

    letter, drafter, _case = drafted
    letter.status = "approved"
    letter.decided_by_id = drafter.id
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def _approved_by_supervisor(letter: Letter, create_user) -> None:
    from mla.notifications.letters import approve_letter

    with unit_of_work():
        approve_letter(create_user("supervisor"), letter)


def test_a_refused_delivery_shows_with_its_reason_and_a_retry(drafted, app, client, login_as,
                                                               create_user, db):
    from aiosmtpd.controller import Controller

    from tests.notifications.helpers import free_port

    letter, drafter, case = drafted
    _approved_by_supervisor(letter, create_user)
    port = free_port()
    controller = Controller(RefusingInbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with settings_override(app, smtp=SmtpSettings(host="127.0.0.1", port=port)):
            report = dispatch_due()
    finally:
        controller.stop()
    assert report.retried == 1 and report.email == 0
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.status == "pending"
    assert row.last_error == ("The mail server refused the recipient: "
                              f"{ADDRESS} (550 5.1.1 Mailbox unavailable)")

    login_as(drafter)
    for path in (f"/requests/{case.reference}", "/letters", f"/letters/{letter.id}"):
        html = client.get(path).get_data(as_text=True)
        assert 'data-delivery="retrying"' in html, path
        assert "Mailbox unavailable" in html, path
        assert "Retry now" in html and "Approved and sent" not in html, path
    retried = client.post(f"/letters/{letter.id}/retry", data={
        "csrf_token": _csrf_from(client.get(f"/letters/{letter.id}").get_data(as_text=True))})
    assert retried.status_code == 302
    db.session.expire_all()
    assert row.status == "pending" and row.attempts == 0

    with smtp_server() as (inbox, accepting), settings_override(
            app, smtp=SmtpSettings(host="127.0.0.1", port=accepting)):
        assert dispatch_due().email == 1
    assert inbox.message_ids() == [row.message_id]
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert 'data-delivery="sent"' in html and "Approved and sent" in html
    assert "Retry now" not in html
    assert "Approved but not sent" not in client.get("/letters").get_data(as_text=True)


def test_no_smtp_host_is_a_failure_not_a_success(drafted, app, client, login_as, create_user,
                                                 db):
    letter, _drafter, case = drafted
    _approved_by_supervisor(letter, create_user)
    with settings_override(app, smtp=SmtpSettings(host="")):
        assert dispatch_due().retried == 1
    login_as(create_user("caseworker"))
    html = client.get("/letters").get_data(as_text=True)
    assert 'id="undelivered"' in html and "no SMTP host is configured" in html
    assert case.reference in html


def test_a_dead_letter_is_shown_as_failed_and_can_be_retried(drafted, client, login_as,
                                                             create_user, db):
    letter, drafter, case = drafted
    _approved_by_supervisor(letter, create_user)
    row = db.session.scalars(select(OutboxMessage)).one()
    row.status, row.last_error, row.attempts = "dead", "SMTPRecipientsRefused: 550", 8
    db.session.commit()
    login_as(drafter)
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert 'data-delivery="failed"' in html and "SMTPRecipientsRefused: 550" in html
    token = _csrf_from(html)
    assert client.post(f"/letters/{letter.id}/retry",
                       data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert row.status == "pending" and row.attempts == 0
    # A letter whose delivery has not failed is not retried.
    client.post(f"/letters/{letter.id}/retry", data={"csrf_token": token})
    assert db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action == "letter.retry")).all() == ["letter.retry"]


def test_a_letter_drafted_in_a_step_is_announced_to_who_may_approve_it(db, make_case,
                                                                      create_user):
    from sqlalchemy import update

    from mla.cases.models import Case
    from mla.workflow.services import apply_transition

    drafter = create_user("caseworker")
    supervisor = create_user("supervisor")
    case = make_case(drafter, assignee_id=drafter.id)
    db.session.execute(update(Case).where(Case.id == case.id).values(state="under_review"))
    db.session.commit()
    db.session.expire(case)
    apply_transition(drafter, case, "request_information", expected_version=case.version,
                     values={"questions": "Which accounts?"})
    db.session.commit()
    letter = db.session.scalars(select(Letter)).one()
    told = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.key.startswith(f"letter:{letter.id}:approve"),
        OutboxMessage.channel == "in_app")).all()
    assert [m.user_id for m in told] == [supervisor.id]          # never the drafter
    assert told[0].subject.startswith("Letter to approve") and told[0].link.endswith(
        f"/letters/{letter.id}")
