"""The request page's clocks, the extend action, the dashboard, calendar feeds, the API."""

from __future__ import annotations

from datetime import date

from icalendar import Calendar
from sqlalchemy import select

from mla.core.transaction import unit_of_work
from mla.deadlines.models import CalendarFeed
from mla.deadlines.services import start_deadline
from mla.notifications.models import Letter
from tests.deadlines.conftest import utc


def _custody_case(make_case, worker):
    case = make_case(kind="extradition", legal_basis="EAW", counterpart_country="FR",
                     measures=[], assignee_id=worker.id)
    with unit_of_work():
        d = start_deadline(case, "eaw_decision", actor="t", at=utc(2026, 1, 10, 8),
                           values={"arrested_on": date(2026, 1, 10)})
    return case, d


def test_case_page_shows_a_red_custody_clock(make_case, create_user, login_as, client, set_now):
    worker = create_user("caseworker")
    case, _d = _custody_case(make_case, worker)
    set_now(utc(2026, 3, 1, 10))
    login_as(worker)
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "border-danger" in html and "Custody" in html
    assert "10 days left" in html                       # 1 March -> 11 March
    assert "Framework Decision 2002/584/JHA" in html


def test_extend_needs_a_reason_then_moves_the_due_date(make_case, create_user, login_as, client,
                                                       csrf_token, set_now, db):
    worker = create_user("caseworker")
    case, d = _custody_case(make_case, worker)
    set_now(utc(2026, 3, 1, 10))
    login_as(worker)
    url = f"/requests/{case.reference}/deadlines/{d.id}/extend"
    token = csrf_token(url)
    refused = client.post(url, data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 422
    assert "invalid-feedback" in refused.get_data(as_text=True)
    done = client.post(url, data={"csrf_token": token, "reason": "Assurances awaited"})
    assert done.status_code == 302
    db.session.expire_all()
    assert case.next_due_at == utc(2026, 4, 10, 23, 59, 59)
    assert db.session.scalars(select(Letter.template_code)).one() == "eaw_extension_notice"


def test_trainee_cannot_extend(make_case, create_user, login_as, client, csrf_token):
    worker = create_user("caseworker")
    case, d = _custody_case(make_case, worker)
    login_as(create_user("auditor"))
    assert client.post(f"/requests/{case.reference}/deadlines/{d.id}/extend",
                       data={"reason": "x"}).status_code in (400, 403)


def test_dashboard_lists_overdue_and_this_week_custody_first(make_case, create_user, login_as,
                                                            client, set_now):
    worker = create_user("caseworker")
    custody, _ = _custody_case(make_case, worker)
    other = make_case(kind="mla", legal_basis="UNTOC", measures=[])
    with unit_of_work():
        start_deadline(other, "sla_acknowledge", actor="t", at=utc(2026, 3, 5, 9),
                       values={"received_on": date(2026, 3, 5)})  # due 12 March
    set_now(utc(2026, 3, 10, 9))
    login_as(worker)
    html = client.get("/").get_data(as_text=True)
    assert "Overdue" in html and "Due this week" in html
    assert html.index(custody.reference) < html.index(other.reference)


def test_api_lists_the_deadlines(make_case, create_user, api_token, client, set_now):
    worker = create_user("caseworker")
    case, _ = _custody_case(make_case, worker)
    set_now(utc(2026, 3, 1, 10))
    response = client.get(f"/api/v1/cases/{case.reference}/deadlines",
                          headers=api_token(worker))
    assert response.status_code == 200
    [item] = response.get_json()
    assert item["name"] == "eaw_decision" and item["status"] == "running"
    assert item["due_at"].startswith("2026-03-11T23:59:59")
    assert item["is_custody"] is True and item["days_left"] == 10
    full = client.get(f"/api/v1/cases/{case.reference}", headers=api_token(worker)).get_json()
    assert full["deadlines"][0]["name"] == "eaw_decision"


def test_calendar_feed_secret_url_create_use_revoke(make_case, create_user, login_as, client,
                                                    csrf_token, db):
    worker = create_user("caseworker")
    case, _ = _custody_case(make_case, worker)
    login_as(worker)
    page = client.post("/calendar/feeds", data={"csrf_token": csrf_token("/calendar")})
    html = page.get_data(as_text=True)
    start = html.index("/calendar/feed/")
    url = html[start:html.index('"', start)]
    token = url.split("/")[-1].removesuffix(".ics")
    feed = db.session.scalars(select(CalendarFeed)).one()
    assert token not in feed.token_hash and len(feed.token_hash) == 64
    client.post("/logout", data={"csrf_token": csrf_token("/calendar")})
    ics = client.get(url)
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    events = Calendar.from_ical(ics.data).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [
        f"CUSTODY: {case.reference}: Final decision on the European arrest warrant"]
    assert client.get("/calendar/feed/not-a-token.ics").status_code == 404
    login_as(worker)
    client.post(f"/calendar/feeds/{feed.id}/revoke",
                data={"csrf_token": csrf_token("/calendar")})
    assert client.get(url).status_code == 404


def test_admin_overrides_a_states_time_zone_for_new_deadlines(client, create_user, login_as,
                                                               csrf_token, db, make_case):
    from mla.deadlines.models import Deadline
    from mla.deadlines.services import zone_name_for

    login_as(create_user("admin"))
    token = csrf_token("/deadlines/time-zones")
    refused = client.post("/deadlines/time-zones", data={
        "csrf_token": token, "country_code": "XZ", "zone_name": "Mars/Olympus"})
    assert refused.status_code == 422 and 'id="zone_name-error"' in refused.get_data(as_text=True)
    assert client.post("/deadlines/time-zones", data={
        "csrf_token": token, "country_code": "XZ", "zone_name": "Pacific/Auckland"},
    ).status_code == 302
    assert zone_name_for("XZ") == "Pacific/Auckland"
    case = make_case()  # registration starts the acknowledgement clock in the home zone
    clock = db.session.scalars(select(Deadline).where(Deadline.case_id == case.id)).first()
    assert clock.zone_name == "Pacific/Auckland"
    assert client.post("/deadlines/time-zones", data={
        "csrf_token": token, "country_code": "XZ", "reset": "y"}).status_code == 302
    assert zone_name_for("XZ") == "UTC"  # fictional states run on UTC


def test_only_admins_change_time_zones(client, create_user, login_as, csrf_token):
    login_as(create_user("supervisor"))
    assert client.get("/deadlines/time-zones").status_code == 200
    token = csrf_token("/deadlines/time-zones")
    assert client.post("/deadlines/time-zones", data={
        "csrf_token": token, "country_code": "XZ", "zone_name": "UTC"}).status_code == 403
