"""The calendar page's table is headed by its caption ("Your calendar links"); it sat under
the table, where it read like a stray line after "No calendar link yet"."""

from __future__ import annotations


def test_caption_above_the_table(page, browser_login, create_user, db, screenshot):
    user = create_user("caseworker")
    db.session.commit()
    browser_login(page, user)
    page.goto("/calendar")
    screenshot(page, "calendar-caption")
    caption = page.locator("main table caption").bounding_box()
    head = page.locator("main table thead").bounding_box()
    assert caption["y"] + caption["height"] <= head["y"] + 1, (caption, head)
