"""A caseworker's working day in a real browser: sign in, the custody board, find a
request by part of its reference from the navigation bar's box ("/" focuses it),
assign three requests at once, print a request to PDF (no navigation in its text),
save the list's filters; axe-core on the pages this added to."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdf

from mla.cases.models import Case
from mla.cases.services import PersonInput
from mla.core.clock import now
from mla.core.transaction import unit_of_work
from mla.deadlines.services import start_deadline
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_accessibility import _violations


def test_a_working_day(page, browser_login, create_user, make_case, db, screenshot):
    me = create_user("caseworker", display_name="Cam Worker")
    colleague = create_user("caseworker", display_name="Dee Colleague")
    create_user("trainee", display_name="Tia Trainee")
    held = make_case(me, kind="extradition", legal_basis="ECE", counterpart_country="FR",
                     measures=[], assignee_id=me.id, title="Provisional arrest, robbery",
                     persons=[PersonInput(role="suspect", full_name="Ana Held",
                                          is_in_custody=True)])
    with unit_of_work():
        start_deadline(held, "ece_provisional_arrest", actor="t",
                       values={"arrested_on": (now() - timedelta(days=16)).date()})
    others = [make_case(me, title=f"Bank records {n}") for n in range(4)]

    browser_login(page, me)
    page.goto("/custody")
    assert "Ana Held" in page.locator("table.custody-board").inner_text()
    screenshot(page, "working-day-1-custody")

    # "/" from anywhere focuses the search box; part of a reference lists the request.
    page.locator("main").click()
    page.keyboard.press("/")
    box = page.get_by_role("searchbox", name="Find a request")
    assert box.evaluate("el => el === document.activeElement")
    part = held.reference[:11].lower()  # "ext-in-2026": a part, not the whole
    box.fill(part)
    box.press("Enter")
    page.wait_for_url("**/requests/?search=*")  # the words stay out of the address
    assert page.locator("table.table-cases tbody tr").count() == 1
    screenshot(page, "working-day-2-found")
    # The whole reference opens the request itself.
    box = page.get_by_role("searchbox", name="Find a request")
    box.fill(held.reference.lower())
    box.press("Enter")
    page.wait_for_url(f"**/requests/{held.reference}")

    # Three requests assigned to a colleague in one go, with the keyboard-reachable boxes.
    page.goto("/requests/?sort=reference")
    for case in others[:3]:
        page.get_by_role("checkbox", name=f"Select {case.reference}").check()
    assignee = page.get_by_label("Assign to")
    assert "Tia Trainee" not in assignee.inner_text()
    assignee.select_option(label="Dee Colleague")
    screenshot(page, "working-day-3-selected")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.wait_for_load_state()
    assert "3 assigned to Dee Colleague" in page.locator(".alert-success").inner_text()
    screenshot(page, "working-day-4-assigned")
    db.session.rollback()
    assert {c.reference for c in db.session.query(Case).filter_by(
        assignee_id=colleague.id)} == {c.reference for c in others[:3]}
    # Select all ticks every row; unticking one shows the box as mixed.
    page.get_by_role("checkbox", name="Select every request on this page").check()
    assert page.locator("input[name=selected]:checked").count() == 5
    page.get_by_role("checkbox", name=f"Select {others[0].reference}").uncheck()
    assert page.locator("#bulk-all").evaluate("el => el.indeterminate")

    # The list's filters saved under a name, then offered on the list.
    page.goto("/requests/?urgent=1&assignee=me")
    page.get_by_label("Name of these filters").fill("My urgent")
    page.get_by_role("button", name="Save these filters").click()
    page.get_by_role("link", name="My urgent").wait_for()
    assert _violations(page) == []
    page.goto("/requests/filters")
    assert _violations(page) == []
    screenshot(page, "working-day-5-saved-filters")

    # A request printed to PDF: its content, none of the navigation.
    page.goto(f"/requests/{held.reference}")
    pdf = page.pdf(format="A4", print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "working-day-request.pdf").write_bytes(pdf)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert held.reference in text and "Ana Held" in text
    for navigation in ("Sign out", "Find a request", "Skip to", "Requests Register"):
        assert navigation not in text, navigation


def test_the_register_form_offers_the_chosen_states_authorities(
        page, browser_login, create_user, db, screenshot):
    """Authorities narrowed by the chosen state in the browser; a request posted without
    the script (an authority of another state) is refused next to the field."""
    from mla.directory.services import AuthorityInput, save_authority
    from mla.reference.services import ensure_fictional_country

    for code, name in (("XA", "Arcadia"), ("XB", "Borduria")):
        ensure_fictional_country(code, name)
    arcadian = save_authority("t", AuthorityInput(name="Arcadian Justice",
                                                  country_code="XA", kind="central_authority"))
    bordurian = save_authority("t", AuthorityInput(name="Bordurian Justice",
                                                   country_code="XB", kind="central_authority"))
    db.session.commit()
    browser_login(page, create_user("caseworker"))
    page.goto("/requests/new")
    page.select_option("#counterpart_country", "XB")
    offered = page.locator("#counterpart_authority_id option:not([disabled])").all_inner_texts()
    assert any("Bordurian Justice" in o for o in offered)
    assert not any("Arcadian Justice" in o for o in offered)
    page.select_option("#counterpart_authority_id", str(bordurian.id))
    page.select_option("#counterpart_country", "XA")  # the Bordurian choice is dropped
    assert page.locator("#counterpart_authority_id").input_value() == "0"
    screenshot(page, "working-day-authorities-narrowed")
    # Without the script (the option enabled again by hand), the server says why.
    page.evaluate(f"""() => {{
        const select = document.querySelector('#counterpart_authority_id');
        const option = select.querySelector('option[value="{bordurian.id}"]');
        option.disabled = false; option.hidden = false;
        document.querySelector('#counterpart_authority_id').value = '{bordurian.id}';
    }}""")
    page.select_option("#direction", "incoming")
    page.select_option("#kind", "mla")
    page.select_option("#legal_basis", "UNTOC")
    page.fill("#title", "Narrowed lists")
    page.fill("#offences-0-offence_name", "Fraud")
    page.get_by_role("button", name="Register the request").click()
    error = page.locator("#counterpart_authority_id ~ .invalid-feedback, "
                         "#counterpart_authority_id-error").first
    assert "is not an authority of" in error.inner_text()
    assert arcadian.id != bordurian.id
