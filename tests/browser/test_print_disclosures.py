"""A printed request leaves out the disclosures that only open a form ("▸ Ask for an
assurance" printed under Assurances, "▸ Record what the person was surrendered for"),
as it leaves out the forms themselves; what the panels record still prints."""

from __future__ import annotations

from mla.cases.services import PersonInput


def test_printed_request_has_no_form_disclosures(page, browser_login, create_user, make_case,
                                                 screenshot):
    worker = create_user("caseworker")
    case = make_case(worker, kind="extradition", legal_basis="ECE", counterpart_country="XB",
                     measures=[], assignee_id=worker.id,
                     persons=[PersonInput(role="suspect", full_name="Ana Sought")])
    browser_login(page, worker)
    page.goto(f"/requests/{case.reference}")
    disclosures = page.locator("main details:has(> form) > summary")
    assert disclosures.count() >= 1
    assert page.get_by_text("Ask for an assurance").is_visible()
    page.emulate_media(media="print")
    screenshot(page, "request-printed-disclosures")
    assert all(disclosures.nth(i).is_hidden() for i in range(disclosures.count()))
    assert page.get_by_text("Ask for an assurance").is_hidden()
    assert page.get_by_text("No assurance asked for.").is_visible()
    assert page.get_by_text("Ana Sought").is_visible()
