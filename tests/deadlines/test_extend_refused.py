"""The extend page for a clock that cannot be extended: an old link or bookmark sends the
caseworker back to the request page saying why, and a POST changes nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from mla.audit.models import AuditEntry
from mla.cases.models import CaseEvent
from mla.core.transaction import unit_of_work
from mla.deadlines.models import DeadlineStatus
from mla.deadlines.services import extend_deadline, start_deadline, stop_deadline
from mla.notifications.models import Letter
from tests.deadlines.conftest import utc


def _eaw_case(make_case, worker):
    return make_case(kind="extradition", legal_basis="EAW", counterpart_country="FR",
                     measures=[], assignee_id=worker.id)


def _start(case, rule_code, **values):
    with unit_of_work():
        return start_deadline(case, rule_code, actor="t", at=utc(2026, 1, 10, 8),
                              values=values)


def _written(db, case):
    """What an extension writes: the clock's history on the request, the audit row, the
    notice letter."""
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(CaseEvent)
                              .where(CaseEvent.case_id == case.id)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "deadline.extend")),
            db.session.scalar(select(func.count()).select_from(Letter)
                              .where(Letter.case_id == case.id)))


def _refused(client, csrf_token, case, deadline, db, reason_shown):
    """GET and POST both land on the request page with the reason; nothing is written."""
    url = f"/requests/{case.reference}/deadlines/{deadline.id}/extend"
    page = f"/requests/{case.reference}"
    before = (deadline.due_at, deadline.extensions, deadline.status)
    written = _written(db, case)

    shown = client.get(url)
    assert shown.status_code == 302
    assert shown.headers["Location"].endswith(page)
    html = client.get(page).get_data(as_text=True)
    assert reason_shown in html
    assert "extensions left" not in html

    token = csrf_token(page)
    posted = client.post(url, data={"csrf_token": token, "reason": "Assurances awaited",
                                    "days": "10"})
    assert posted.status_code == 302
    assert posted.headers["Location"].endswith(page)
    assert reason_shown in client.get(page).get_data(as_text=True)
    assert _written(db, case) == written
    assert (deadline.due_at, deadline.extensions, deadline.status) == before
    return url


def test_a_clock_whose_rule_gives_no_extension_is_refused(make_case, create_user, login_as,
                                                          client, csrf_token, set_now, db):
    worker = create_user("caseworker")
    case = _eaw_case(make_case, worker)
    # EAW art. 23: surrender moves only by a new start from a new date agreed.
    d = _start(case, "eaw_surrender", decided_on=date(2026, 1, 10))
    set_now(utc(2026, 1, 12, 10))
    login_as(worker)
    url = _refused(client, csrf_token, case, d, db,
                   "Council Framework Decision 2002/584/JHA, art. 23(2)-(5) does not allow "
                   "this deadline to be extended.")
    assert url not in client.get(f"/requests/{case.reference}").get_data(as_text=True)


def test_a_clock_with_no_extension_left_is_refused(make_case, create_user, login_as, client,
                                                   csrf_token, set_now, db):
    worker = create_user("caseworker")
    case = _eaw_case(make_case, worker)
    d = _start(case, "eaw_decision", arrested_on=date(2026, 1, 10))
    set_now(utc(2026, 3, 1, 10))
    with unit_of_work():
        extend_deadline("t", d, reason="Assurances awaited")     # art. 17(4): once
    login_as(worker)
    url = _refused(client, csrf_token, case, d, db,
                   "This deadline has been extended as often as Council Framework Decision "
                   "2002/584/JHA, art. 17(2)-(4) and (7) allows.")
    assert url not in client.get(f"/requests/{case.reference}").get_data(as_text=True)


def test_a_clock_that_has_ended_is_refused(make_case, create_user, login_as, client,
                                           csrf_token, set_now, db):
    worker = create_user("caseworker")
    case = _eaw_case(make_case, worker)
    d = _start(case, "eaw_decision", arrested_on=date(2026, 1, 10))
    with unit_of_work():
        stop_deadline(case, "eaw_decision", actor="t", status=DeadlineStatus.MET)
    set_now(utc(2026, 3, 1, 10))
    login_as(worker)
    url = _refused(client, csrf_token, case, d, db,
                   "Only a running or paused deadline can be extended.")
    assert url not in client.get(f"/requests/{case.reference}").get_data(as_text=True)


def test_a_clock_that_can_be_extended_is_offered_and_extended(make_case, create_user, login_as,
                                                              client, csrf_token, set_now, db):
    worker = create_user("caseworker")
    case = _eaw_case(make_case, worker)
    d = _start(case, "eaw_decision", arrested_on=date(2026, 1, 10))
    set_now(utc(2026, 3, 1, 10))
    login_as(worker)
    url = f"/requests/{case.reference}/deadlines/{d.id}/extend"
    assert url in client.get(f"/requests/{case.reference}").get_data(as_text=True)
    shown = client.get(url)
    assert shown.status_code == 200
    assert "An extension adds at most 30 days; 1 of 1 extensions left." in shown.get_data(
        as_text=True)
    events, audits, letters = _written(db, case)
    done = client.post(url, data={"csrf_token": csrf_token(url), "reason": "Assurances awaited"})
    assert done.status_code == 302
    events_after, audits_after, letters_after = _written(db, case)
    assert (events_after > events, audits_after, letters_after) == (True, audits + 1,
                                                                     letters + 1)
    assert d.extensions == 1 and d.due_at == utc(2026, 4, 10, 23, 59, 59)
    # Now used up: the request page no longer offers it.
    assert url not in client.get(f"/requests/{case.reference}").get_data(as_text=True)
