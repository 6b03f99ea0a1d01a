"""WCAG 2.1 A/AA checks with axe-core (bundled by axe-playwright-python) on the pages
people work in all day, in the states they see them: empty, filled, and with errors."""

from __future__ import annotations

from typing import Any

import pytest

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    found = []
    for violation in results.response["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} "
                     f"at {'; '.join(targets)}")
    return found


@pytest.fixture
def case_for_pages(make_case, create_user):
    from mla.cases.services import PersonInput

    worker = create_user("caseworker")
    case = make_case(worker, persons=[PersonInput(role="witness", full_name="Marie Témoin")])
    return worker, case


def test_sign_in_page_meets_wcag_aa(page):
    page.goto("/login")
    assert _violations(page) == []


def test_staff_pages_meet_wcag_aa(page, browser_login, case_for_pages):
    worker, case = case_for_pages
    browser_login(page, worker)
    paths = ["/", "/requests/", "/requests/new", f"/requests/{case.reference}",
             f"/requests/{case.reference}/edit", "/directory/", "/directory/new",
             "/dual-criminality/check",
             f"/workflows/{case.workflow_name}?case={case.reference}", "/letters",
             "/notifications", "/calendar", "/account/tokens"]
    problems = {}
    for path in paths:
        page.goto(path)
        found = _violations(page)
        if found:
            problems[path] = found
    # A refused form: errors next to fields, announced.
    page.goto("/requests/new")
    page.get_by_role("button", name="Register the request").click()
    # The answer is a new page at the same address: wait for it and its stylesheets, or
    # axe may read the page half-loaded (unstyled menu links) on a busy machine.
    page.get_by_text("Please correct the problems marked below.").wait_for()
    page.wait_for_load_state("load")
    found = _violations(page)
    if found:
        problems["/requests/new (errors)"] = found
    assert problems == {}, "\n".join(f"{k}: {v}" for k, vs in problems.items() for v in vs)


def test_prosecutor_portal_meets_wcag_aa(page, browser_login, create_user, make_case, db):
    from mla.directory.services import AuthorityInput, save_authority

    office = save_authority("test", AuthorityInput(name="PP North", country_code="XZ",
                                                   kind="prosecution"))
    db.session.commit()
    case = make_case(domestic_authority_id=office.id)
    browser_login(page, create_user("prosecutor", authority_id=office.id))
    problems = {}
    for path in ("/portal/", f"/portal/requests/{case.reference}"):
        page.goto(path)
        found = _violations(page)
        if found:
            problems[path] = found
    assert problems == {}, "\n".join(f"{k}: {v}" for k, vs in problems.items() for v in vs)


def test_supervisor_and_admin_pages_meet_wcag_aa(page, browser_login, create_user,
                                                 case_for_pages):
    problems = {}
    browser_login(page, create_user("admin"))
    for path in ("/approvals", "/admin/users", "/admin/users/new", "/admin/tokens",
                 "/dual-criminality/catalogues", "/dual-criminality/iccs",
                 "/dual-criminality/settings", "/deadlines/rules", "/deadlines/time-zones",
                 "/outbox/dead", "/letters/settings",
                 "/outbox/mail", "/portal/review", "/workflows/"):
        page.goto(path)
        found = _violations(page)
        if found:
            problems[path] = found
    assert problems == {}, "\n".join(f"{k}: {v}" for k, vs in problems.items() for v in vs)


def test_custody_board_and_home_meet_wcag_aa(page, browser_login, create_user, make_case):
    from datetime import timedelta

    from mla.cases.services import PersonInput
    from mla.core.clock import now
    from mla.core.transaction import unit_of_work
    from mla.deadlines.services import start_deadline

    worker = create_user("caseworker")
    for name, days_ago in (("Ana Held", 38), ("Bo Held", 16), ("Cy Held", 2), ("Di Held", 45)):
        case = make_case(worker, kind="extradition", legal_basis="ECE", measures=[],
                         persons=[PersonInput(role="suspect", full_name=name,
                                              is_in_custody=True)])
        with unit_of_work():
            start_deadline(case, "ece_provisional_arrest", actor="t",
                           values={"arrested_on": (now() - timedelta(days=days_ago)).date()})
    make_case(worker, persons=[PersonInput(role="suspect", full_name="Ed Unclocked",
                                           is_in_custody=True)])
    browser_login(page, worker)
    problems = {}
    for path in ("/custody", "/"):
        page.goto(path)
        found = _violations(page)
        if found:
            problems[path] = found
    assert problems == {}, "\n".join(f"{k}: {v}" for k, vs in problems.items() for v in vs)
