"""The persons search's button sits level with its box (it stood 16 pixels lower: the field
keeps a bottom margin the button's column had not)."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import DEFAULT_TIMEOUT_MS
from tests.conftest import PASSWORD


def test_search_button_level_with_the_box(browser, live_server, create_user, db, screenshot):
    user = create_user("caseworker")
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  timezone_id="UTC")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        page: Any = context.new_page()
        page.goto("/login")
        page.locator("#username").fill(user.username)
        page.locator("#password").fill(PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        page.goto("/persons")
        screenshot(page, "persons-search-aligned")
        box = page.locator("main form input[name=name]").bounding_box()
        button = page.locator("main form button[type=submit]").bounding_box()
        bottoms = box["y"] + box["height"], button["y"] + button["height"]
        assert abs(bottoms[0] - bottoms[1]) <= 2, (box, button)
    finally:
        context.close()
