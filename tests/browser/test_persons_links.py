"""Issue 16 in Chromium: registering a request about a person already on file shows the
possible link before saving; after saving both extradition requests warn of each other;
the caseworker confirms the link and opens the person view."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from mla.cases.services import PersonInput

REFERENCE = re.compile(r"EXT-IN-\d{4}-\d{5}")


def test_a_second_request_about_a_person_in_custody_is_linked_and_competing(
        live_server, page, create_user, browser_login, make_case, screenshot):
    user = create_user("caseworker")
    first = make_case(user, direction="incoming", kind="extradition", legal_basis="ECE",
                      counterpart_country="XA", measures=[], title="Extradition for murder",
                      persons=[PersonInput(role="suspect", full_name="Ivan Petrov",
                                           date_of_birth="1980-02-01",
                                           identifiers="Passport: X1234567",
                                           is_in_custody=True)])
    browser_login(page, user)

    page.goto("/requests/new")
    page.select_option("#direction", "incoming")
    page.select_option("#kind", "extradition")
    page.select_option("#legal_basis", "ECE")
    page.fill("#title", "Extradition for armed robbery")
    page.select_option("#counterpart_country", "XB")
    page.fill("#offences-0-offence_name", "Armed robbery")
    page.fill("#offences-0-max_penalty", "120")
    page.fill("#offences-0-iccs", "0401")
    page.select_option("#persons-0-role", "suspect")
    page.fill("#persons-0-full_name", "PETROV Ivan")
    page.fill("#persons-0-date_of_birth", "1980-02-01")
    # Adding a row sends the form back unsaved: the possible link shows before saving.
    page.get_by_role("button", name="Add another person").click()
    warning = page.locator("#possible-links")
    expect(warning).to_contain_text(first.reference)
    expect(warning).to_contain_text("same name and date of birth")
    screenshot(page, "persons-link-before-saving")

    page.get_by_role("button", name="Register the request").click()
    expect(page.locator("h1")).to_contain_text(REFERENCE)
    expect(page.locator("#competing")).to_contain_text("art. 17")
    expect(page.locator("#links")).to_contain_text(first.reference)
    screenshot(page, "persons-link-warning")

    page.locator("#links").get_by_role("button", name="Confirm").click()
    expect(page.locator("#links")).to_contain_text("confirmed")

    page.get_by_role("link", name="PETROV Ivan").click()
    expect(page.locator("h1")).to_have_text("PETROV Ivan")
    expect(page.locator("main")).to_contain_text(first.reference)
    screenshot(page, "persons-person-view")
