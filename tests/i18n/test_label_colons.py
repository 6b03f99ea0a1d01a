"""The colon between a label and its value is each language's own: French puts a no-break
space before it ("Délai ouvert : …"), Chinese writes a full-width "：" with no space;
English and the others ": ". Templates write {{ colon() }}."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("language, label, colon", [
    ("en", "Clock started", ": "), ("fr", "Délai ouvert", "\u00a0: "),
    ("zh", "期限开始计算", "："), ("ar", "بدأ الأجل", ": ")])
def test_a_timeline_label_takes_its_language_s_colon(db, client, login_as, create_user,
                                                      make_case, language, label, colon):
    user = create_user("caseworker")
    user.language = language
    case = make_case(user)  # an incoming request: its acknowledgement clock starts
    db.session.commit()
    login_as(user)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    marker = f"{label}</span>{colon}"
    assert marker in page, page[page.find(label) - 80:page.find(label) + 120]
    if language == "fr":
        assert f"{label}</span>: " not in page
