"""Issue 11 end to end in Chromium: register, assess, correct an offence and a person,
see the correction on the timeline and the assessment out of date, assess again."""

from __future__ import annotations

import re

from playwright.sync_api import expect

REFERENCE = re.compile(r"MLA-IN-\d{4}-\d{5}")


def _assess(page, justification: str) -> None:
    page.select_option("#decision", "satisfied")
    page.fill("#justification", justification)
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.locator("#dual-criminality")).to_be_visible()


def test_caseworker_corrects_a_request_and_reassesses(live_server, page, create_user,
                                                     browser_login, screenshot):
    user = create_user("caseworker")
    browser_login(page, user)

    page.goto("/requests/new")
    page.select_option("#direction", "incoming")
    page.select_option("#kind", "mla")
    # Only the bases that fit an incoming MLA request are offered.
    expect(page.locator("#legal_basis option[value=ECE]")).to_be_disabled()
    page.select_option("#legal_basis", "UNTOC")
    page.fill("#title", "Browser test: invoices of a shell company")
    page.select_option("#counterpart_country", "XA")
    page.fill("#offences-0-offence_name", "Fraud")
    page.fill("#offences-0-max_penalty", "60")
    page.fill("#offences-0-iccs", "0701")
    page.get_by_label("Bank records").check()
    page.select_option("#persons-0-role", "suspect")
    page.fill("#persons-0-full_name", "Jon Smyth")
    page.get_by_role("button", name="Register the request").click()
    expect(page.locator("h1")).to_contain_text(REFERENCE)
    reference = REFERENCE.search(page.locator("h1").inner_text()).group(0)

    # Assess dual criminality for the offence.
    panel = page.locator("#dual-criminality")
    panel.get_by_role("link", name=re.compile("check")).click()
    _assess(page, "Fraud is punishable here too (Penal Code s.210).")
    expect(page.locator("#dual-criminality")).to_contain_text("Satisfied")

    # Correct the request: the offence's ICCS code and the person's name.
    page.get_by_role("link", name=re.compile("^Edit")).click()
    expect(page).to_have_url(re.compile(rf"/requests/{reference}/edit$"))
    expect(page.locator("#persons-0-full_name")).to_have_value("Jon Smyth")
    page.fill("#offences-0-iccs", "0702")
    page.fill("#persons-0-full_name", "John Smith")
    # A date of birth in the future is refused next to the field, with what was typed kept.
    page.fill("#persons-0-date_of_birth", "2999-01-01")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator("#persons-0-date_of_birth-error")).to_contain_text(
        "A date of birth cannot be in the future.")
    expect(page.locator("#offences-0-iccs")).to_have_value("0702")
    page.fill("#persons-0-date_of_birth", "1980-05-17")
    screenshot(page, "issue11-edit")
    page.locator("#persons-0-date_of_birth").press("Enter")  # the keyboard saves it

    expect(page).to_have_url(re.compile(rf"/requests/{reference}#timeline$"))
    entry = page.locator("ol.timeline li").filter(has_text="Request corrected")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("ICCS codes 0701 → 0702")
    expect(entry).to_contain_text("name changed")
    expect(entry).to_contain_text("date of birth changed")
    expect(entry).not_to_contain_text("John Smith")
    expect(entry).not_to_contain_text("Jon Smyth")
    expect(entry).to_contain_text("out of date")
    expect(page.locator("section[aria-labelledby=h-persons]")).to_contain_text("John Smith")
    status = page.locator("#dual-criminality [data-dc-status=outdated]")
    expect(status).to_have_text("out of date")
    screenshot(page, "issue11-timeline")

    # Reassess: the assessment counts again.
    page.locator("#dual-criminality").get_by_role("link", name=re.compile("assess again")).click()
    _assess(page, "Checked again after the correction: 0702 is fraud here too.")
    expect(page.locator("#dual-criminality [data-dc-status=outdated]")).to_have_count(0)
    expect(page.locator("#dual-criminality")).to_contain_text("Satisfied")
