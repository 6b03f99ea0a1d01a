"""Credentials do not outlive account changes; an admin can revoke everything at once."""

from __future__ import annotations

from sqlalchemy import select


def _feed(db, user) -> str:
    from mla.deadlines.ical import create_feed

    _row, token = create_feed(user)
    db.session.commit()
    return f"/calendar/feed/{token}.ics"


def _set_enabled(db, admin, user, enabled: bool) -> None:
    from mla.auth.services import update_user

    update_user(admin, user, display_name=user.display_name, email=user.email,
                role=user.role, is_enabled=enabled, authority_id=user.authority_id)
    db.session.commit()


def test_disabling_a_user_revokes_tokens_and_feeds_for_good(client, create_user, api_token,
                                                            db):
    admin = create_user("admin")
    user = create_user("caseworker")
    headers = api_token(user)
    feed = _feed(db, user)
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    assert client.get(feed).status_code == 200

    _set_enabled(db, admin, user, False)
    _set_enabled(db, admin, user, True)  # re-enabling brings nothing back

    assert client.get("/api/v1/cases", headers=headers).status_code == 401
    assert client.get(feed).status_code == 404


def test_a_feed_lists_only_what_the_user_may_see_now(client, create_user, make_case, db):
    from mla.auth.services import update_user
    from mla.directory.models import Authority

    admin = create_user("admin")
    worker = create_user("caseworker")
    case = make_case(worker, assignee_id=worker.id)
    feed = _feed(db, worker)
    assert case.reference in client.get(feed).get_data(as_text=True)

    office = Authority(name="Elsewhere", country_code="XZ", kind="prosecution")
    db.session.add(office)
    db.session.commit()
    # Now a prosecutor of an office the request does not belong to: still its assignee
    # on paper, but no longer allowed to read it.
    update_user(admin, worker, display_name=worker.display_name, email="",
                role="prosecutor", is_enabled=True, authority_id=office.id)
    db.session.commit()
    feed = _feed(db, worker)
    response = client.get(feed)
    assert response.status_code == 200
    assert case.reference not in response.get_data(as_text=True)


def test_an_admin_revokes_everything_of_a_user_in_one_action(client, create_user, login_as,
                                                             api_token, csrf_token, db, app):
    from mla.audit.models import AuditEntry

    user = create_user("caseworker")
    headers = api_token(user)
    feed = _feed(db, user)
    other = app.test_client()  # the user's own browser
    page = other.get("/login").get_data(as_text=True)
    from tests.conftest import PASSWORD, _csrf_from

    assert other.post("/login", data={"username": user.username, "password": PASSWORD,
                                      "csrf_token": _csrf_from(page)}).status_code == 302
    assert other.get("/").status_code == 200

    admin = create_user("admin")
    login_as(admin)
    url = f"/admin/users/{user.id}/revoke"
    response = client.post(url, data={"csrf_token": csrf_token(f"/admin/users/{user.id}")})
    assert response.status_code == 302

    assert client.get("/api/v1/cases", headers=headers).status_code == 401
    assert client.get(feed).status_code == 404
    assert other.get("/").status_code == 302  # signed out
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "user.revoke_all")).one()
    assert entry.actor_id == admin.id and entry.object_id == str(user.id)
    assert entry.details["api_tokens"] == 1 and entry.details["calendar_feeds"] == 1
