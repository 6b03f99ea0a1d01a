"""The pages people work in all day, in Arabic (right to left) and Chinese, in a real
browser: <html lang dir>, axe-core's WCAG 2.1 AA checks (RTL included), no sideways
scrolling, and dates in the language's own form. Screenshots go to test-artifacts/.

Words are looked up in the catalogue (gettext), never typed here: a message still
untranslated skips only the check that the word is translated."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from babel.dates import format_date

from mla.core.clock import now
from tests.browser.conftest import DEFAULT_TIMEOUT_MS
from tests.browser.test_accessibility import _violations

LANGUAGES = {"ar": ("ar", "rtl"), "zh": ("zh-Hans", "ltr"), "fr": ("fr", "ltr")}


def _in(language: str, message: str) -> str:
    from flask import current_app
    from flask_babel import force_locale, gettext

    with current_app.test_request_context(), force_locale(language):
        return gettext(message)


@pytest.fixture
def speaking(browser: Any, live_server: str) -> Iterator[Any]:
    """open(language): a page in a browser whose Accept-Language asks for ``language``."""
    contexts: list[Any] = []

    def open_page(language: str) -> Any:
        context = browser.new_context(
            base_url=live_server, viewport={"width": 1280, "height": 900}, locale=language,
            timezone_id="UTC", extra_http_headers={"Accept-Language": language})
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def working_day(make_case, create_user, db):
    """A caseworker with a request whose acknowledgement clock runs (due this week)."""
    from sqlalchemy import select

    from mla.deadlines.models import Deadline

    worker = create_user("caseworker")
    case = make_case(worker)
    case.assignee_id = worker.id
    db.session.commit()
    deadline = db.session.scalars(select(Deadline).where(Deadline.case_id == case.id)
                                  .order_by(Deadline.due_at)).first()
    assert deadline is not None, "the workflow started no clock"
    # Due in two days, at the end of the day in Paris: on the dashboard's "this week" list,
    # in a zone that is not the reader's.
    paris = _zone("Europe/Paris")
    last_day = (now().astimezone(paris) + timedelta(days=2)).date()
    deadline.zone_name = "Europe/Paris"
    deadline.due_at = datetime.combine(last_day, time(23, 59, 59), tzinfo=paris).astimezone(UTC)
    db.session.commit()
    return worker, case, deadline


def _page_says(page: Any, language: str) -> None:
    lang, direction = LANGUAGES[language]
    html = page.locator("html")
    assert html.get_attribute("lang") == lang
    assert html.get_attribute("dir") == direction
    if direction == "rtl":
        sheets = page.eval_on_selector_all("link[rel=stylesheet]", "ls => ls.map(l => l.href)")
        assert any(s.endswith("bootstrap.rtl.min.css") for s in sheets)


def _no_sideways_scrolling(page: Any) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, "
                           "document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] + 1, f"the page scrolls sideways: {widths}"


def _checked(page: Any, language: str, what: str, screenshot: Any) -> list[str]:
    _page_says(page, language)
    _no_sideways_scrolling(page)
    screenshot(page, f"issue19-{language}-{what}")
    return [f"{what}: {problem}" for problem in _violations(page)]


def _translated_or_skip_word(language: str, message: str) -> str | None:
    """The catalogue's words for ``message``, or None while it is untranslated."""
    words = _in(language, message)
    return None if words == message else words


@pytest.mark.parametrize("language", ["ar", "zh", "fr"])
def test_a_working_day_in_arabic_chinese_and_french(speaking, browser_login, working_day,
                                             screenshot, language):
    worker, case, deadline = working_day
    page = speaking(language)
    browser_login(page, worker)
    problems: list[str] = []

    # The deadlines dashboard (the home page): the due date in the language's form.
    page.goto("/")
    problems += _checked(page, language, "deadlines", screenshot)
    local_day = deadline.due_at.astimezone(_zone(deadline.zone_name)).date()
    due_text = page.locator(f"#h-due ~ table time[datetime='{deadline.due_at.isoformat()}']"
                            ).first.inner_text()
    assert format_date(local_day, "medium", locale=language) in due_text
    assert deadline.zone_name in due_text
    end_of_day = _translated_or_skip_word(language, "end of day")
    if end_of_day:
        assert end_of_day in due_text
    assert "23:59" not in due_text and "11:59" not in due_text

    # The request page.
    page.goto(f"/requests/{case.reference}")
    problems += _checked(page, language, "request", screenshot)
    reference = page.locator("h1").first
    assert case.reference in reference.inner_text()

    # The register form, sent empty: errors next to the fields, in the language.
    page.goto("/requests/new")
    page.get_by_role("button", name=_in(language, "Register the request")).click()
    page.locator("#form-errors").wait_for()
    problems += _checked(page, language, "register-errors", screenshot)
    summary = _translated_or_skip_word(language, "Please correct the problems marked below.")
    if summary:
        assert summary in page.locator("#form-errors").inner_text()

    # A report.
    page.goto("/reports/?from=2025-01-01&to=2025-12-31")
    problems += _checked(page, language, "report", screenshot)
    heading = _translated_or_skip_word(language, "Reports")
    if heading:
        assert heading in page.locator("h1").first.inner_text()
    assert problems == [], "\n".join(problems)


def test_signed_out_the_sign_in_page_switches_language(speaking, screenshot):
    page = speaking("fr")
    page.goto("/login")
    _page_says(page, "fr")
    page.locator("#switch-language").select_option("ar")
    page.locator("form.language-switch button[type=submit]").click()
    page.wait_for_url("**/login")
    _page_says(page, "ar")
    _no_sideways_scrolling(page)
    screenshot(page, "issue19-ar-sign-in")
    assert _violations(page) == []
    sign_in = _translated_or_skip_word("ar", "Sign in")
    if sign_in:
        assert sign_in in page.locator("h1").inner_text()


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def test_on_a_phone_arabic_pages_do_not_scroll_sideways(browser, live_server, browser_login,
                                                       working_day, screenshot):
    worker, case, _deadline = working_day
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844},
                                  locale="ar", timezone_id="UTC",
                                  extra_http_headers={"Accept-Language": "ar"})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    problems: list[str] = []
    try:
        page = context.new_page()
        browser_login(page, worker)
        for path, name in (("/", "deadlines"), (f"/requests/{case.reference}", "request"),
                           ("/requests/new", "register")):
            page.goto(path)
            _page_says(page, "ar")
            screenshot(page, f"issue19-ar-phone-{name}")
            _no_sideways_scrolling(page)
            problems += [f"{path}: {problem}" for problem in _violations(page)]
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
