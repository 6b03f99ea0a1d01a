"""Issue 7 end to end in Chromium: a class hour on a sandbox instance.

The trainer resets the scenario and advances the simulated clock past the 18-day
custody mark; a trainee sees the reminder in the outbox, records the formal
extradition request, and the exercise shows as complete for the trainee and on
the trainer's grid.

The module serves its own sandbox-mode app (tests/browser/sandbox_app.py).
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.sandbox_app import (  # noqa: F401 (fixtures: a sandbox-mode app)
    app,
    live_server,
    sandbox_url,
    start_class,
)


def _day(iso: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(iso))  # the <time> element's datetime


def _sign_out(page: Any) -> None:
    page.locator("form[action$='/logout'] button").click()


def _record_formal_request(page: Any) -> None:
    """A trainee's custody exercise: the reminder in their outbox leads to their own copy
    of the request, where they record Arcadia's formal request."""
    page.locator(".sandbox-banner").get_by_role("link", name="Outbox").click()
    reminder = page.locator("#outbox tbody tr", has_text="Day 18 reached")
    expect(reminder.first).to_be_visible()
    reference = re.search(r"EXT-IN-\d{4}-\d{5}", reminder.first.inner_text()).group(0)
    page.goto(f"/requests/{reference}")
    expect(page.locator("h1")).to_contain_text(reference)
    page.locator("summary[data-step=formal_request_received]").click()
    page.get_by_role("button", name="Confirm: Record the formal request").click()
    expect(page.locator("#workflow-steps")).not_to_contain_text("Record the formal request")
    page.locator(".sandbox-banner").get_by_role("link", name="Exercises").click()
    exercise = page.locator("section.exercise[data-code=custody-clock]")
    expect(exercise.locator(".exercise-status")).to_have_text("Complete")
    return reference


def _row(page: Any, name: str) -> Any:
    """A trainee's row, by its heading (the other rows name them in their team list)."""
    return page.locator("#progress-grid tbody tr").filter(
        has=page.locator("th", has_text=name))


def _custody_cell(page: Any, name: str) -> Any:
    row = _row(page, name)
    column = page.locator("#progress-grid thead th").all_inner_texts().index(
        "Watch the custody clock") - 1  # the row's <th> first
    return row.locator("td").nth(column)


@pytest.mark.slow
def test_a_class_hour(page, db, create_user, browser_login, screenshot):
    """Issue 17: a class of three on their own copies, 3/3 on the grid, one starts over,
    a late arrival joins with a fresh copy, a request arrives on day 3."""
    trainer, trainees = start_class(db, create_user, (
        ("amira", "Amira Haddad"), ("bruno", "Bruno Keller"), ("chen", "Chen Wei")))

    # The trainer starts the class from the scenario's start; nothing has arrived yet.
    browser_login(page, trainer)
    expect(page.locator(".sandbox-banner")).to_contain_text("TRAINING — fictional data")
    page.get_by_role("link", name="Trainer console").click()
    page.get_by_role("button", name="Reset everything to the scenario's start").click()
    expect(page.get_by_role("status")).to_contain_text("Everything is back at the start")
    expect(page.locator("#simulated-now")).to_have_attribute("datetime", _day("2026-03-02"))
    page.goto("/requests?kind=extradition")
    expect(page.locator("main")).not_to_contain_text("Provisional arrest on arrival")

    # Day 4: the provisional arrest the pack schedules on day 3 (its steps that day
    # included) has arrived in every copy.
    page.goto("/sandbox/")
    page.fill("#days", "4")
    page.get_by_role("button", name="Advance the clock").click()
    expect(page.locator("#simulated-now")).to_have_attribute("datetime", _day("2026-03-06"))
    page.goto("/requests?kind=extradition")
    expect(page.locator("main")).to_contain_text("Provisional arrest on arrival")
    page.goto("/sandbox/")
    page.fill("#days", "15")
    page.get_by_role("button", name="Advance the clock").click()
    expect(page.locator("#simulated-now")).to_have_attribute("datetime", _day("2026-03-21"))
    expect(page.locator("#banner-now")).to_have_attribute("datetime", _day("2026-03-21"))
    screenshot(page, "issue7-trainer-console")
    _sign_out(page)

    # Each trainee records the formal request on their own copy of the request.
    references = set()
    for number, trainee in enumerate(trainees):
        browser_login(page, trainee)
        if number == 0:
            page.goto("/requests?kind=extradition")
            expect(page.locator("main")).to_contain_text("Provisional arrest on arrival")
        references.add(_record_formal_request(page))
        if number == 0:
            other = page.locator("section.exercise[data-code=register-arcadia-mla]")
            expect(other.locator(".exercise-status")).to_have_text("0 of 2")
            screenshot(page, "issue7-trainee-exercises")
        _sign_out(page)
    assert len(references) == 3  # three copies, three references

    # The trainer's grid: 3/3 on the custody exercise.
    browser_login(page, trainer)
    page.goto("/sandbox/progress")
    expect(page.locator("#progress-grid tbody tr")).to_have_count(3)
    for trainee in trainees:
        expect(_custody_cell(page, trainee.display_name)).to_have_text("complete")
    screenshot(page, "issue17-grid-three-complete")

    # Bruno starts over: his row goes back, the others keep theirs.
    _row(page, "Bruno Keller").get_by_role("button", name="Start over").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Bruno Keller's copy of the scenario is back at its start")
    expect(_custody_cell(page, "Bruno Keller")).not_to_have_text("complete")
    expect(_custody_cell(page, "Amira Haddad")).to_have_text("complete")
    expect(_custody_cell(page, "Chen Wei")).to_have_text("complete")

    # A late arrival: the class accounts page gives her an account and a fresh copy.
    page.goto("/sandbox/class")
    page.get_by_role("textbox", name="…or paste it here").fill("dana,Dana Late,trainee")
    page.get_by_role("button", name="Create the accounts").click()
    row = page.locator("#class-accounts tbody tr", has_text="dana")
    password = row.locator("code").inner_text()
    page.goto("/sandbox/progress")
    expect(page.locator("#progress-grid tbody tr")).to_have_count(4)
    expect(_custody_cell(page, "Dana Late")).not_to_have_text("complete")
    expect(_custody_cell(page, "Chen Wei")).to_have_text("complete")
    screenshot(page, "issue17-grid-reset-and-late-arrival")
    _sign_out(page)

    browser_login(page, SimpleNamespace(username="dana"), password)
    expect(page.locator("#banner-now")).to_have_attribute("datetime", _day("2026-03-21"))
    page.locator(".sandbox-banner").get_by_role("link", name="Exercises").click()
    exercise = page.locator("section.exercise[data-code=custody-clock]")
    expect(exercise.locator(".exercise-status")).not_to_have_text("Complete")
    page.goto("/requests?kind=extradition")
    expect(page.locator("main")).to_contain_text("Provisional arrest on arrival")
    hers = set(re.findall(r"EXT-IN-\d{4}-\d{5}", page.locator("main").inner_text()))
    assert hers and not hers & references  # her own fresh copy, nobody else's requests
