"""The persons search's button sits level with its box (it stood 16 pixels lower: the field
keeps a bottom margin the button's column had not)."""

from __future__ import annotations


def test_search_button_level_with_the_box(page, browser_login, create_user, db, screenshot):
    user = create_user("caseworker")
    db.session.commit()
    browser_login(page, user)
    page.goto("/persons")
    screenshot(page, "persons-search-aligned")
    box = page.locator("main form input[name=name]").bounding_box()
    button = page.locator("main form button[type=submit]").bounding_box()
    bottoms = box["y"] + box["height"], button["y"] + button["height"]
    assert abs(bottoms[0] - bottoms[1]) <= 2, (box, button)
