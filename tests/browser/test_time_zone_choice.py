"""Choosing a time zone in a real browser: the box narrows the long list, the choice is
saved, and the request's timeline then reads local time with the zone's name.
Screenshots go to test-artifacts/ (time-zone-choice.png, time-zone-timeline.png)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select


def test_a_french_caseworker_chooses_paris_and_reads_cet(page: Any, live_server: str,
                                                         create_user, make_case,
                                                         browser_login, screenshot, db):
    from mla.auth.models import User
    from mla.cases.models import CaseEvent

    user = create_user("caseworker")
    user.language = "fr"
    db.session.commit()
    case = make_case(actor=user)
    registered = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "registered")).one()
    registered.at = datetime(2026, 12, 24, 13, 30, tzinfo=UTC)
    db.session.commit()
    reference = case.reference

    browser_login(page, user)
    page.goto(f"{live_server}/account/time-zone")
    choice = page.locator("#time_zone")
    finder = page.locator("#time-zone-filter")
    assert finder.is_visible()  # app.js shows the box
    finder.fill("paris")
    visible = choice.locator("option:not([hidden])")
    assert visible.count() == 1  # "France — Paris", found by its place
    assert choice.input_value() == "Europe/Paris"  # the one match is chosen
    screenshot(page, "time-zone-choice")
    finder.fill("new york")
    assert choice.input_value() == "America/New_York"
    finder.fill("europe/paris")  # or by the zone's name
    assert choice.input_value() == "Europe/Paris"
    page.get_by_role("button", name=re.compile("Enregistrer|Save")).click()
    page.wait_for_url(f"{live_server}/account/time-zone")
    assert re.search(r"\b(CET|CEST)$", page.locator("#time-zone-now").inner_text().strip())
    db.session.rollback()
    assert db.session.get(User, user.id).time_zone == "Europe/Paris"

    page.goto(f"{live_server}/requests/{reference}")
    entry = page.locator('time[datetime="2026-12-24T13:30:00+00:00"]')
    assert entry.inner_text() == "24 déc. 2026, 14:30 CET"
    entry.scroll_into_view_if_needed()
    screenshot(page, "time-zone-timeline")
