"""The audit trail keeps a user name and an address on one line at 1280 pixels, in English,
French and Arabic: beside the long details column they broke as "casewor / ker",
"Addre / ss", "127.0.0 / .1". Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from mla.audit.services import record_audit
from tests.browser.test_words_stay_whole import _LINES


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_who_and_address_stay_whole(page, browser_login, create_user, db, screenshot,
                                    language):
    auditor = create_user("auditor", username="auditor_whole")
    auditor.language = language
    for n in range(3):  # long details, as a refused page or a transition writes them
        record_audit("caseworker", "access.refused", object_type="route",
                     object_id="documents.letterhead", status=403,
                     route=f"GET /requests/<reference>/documents/{n}/request-document/edit")
    db.session.commit()
    browser_login(page, auditor)
    page.goto("/audit/")
    screenshot(page, f"audit-words-whole-{language}")
    for column in (2, 6):  # Who, Address
        cells = page.evaluate(_LINES, f"main table th:nth-child({column}), "
                                      f"main table td:nth-child({column})")
        cells = [cell for cell in cells if cell[0]]  # entries written outside a request
        assert len(cells) >= 2, cells                # have no address
        assert all(lines == 1 for _text, lines in cells), cells
