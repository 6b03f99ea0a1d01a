"""Short words and codes in the request page's narrow tables stay whole at 1280 pixels, in
English, French and Arabic: the secure exchange's packages in the side column ("Package"
used to break as "Pack / age", "الحزمة" letter by letter) and an offence's ICCS code
(07031 as "0703 / 1"), an offence's name ("Blanchimen / t"). Screenshots go to test-artifacts/."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from mla.cases.services import OffenceInput
from mla.core.clock import now
from mla.exchange.models import Direction, ExchangeMessage, MessageStatus
from tests.browser.conftest import DEFAULT_TIMEOUT_MS
from tests.conftest import PASSWORD

# How many lines each cell's words take: one per word at most, never a word in two.
_LINES = """(selector) => [...document.querySelectorAll(selector)].map(cell => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                         .map(r => Math.round(r.top)));
    return [cell.innerText.trim(), tops.size];
})"""


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_package_words_and_iccs_codes_are_not_broken(browser, live_server, create_user,
                                                    make_case, db, screenshot, language):
    user = create_user("caseworker")
    user.language = language
    case = make_case(user, direction="outgoing", counterpart_country="XB", offences=[
        OffenceInput(label="Bribery of a public official", statute="Penal Code s.301",
                     max_penalty_months=84, iccs=["07031"],
                     conduct="Paid a procurement officer to win a tender"),
        OffenceInput(label="Blanchiment", statute="Code pénal art. 324-1",
                     max_penalty_months=120, iccs=["07041"],
                     conduct="Moved the proceeds through shell companies")])
    db.session.add(ExchangeMessage(
        message_id="urn:uuid:4b7f6c1e-0000-4000-8000-0000000000aa",
        direction=Direction.OUTGOING, kind="request", counterpart="XB:ministry",
        case_id=case.id, status=MessageStatus.SEALED, issued_at=now(),
        package_sha256=hashlib.sha256(b"x").hexdigest(),
        data={"refusal": {"code": "unknown_sender"}},
        refusal_reason="The sender is not a trusted counterpart here."))
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  locale=language, timezone_id="UTC")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        page: Any = context.new_page()
        page.goto("/login")
        page.locator("#username").fill(user.username)
        page.locator("#password").fill(PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        page.goto(f"/requests/{case.reference}")
        screenshot(page, f"words-whole-{language}")
        headers = page.evaluate(_LINES, ".exchange-messages th")
        assert headers and all(lines == 1 for _text, lines in headers), headers
        packages = page.evaluate(_LINES, ".exchange-messages tbody td:first-child")
        assert packages, "no package row"
        for text, lines in packages:
            assert lines <= len(text.split()), (text, lines)
        assert page.evaluate(_LINES, "td.iccs") == [["07031", 1], ["07041", 1]]
        for text, lines in page.evaluate(_LINES, "table.offences td"):
            assert lines <= len(text.split()), (text, lines)
    finally:
        context.close()
