"""In Chromium: a trainee reads the simulated counterpart's question on their request,
answers it incompletely (a second question comes), then completely; axe-core on the
request page with its letters and on the letter page with an error next to the field.

Serves its own sandbox-mode app, as tests/browser/test_class_hour.py does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _require_sqlite, _ServerThread
from tests.browser.test_accessibility import _violations
from tests.sandbox.helpers import build_sandbox_app, scenario_case


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, fast_passwords: None) -> Iterator[Any]:
    _require_sqlite()
    from mla.extensions import db

    folder = tmp_path_factory.mktemp("counterpart-letters")
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
def test_a_trainee_answers_the_counterparts_question(live_server, page, db, create_user,
                                                     browser_login, screenshot):
    from mla.sandbox.scenario import load_pack

    trainer = create_user("supervisor", username="trainer", display_name="Tess Trainer")
    amira = create_user("trainee", username="amira", display_name="Amira Haddad")
    create_user("trainee", username="bruno", display_name="Bruno Keller")
    load_pack(trainer, "first-week")
    db.session.commit()
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
