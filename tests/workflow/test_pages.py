"""The request page's steps, the step form, the diagram."""

from __future__ import annotations

import re

from sqlalchemy import select

from mla.cases.models import CaseEvent


def _token(html: str, prefix: str) -> str:
    match = re.search(rf'id="{prefix}-csrf_token" name="{prefix}-csrf_token" type="hidden" '
                      r'value="([^"]+)"', html)
    assert match, "no CSRF token for the step"
    return match.group(1)


def test_request_page_shows_state_steps_and_why_not(client, login_as, ready_case, users):
    case = ready_case("incoming_mla", "decision", assess=False)
    login_as(users["caseworker"])
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "Awaiting decision" in html
    assert 'data-step="propose_refusal"' in html
    assert "Not possible yet" in html
    assert "Dual criminality not yet assessed" in html
    assert f"/workflows/incoming_mla?case={case.reference}" in html
    assert "style=" not in html.split('id="workflow-steps"')[1].split("</section>")[0]


def test_taking_a_step_through_the_form(client, login_as, ready_case, users, authorities,
                                        effect_log, db):
    case = ready_case("incoming_mla", "accepted")
    login_as(users["caseworker"])
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    data = {"assign_execution-csrf_token": _token(html, "assign_execution"),
            "assign_execution-version": "1",
            "assign_execution-executing_authority_id": str(authorities["court"].id),
            "assign_execution-comment": "Court has jurisdiction"}
    response = client.post(f"/requests/{case.reference}/steps/assign_execution", data=data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "In execution by the executing body" in page
    assert "Send to an executing body" in page  # on the timeline
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "transition")).one()
    assert event.actor_id == users["caseworker"].id


def test_invalid_step_form_is_shown_again_with_errors(client, login_as, ready_case, users,
                                                      effect_log):
    case = ready_case("incoming_mla", "decision")
    login_as(users["caseworker"])
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    data = {"propose_refusal-csrf_token": _token(html, "propose_refusal"),
            "propose_refusal-version": "1", "propose_refusal-reasons": "",
            "propose_refusal-refusal_ground": "", "propose_refusal-consultation": "held"}
    response = client.post(f"/requests/{case.reference}/steps/propose_refusal", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "is-invalid" in page and 'aria-invalid="true"' in page


def test_stale_form_is_a_conflict_page(client, login_as, ready_case, users, effect_log):
    case = ready_case("incoming_mla")
    login_as(users["caseworker"])
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    token = _token(html, "acknowledge")
    first = client.post(f"/requests/{case.reference}/steps/acknowledge",
                        data={"acknowledge-csrf_token": token, "acknowledge-version": "1"})
    assert first.status_code == 302
    again = client.get(f"/requests/{case.reference}/steps/acknowledge")
    assert again.status_code == 404  # no longer a step from here


def test_step_form_without_csrf_is_refused(client, login_as, ready_case, users):
    case = ready_case("incoming_mla")
    login_as(users["caseworker"])
    response = client.post(f"/requests/{case.reference}/steps/acknowledge",
                           data={"acknowledge-version": "1"})
    assert response.status_code in (400, 422)


def test_auditor_cannot_take_steps(client, login_as, ready_case, users):
    case = ready_case("incoming_mla")
    login_as(users["auditor"])
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert 'data-step="' not in html
    page = client.get(f"/requests/{case.reference}/steps/acknowledge")
    token = re.search(r'name="acknowledge-csrf_token" type="hidden" value="([^"]+)"',
                      page.get_data(as_text=True))
    assert token is None  # no form for a role the file does not list


def test_diagram_page_draws_every_state_and_highlights_the_request(client, login_as,
                                                                     ready_case, users):
    case = ready_case("incoming_mla", "awaiting_information")
    login_as(users["prosecutor"])
    response = client.get(f"/workflows/incoming_mla?case={case.reference}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<g class="wf-state') == 15
    assert 'class="wf-state wf-paused wf-current" id="wf-state-awaiting_information"' in html
    assert "SV AD" in html  # roles on the approval transition
    assert "style=" not in html.split("<svg")[1].split("</svg>")[0]
    assert "<script" not in html.split('<main')[1]


def test_diagram_pages_for_every_workflow(client, login_as, users):
    login_as(users["trainee"])
    index = client.get("/workflows/").get_data(as_text=True)
    for name in ("incoming_mla", "outgoing_mla", "incoming_extradition",
                 "outgoing_extradition"):
        assert f"/workflows/{name}" in index
        response = client.get(f"/workflows/{name}?state=closed_withdrawn")
        assert response.status_code == 200
        assert 'wf-current" id="wf-state-closed_withdrawn"' in response.get_data(as_text=True)
    assert client.get("/workflows/nope").status_code == 404
    assert client.get("/workflows/incoming_mla?state=<script>").status_code == 200


def test_diagram_needs_sign_in(client):
    assert client.get("/workflows/incoming_mla").status_code == 302
