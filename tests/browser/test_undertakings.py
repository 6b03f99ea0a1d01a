"""Conditions and assurances in Chromium: the caseworker asks for a death-penalty
assurance from the Assurances panel with the keyboard, sees the grant blocked with the
article, records it received and sufficient; the Speciality panel of a surrendered
person with a request for consent and its 30-day clock; a limited document's reuse page
warns and offers the consent letter. Screenshots in test-artifacts/undertakings-*.png."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from mla.documents.services import Upload, store_document
from mla.undertakings import services as u
from tests.browser.conftest import ARTIFACTS
from tests.workflow.conftest import force_state


@pytest.fixture
def authorities(db):
    from mla.directory.models import Authority

    home = Authority(name="Prosecution Service of Zembla", country_code="XZ", kind="prosecution")
    foreign = Authority(name="Ministry of Justice of Arcadia", country_code="XA",
                        kind="central_authority", email="mla@example.invalid")
    db.session.add_all([home, foreign])
    db.session.commit()
    return {"domestic": home, "foreign": foreign}


@pytest.fixture
def users(create_user):
    return {"caseworker": create_user("caseworker")}


@pytest.fixture
def ready_case(db, make_case, users, authorities):
    """An extradition request (ECE, or EAW for the warrant workflow) forced into a state."""

    def factory(workflow: str, state: str):
        case = make_case(users["caseworker"], direction="incoming", kind="extradition",
                         legal_basis="EAW" if workflow == "incoming_eaw" else "ECE",
                         measures=[], domestic_authority_id=authorities["domestic"].id,
                         counterpart_authority_id=authorities["foreign"].id)
        assert case.workflow_name == workflow
        force_state(db, case, state)
        return case

    return factory


def _shot(locator, name: str) -> None:
    """One panel, as the caseworker sees it."""
    ARTIFACTS.mkdir(exist_ok=True)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_assurances_panel_blocks_then_allows_the_grant(live_server, page, browser_login,
                                                       ready_case, users, screenshot):
    case = ready_case("incoming_extradition", "executive_decision")
    browser_login(page, users["caseworker"])
    page.goto(f"/requests/{case.reference}#assurances")
    panel = page.locator("#assurances")
    panel.get_by_text("Ask for an assurance").focus()
    page.keyboard.press("Enter")                          # <summary> opens with the keyboard
    panel.get_by_label("Assurance", exact=True).select_option("death_penalty")
    panel.get_by_label("What is asked of the requesting state").fill(
        "That the death penalty will not be imposed or carried out.")
    panel.get_by_label("Date asked for").fill("2026-03-02")
    panel.get_by_role("button", name="Ask", exact=True).click()
    blocked = page.locator("[data-grant-blocked]")
    expect(blocked).to_contain_text("ECE art. 11")
    _shot(page.locator("#assurances"), "undertakings-assurance-blocks-grant")

    panel = page.locator("#assurances")
    panel.get_by_text("Record the assurance received").click()
    panel.get_by_label("Date received").fill("2026-03-20")
    panel.get_by_label("Given by (authority)").fill("Prosecutor General of Arcadia")
    panel.get_by_label("What was assured").fill("The death penalty will not be sought.")
    panel.get_by_role("button", name="Record", exact=True).click()
    panel = page.locator("#assurances")
    panel.get_by_label("Sufficient: it answers the risk").check()
    panel.get_by_label("Date of the assessment").fill("2026-03-21")
    panel.get_by_label("Reasons (specific? binding on the state? can it be monitored?)").fill(
        "Given by the authority whose word binds the courts; monitored by the embassy.")
    panel.get_by_role("button", name="Record the assessment").click()
    expect(page.locator("[data-assurance-state=sufficient]")).to_be_visible()
    expect(page.locator("[data-grant-blocked]")).to_have_count(0)
    _shot(page.locator("#assurances"), "undertakings-assurance-sufficient")


def test_speciality_panel_with_a_consent_clock(live_server, page, browser_login, ready_case,
                                               users, db, screenshot):
    case = ready_case("incoming_eaw", "surrendered")
    record = u.record_speciality(users["caseworker"], case, surrendered_on=date(2026, 1, 5))
    u.add_consent_request(users["caseworker"], record, purpose="other_offences",
                          subject="Armed robbery, Lyon, 2024", asked_on=date(2026, 3, 2))
    db.session.commit()
    browser_login(page, users["caseworker"])
    page.goto(f"/requests/{case.reference}#speciality")
    panel = page.locator("#speciality")
    expect(panel.locator("[data-due]")).to_have_attribute("data-due", "2026-04-01")
    panel.get_by_text("Record the decision").first.click()
    _shot(panel, "undertakings-speciality")


def test_reuse_page_of_a_limited_document(live_server, page, browser_login, make_case, users,
                                          authorities, db, screenshot):
    worker = users["caseworker"]
    source = make_case(worker, counterpart_authority_id=authorities["foreign"].id,
                       counterpart_reference="XA-2026-7")
    other = make_case(worker, title="Another fraud")
    document = store_document(worker, source, Upload("bank.pdf", b"%PDF-1.4 bank"))
    u.add_limitation(worker, document, kind="use",
                     scope="Only for the fraud proceedings XA-2026-7.")
    db.session.commit()
    browser_login(page, worker)
    page.goto(f"/requests/{source.reference}#limitations")
    _shot(page.locator("#limitations"), "undertakings-limitations-panel")
    page.locator("#limitations").get_by_role("link", name="bank.pdf").click()
    expect(page.locator("[data-use-limited]")).to_contain_text("18(19)")
    page.get_by_label("Reference of the other request").fill(other.reference)
    page.get_by_role("button", name="Copy the document").click()
    expect(page.locator("#form-errors")).to_contain_text("use limitation")
    screenshot(page, "undertakings-reuse-warning")
    page.get_by_label("What the document would be used for").fill(
        "Money-laundering investigation " + other.reference)
    page.get_by_role("button", name="Draft the request for consent").click()
    expect(page.locator("main")).to_contain_text("Request for consent to use evidence")
    screenshot(page, "undertakings-consent-letter")


def test_referral_panel_outcome_then_report(live_server, page, browser_login, ready_case,
                                            users, db, screenshot):
    case = ready_case("incoming_extradition", "closed_referred")
    u.open_referral(users["caseworker"], case, authority_id=case.domestic_authority_id,
                    referred_on=date(2026, 3, 1), refusal_ground="nationality")
    db.session.commit()
    browser_login(page, users["caseworker"])
    page.goto(f"/requests/{case.reference}#aut-dedere")
    panel = page.locator("#aut-dedere")
    panel.get_by_label("Outcome", exact=True).select_option("convicted")
    panel.get_by_label("Date of the outcome").fill("2026-03-02")
    panel.get_by_label("Domestic case reference").fill("XZ-PP-2026-11")
    panel.get_by_label("What was decided").fill("Sentenced to four years' imprisonment.")
    panel.get_by_role("button", name="Record the outcome").click()
    panel = page.locator("#aut-dedere")
    expect(panel.locator("[data-referral-state]")).to_have_attribute(
        "data-referral-state", "outcome_recorded")
    _shot(panel, "undertakings-referral")
    panel.get_by_role("button", name="Draft the report to the requesting state").click()
    expect(page.locator("main")).to_contain_text("XZ-PP-2026-11")
    screenshot(page, "undertakings-report-letter")
