"""Issue 7 end to end in Chromium: a class hour on a sandbox instance.

The trainer resets the scenario and advances the simulated clock past the 18-day
custody mark; a trainee sees the reminder in the outbox, records the formal
extradition request, and the exercise shows as complete for the trainee and on
the trainer's grid.

The session's ``app`` is a production app; this module serves its own
sandbox-mode app (separate SQLite file and key ring) and overrides ``app`` and
``live_server`` so that ``page``, ``browser_login``, ``db`` and ``create_user``
all work on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _require_sqlite, _ServerThread
from tests.sandbox.helpers import build_sandbox_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, fast_passwords: None) -> Iterator[Any]:
    _require_sqlite()
    from mla.extensions import db

    folder = tmp_path_factory.mktemp("class-hour")
    sandbox = build_sandbox_app(folder, f"sqlite:///{folder / 'sandbox.db'}")
    yield sandbox
    with sandbox.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def _sandbox_url(app: Any) -> Iterator[str]:
    thread = _ServerThread(app)
    thread.start()
    try:
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.stop()


@pytest.fixture
def live_server(app_ctx: Any, _sandbox_url: str) -> Iterator[str]:
    from mla.core.db import reset_read_only, set_read_only

    token = set_read_only(True)  # deferred BEGIN in the test's thread (see browser/conftest)
    try:
        yield _sandbox_url
    finally:
        reset_read_only(token)


@pytest.mark.slow
def test_a_class_hour(live_server, page, db, create_user, browser_login, screenshot):
    from mla.sandbox.scenario import load_pack

    trainer = create_user("supervisor", username="trainer", display_name="Tess Trainer")
    trainee = create_user("trainee", username="amira", display_name="Amira Haddad")
    load_pack(trainer, "first-week")
    db.session.commit()

    # The trainer starts the class from the scenario's start and moves the clock 19 days.
    browser_login(page, trainer)
    expect(page.locator(".sandbox-banner")).to_contain_text("TRAINING — fictional data")
    page.get_by_role("link", name="Trainer console").click()
    page.get_by_role("button", name="Reset everything to the scenario's start").click()
    expect(page.get_by_role("status")).to_contain_text("Everything is back at the start")
    expect(page.locator("#simulated-now")).to_contain_text("2026-03-02")
    page.fill("#days", "19")
    page.get_by_role("button", name="Advance the clock").click()
    expect(page.locator("#simulated-now")).to_contain_text("2026-03-21")
    expect(page.locator("#banner-now")).to_contain_text("2026-03-21")
    screenshot(page, "issue7-trainer-console")
    page.locator("form[action$='/logout'] button").click()

    # The trainee sees the custody reminder, then records Arcadia's formal request.
    browser_login(page, trainee)
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
    other = page.locator("section.exercise[data-code=register-arcadia-mla]")
    expect(other.locator(".exercise-status")).to_have_text("0 of 2")
    screenshot(page, "issue7-trainee-exercises")
    page.locator("form[action$='/logout'] button").click()

    # The trainer's grid shows it.
    browser_login(page, trainer)
    page.goto("/sandbox/progress")
    row = page.locator("#progress-grid tbody tr", has_text="Amira Haddad")
    expect(row).to_contain_text("complete")
