"""Two-step sign-in (TOTP, RFC 6238): enrolment, codes used once, recovery codes,
throttling, who must enrol, and API tokens left alone."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pyotp
import pytest
from sqlalchemy import select

from mla import create_app
from mla.auth.models import RecoveryCode, User, UserSession
from mla.core import clock
from mla.core.crypto import SealedBytes
from mla.settings import DEFAULT_2FA_ROLES, ConfigError, Settings
from tests.conftest import PASSWORD, _csrf_from, make_settings


@pytest.fixture
def production_default(app) -> Iterator[None]:
    """The suite signs in with passwords only; these tests use the shipped default."""
    original = app.extensions["mla.settings"]
    app.extensions["mla.settings"] = dataclasses.replace(original,
                                                         require_2fa_roles=DEFAULT_2FA_ROLES)
    yield
    app.extensions["mla.settings"] = original


def _post_login(client, username: str, password: str = PASSWORD):
    token = _csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def _post_code(client, path: str, code: str):
    token = _csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"code": code, "csrf_token": token})


def _code(secret: str, steps_ahead: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(clock.real_now()) + steps_ahead)


def _enrol(client) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([^<]+)<', page).group(1).replace(" ", "")
    response = _post_code(client, "/account/two-factor", _code(secret))
    assert response.status_code == 200
    codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", response.get_data(as_text=True))
    return secret, codes


def _sign_out(client) -> None:
    token = _csrf_from(client.get("/account/two-factor").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})


def test_an_admin_must_enrol_before_anything_else(client, create_user, production_default):
    admin = create_user("admin")
    assert _post_login(client, admin.username).status_code == 302
    for path in ("/", "/requests/", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/account/two-factor")
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org", "")
    assert re.search(r'id="totp-secret">[A-Z2-7 ]{39}<', html)


def test_enrolment_needs_a_right_code_then_shows_ten_recovery_codes_once(
        client, create_user, db, production_default):
    supervisor = create_user("supervisor")
    _post_login(client, supervisor.username)
    wrong = _post_code(client, "/account/two-factor", "000000")
    assert wrong.status_code == 422
    assert "The code is not correct" in wrong.get_data(as_text=True)

    secret, codes = _enrol(client)
    assert len(codes) == 10 == len(set(codes))
    assert client.get("/requests/").status_code == 200
    db.session.expire_all()
    user = db.session.get(User, supervisor.id)
    assert user.has_second_factor
    assert secret.encode() not in user.totp_secret_enc  # sealed under the key ring
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert stored and all(h.startswith("$argon2id$") for h in stored)
    assert not any(c in client.get("/account/two-factor").get_data(as_text=True) for c in codes)


def test_sign_in_asks_for_the_code_and_refuses_one_used_before(
        client, create_user, db, production_default):
    admin = create_user("admin")
    _post_login(client, admin.username)
    secret, _codes = _enrol(client)
    _sign_out(client)

    response = _post_login(client, admin.username)
    assert response.headers["Location"].endswith("/login/code")
    assert client.get("/requests/").status_code == 302  # not signed in before the code
    code = _code(secret, steps_ahead=1)
    assert _post_code(client, "/login/code", code).status_code == 302
    assert client.get("/requests/").status_code == 200
    _sign_out(client)

    _post_login(client, admin.username)
    replay = _post_code(client, "/login/code", code)
    assert replay.status_code == 401
    assert "already used" in replay.get_data(as_text=True)
    assert client.get("/requests/").status_code == 302


def test_a_recovery_code_works_once(client, create_user, production_default):
    admin = create_user("admin")
    _post_login(client, admin.username)
    _secret, codes = _enrol(client)
    _sign_out(client)

    _post_login(client, admin.username)
    assert _post_code(client, "/login/code", codes[0].upper()).status_code == 302
    _sign_out(client)
    _post_login(client, admin.username)
    assert _post_code(client, "/login/code", codes[0]).status_code == 401


def test_wrong_codes_lock_the_account_like_wrong_passwords(
        client, create_user, production_default):
    admin = create_user("admin")
    _post_login(client, admin.username)
    secret, _codes = _enrol(client)
    _sign_out(client)

    _post_login(client, admin.username)
    for _ in range(5):
        assert _post_code(client, "/login/code", "123456").status_code == 401
    assert _post_code(client, "/login/code", _code(secret, 1)).status_code == 401
    assert client.get("/requests/").status_code == 302


def test_the_code_page_needs_a_password_first(client):
    response = client.get("/login/code")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_other_roles_sign_in_with_a_password_and_may_enrol(
        client, create_user, login_as, db, production_default):
    caseworker = create_user("caseworker")
    login_as(caseworker)
    assert client.get("/requests/").status_code == 200
    _enrol(client)
    _sign_out(client)
    assert _post_login(client, caseworker.username).headers["Location"].endswith("/login/code")


def test_api_tokens_are_not_asked_for_a_second_factor(client, create_user, api_token,
                                                      production_default):
    admin = create_user("admin")
    assert client.get("/api/v1/cases", headers=api_token(admin)).status_code == 200


def test_an_admin_removes_a_lost_second_factor(client, create_user, login_as, db,
                                               production_default):
    supervisor, admin = create_user("supervisor"), create_user("admin")
    _post_login(client, supervisor.username)
    _enrol(client)
    _sign_out(client)
    # The admin enrols too, then removes the supervisor's factor.
    _post_login(client, admin.username)
    _enrol(client)
    path = f"/admin/users/{supervisor.id}"
    token = _csrf_from(client.get(path).get_data(as_text=True))
    assert client.post(f"{path}/two-factor/reset", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, supervisor.id).has_second_factor
    assert db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == supervisor.id)).all() == []
    assert db.session.scalars(select(UserSession).where(
        UserSession.user_id == supervisor.id)).all()


def test_required_roles_setting(tmp_path):
    base = {"MLA_HOME_COUNTRY": "XZ", "MLA_SECRET_KEY": "t" * 48}
    assert Settings.from_env(environ=base, instance_path=tmp_path).require_2fa_roles == {
        "admin", "supervisor"}
    assert Settings.from_env(environ={**base, "MLA_REQUIRE_2FA_ROLES": "none"},
                             instance_path=tmp_path).require_2fa_roles == frozenset()
    everyone = Settings.from_env(environ={**base, "MLA_REQUIRE_2FA_ROLES": "Admin, caseworker"},
                                 instance_path=tmp_path)
    assert everyone.require_2fa_roles == {"admin", "caseworker"}
    assert Settings.from_env(environ={**base, "MLA_MODE": "sandbox"},
                             instance_path=tmp_path).require_2fa_roles == frozenset()


def test_an_unknown_role_in_the_setting_stops_start_up(tmp_path):
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'x.db'}",
                             require_2fa_roles=frozenset({"admins"}))
    with pytest.raises(ConfigError, match="admins"):
        create_app(settings)


def test_the_secret_is_a_sealed_column_that_key_rotation_finds(app):
    column_type = User.__table__.c.totp_secret_enc.type
    assert isinstance(column_type, SealedBytes)
    assert column_type.context == "users.totp_secret_enc.{id}"


def test_the_sign_in_page_says_when_admins_need_no_second_factor(client):
    # The suite's app, like the demo, requires no role to sign in in two steps.
    assert "not required for administrators" in client.get("/login").get_data(as_text=True)


def test_the_sign_in_page_says_nothing_with_the_production_default(client, production_default):
    assert "not required for administrators" not in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("role, shown", [
    ("admin", True), ("supervisor", False), ("caseworker", False), ("prosecutor", False),
    ("trainee", False), ("auditor", False)])
def test_only_an_administrators_dashboard_says_admins_need_no_second_factor(
        client, create_user, login_as, role, shown):
    # Only an administrator can do something about it (MLA_REQUIRE_2FA_ROLES).
    login_as(create_user(role))
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200
    assert ("not required for administrators" in page.get_data(as_text=True)) is shown


def test_before_enrolling_a_change_is_refused_too(client, create_user, db, production_default):
    admin = create_user("admin")
    _post_login(client, admin.username)
    token = _csrf_from(client.get("/account/two-factor").get_data(as_text=True))
    response = client.post("/admin/users/new", data={
        "username": "sneaky", "display_name": "Sneaky", "role": "admin", "authority_id": "0",
        "password": "a perfectly fine passphrase", "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/two-factor")
    assert db.session.scalar(select(User).where(User.username == "sneaky")) is None


def test_new_recovery_codes_replace_the_old_ones(client, create_user, production_default):
    admin = create_user("admin")
    _post_login(client, admin.username)
    secret, old_codes = _enrol(client)
    response = _post_code(client, "/account/two-factor", _code(secret, steps_ahead=1))
    assert response.status_code == 200
    new_codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", response.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    _sign_out(client)
    _post_login(client, admin.username)
    assert _post_code(client, "/login/code", old_codes[0]).status_code == 401
    assert _post_code(client, "/login/code", new_codes[0]).status_code == 302
