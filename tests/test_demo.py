"""The demo data set loads, and every page a demo user may open renders with it."""

from __future__ import annotations

import re

from sqlalchemy import select

from mla.core.access import rule_for
from tests.conftest import _csrf_from


def _login(client, username: str, password: str) -> None:
    with client.session_transaction() as cookie_session:
        cookie_session.clear()
    token = _csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token})
    assert response.status_code == 302, username


def test_demo_loads_and_every_page_renders_for_every_role(app_ctx, db, client, monkeypatch,
                                                          tmp_path):
    from mla.cases.models import Case
    from mla.core.transaction import unit_of_work
    from mla.deadlines.models import Deadline
    from mla.demo.services import load_demo

    with unit_of_work():
        logins = load_demo()
    assert {login.role for login in logins} == {
        "admin", "supervisor", "caseworker", "prosecutor", "trainee", "auditor"}

    arrest = db.session.scalars(select(Case).where(Case.kind == "extradition",
                                                   Case.direction == "incoming")).one()
    assert arrest.state == "arrested"
    custody = db.session.scalars(select(Deadline).where(Deadline.case_id == arrest.id)).all()
    assert any(d.rule_code == "ece_provisional_arrest" for d in custody)

    references = list(db.session.scalars(select(Case.reference)))
    pages = [rule.rule for rule in app_ctx.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments
             and not rule.rule.startswith(("/api/", "/static", "/sandbox"))
             # the feed answers a calendar application's Basic challenge, not a session
             and rule.rule not in {"/login", "/calendar/feed.ics"}]
    pages += [f"/requests/{ref}" for ref in references]
    for login in logins:
        _login(client, login.username, login.password)
        for path in pages:
            response = client.get(path, follow_redirects=True)
            endpoint = app_ctx.url_map.bind("localhost").match(path)[0]
            allowed = rule_for(endpoint, app_ctx).permits(login.role, "GET")
            expected = {200} if allowed else {403, 404}
            if login.role == "prosecutor" and path in [f"/requests/{r}" for r in references]:
                expected = {200, 404}  # redirected to the portal when the request is theirs
            if path == "/admin/letterhead/logo" and allowed:
                expected = {404}  # the demo uploads no logo: there is none to show
            assert response.status_code in expected, (login.role, path, response.status_code)
            if response.status_code == 200 and response.mimetype.startswith("text/"):
                html = response.get_data(as_text=True)  # not the XLSX and PDF downloads
                assert not re.search(r"\{\{|\{%|Traceback", html), (login.role, path)


def test_a_fresh_demo_tells_a_true_story(app_ctx, db):
    """Every step dated on its day: no event before its request was received, no custody
    clock already missed, one custody limit within three days, one outgoing request
    waiting on its counterpart for months, one draft submitted for review."""
    from datetime import timedelta

    from mla.audit.models import AuditEntry
    from mla.cases.models import Case, CaseEvent
    from mla.core.clock import now
    from mla.core.transaction import unit_of_work
    from mla.deadlines.models import Deadline
    from mla.demo.services import load_demo

    with unit_of_work():
        load_demo()
    at = now()
    cases = db.session.scalars(select(Case)).all()
    for case in cases:
        events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
        assert events, case.reference
        assert min(e.at for e in events) >= (case.received_at or case.created_at), case.reference
        assert max(e.at for e in events) <= at, case.reference
    custody = db.session.scalars(select(Deadline).where(Deadline.is_custody.is_(True))).all()
    assert custody and not [(d.rule_code, d.due_at) for d in custody if d.is_missed(at)]
    # The ECE art. 16(4) 18-day point (the limit's milestone) is two days off.
    close = [d for d in custody if d.status == "running"
             and timedelta(0) < (d.soft_due_at or d.due_at) - at < timedelta(days=3)]
    assert [d.rule_code for d in close] == ["ece_provisional_arrest"]
    waiting = [c for c in cases if c.direction == "outgoing" and c.state == "under_execution"]
    assert len(waiting) == 1 and at - waiting[0].created_at > timedelta(days=90)
    assert [c.state for c in cases if c.state == "ca_review"] == ["ca_review"]
    # The audit trail tells the same dates as the timeline.
    first_audit = db.session.scalar(select(AuditEntry.at).where(
        AuditEntry.object_id == waiting[0].reference).order_by(AuditEntry.at))
    assert first_audit is not None and first_audit < at - timedelta(days=90)
