"""Pages declare their language and direction; right-to-left languages get the RTL build."""

from __future__ import annotations


def test_english_pages_are_left_to_right(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert "bootstrap.min.css" in html and "bootstrap.rtl.min.css" not in html


def test_arabic_pages_would_flip_to_the_rtl_build(app_ctx, monkeypatch):
    from babel import Locale

    from mla.core import templating

    monkeypatch.setattr(templating, "get_locale", lambda: Locale("ar"))
    with app_ctx.test_request_context("/login"):
        assert templating._text_direction() == "rtl"
        from flask import render_template

        html = render_template("errors/error.html", status=404, title="x", message="")
    assert 'dir="rtl"' in html and "bootstrap.rtl.min.css" in html
