"""Issue 6 end to end in Chromium: a prosecutor drafts an outgoing request, is warned that
the purpose is missing, completes it, reviews everything that will be sent (persons,
offences, measures, contact, urgency), submits it; the request enters the central
authority's review with its clock running, and the caseworker finds it in the queue."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import nav_link
from tests.browser.test_accessibility import _violations

REFERENCE = re.compile(r"MLA-OUT-\d{4}-\d{5}")
TITLE = "Browser test: bank records of a shell company"


def test_prosecutor_drafts_is_warned_completes_and_caseworker_finds_it(
    live_server, page, create_user, browser_login, screenshot, db
):
    from mla.directory.models import Authority

    office = Authority(name="Capital District Prosecutor", country_code="XZ",
                       kind="prosecution")
    db.session.add(office)
    db.session.commit()
    prosecutor = create_user("prosecutor", authority_id=office.id)
    caseworker = create_user("caseworker")

    browser_login(page, prosecutor)
    page.get_by_role("link", name="My requests").click()
    page.get_by_role("button", name="Draft an outgoing request").click()

    save = page.get_by_role("button", name="Save and continue")
    page.select_option("#counterpart_country", "XA")
    page.select_option("#legal_basis", "UNTOC")
    page.fill("#domestic_reference", "CDP-2026-17")
    page.fill("#contact", "P. Rosecutor, +000 555 0100")
    page.check("#is_urgent")
    page.fill("#urgency_reason", "The suspect is in custody until 20 December.")
    save.click()

    page.fill("#title", TITLE)
    page.fill("#subject_matter", "Investigation of invoice fraud through a shell company")
    expect(page.locator("#conducting_authority")).to_have_value("Capital District Prosecutor")
    page.fill("#offence_name", "Fraud")
    page.fill("#offence_max_penalty", "60")
    save.click()

    page.fill("#summary", "In 2025 the company issued 40 false invoices to public bodies.")
    save.click()

    page.get_by_label("Bank records").check()
    page.fill("#assistance_details", "Statements of account AR-001 for 2024-2025.")
    save.click()

    page.fill("#persons-0-full_name", "Jean Fictif")
    page.fill("#persons-0-nationality", "Arcadian")
    save.click()

    # The purpose is left empty: the step warns and stays, keeping what was typed.
    page.fill("#language", "French")
    save.click()
    warning = page.locator("#draft-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("the purpose of the request")
    expect(warning).to_contain_text("18(15)(f)")
    expect(page.locator("#language")).to_have_value("French")
    screenshot(page, "issue6-purpose-warning")

    page.fill("#purpose", "Evidence for the trial of the company's directors.")
    save.click()
    expect(page.locator("h1")).to_contain_text("Review and submit")
    expect(page.locator("#review-purpose")).to_contain_text("Evidence for the trial")
    # Everything that will be sent is on the review screen.
    expect(page.locator("#review-contact")).to_contain_text("P. Rosecutor, +000 555 0100")
    expect(page.locator("#review-urgency")).to_contain_text("in custody until 20 December")
    expect(page.locator("#review-offence")).to_contain_text("Fraud")
    expect(page.locator("#review-offence")).to_contain_text("60")
    expect(page.locator("#review-measures")).to_contain_text("Bank records")
    persons = page.locator("#review-persons")
    expect(persons).to_contain_text("Jean Fictif")
    expect(persons).to_contain_text("Arcadian")
    expect(page.locator("#draft-warning")).to_have_count(0)
    screenshot(page, "issue11-draft-review")
    assert _violations(page) == []
    page.get_by_role("button", name="Submit to the central authority").click()

    expect(page.locator("h1")).to_contain_text(REFERENCE)
    reference = REFERENCE.search(page.locator("h1").inner_text()).group(0)
    expect(page.locator("#waiting-on")).to_contain_text("the central authority")
    # Submitted for real: in the central authority's review, its clock running.
    expect(page.locator(".badge-state")).to_contain_text("Central authority review")
    expect(page.locator("#h-deadlines + table")).to_contain_text("Decide")
    screenshot(page, "issue11-submitted-portal")

    page.get_by_role("button", name="Sign out").click()
    browser_login(page, caseworker)
    nav_link(page, "Drafts to review").click()
    row = page.locator("tr", has_text=reference)
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("Capital District Prosecutor")
    screenshot(page, "issue6-review-queue")
    row.get_by_role("link", name=reference).click()
    expect(page.locator("h1")).to_contain_text(reference)
