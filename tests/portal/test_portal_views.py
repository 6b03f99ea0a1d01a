from __future__ import annotations

import io

from mla.cases.services import add_event, add_note
from tests.conftest import _csrf_from

PDF = b"%PDF-1.4\nanswer\n"


def _wait_on_prosecutor(db, case) -> None:
    case.direction = "outgoing"
    case.workflow_name = "outgoing_mla"
    case.state = "information_requested"
    add_event(case, "test", "transition", transition="information_requested",
              from_state="under_execution", to_state=case.state,
              comment="Please send the bank's exact name.")
    db.session.commit()


def test_my_requests_lists_only_my_office(prosecutor_setup, client, login_as):
    login_as(prosecutor_setup["me"])
    html = client.get("/portal/").get_data(as_text=True)
    assert prosecutor_setup["mine"].reference in html
    assert prosecutor_setup["not_mine"].reference not in html


def test_a_guessed_reference_is_not_found(prosecutor_setup, client, login_as):
    login_as(prosecutor_setup["me"])
    ref = prosecutor_setup["not_mine"].reference
    assert client.get(f"/portal/requests/{ref}").status_code == 404
    assert client.get("/portal/requests/MLA-IN-1999-99999").status_code == 404


def test_case_page_hides_identities_and_internal_notes(prosecutor_setup, client, login_as, db):
    case = prosecutor_setup["mine"]
    add_note(prosecutor_setup["staff"], case, "Internal: counterpart is slow")
    db.session.commit()
    login_as(prosecutor_setup["me"])
    response = client.get(f"/portal/requests/{case.reference}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Jean Fictif" not in html
    assert "Internal: counterpart is slow" not in html
    assert "Suspect / accused: 1" in html
    assert "the central authority" in html  # who it is waiting on


def test_the_timeline_names_its_entries_in_the_pages_language(prosecutor_setup, client,
                                                              login_as, db):
    """An entry with no step (the secure exchange's) is named as the staff page names it,
    in the prosecutor's language: not by its kind code nor by the English label its data
    keeps."""
    case = prosecutor_setup["mine"]
    add_event(case, prosecutor_setup["staff"], "exchange",
              data={"label": "Sealed for electronic transmission", "action": "sealed"})
    db.session.commit()
    login_as(prosecutor_setup["me"])
    html = client.get(f"/portal/requests/{case.reference}",
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    timeline = html[html.index('id="h-timeline"'):]
    assert "Échange sécurisé" in timeline
    assert "Sealed for electronic transmission" not in timeline
    assert "<div>exchange</div>" not in timeline


def test_api_gives_the_prosecutor_the_same_restricted_view(prosecutor_setup, client, db,
                                                           api_token):
    case = prosecutor_setup["mine"]
    add_event(case, prosecutor_setup["staff"], "transition", transition="secret_step",
              from_state="draft", to_state="draft", is_internal=True)
    db.session.commit()
    mine = api_token(prosecutor_setup["me"])
    body = client.get(f"/api/v1/cases/{case.reference}", headers=mine).get_json()
    assert [h["transition"] for h in body["history"]] == ["registered"]
    staff = client.get(f"/api/v1/cases/{case.reference}",
                       headers=api_token(prosecutor_setup["staff"])).get_json()
    assert "secret_step" in [h["transition"] for h in staff["history"]]
    listed = client.get("/api/v1/cases", headers=mine).get_json()
    assert [c["reference"] for c in listed["items"]] == [case.reference]
    other = prosecutor_setup["not_mine"].reference
    assert client.get(f"/api/v1/cases/{other}", headers=mine).status_code == 404


def test_answer_needs_a_request_waiting_on_the_office(prosecutor_setup, client, login_as, db):
    case = prosecutor_setup["mine"]
    login_as(prosecutor_setup["me"])
    path = f"/portal/requests/{case.reference}"
    token = _csrf_from(client.get("/portal/").get_data(as_text=True))
    response = client.post(f"{path}/answer", data={"csrf_token": token, "text": "Here."})
    assert response.status_code == 422
    assert "not waiting for information" in response.get_data(as_text=True)


def test_answer_writes_event_and_shared_documents(prosecutor_setup, client, login_as, db):
    from mla.cases.models import CaseEvent
    from mla.documents.models import Document
    from mla.notifications.models import OutboxMessage

    case = prosecutor_setup["mine"]
    case.assignee_id = prosecutor_setup["staff"].id
    _wait_on_prosecutor(db, case)
    login_as(prosecutor_setup["me"])
    path = f"/portal/requests/{case.reference}"
    html = client.get(path).get_data(as_text=True)
    assert "Please send the bank" in html
    assert '<dd class="col-sm-8" id="waiting-on">your office</dd>' in html
    token = _csrf_from(html)
    refused = client.post(f"{path}/answer", content_type="multipart/form-data", data={
        "csrf_token": token, "text": "Bank: Banque Fictive",
        "files": [(io.BytesIO(b"MZ"), "tool.exe")]})
    assert refused.status_code == 422
    assert "not a valid" in refused.get_data(as_text=True) or "not accepted" in refused.get_data(
        as_text=True)
    db.session.rollback()
    assert db.session.query(CaseEvent).filter_by(kind="supplementary_answer").count() == 0
    sent = client.post(f"{path}/answer", content_type="multipart/form-data", data={
        "csrf_token": token, "text": "Bank: Banque Fictive",
        "files": [(io.BytesIO(PDF), "letter.pdf"), (io.BytesIO(b"notes"), "notes.txt")]})
    assert sent.status_code == 302
    db.session.rollback()
    event = db.session.query(CaseEvent).filter_by(kind="supplementary_answer").one()
    assert event.comment == "Bank: Banque Fictive" and not event.is_internal
    docs = db.session.query(Document).order_by(Document.id).all()
    assert [(d.filename, d.visibility, d.event_id) for d in docs] == [
        ("letter.pdf", "shared", event.id), ("notes.txt", "shared", event.id)]
    notices = db.session.query(OutboxMessage).filter_by(channel="in_app").all()
    assert [(n.user_id, n.case_id) for n in notices] == [(prosecutor_setup["staff"].id, case.id)]


def test_prosecutor_cannot_use_staff_pages(prosecutor_setup, client, login_as):
    login_as(prosecutor_setup["me"])
    assert client.get("/portal/review").status_code == 403
    assert client.get("/requests/new").status_code == 403


def test_staff_cannot_use_the_portal(prosecutor_setup, client, login_as):
    login_as(prosecutor_setup["staff"])
    assert client.get("/portal/").status_code == 403


def test_staff_case_page_hides_identities_from_prosecutors(prosecutor_setup, client, login_as):
    login_as(prosecutor_setup["me"])
    reference = prosecutor_setup["mine"].reference
    response = client.get(f"/requests/{reference}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/portal/requests/{reference}")
    assert client.get("/requests/").headers["Location"].endswith("/portal/")
    html = client.get(f"/requests/{reference}", follow_redirects=True).get_data(as_text=True)
    assert "Jean Fictif" not in html
