"""A person's name typed in the header's search box, in a real browser: "/" focuses the
box, Enter searches, the request naming the person is listed, and neither the address
nor any later page's address (page 2, another sort) holds the name."""

from __future__ import annotations

from mla.cases.services import PersonInput

NAME = "Orsolya Brindlecombe"


def test_a_name_searched_from_the_header_stays_out_of_the_address(
        page, browser_login, create_user, make_case, screenshot):
    me = create_user("caseworker")
    named = [make_case(me, title=f"Named {n}",
                       persons=[PersonInput(role="suspect", full_name=NAME)]) for n in range(3)]
    other = make_case(me, title="Someone else")

    browser_login(page, me)
    page.goto("/requests/?sort=reference")
    page.locator("main").click()
    page.keyboard.press("/")
    box = page.get_by_role("searchbox", name="Find a request")
    assert box.evaluate("el => el === document.activeElement")
    box.fill(NAME)
    box.press("Enter")
    page.wait_for_url("**/requests/?search=*")
    assert "Brindlecombe" not in page.url and "Orsolya" not in page.url
    rows = page.locator("table.table-cases tbody").inner_text()
    assert all(case.reference in rows for case in named) and other.reference not in rows
    # The words are in the list's own box, to change them; in no link of the page.
    assert page.locator("#q").input_value() == NAME
    hrefs = page.eval_on_selector_all("a[href], form[action]",
                                      "els => els.map(e => e.href || e.action)")
    assert not [href for href in hrefs if "Brindlecombe" in href]
    screenshot(page, "search-out-of-address-1-found")

    # Another sort, from the list's form (Enter in the box submits it).
    page.get_by_label("Sort", exact=True).select_option("reference")
    page.locator("#q").press("Enter")
    page.wait_for_url("**/requests/?*sort=reference*")
    assert "Brindlecombe" not in page.url and "search=" in page.url
    shown = page.locator("table.table-cases tbody tr td:nth-child(2) a").all_inner_texts()
    assert shown == sorted(case.reference for case in named)

    # Page 2, two to a page: the handle follows, the words do not.
    page.goto(page.url + "&per_page=2")
    page.get_by_role("link", name="Next").click()
    page.wait_for_url("**/requests/?*cursor=*")
    assert "Brindlecombe" not in page.url and "search=" in page.url
    shown = page.locator("table.table-cases tbody tr td:nth-child(2) a").all_inner_texts()
    assert shown == [sorted(case.reference for case in named)[2]]
    screenshot(page, "search-out-of-address-2-page-two")
