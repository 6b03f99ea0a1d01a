"""The calendar page's table is headed by its caption ("Your calendar links"); it sat under
the table, where it read like a stray line after "No calendar link yet"."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import DEFAULT_TIMEOUT_MS
from tests.conftest import PASSWORD


def test_caption_above_the_table(browser, live_server, create_user, db, screenshot):
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
        page.goto("/calendar")
        screenshot(page, "calendar-caption")
        caption = page.locator("main table caption").bounding_box()
        head = page.locator("main table thead").bounding_box()
        assert caption["y"] + caption["height"] <= head["y"] + 1, (caption, head)
    finally:
        context.close()
