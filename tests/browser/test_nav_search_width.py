"""The top bar's search box shows its whole placeholder ("Trouver une demande…" was cut
to "Trouver une demande.." in French) at 1280 and 1024 pixels, and the menu still fits
on one line. Screenshots go to test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import DEFAULT_TIMEOUT_MS
from tests.conftest import PASSWORD

# The placeholder typed into the box (Chromium keeps the room of a search box's clear
# button when it shows the placeholder too): does it overflow the box?
_OVERFLOW = """() => {
  const box = document.getElementById('nav-search');
  box.value = box.placeholder;
  const overflow = [box.scrollWidth, box.clientWidth];
  box.value = '';
  return overflow;
}"""
_ROWS = """() => [...new Set([...document.querySelectorAll(
    '#nav-main .navbar-nav.me-auto > .nav-item:not(.d-none)')].map(
    e => Math.round(e.getBoundingClientRect().top)))]"""


@pytest.mark.parametrize("language", ["fr", "es", "ru", "ar", "en"])
@pytest.mark.parametrize("width", [1280, 1024])
def test_the_search_box_shows_its_whole_placeholder(browser, live_server, create_user, db,
                                                   screenshot, language, width):
    user = create_user("supervisor")
    user.language = language
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 800},
                                  locale=language, timezone_id="UTC")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        page: Any = context.new_page()
        page.goto("/login")
        page.locator("#username").fill(user.username)
        page.locator("#password").fill(PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        screenshot(page, f"nav-search-{width}-{language}")
        needed, room = page.evaluate(_OVERFLOW)
        assert needed <= room, f"{language}, {width}px: the placeholder needs {needed} of {room}"
        assert len(page.evaluate(_ROWS)) == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        search = page.locator("#nav-search").bounding_box()
        find = page.locator("form.nav-search button").bounding_box()
        assert abs(search["y"] - find["y"]) <= 2  # the button stays beside the box
    finally:
        context.close()
