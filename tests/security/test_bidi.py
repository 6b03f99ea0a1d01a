"""Bidirectional overrides and isolates never reach a page: every template's output
goes through one finalize hook, so no template can forget."""

from __future__ import annotations

from flask import render_template_string
from markupsafe import Markup

from mla.core.text import BIDI_OVERRIDES

SPOOF = "invoice\u202efdp.exe"  # shows as "invoiceexe.pdf"


class Widget:
    """Renders itself as HTML, as a form field does."""

    def __html__(self) -> str:
        return f'<input value="{SPOOF}">'


def test_every_expression_is_cleaned_text_and_markup_alike(app_ctx):
    with app_ctx.test_request_context():
        html = render_template_string(
            "{{ a }}|{{ b }}|{{ c|e }}|{{ w }}|<i title=\"{{ a }}\"></i>",
            a=SPOOF, b=Markup("<b>\u2066x\u2069</b>"), c=SPOOF, w=Widget())
    assert not set(html) & BIDI_OVERRIDES
    assert 'invoicefdp.exe|<b>x</b>|invoicefdp.exe|<input value="invoicefdp.exe">' in html


def test_marks_used_in_right_to_left_text_stay(app_ctx):
    with app_ctx.test_request_context():
        assert render_template_string("{{ a }}", a="\u05e9\u05dc\u05d5\u05dd\u200f!") == \
            "\u05e9\u05dc\u05d5\u05dd\u200f!"


def test_a_spoofed_title_is_shown_plainly(client, create_user, login_as, make_case):
    worker = create_user("caseworker", display_name="Eve\u202e")
    case = make_case(worker, title=SPOOF)
    login_as(worker)
    for path in (f"/requests/{case.reference}", "/requests/"):
        html = client.get(path).get_data(as_text=True)
        assert "invoicefdp.exe" in html, path
        assert not set(html) & BIDI_OVERRIDES, path
