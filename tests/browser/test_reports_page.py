"""The Reports page in a real browser, as a supervisor: screenshots to look at, and the
print layout (filters and links hidden, the tables kept)."""

from __future__ import annotations

from tests.browser.conftest import nav_link
from tests.reports.conftest import held_clock, history, move, register  # noqa: F401 (fixtures)


def test_reports_page_as_a_supervisor(live_server, page, create_user, browser_login,
                                      history, screenshot):  # noqa: F811
    browser_login(page, create_user("supervisor"))
    nav_link(page, "Reports").click()
    page.locator("#f-from").fill("2025-01-01")
    page.locator("#f-to").fill("2025-12-31")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_role("heading", name="Oldest open requests").is_visible()
    assert page.get_by_role("group", name="Chart: received and sent per month").is_visible()
    screenshot(page, "issue15-reports-supervisor")
    page.emulate_media(media="print")
    assert not page.locator("form.report-filters").is_visible()
    assert page.get_by_role("heading", name="Counterparts").first.is_visible()
    screenshot(page, "issue15-reports-print")


def test_implementation_review_page(live_server, page, create_user, browser_login,
                                    history, screenshot):  # noqa: F811
    browser_login(page, create_user("caseworker"))
    page.goto("/reports/review?year=2025")
    assert page.get_by_role("columnheader", name="UNTOC: requests received").is_visible()
    screenshot(page, "issue15-review-2025")
