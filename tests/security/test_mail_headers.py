"""One bad e-mail never stops the others; no header value carries a line break."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mla.core.errors import ServiceError
from mla.core.transaction import unit_of_work
from mla.notifications import dispatcher
from mla.notifications.models import OutboxMessage
from mla.notifications.outbox import enqueue
from mla.settings import SmtpSettings
from tests.notifications.helpers import settings_override, smtp_server


def _smtp(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender="ca@example.org")


def test_a_subject_with_a_line_break_goes_out_on_one_line(app, db):
    with smtp_server() as (inbox, port), settings_override(app, smtp=_smtp(port)):
        with unit_of_work():  # stored before input was checked, or by a path that forgot
            enqueue("bad", "email", subject="Your ref. X-1\r\nBcc: spy@example.org",
                    body="b", to_address="a@example.org")
            enqueue("good", "email", subject="Fine", body="b", to_address="b@example.org")
        report = dispatcher.dispatch_due()
    assert report.email == 2 and not report.errors
    bad = next(m for m in inbox.messages if m["To"] == "a@example.org")
    assert bad["Subject"] == "Your ref. X-1 Bcc: spy@example.org"
    assert bad["Bcc"] is None


def test_a_message_that_cannot_be_built_fails_alone(app, db):
    with smtp_server() as (inbox, port), settings_override(app, smtp=_smtp(port)):
        with unit_of_work():
            enqueue("m1", "email", subject="One", body="b", to_address="a@example.org")
            # The e-mail library itself breaks on this address (an AttributeError).
            enqueue("m2", "email", subject="Two", body="b", to_address="x@[1.2.3.4")
            enqueue("m3", "email", subject="Three", body="b", to_address="c@example.org")
        report = dispatcher.dispatch_due()
    assert report.email == 2 and report.retried == 1
    assert sorted(m["Subject"] for m in inbox.messages) == ["One", "Three"]
    rows = {r.key: r for r in db.session.scalars(select(OutboxMessage))}
    assert rows["m2"].status == "pending" and rows["m2"].last_error
    assert {rows["m1"].status, rows["m3"].status} == {"sent"}


def test_a_counterpart_reference_with_a_line_break_is_refused(client, create_user,
                                                              api_token, make_case):
    headers = api_token(create_user("caseworker"))
    body = {"direction": "incoming", "kind": "mla", "counterpart_country": "XA",
            "legal_basis": "UNTOC", "title": "t",
            "counterpart_reference": "XA-1\r\nBcc: spy@example.org"}
    response = client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 422
    case = make_case()
    with pytest.raises(ServiceError):  # edits and workflow steps set the same attribute
        case.counterpart_reference = "XA-2\nX"


def test_a_letter_subject_with_a_line_break_is_refused(app_ctx):
    from werkzeug.datastructures import MultiDict

    from mla.notifications.forms import ApproveLetterForm

    with app_ctx.test_request_context(method="POST"):
        form = ApproveLetterForm(formdata=MultiDict(
            {"subject": "Hello\r\nBcc: spy@example.org", "body": "Dear colleague"}),
            meta={"csrf": False})
        assert not form.validate()
        assert form.subject.errors


def test_a_letter_subject_with_a_line_break_is_refused_by_the_api(db, make_case, create_user,
                                                                 client, api_token):
    from mla.directory.models import Authority
    from mla.notifications.letters import draft_letter
    from mla.notifications.models import Letter

    office = Authority(name="Bureau", country_code="FR", kind="central_authority",
                       languages=["en"], email="bureau@example.fr")
    db.session.add(office)
    db.session.commit()
    worker = create_user("caseworker")
    case = make_case(worker, direction="outgoing", counterpart_country="FR",
                     counterpart_authority_id=office.id, measures=[])
    with unit_of_work():
        draft_letter(case, "status_inquiry", actor=worker)
    letter = db.session.scalars(select(Letter)).one()
    response = client.post(f"/api/v1/letters/{letter.id}/approve",
                           headers=api_token(create_user("supervisor")),
                           json={"subject": "Status\r\nBcc: spy@example.org"})
    assert response.status_code == 422
    db.session.expire_all()
    assert "\n" not in letter.subject and letter.status == "draft"
