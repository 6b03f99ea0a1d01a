"""Anti-automation on sign-in: per-address and instance-wide limits (429), a lockout
that an anonymous stranger cannot turn against someone else, and the client address
read correctly behind the README's reverse proxy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, _csrf_from, make_settings


def _sign_in(client, username: str, password: str, ip: str = "203.0.113.5",
             forwarded: str | None = None):
    environ = {"REMOTE_ADDR": ip}
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    page = client.get("/login", environ_base=environ, headers=headers)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": _csrf_from(page.get_data(as_text=True))},
                       environ_base=environ, headers=headers)


def _account(create_user, db, role: str = "caseworker") -> str:
    """A user's name, with the test's own transaction closed: on SQLite the second app
    below writes to the same file and must not wait for this one."""
    name = create_user(role).username
    db.session.commit()
    return name


@pytest.fixture
def limited_app(tmp_path, database_url, app_ctx) -> Iterator:
    """The app as production runs it: limits on, one trusted proxy in front."""
    from mla import create_app
    from mla.extensions import db

    # Windows of a day: a moving window of a minute would forget the first tries when a
    # busy machine takes longer than a minute over the test.
    limited = create_app(make_settings(
        tmp_path, database_url, sign_in_limits=True, login_limit_per_ip="4 per day",
        login_limit_global="7 per day", trusted_proxies=1))
    yield limited
    with limited.app_context():
        db.session.remove()
        db.engine.dispose()


def test_five_anonymous_tries_do_not_lock_the_admin_out(app_ctx, create_user):
    admin = create_user("admin")
    stranger, owner = app_ctx.test_client(), app_ctx.test_client()
    for _ in range(5):
        assert _sign_in(stranger, admin.username, "a guess of the password",
                        ip="198.51.100.66").status_code == 401
    # The stranger's address is locked out of this account; its owner's is not.
    assert _sign_in(stranger, admin.username, PASSWORD, ip="198.51.100.66").status_code == 401
    assert _sign_in(owner, admin.username, PASSWORD, ip="192.0.2.10").status_code == 302


def test_one_address_is_slowed_down_with_429(limited_app, create_user, db):
    username = _account(create_user, db)
    client = limited_app.test_client()
    codes = [_sign_in(client, username, "wrong guess here", ip="127.0.0.1",
                      forwarded="198.51.100.7").status_code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    # Another address behind the same proxy is not affected.
    assert _sign_in(client, username, PASSWORD, ip="127.0.0.1",
                    forwarded="198.51.100.8").status_code == 302


def test_a_forged_forwarded_header_does_not_change_the_address(limited_app, create_user,
                                                               db):
    username = _account(create_user, db)
    client = limited_app.test_client()
    codes = [_sign_in(client, username, "wrong guess here", ip="127.0.0.1",
                      forwarded=f"10.9.9.{n}, 198.51.100.9").status_code for n in range(5)]
    assert codes[-1] == 429  # the proxy's own entry (the last one) is the address


def test_the_whole_instance_is_limited_too(limited_app, create_user, db):
    username = _account(create_user, db)
    client = limited_app.test_client()
    codes = [_sign_in(client, username, "wrong guess here", ip="127.0.0.1",
                      forwarded=f"198.51.100.{20 + n}").status_code for n in range(8)]
    assert codes == [401] * 7 + [429]


def test_the_audit_trail_records_the_client_address(limited_app, create_user, db):
    from mla.audit.models import AuditEntry

    username = _account(create_user, db)
    client = limited_app.test_client()
    assert _sign_in(client, username, PASSWORD, ip="127.0.0.1",
                    forwarded="198.51.100.30").status_code == 302
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "auth.login")).one()
    assert entry.ip_address == "198.51.100.30"
