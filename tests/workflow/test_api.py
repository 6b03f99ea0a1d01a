"""GET and POST /api/v1/cases/<reference>/transitions as CONTRACT.md writes them."""

from __future__ import annotations

URL = "/api/v1/cases/{}/transitions"


def test_list_transitions(client, api_token, ready_case, users):
    case = ready_case("incoming_mla", "refusal_proposed")
    response = client.get(URL.format(case.reference), headers=api_token(users["caseworker"]))
    assert response.status_code == 200
    body = {item["name"]: item for item in response.get_json()}
    assert set(body) == {"approve_refusal", "return_refusal", "withdraw"}
    assert body["approve_refusal"]["to"] == "closed_refused"
    assert body["approve_refusal"]["allowed"] is False
    assert body["approve_refusal"]["blocked_by"]
    assert body["withdraw"] == {**body["withdraw"], "allowed": True, "blocked_by": []}


def test_post_transition_returns_the_case(client, api_token, ready_case, users, effect_log):
    case = ready_case("incoming_mla")
    response = client.post(URL.format(case.reference), headers=api_token(users["caseworker"]),
                           json={"name": "acknowledge", "version": 1, "comment": "Received",
                                 "values": {"due_on": "2026-07-01"}})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["state"], body["version"]) == ("under_review", 2)
    assert body["history"][-1]["transition"] == "acknowledge"


def test_post_stale_version_is_409(client, api_token, ready_case, users, effect_log):
    case = ready_case("incoming_mla", "under_review")
    headers = api_token(users["caseworker"])
    response = client.post(URL.format(case.reference), headers=headers,
                           json={"name": "refer_for_decision", "version": 7})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_post_blocked_by_guard_is_422_with_reasons(client, api_token, ready_case, users):
    case = ready_case("incoming_mla", "decision", assess=False)
    response = client.post(URL.format(case.reference), headers=api_token(users["caseworker"]),
                           json={"name": "accept", "version": 1})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "blocked"
    assert any("Dual criminality" in r for r in error["details"]["blocked_by"])
    assert client.get(f"/api/v1/cases/{case.reference}",
                      headers=api_token(users["caseworker"])).get_json()["version"] == 1


def test_post_wrong_role_is_403(client, api_token, ready_case, users):
    case = ready_case("incoming_mla", "refusal_proposed")
    for role in ("caseworker", "auditor"):
        response = client.post(URL.format(case.reference), headers=api_token(users[role]),
                               json={"name": "approve_refusal", "version": 1})
        assert response.status_code == 403, role


def test_post_bad_bodies_are_4xx_never_500(client, api_token, ready_case, users):
    case = ready_case("incoming_mla")
    headers = api_token(users["caseworker"])
    for body in ({}, {"name": "acknowledge"}, {"name": "acknowledge", "version": "1"},
                 {"name": "acknowledge", "version": True},
                 {"name": "acknowledge", "version": 1, "values": []},
                 {"name": "acknowledge", "version": 1, "values": {"due_on": "soon"}},
                 {"name": "acknowledge", "version": 1, "extra": 1},
                 {"name": "nothing", "version": 1}):
        response = client.post(URL.format(case.reference), headers=headers, json=body)
        assert response.status_code in (400, 422), (body, response.status_code)
    assert client.post(URL.format(case.reference), headers=headers,
                       data="not json").status_code == 400


def test_prosecutor_cannot_see_another_offices_request(client, api_token, ready_case,
                                                       create_user):
    case = ready_case("outgoing_mla", domestic_authority_id=None)
    outsider = create_user("prosecutor")
    response = client.get(URL.format(case.reference), headers=api_token(outsider))
    assert response.status_code == 404
