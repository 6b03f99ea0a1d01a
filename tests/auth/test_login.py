from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mla.auth.models import UserSession
from tests.conftest import PASSWORD, _csrf_from


def _login(client, username, password):
    token = _csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def test_every_page_requires_sign_in(client):
    for path in ("/", "/requests/", "/requests/new", "/directory/", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_sign_in_and_out_ends_the_server_session(client, create_user, db):
    user = create_user("caseworker")
    assert _login(client, user.username, PASSWORD).status_code == 302
    assert client.get("/requests/").status_code == 200
    cookie = client.get_cookie("comity_session").value

    token = _csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    record = db.session.scalars(select(UserSession)).one()
    assert record.revoked_at is not None

    # Replaying the old cookie does not bring the session back.
    client.set_cookie("comity_session", cookie)
    assert client.get("/requests/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_answer(client, create_user):
    user = create_user("caseworker")
    wrong = _login(client, user.username, "not the password at all")
    unknown = _login(client, "nobody-here", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert _without_csrf_token(wrong.get_data(as_text=True)) == _without_csrf_token(
        unknown.get_data(as_text=True).replace("nobody-here", user.username))


def _without_csrf_token(html: str) -> str:
    """Each form carries a fresh, time-stamped CSRF token: two pages rendered on either
    side of a second boundary differ there and nowhere else."""
    return html.replace(_csrf_from(html), "<csrf token>")


def test_throttle_locks_after_repeated_failures_even_with_right_password(client, create_user):
    user = create_user("caseworker")
    for _ in range(5):
        assert _login(client, user.username, "wrong password 123").status_code == 401
    assert _login(client, user.username, PASSWORD).status_code == 401


def test_throttle_applies_to_unknown_names_too(client, db):
    from mla.auth.models import LoginThrottle

    for _ in range(5):
        _login(client, "ghost", "wrong password 123")
    throttle = db.session.get(LoginThrottle, ("ghost", "127.0.0.1"))
    assert throttle is not None and throttle.locked_until is not None


def test_login_without_csrf_token_is_refused(client, create_user):
    user = create_user("caseworker")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/requests/").status_code == 302


def test_idle_session_expires(client, create_user, db, monkeypatch):
    from mla.core import clock

    user = create_user("caseworker")
    _login(client, user.username, PASSWORD)
    assert client.get("/").status_code == 200
    # The simulated (sandbox) clock moving does not touch security timeouts...
    monkeypatch.setattr(clock, "_offset_provider", lambda: timedelta(days=3))
    assert client.get("/").status_code == 200
    # ...real time passing does.
    later = clock.real_now() + timedelta(minutes=31)
    monkeypatch.setattr(clock, "real_now", lambda: later)
    assert client.get("/").status_code == 302


def test_password_change_ends_other_sessions(app_ctx, create_user, db):
    user = create_user("caseworker")
    first, second = app_ctx.test_client(), app_ctx.test_client()
    _login(first, user.username, PASSWORD)
    _login(second, user.username, PASSWORD)
    token = _csrf_from(first.get("/account/password").get_data(as_text=True))
    response = first.post("/account/password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": "a brand new passphrase"})
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_open_redirect_after_login_is_refused(client, create_user):
    user = create_user("caseworker")
    token = _csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=https://evil.example/", data={
        "username": user.username, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_passwords_are_argon2id(create_user):
    user = create_user("caseworker")
    assert user.password_hash.startswith("$argon2id$")


def test_authenticated_pages_are_not_cached_and_headers_are_strict(client, create_user,
                                                                   login_as):
    login_as(create_user("caseworker"))
    response = client.get("/requests/")
    assert response.headers["Cache-Control"] == "no-store"
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly_and_samesite(client, create_user):
    user = create_user("caseworker")
    response = _login(client, user.username, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_trainee_reads_but_changes_nothing_outside_a_sandbox(client, create_user, login_as,
                                                               make_case, csrf_token,
                                                               api_token):
    case = make_case()
    trainee = create_user("trainee")
    login_as(trainee)
    assert client.get(f"/requests/{case.reference}").status_code == 200
    token = csrf_token("/requests/new")
    response = client.post(f"/requests/{case.reference}/notes",
                           data={"csrf_token": token, "text": "practice"})
    assert response.status_code == 403
    assert "outside a training sandbox" in response.get_data(as_text=True)
    api = client.post(f"/api/v1/cases/{case.reference}/transitions",
                      headers=api_token(trainee), json={"name": "acknowledge", "version": 1})
    assert api.status_code == 403
    # Their own account still works.
    assert client.post("/account/password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": "another long passphrase"}).status_code == 302
