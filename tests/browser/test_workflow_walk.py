"""Issue 3 in Chromium: an incoming MLA request from registration to closed, with one
supplementary-information loop, taking every step through the request page."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

REFERENCE = re.compile(r"MLA-IN-\d{4}-\d{5}")


def _step(page, label: str, fill=None) -> None:
    """Open a step on the request page, fill what it asks, confirm it."""
    steps = page.locator("#workflow-steps")
    steps.locator("summary", has_text=label).click()
    form = steps.get_by_role("form", name=label)
    expect(form).to_be_visible()
    if fill:
        fill(form)
    form.get_by_role("button", name=f"Confirm: {label}").click()
    expect(page.locator(".alert-success")).to_contain_text(f"Done: {label}.")


def test_incoming_mla_from_registration_to_closed(live_server, page, create_user,
                                                   browser_login, screenshot, db):
    from mla.cases.models import Case, CaseEvent
    from mla.directory.models import Authority
    from mla.dualcrim.services import record_assessment

    court = Authority(name="Zembla District Court", country_code="XZ", kind="court")
    db.session.add(court)
    db.session.commit()
    user = create_user("caseworker")
    browser_login(page, user)

    page.goto("/requests/new")
    page.select_option("#direction", "incoming")
    page.select_option("#kind", "mla")
    page.select_option("#legal_basis", "UNTOC")
    page.fill("#title", "Browser walk: bank records of a fraud ring")
    page.select_option("#counterpart_country", "XA")
    page.fill("#offences-0-offence_name", "Fraud")
    page.fill("#offences-0-max_penalty", "60")
    page.fill("#offences-0-iccs", "0701")
    page.get_by_label("Bank records").check()
    page.get_by_role("button", name="Register the request").click()
    expect(page.locator("h1")).to_contain_text(REFERENCE)
    reference = REFERENCE.search(page.locator("h1").inner_text()).group(0)
    state = page.locator(".wf-state-now")
    expect(state).to_have_text("Received, not yet acknowledged")

    _step(page, "Acknowledge and start the review",
          lambda f: f.get_by_label("Deadline set by the requesting state").fill("2026-12-31"))
    expect(state).to_have_text("Admissibility review")

    # The supplementary-information loop: clocks pause, then resume.
    _step(page, "Ask the requesting state for supplementary information",
          lambda f: f.get_by_label("What is missing or unclear").fill("Account numbers?"))
    expect(state).to_have_text("Waiting for supplementary information from the requesting state")
    screenshot(page, "issue3-awaiting-information")
    _step(page, "Record the supplementary information received",
          lambda f: f.get_by_label("Comment").fill("Account numbers received."))
    expect(state).to_have_text("Admissibility review")

    _step(page, "Review complete: refer for decision")
    expect(state).to_have_text("Awaiting decision")
    blocked = page.locator(".wf-blocked")
    expect(blocked).to_contain_text("Accept the request")
    expect(blocked).to_contain_text("Dual criminality not yet assessed")
    screenshot(page, "issue3-blocked")

    # Dual criminality is another screen's job: record the assessment directly.
    db.session.rollback()
    case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
    record_assessment(user, case, case.offences[0], iccs=["0701"], decision="satisfied",
                      justification="Fraud is an offence in Zembla too.")
    db.session.commit()
    page.reload()
    expect(page.locator(".wf-blocked")).not_to_contain_text("Accept the request")
    expect(page.locator(".wf-blocked")).to_contain_text("Only a supervisor")  # postponing

    _step(page, "Accept the request")
    _step(page, "Send to an executing body",
          lambda f: f.get_by_label("Executing body").select_option(label="Zembla District "
                                                                     "Court (XZ)"))
    expect(state).to_have_text("In execution by the executing body")
    _step(page, "Record the results of execution",
          lambda f: f.get_by_label("Extent of execution").select_option("full"))
    _step(page, "Transmit the results",
          lambda f: f.get_by_label("Channel").select_option("central_authority"))
    _step(page, "Close: executed")
    expect(state).to_have_text("Closed: executed")
    expect(page.locator("#workflow-steps")).to_contain_text("This request is closed")

    timeline = page.locator("#timeline")
    for label in ("Acknowledge and start the review",
                  "Ask the requesting state for supplementary information",
                  "Record the supplementary information received", "Accept the request",
                  "Send to an executing body", "Transmit the results", "Close: executed"):
        expect(timeline).to_contain_text(label)
    screenshot(page, "issue3-closed")

    page.get_by_role("link", name="show on the workflow diagram").click()
    expect(page.locator("#wf-state-closed_executed")).to_have_class(re.compile("wf-current"))
    screenshot(page, "issue3-diagram")

    db.session.rollback()
    steps = db.session.scalars(select(CaseEvent.transition).join(Case).where(
        Case.reference == reference, CaseEvent.kind == "transition")).all()
    assert steps == ["acknowledge", "request_information", "information_received",
                     "refer_for_decision", "accept", "assign_execution", "report_execution",
                     "transmit_results", "close_executed"]
    db.session.rollback()
