"""The request list keeps its dates, states and headings whole at 1280 pixels, in English,
French and Arabic: squeezed by a long title, an Arabic page printed the registration date
as "202/11/30" over "6", and
a reference broke at its hyphens. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.browser.test_words_stay_whole import _LINES


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_the_request_list_keeps_dates_and_words_whole(page, browser_login, create_user,
                                                      make_case, db, screenshot, language):
    user = create_user("caseworker", username="list_whole")
    user.language = language
    long_title = " ".join(["Laundering of the proceeds of a procurement fraud"] * 4)
    for country in ("DE", "FR", "XA"):
        make_case(user, title=long_title, counterpart_country=country)
    db.session.commit()
    browser_login(page, user)
    page.goto("/requests/")
    screenshot(page, f"request-list-words-whole-{language}")
    headings = page.evaluate(_LINES, "table.table-cases th")
    for text, lines in headings:
        assert lines <= max(1, len(text.split())), (text, lines)
    dates = page.evaluate(_LINES, "table.table-cases td.date")
    dates = [cell for cell in dates if cell[0]]
    assert len(dates) >= 3, dates
    assert all(lines == 1 for _text, lines in dates), dates
    references = page.evaluate(_LINES, "table.table-cases td:nth-child(2) a")
    assert len(references) == 3 and all(lines == 1 for _t, lines in references), references
    for column in (4, 5):  # counterpart state, workflow state
        for text, lines in page.evaluate(_LINES, f"table.table-cases td:nth-child({column})"):
            assert lines <= max(1, len(text.split())), (text, lines)
