"""PATCH /api/v1/cases/<reference> (CONTRACT.md v1.1) and reopening through the API."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from mla.cases.models import Case, CaseEvent


@pytest.fixture
def staff(create_user, api_token):
    caseworker = create_user("caseworker")
    return caseworker, api_token(caseworker)


def test_patch_changes_only_what_is_sent_and_bumps_the_version(client, make_case, staff):
    caseworker, headers = staff
    case = make_case(caseworker, summary="False invoices")
    response = client.patch(f"/api/v1/cases/{case.reference}", headers=headers,
                            json={"version": 1, "title": "Corrected", "urgent": True,
                                  "urgency_reason": "Person in custody"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["title"], body["urgent"], body["summary"], body["version"]) == (
        "Corrected", True, "False invoices", 2)


def test_patch_offences_and_persons_by_id(client, make_case, staff, db):
    caseworker, headers = staff
    case = make_case(caseworker)
    got = client.get(f"/api/v1/cases/{case.reference}", headers=headers).get_json()
    offence, person = got["offences"][0], got["persons"][0]
    assert person["full_name"] == "Jean Fictif"
    response = client.patch(f"/api/v1/cases/{case.reference}", headers=headers, json={
        "version": got["version"],
        "offences": [{"id": offence["id"], "max_penalty_months": "life"},
                     {"label": "Laundering", "iccs": ["07041"]}],
        "persons": [{"id": person["id"], "full_name": "Jeanne Fictive"}]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [(o["label"], o["max_penalty_months"]) for o in body["offences"]] == [
        ("Fraud", "life"), ("Laundering", None)]
    assert body["offences"][0]["iccs"] == ["0701"]  # left out: unchanged
    assert [p["full_name"] for p in body["persons"]] == ["Jeanne Fictive"]
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "edited")).one()
    assert "Jeanne" not in repr(event.data)


def test_patch_with_a_stale_version_is_409_and_a_malformed_body_422(client, make_case, staff):
    caseworker, headers = staff
    case = make_case(caseworker)
    url = f"/api/v1/cases/{case.reference}"
    assert client.patch(url, headers=headers, json={"version": 1, "title": "A"}).status_code == 200
    stale = client.patch(url, headers=headers, json={"version": 1, "title": "B"})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    missing = client.patch(url, headers=headers, json={"title": "C"})
    assert missing.status_code == 422 and "version" in missing.get_json()["error"]["details"]
    unknown = client.patch(url, headers=headers, json={"version": 2, "direction": "outgoing"})
    assert unknown.status_code == 422
    foreign = client.patch(url, headers=headers, json={
        "version": 2, "offences": [{"id": 2**31 - 1, "label": "X"}]})
    assert foreign.status_code == 422
    assert foreign.get_json()["error"]["details"] == {"field": "offences.0"}


def test_patch_on_a_closed_request_is_409_until_a_supervisor_reopens_it(
        client, make_case, staff, create_user, api_token, db):
    from mla.workflow.services import apply_transition

    caseworker, headers = staff
    case = make_case(caseworker)
    apply_transition(caseworker, case, "withdraw", expected_version=1, comment="Withdrawn")
    db.session.commit()
    url = f"/api/v1/cases/{case.reference}"
    closed = client.patch(url, headers=headers, json={"version": 2, "title": "Late"})
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "closed"
    refused = client.post(f"{url}/reopen", headers=headers, json={"version": 2, "reason": "x"})
    assert refused.status_code == 403
    supervisor = api_token(create_user("supervisor"))
    reopened = client.post(f"{url}/reopen", headers=supervisor,
                           json={"version": 2, "reason": "Withdrawn by mistake"})
    assert reopened.status_code == 200, reopened.get_json()
    assert (reopened.get_json()["state"], reopened.get_json()["is_closed"]) == ("received", False)
    again = client.patch(url, headers=headers, json={"version": 3, "title": "Now"})
    assert again.status_code == 200


def test_prosecutors_and_auditors_cannot_patch(client, make_case, create_user, api_token):
    case = make_case()
    for role in ("auditor", "prosecutor", "admin"):
        response = client.patch(f"/api/v1/cases/{case.reference}",
                                headers=api_token(create_user(role)),
                                json={"version": 1, "title": "No"})
        assert response.status_code in (403, 404), role


def test_two_tabs_with_the_same_version_one_wins_one_gets_409(app, db, make_case, create_user):
    """On SQLite and PostgreSQL alike (run both: MLA_TEST_DB=postgres)."""
    from mla.auth.models import User
    from mla.cases.editing import update_case
    from mla.core.errors import Conflict

    case = make_case()
    case_id, user_id = case.id, case.created_by.id
    db.session.commit()
    db.session.close()
    barrier = threading.Barrier(2, timeout=60)
    outcomes: list[str] = []
    lock = threading.Lock()

    def tab(title: str) -> None:
        with app.app_context():
            session = db.session
            try:
                barrier.wait()
                mine = session.get(Case, case_id)
                update_case(session.get(User, user_id), mine, {"title": title},
                            expected_version=1)
                session.commit()
                result = "ok"
            except Conflict:
                session.rollback()
                result = "conflict"
            except Exception as exc:  # reported, not swallowed
                session.rollback()
                result = f"error: {exc!r}"
            finally:
                session.remove()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=tab, args=(f"Tab {n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(outcomes) == ["conflict", "ok"], outcomes
    final = db.session.get(Case, case_id)
    assert final.version == 2 and final.title in ("Tab 1", "Tab 2")
    edits = db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case_id, CaseEvent.kind == "edited"))
    assert edits == 1


def test_the_openapi_document_describes_patch_and_its_errors(client):
    document = client.get("/api/v1/openapi.json").get_json()
    patch = document["paths"]["/api/v1/cases/{reference}"]["patch"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(patch["responses"])
    body = patch["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/CasePatch")
    schema = document["components"]["schemas"]["CasePatch"]
    assert schema["required"] == ["version"] and "received_on" in schema["properties"]
    answer = patch["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert "received_on" in document["components"]["schemas"][answer.rsplit("/", 1)[1]][
        "properties"]
