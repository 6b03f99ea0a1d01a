"""Input that once reached the database or the calendar unchecked: a 4xx, never a 500."""

from __future__ import annotations


def test_lone_surrogates_in_a_json_body_are_400(client, create_user, api_token):
    headers = api_token(create_user("caseworker"))
    body = ('{"direction": "incoming", "kind": "mla", "counterpart_country": "XA", '
            '"legal_basis": "UNTOC", "title": "bad \\ud800 text"}')
    response = client.post("/api/v1/cases", data=body, headers=headers,
                           content_type="application/json")
    assert response.status_code == 400
    assert "not valid Unicode" in response.get_json()["error"]["message"]


def test_huge_ids_are_422_in_bodies_and_404_in_paths(client, create_user, api_token,
                                                     login_as):
    user = create_user("admin")
    headers = api_token(user)
    body = {"direction": "incoming", "kind": "mla", "counterpart_country": "XA",
            "legal_basis": "UNTOC", "title": "x", "counterpart_authority_id": 10**30}
    assert client.post("/api/v1/cases", json=body, headers=headers).status_code == 422
    login_as(user)
    for path in ("/directory/99999999999999999999", "/admin/users/99999999999999999999",
                 "/documents/99999999999999999999"):
        assert client.get(path).status_code == 404, path


def test_dates_off_the_calendar_are_422(client, create_user, api_token, make_case):
    worker = create_user("caseworker")
    case = make_case(worker)
    headers = api_token(worker)
    for due_on in ("9999-12-31", "0001-01-01"):
        response = client.post(f"/api/v1/cases/{case.reference}/transitions", headers=headers,
                               json={"name": "acknowledge", "version": case.version,
                                     "values": {"due_on": due_on}})
        assert response.status_code == 422, (due_on, response.get_json())


def test_superscript_digits_are_not_numbers(client, create_user, login_as, make_case):
    login_as(create_user("caseworker"))
    make_case()
    assert client.get("/requests/?assignee=²").status_code == 200
    assert client.post("/notifications/read", data={"id": "²"}).status_code in (302, 400)
