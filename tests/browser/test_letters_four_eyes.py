"""Issue 11 in Chromium: a caseworker asks the requesting state questions; they show on
the request page and in the drafted letter; the caseworker cannot approve the letter they
drafted, a supervisor does; the SMTP server refuses it and the request page and the
letters queue say so, with the reason and a retry."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_accessibility import _violations

QUESTION = "Who holds account AR-1234 at the Harbour Bank?"


def test_questions_four_eyes_and_a_refused_delivery(live_server, page, app, create_user,
                                                    make_case, browser_login, screenshot, db):
    from aiosmtpd.controller import Controller
    from sqlalchemy import update

    from mla.cases.models import Case
    from mla.directory.models import Authority
    from mla.notifications.dispatcher import dispatch_due
    from mla.settings import SmtpSettings
    from tests.notifications.helpers import free_port, settings_override
    from tests.notifications.test_four_eyes import RefusingInbox

    foreign = Authority(name="Ministry of Justice of Arcadia", country_code="XA",
                        kind="central_authority", email="mla@example.invalid", languages=["en"])
    db.session.add(foreign)
    db.session.commit()
    caseworker = create_user("caseworker")
    supervisor = create_user("supervisor")
    case = make_case(caseworker, counterpart_authority_id=foreign.id, assignee_id=caseworker.id)
    db.session.execute(update(Case).where(Case.id == case.id).values(state="under_review"))
    db.session.commit()
    reference = case.reference

    browser_login(page, caseworker)
    page.goto(f"/requests/{reference}")
    steps = page.locator("#workflow-steps")
    label = "Ask the requesting state for supplementary information"
    steps.locator("summary", has_text=label).click()
    form = steps.get_by_role("form", name=label)
    form.get_by_label("What is missing or unclear").fill(QUESTION)
    form.get_by_role("button", name=f"Confirm: {label}").click()
    expect(page.locator("#open-question")).to_contain_text(QUESTION)
    expect(page.locator("#step-values")).to_contain_text(QUESTION)
    expect(page.locator("#letters")).to_contain_text("Waiting for approval")
    screenshot(page, "issue11-request-page-question")
    assert _violations(page) == []

    page.locator("#letters a", has_text="Request for supplementary information").click()
    expect(page.locator(".letter-body")).to_contain_text(QUESTION)
    expect(page.locator("#approval-refused")).to_contain_text("You drafted this letter")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    screenshot(page, "issue11-letter-drafter-refused")
    assert _violations(page) == []
    letter_url = page.url

    page.get_by_role("button", name="Sign out").click()
    browser_login(page, supervisor)
    page.goto(letter_url)
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".alert-success")).to_contain_text("It is being sent to "
                                                            "mla@example.invalid")
    expect(page.locator("#letter-status")).to_contain_text("Approved, waiting to be sent")

    db.session.rollback()
    port = free_port()
    controller = Controller(RefusingInbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with settings_override(app, smtp=SmtpSettings(host="127.0.0.1", port=port)):
            assert dispatch_due().retried >= 1
    finally:
        controller.stop()

    page.goto(f"/requests/{reference}")
    letters = page.locator("#letters")
    expect(letters).to_contain_text("Not sent")
    expect(letters).to_contain_text("Mailbox unavailable")
    screenshot(page, "issue11-request-page-delivery-failed")
    page.goto("/letters")
    expect(page.locator("#undelivered")).to_contain_text(reference)
    expect(page.locator("#undelivered")).to_contain_text("Mailbox unavailable")
    screenshot(page, "issue11-letters-queue-failed")
    assert _violations(page) == []
    page.locator("#undelivered").get_by_role("button", name="Retry now").first.click()
    expect(page.locator(".alert-success")).to_contain_text("sent again shortly")
    expect(page.locator("#letter-status")).to_contain_text("Approved, waiting to be sent")
