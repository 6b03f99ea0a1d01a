"""The top bar's search box shows its whole placeholder ("Trouver une demande…" was cut
to "Trouver une demande.." in French) at 1280 and 1024 pixels, and the menu still fits
on one line. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

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
def test_the_search_box_shows_its_whole_placeholder(page, browser_login, create_user, db,
                                                   screenshot, language, width):
    user = create_user("supervisor")
    user.language = language
    db.session.commit()
    page.set_viewport_size({"width": width, "height": 800})
    browser_login(page, user)
    screenshot(page, f"nav-search-{width}-{language}")
    needed, room = page.evaluate(_OVERFLOW)
    assert needed <= room, f"{language}, {width}px: the placeholder needs {needed} of {room}"
    assert len(page.evaluate(_ROWS)) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    search = page.locator("#nav-search").bounding_box()
    find = page.locator("form.nav-search button").bounding_box()
    assert abs(search["y"] - find["y"]) <= 2  # the button stays beside the box
