from __future__ import annotations

from tests.conftest import PASSWORD

BODY = {
    "direction": "incoming", "kind": "mla", "counterpart_country": "FR",
    "legal_basis": "UNTOC", "title": "Bank records, fraud ring",
    "counterpart_reference": "FR-2026-88", "urgent": False,
    "offences": [{"label": "Escroquerie", "statute": "Code pénal art. 313-1",
                  "max_penalty_months": 60, "iccs": ["0701"],
                  "conduct": "Obtained funds by false invoices"}],
    "measures": ["bank_records"],
}


def test_health_needs_no_token(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_create_then_read_a_case(client, create_user, api_token):
    headers = api_token(create_user("caseworker"))
    response = client.post("/api/v1/cases", json=BODY, headers=headers)
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["reference"].startswith("MLA-IN-")
    for key in ("reference", "direction", "kind", "state", "version", "counterpart_country",
                "legal_basis", "title", "created_at", "offences", "deadlines", "history"):
        assert key in case
    assert case["offences"][0]["iccs"] == ["0701"]
    assert case["offences"][0]["max_penalty_months"] == 60
    assert case["history"][0]["to"] == case["state"]
    assert response.headers["Location"].endswith(case["reference"])

    fetched = client.get(f"/api/v1/cases/{case['reference']}", headers=headers).get_json()
    assert fetched["reference"] == case["reference"] and fetched["version"] == 1

    listing = client.get("/api/v1/cases?direction=incoming&per_page=10", headers=headers)
    body = listing.get_json()
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 10
    assert body["items"][0]["reference"] == case["reference"]


def test_life_penalty_round_trips(client, create_user, api_token):
    headers = api_token(create_user("caseworker"))
    body = dict(BODY, offences=[dict(BODY["offences"][0], max_penalty_months="life")])
    case = client.post("/api/v1/cases", json=body, headers=headers).get_json()
    assert case["offences"][0]["max_penalty_months"] == "life"


def test_missing_or_bad_token_is_401_json(client):
    assert client.get("/api/v1/cases").status_code == 401
    response = client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_browser_session_does_not_authenticate_the_api(client, create_user, login_as):
    login_as(create_user("caseworker"))
    assert client.get("/requests/").status_code == 200
    assert client.get("/api/v1/cases").status_code == 401


def test_invalid_bodies_are_4xx_json_never_500(client, create_user, api_token):
    headers = api_token(create_user("caseworker"))
    cases = [
        (dict(BODY, direction="sideways"), 422),
        (dict(BODY, counterpart_country="ZZZ"), 422),
        (dict(BODY, counterpart_country="QQ"), 422),        # not a known country
        (dict(BODY, legal_basis="ECE"), 422),               # ECE does not fit MLA
        (dict(BODY, legal_basis="NOPE"), 422),
        (dict(BODY, offences=[dict(BODY["offences"][0], max_penalty_months=-5)]), 422),
        (dict(BODY, offences=[dict(BODY["offences"][0], iccs=["9999"])]), 422),
        (dict(BODY, measures=["torture"]), 422),
        (dict(BODY, unexpected=1), 422),
        ([1, 2, 3], 400),
    ]
    for body, status in cases:
        response = client.post("/api/v1/cases", json=body, headers=headers)
        assert response.status_code == status, (body, response.get_json())
        assert "error" in response.get_json()
    response = client.post("/api/v1/cases", data="{not json", headers=headers,
                           content_type="application/json")
    assert response.status_code == 400


def test_roles(client, create_user, api_token, make_case):
    case = make_case()
    prosecutor = api_token(create_user("prosecutor"))
    assert client.post("/api/v1/cases", json=BODY, headers=prosecutor).status_code == 403
    # A prosecutor of no authority sees nothing, and cannot probe references.
    assert client.get(f"/api/v1/cases/{case.reference}", headers=prosecutor).status_code == 404
    auditor = api_token(create_user("auditor"))
    assert client.get(f"/api/v1/cases/{case.reference}", headers=auditor).status_code == 200
    assert client.post("/api/v1/cases", json=BODY, headers=auditor).status_code == 403


def test_unknown_case_is_404_json(client, create_user, api_token):
    headers = api_token(create_user("caseworker"))
    response = client.get("/api/v1/cases/MLA-IN-1999-00001", headers=headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_revoked_and_expired_tokens_stop_working(client, create_user, db):
    from datetime import timedelta

    from mla.auth.services import create_api_token, revoke_api_token
    from mla.core.clock import now

    user = create_user("caseworker")
    token, secret = create_api_token("test", user)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    token.expires_at = now() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/cases", headers=headers).status_code == 401
    token.expires_at = None
    revoke_api_token(user, token)
    db.session.commit()
    assert client.get("/api/v1/cases", headers=headers).status_code == 401


def test_cli_users_create_and_token(runner, client):
    result = runner.invoke(args=["users", "create", "alice", "--role", "caseworker"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "token", "alice"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_cli_refuses_bad_input(runner):
    result = runner.invoke(args=["users", "create", "bob", "--role", "caseworker"],
                           input="short\n")
    assert result.exit_code != 0 and "at least 12 characters" in result.output
    result = runner.invoke(args=["users", "create", "bob", "--role", "wizard"], input="x\n")
    assert result.exit_code != 0
    result = runner.invoke(args=["users", "token", "ghost"])
    assert result.exit_code != 0 and "No user named" in result.output


def test_reference_load_is_idempotent(runner):
    first = runner.invoke(args=["reference", "load"])
    second = runner.invoke(args=["reference", "load"])
    assert first.exit_code == second.exit_code == 0
    assert first.output == second.output
    assert "320 ICCS codes" in first.output
