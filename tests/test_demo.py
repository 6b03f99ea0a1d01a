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
            assert response.status_code in expected, (login.role, path, response.status_code)
            if response.status_code == 200 and response.mimetype.startswith("text/"):
                html = response.get_data(as_text=True)  # not the XLSX and PDF downloads
                assert not re.search(r"\{\{|\{%|Traceback", html), (login.role, path)
