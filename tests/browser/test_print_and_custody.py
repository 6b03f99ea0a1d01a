"""A supervisor's glance and a printed request: the custody board and the home page
with custody first (screenshots), a request printed to PDF by Chromium (one page, its
clocks, no navigation, no forms), and any page printed without navigation or forms."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdf

from mla.cases.services import PersonInput
from mla.core.clock import now
from mla.core.transaction import unit_of_work
from mla.deadlines.services import start_deadline
from mla.workflow.services import apply_transition
from tests.browser.conftest import ARTIFACTS


def _held(make_case, worker, name, days_ago):
    case = make_case(worker, kind="extradition", legal_basis="ECE", counterpart_country="FR",
                     measures=[], assignee_id=worker.id,
                     persons=[PersonInput(role="suspect", full_name=name, is_in_custody=True)])
    with unit_of_work():
        start_deadline(case, "ece_provisional_arrest", actor="t",
                       values={"arrested_on": (now() - timedelta(days=days_ago)).date()})
    return case


def test_custody_board_and_home(page, browser_login, create_user, make_case, screenshot):
    worker = create_user("supervisor")
    for name, days_ago in (("Ana Later", 2), ("Bo Soon", 32), ("Cy Urgent", 38),
                           ("Di Missed", 45), ("Ed Day-Eighteen", 15)):
        _held(make_case, worker, name, days_ago)
    browser_login(page, worker)
    page.goto("/custody")
    rows = page.locator("table.custody-board tbody tr")
    assert rows.count() == 5
    assert [rows.nth(i).locator(".urgency").inner_text() for i in range(5)] == [
        "Limit missed", "Due within 3 days", "Due within 10 days", "Running", "Running"]
    assert "Day 18" in rows.nth(3).inner_text()  # day 18 is 3 days away: shown
    assert "Day 18" not in rows.nth(4).inner_text()
    screenshot(page, "custody-board")
    page.get_by_role("link", name="Custody", exact=True).first.click()
    page.goto("/")
    headings = page.locator("main h2").all_inner_texts()
    assert headings[0] == "Custody", headings
    # A supervisor's many menu entries wrap: nothing pushed off a 1280-pixel screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "dashboard-custody-first")


def test_a_request_prints_as_one_page_with_its_clocks(page, browser_login, create_user,
                                                     make_case, db, screenshot):
    create_user("supervisor")
    worker = create_user("caseworker")
    case = make_case(worker, kind="extradition", legal_basis="ECE", counterpart_country="FR",
                     measures=[], assignee_id=worker.id,
                     persons=[PersonInput(role="suspect", full_name="Ana Sought")])
    apply_transition(worker, case, "record_arrest", expected_version=case.version,
                     values={"arrested_on": (now() - timedelta(days=3)).date().isoformat()})
    db.session.commit()
    browser_login(page, worker)
    page.goto(f"/requests/{case.reference}")
    page.emulate_media(media="print")
    assert page.locator("nav.app-nav").is_hidden()
    assert page.locator("main form").first.is_hidden()
    assert page.locator("#timeline").is_hidden()
    screenshot(page, "request-printed")
    pdf = page.pdf(format="A4", print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "request-printed.pdf").write_bytes(pdf)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) == 1, text
    assert case.reference in text and "Ana Sought" in text
    assert "Formal extradition request after provisional arrest (ECE)" in text
    assert "Day 18" in text
    for navigation in ("Sign out", "Skip to", "Add note", "Timeline", "Assignment"):
        assert navigation not in text, navigation


def test_any_page_prints_without_navigation_or_forms(page, browser_login, create_user,
                                                     make_case):
    worker = create_user("caseworker")
    make_case(worker)
    browser_login(page, worker)
    page.goto("/requests/")
    page.emulate_media(media="print")
    assert page.locator("nav").first.is_hidden() and page.locator("footer").is_hidden()
    forms = page.locator("main form")
    assert all(forms.nth(i).is_hidden() for i in range(forms.count()))
    assert page.locator("main table").first.is_visible()
