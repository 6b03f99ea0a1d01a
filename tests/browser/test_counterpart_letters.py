"""In Chromium: a trainee reads the simulated counterpart's question on their request,
answers it incompletely (a second question comes), then completely; axe-core on the
request page with its letters and on the letter page with an error next to the field.

Serves its own sandbox-mode app (tests/browser/sandbox_app.py)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.sandbox_app import (  # noqa: F401 (fixtures: a sandbox-mode app)
    app,
    live_server,
    sandbox_url,
    start_class,
)
from tests.browser.test_accessibility import _violations
from tests.sandbox.helpers import scenario_case


def _tick(db: Any, trainer: Any, days: int) -> None:
    from mla.sandbox.counterpart import run_counterpart
    from mla.sandbox.scenario import deliver_arrivals
    from mla.sandbox.services import advance_clock

    db.session.rollback()  # a fresh snapshot: the browser's requests wrote meanwhile
    advance_clock(trainer, days=days)
    deliver_arrivals()
    run_counterpart()
    db.session.commit()
    db.session.expire_all()


@pytest.mark.slow
def test_a_trainee_answers_the_counterparts_question(page, db, create_user, browser_login,
                                                     screenshot):
    trainer, (amira, _bruno) = start_class(db, create_user, (
        ("amira", "Amira Haddad"), ("bruno", "Bruno Keller")))
    _tick(db, trainer, 1)
    _tick(db, trainer, 8)
    reference = scenario_case(db, "carpania-eio", amira).reference

    browser_login(page, amira)
    page.goto(f"/requests/{reference}")
    letters = page.locator("#counterpart-letters")
    expect(letters).to_contain_text("Acknowledgement of receipt")
    question = letters.locator("article[data-kind=question]")
    expect(question).to_contain_text("date of birth")
    expect(question).to_contain_text("Public Prosecutor's Office of Carpania City")
    expect(question).to_contain_text("awaiting your answer")
    screenshot(page, "issue17-counterpart-question")
    assert _violations(page) == []

    # Without words the answer is refused next to the field.
    page.goto(question.locator("form").get_attribute("action") or "")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("Write your answer")
    assert _violations(page) == []

    page.get_by_role("textbox", name="Your answer").fill(
        "The account holder was born on 3 March 1980.")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".alert-success").first).to_contain_text(
        "Your answer was sent to Public Prosecutor's Office of Carpania City")
    _tick(db, trainer, 1)
    page.reload()
    second = page.locator("article[data-kind=question]").last
    expect(second).to_contain_text("does not yet give us everything")
    second.get_by_role("textbox", name="Your answer").fill(
        "Born on 3 March 1980; the period is 1 January to 30 June 2025.")
    second.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".alert-success").first).to_contain_text("Your answer was sent")
    _tick(db, trainer, 10)
    page.reload()
    expect(page.locator("article[data-kind=execution]")).to_contain_text("has been executed")
    screenshot(page, "issue17-counterpart-answered")

    # The trainer's debrief of Amira shows her answers, printable; axe-core on it.
    page.locator("form[action$='/logout'] button").click()
    browser_login(page, trainer)
    page.goto("/sandbox/progress")
    page.get_by_role("link", name="Debrief of Amira Haddad").click()
    expect(page.locator("#debrief-answers")).to_contain_text("incomplete")
    expect(page.locator("#debrief-answers")).to_contain_text("complete")
    screenshot(page, "issue17-debrief")
    assert _violations(page) == []
