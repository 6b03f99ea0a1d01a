"""The verdict panel writes the requested state's reference date as words of a whole
sentence ("... at the date of the conduct."), never its setting's code inside another
sentence ("à la date conduct" in French), and the list category as one message (so a
French colon gets its space)."""

from __future__ import annotations

import pytest
from flask import render_template
from flask_babel import force_locale


def _verdict(reference_date: str) -> dict:
    return {"verdict": "satisfied", "reasons": [], "matches": [], "catalogue_loaded": True,
            "reference_date": reference_date,
            "list_category": {"number": 8, "name": "fraud"}}


@pytest.mark.parametrize("setting, sentence", [
    ("conduct", "The requested state judges dual criminality at the date of the conduct."),
    ("request", "The requested state judges dual criminality at the date of the request."),
])
def test_the_reference_date_is_a_whole_sentence(app_ctx, setting, sentence):
    with app_ctx.test_request_context("/"):
        page = render_template("dualcrim/_verdict.html", verdict=_verdict(setting))
    assert sentence in page
    assert "List category: 8. fraud" in page


def test_no_code_reaches_a_french_page(app_ctx):
    with app_ctx.test_request_context("/"), force_locale("fr"):
        page = render_template("dualcrim/_verdict.html", verdict=_verdict("conduct"))
    assert "date conduct" not in page and " conduct." not in page


def test_an_unknown_setting_writes_nothing(app_ctx):
    with app_ctx.test_request_context("/"):
        page = render_template("dualcrim/_verdict.html", verdict=_verdict("other"))
    assert "judges dual criminality" not in page
