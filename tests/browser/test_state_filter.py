"""The request list's state filter in a browser: reached by its label, chosen by the
state's words, axe-clean with and without an error."""

from __future__ import annotations

from tests.browser.test_accessibility import _violations


def test_a_state_chosen_by_its_label_filters_the_list(page, browser_login, create_user,
                                                       make_case, db, tmp_path):
    worker = create_user("caseworker")
    waiting, moved = make_case(worker, title="Still waiting"), make_case(worker, title="Moved")
    moved.state = "under_review"
    db.session.commit()
    browser_login(page, worker)
    page.goto("/requests/")
    state = page.get_by_label("State", exact=True)
    assert state.evaluate("e => e.tagName") == "SELECT"
    state.select_option(label="Received, not yet acknowledged")
    page.get_by_role("button", name="Filter", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/requests/?*state=received*")
    rows = page.locator("table tbody").inner_text()
    assert waiting.reference in rows and moved.reference not in rows
    assert page.get_by_label("State", exact=True).input_value() == "received"
    page.screenshot(path=str(tmp_path / "state-filter.png"), full_page=True)
    assert _violations(page) == []

    page.goto("/requests/?state=no_such_state")
    assert page.get_by_label("State", exact=True).get_attribute("aria-invalid") == "true"
    assert "choose one from the list" in page.locator("#f-state-error").inner_text()
    assert _violations(page) == []
