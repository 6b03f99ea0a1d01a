"""The password policy (ASVS 4.0.3 V2.1) on every path that sets a password."""

from __future__ import annotations

import pytest

from mla.auth.passwords import common_passwords, password_problems
from tests.conftest import PASSWORD, _csrf_from

COMMON_LONG = "qwertyuiop123"  # in the shipped list, and long enough to pass on length


def test_the_shipped_list_holds_thirty_thousand_common_passwords():
    passwords = common_passwords()
    assert len(passwords) == 30000
    assert {"123456", "password", COMMON_LONG} <= passwords


@pytest.mark.parametrize("password", [
    "a" * 11,                      # too short
    COMMON_LONG,                   # breached
    COMMON_LONG.upper(),           # breached, whatever the case
    "x" * 1025,                    # too long
    "twelve chars\x00ok",          # a control character
])
def test_weak_passwords_are_refused(password):
    assert password_problems(password)


@pytest.mark.parametrize("password", [
    "twelve chars",                # length, no composition rules
    "ünïcödé pässwörd ✓",          # any printable Unicode
    "日本語のパスワードです十二文字",
    "p" * 64 + " long is fine" * 70,  # past 64, up to 1,024
])
def test_long_and_unicode_passwords_are_accepted(password):
    assert password_problems(password) == []


def test_the_user_name_inside_the_password_is_refused():
    assert password_problems("mallory-rules-the-world", "mallory")


def test_admin_form_shows_the_refusal_next_to_the_password_field(client, create_user, login_as):
    login_as(create_user("admin"))
    token = _csrf_from(client.get("/admin/users/new").get_data(as_text=True))
    response = client.post("/admin/users/new", data={
        "username": "newperson", "display_name": "New Person", "role": "caseworker",
        "authority_id": "0", "password": COMMON_LONG, "csrf_token": token})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "most common leaked passwords" in html
    assert html.index("most common leaked passwords") > html.index('id="password"')


def test_admin_reset_refuses_a_common_password(client, create_user, login_as):
    admin, other = create_user("admin"), create_user("caseworker")
    login_as(admin)
    path = f"/admin/users/{other.id}"
    token = _csrf_from(client.get(path).get_data(as_text=True))
    response = client.post(path, data={
        "display_name": "Other", "role": "caseworker", "authority_id": "0",
        "is_enabled": "y", "new_password": COMMON_LONG, "csrf_token": token})
    assert response.status_code == 422
    assert "most common leaked passwords" in response.get_data(as_text=True)


def test_own_password_change_refuses_a_common_password(client, create_user, login_as):
    login_as(create_user("caseworker"))
    token = _csrf_from(client.get("/account/password").get_data(as_text=True))
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": COMMON_LONG, "csrf_token": token})
    assert response.status_code == 422
    assert "most common leaked passwords" in response.get_data(as_text=True)


def test_users_create_cli_refuses_a_common_password(runner, db):
    result = runner.invoke(args=["users", "create", "someone", "--role", "caseworker"],
                           input=COMMON_LONG + "\n")
    assert result.exit_code != 0
    assert "most common leaked passwords" in result.output
