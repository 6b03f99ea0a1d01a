"""Issue 2 end to end in Chromium: sign in, register, find, open, sign out, go back."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

REFERENCE = re.compile(r"MLA-IN-\d{4}-\d{5}")


def test_caseworker_registers_finds_and_opens_a_request_then_logout_hides_it(
    live_server, page, create_user, browser_login, screenshot, db
):
    from mla.cases.models import Case

    user = create_user("caseworker")
    browser_login(page, user)

    # Register: an incoming MLA request, two offences (the second through
    # "Add another offence", which re-renders the form keeping what was typed), a witness.
    page.goto("/requests/new")
    page.select_option("#direction", "incoming")
    page.select_option("#kind", "mla")
    page.select_option("#legal_basis", "UNTOC")
    page.fill("#title", "Browser test: laundering through shell companies")
    page.select_option("#counterpart_country", "XA")
    page.fill("#counterpart_reference", "ARC/2026/311")
    page.fill("#summary", "Funds moved through three shell companies.")
    page.fill("#offences-0-offence_name", "Money laundering")
    page.fill("#offences-0-statute", "PC 305")
    page.fill("#offences-0-max_penalty", "120")
    page.fill("#offences-0-iccs", "07041")
    page.get_by_role("button", name="Add another offence").click()
    expect(page.locator("#offences-1-offence_name")).to_be_visible()
    expect(page.locator("#title")).to_have_value(
        "Browser test: laundering through shell companies")
    expect(page.locator("#offences-0-offence_name")).to_have_value("Money laundering")
    page.fill("#offences-1-offence_name", "Participation in an organised criminal group")
    page.fill("#offences-1-max_penalty", "60")
    page.get_by_label("Bank records").check()
    page.get_by_label("Hearing of a witness").check()
    page.select_option("#persons-0-role", "witness")
    page.fill("#persons-0-full_name", "Wanda Witness")
    screenshot(page, "issue2-form")
    page.get_by_role("button", name="Register the request").click()

    # The request page: everything just typed, with its new reference.
    expect(page.locator("h1")).to_contain_text(REFERENCE)
    reference = REFERENCE.search(page.locator("h1").inner_text()).group(0)
    expect(page).to_have_url(re.compile(rf"/requests/{reference}$"))
    offences = page.locator("section[aria-labelledby=h-offences] tbody tr")
    expect(offences).to_have_count(2)
    expect(offences.nth(0)).to_contain_text("Money laundering")
    expect(offences.nth(1)).to_contain_text("Participation in an organised criminal group")
    persons = page.locator("section[aria-labelledby=h-persons] tbody tr")
    expect(persons).to_have_count(1)
    expect(persons).to_contain_text("Witness")
    expect(persons).to_contain_text("Wanda Witness")

    # Saved once, for real (the test reads through its own connection).
    db.session.rollback()
    saved = db.session.scalars(select(Case).where(Case.reference == reference)).one()
    assert len(saved.offences) == 2 and len(saved.persons) == 1
    db.session.rollback()

    # Find it in the list by part of its reference, and open it from there (a whole
    # reference typed opens the request at once: checked below).
    page.goto("/requests/")
    page.fill("#q", reference.split("-", 1)[1])
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.locator("table.table-cases tbody tr")).to_have_count(1)
    screenshot(page, "issue2-list")
    page.get_by_role("link", name=reference).click()
    expect(page).to_have_url(re.compile(rf"/requests/{reference}$"))
    page.goto("/requests/")
    page.fill("#q", reference.lower())
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/requests/{reference}$"))
    response = page.reload()
    assert response is not None and response.headers["cache-control"] == "no-store"
    expect(page.locator("h1")).to_contain_text(reference)
    screenshot(page, "issue2-request")

    # Sign out, then the back button: the case page must not come back from the cache.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("body")).to_contain_text("You are signed out")
    page.go_back()
    page.wait_for_load_state()
    # Re-fetched (no-store), the server redirects to the sign-in page: no case data shown.
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("body")).not_to_contain_text(reference)
    expect(page.locator("body")).not_to_contain_text("Wanda Witness")
    expect(page.locator("body")).not_to_contain_text("Money laundering")
    screenshot(page, "issue2-after-back")
