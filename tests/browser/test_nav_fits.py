"""The top menu stays on one line at 1280 pixels in every language (Russian's long
entries used to wrap onto a second line). Screenshots go to test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import DEFAULT_TIMEOUT_MS
from tests.conftest import PASSWORD

# Where each entry of the menu stands: one line means one row of tops.
_ROWS = """() => [...new Set([...document.querySelectorAll(
    '#nav-main .navbar-nav.me-auto > .nav-item:not(.d-none)')].map(
    e => Math.round(e.getBoundingClientRect().top)))]"""
# Every destination, in the bar or under "More".
_LINKS = """() => [...document.querySelectorAll('#nav-main .navbar-nav.me-auto a')].filter(
    a => !a.closest('.d-none')).map(a => a.getAttribute('href')).sort()"""


@pytest.mark.parametrize("language", ["ru", "fr", "es", "ar", "zh", "en"])
@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_the_menu_fits_on_one_line_at_1280_pixels(browser, live_server, create_user,
                                                  db, screenshot, role, language):
    user = create_user(role)
    user.language = language
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800},
                                  locale=language, timezone_id="UTC")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        page: Any = context.new_page()
        page.goto("/login")
        page.locator("#username").fill(user.username)
        page.locator("#password").fill(PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert page.locator("html").get_attribute("lang").startswith(language[:2])
        screenshot(page, f"nav-1280-{role}-{language}")
        rows = page.evaluate(_ROWS)
        assert len(rows) == 1, f"the menu takes {len(rows)} lines in {language}: {rows}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        every = page.evaluate("""() => [...document.querySelectorAll(
            '#nav-main .navbar-nav.me-auto > .nav-item:not(.nav-more) a')].map(
            a => a.getAttribute('href')).sort()""")
        assert sorted(set(page.evaluate(_LINKS))) == sorted(set(every))  # none lost
        more = page.locator("#nav-more")
        if more.is_visible():  # what it holds opens and can be followed
            more.click()
            entry = page.locator(".nav-more .dropdown-menu a").last
            assert entry.is_visible()
            screenshot(page, f"nav-1280-{role}-{language}-more")
    finally:
        context.close()
