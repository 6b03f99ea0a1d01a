"""Odd input the outside probe sent: a 4xx (or a working page), never a 500."""

from __future__ import annotations

import pytest

from tests.conftest import _csrf_from


def _login_page_token(client) -> str:
    return _csrf_from(client.get("/login").get_data(as_text=True))


def test_nul_byte_in_the_sign_in_form_is_refused(client, create_user):
    create_user("admin", username="admin")
    response = client.post("/login", data={"username": "admin\x00", "password": "x" * 12,
                                           "csrf_token": _login_page_token(client)})
    assert response.status_code == 400


def test_nul_byte_in_a_query_string_is_refused(client, create_user, login_as):
    login_as(create_user("caseworker"))
    assert client.get("/requests/?q=ab%00cd").status_code == 400


@pytest.mark.parametrize("path", ["/requests/AB%00CD", "/calendar/feed/abcdefghijklmnop%00q.ics"])
def test_nul_byte_in_a_path_is_refused(client, create_user, login_as, path):
    login_as(create_user("caseworker"))
    assert client.get(path).status_code == 400


def test_nul_byte_in_a_header_is_refused(client, create_user):
    create_user("caseworker", username="walker")
    response = client.post("/login", headers={"User-Agent": "probe\x00"},
                           data={"username": "walker", "password": "x" * 12,
                                 "csrf_token": _login_page_token(client)})
    assert response.status_code == 400


def test_nul_byte_in_json_is_refused(client, create_user, api_token):
    headers = api_token(create_user("caseworker"))
    body = {"direction": "incoming", "kind": "mla", "counterpart_country": "XA",
            "legal_basis": "UNTOC", "title": "bad \x00 title"}
    response = client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_deeply_nested_json_is_refused(client, create_user, api_token):
    headers = api_token(create_user("caseworker"))
    body = "[" * 5000 + "]" * 5000
    response = client.post("/api/v1/cases", data=body, headers=headers,
                           content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_a_partial_directory_form_shows_errors(client, create_user, login_as, csrf_token, db):
    from mla.directory.models import Authority

    office = Authority(name="Office", country_code="XZ", kind="court", languages=["fr", "en"])
    db.session.add(office)
    db.session.commit()
    login_as(create_user("admin"))
    response = client.post("/directory/new",
                           data={"csrf_token": csrf_token("/directory/new"), "name": "Half"})
    assert response.status_code == 422
    edit = f"/directory/{office.id}"
    response = client.post(edit, data={"csrf_token": csrf_token(edit), "name": "Office"})
    assert response.status_code == 302
    db.session.refresh(office)
    assert office.languages == ["fr", "en"]  # a field left out keeps what it held


@pytest.mark.parametrize("target", ["/%0d%0aSet-Cookie:%20x=1", "/requests%0a/",
                                    "/%E2%80%AEevil"])
def test_next_with_control_characters_goes_home(client, create_user, target):
    create_user("caseworker", username="walker")
    response = client.post(f"/login?next={target}",
                           data={"username": "walker", "password": "correct horse battery staple",
                                 "csrf_token": _login_page_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_display_name_with_a_line_break_is_refused_by_the_user_form(client, create_user,
                                                                     login_as, csrf_token):
    admin = create_user("admin")
    login_as(admin)
    url = f"/admin/users/{admin.id}"
    response = client.post(url, data={"csrf_token": csrf_token(url), "role": "admin",
                                      "display_name": "Ann\r\nX-INJECTED:1",
                                      "authority_id": "0", "is_enabled": "y"})
    assert response.status_code == 422
    assert "on one line" in response.get_data(as_text=True)


def test_a_display_name_with_a_line_break_keeps_the_calendar_feed(client, create_user, db):
    from mla.deadlines.ical import create_feed

    user = create_user("caseworker", display_name="Ann\r\nX-INJECTED:1")
    _feed, token = create_feed(user)
    db.session.commit()
    response = client.get(f"/calendar/feed/{token}.ics")
    assert response.status_code == 200
    assert b"\r\nX-INJECTED" not in response.data


def test_health_answers_503_json_when_the_database_is_down(tmp_path, fast_passwords):
    from mla import create_app
    from mla.extensions import db
    from tests.conftest import make_settings

    # Nothing listens on port 9 (discard): the connection is refused at once.
    down = create_app(make_settings(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:9/none"))
    try:
        response = down.test_client().get("/api/v1/health")
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "unavailable"
    finally:
        with down.app_context():
            db.engine.dispose()


def test_json_nested_past_the_limit_but_within_the_parser_is_refused(client, create_user,
                                                                       api_token):
    headers = api_token(create_user("caseworker"))
    body = '{"title": ' + "[" * 40 + "]" * 40 + "}"
    response = client.post("/api/v1/cases", data=body, headers=headers,
                           content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.get_json()["error"]["message"]
