"""The calendar feed without a secret in its URL: the token as an HTTP Basic password,
for calendar applications that ask for one (nothing for any log to keep)."""

from __future__ import annotations

import base64


def _basic(password: str, user: str = "calendar") -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def test_the_feed_answers_to_its_token_as_a_password(client, create_user, make_case, db):
    from mla.deadlines.ical import create_feed

    worker = create_user("caseworker")
    case = make_case(worker, assignee_id=worker.id)
    _row, token = create_feed(worker)
    db.session.commit()

    response = client.get("/calendar/feed.ics", headers=_basic(token))
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert case.reference in response.get_data(as_text=True)

    for headers in ({}, _basic("not-the-token-at-all-0123456789"), _basic("")):
        refused = client.get("/calendar/feed.ics", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Basic")


def test_the_calendar_page_offers_the_address_without_the_secret(client, create_user,
                                                                login_as, csrf_token):
    login_as(create_user("caseworker"))
    page = client.post("/calendar/feeds", data={"csrf_token": csrf_token("/calendar")})
    html = page.get_data(as_text=True)
    assert "/calendar/feed.ics" in html
