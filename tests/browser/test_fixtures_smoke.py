"""The browser fixtures themselves: server, login, no-store headers."""

from __future__ import annotations


def test_login_page_is_served_with_security_headers(live_server, page):
    response = page.goto("/login")
    assert response is not None and response.status == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert page.locator("#username").is_visible()


def test_browser_login_signs_in_and_pages_are_not_stored(live_server, page, create_user,
                                                          browser_login):
    user = create_user("caseworker")
    browser_login(page, user)
    response = page.goto("/requests/")
    assert response is not None and response.status == 200
    assert response.headers["cache-control"] == "no-store"
