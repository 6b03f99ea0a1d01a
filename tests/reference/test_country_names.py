"""Country choices read in the page's language: a French page lists "Allemagne (DE)" among
the A's and "Égypte (EG)" among the E's, an Arabic page "ألمانيا (DE)"; an English page keeps
the stored ISO 3166 names; fictional training states keep their own names and come first.
Each language is cached on its own: one language's list never shows in another's page."""

from __future__ import annotations

import re

import pytest


def _options(page: str, select_id: str) -> list[str]:
    select = page.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return [re.sub(r"\s+", " ", text).strip()
            for text in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


@pytest.mark.parametrize("language, germany, egypt, palestine", [
    ("en", "Germany (DE)", "Egypt (EG)", "Palestine, State of (PS)"),
    ("fr", "Allemagne (DE)", "Égypte (EG)", "Territoires palestiniens (PS)"),
    ("ar", "ألمانيا (DE)", "مصر (EG)", "الأراضي الفلسطينية (PS)"),
])
def test_country_choices_in_the_page_language(db, client, login_as, create_user, language,
                                              germany, egypt, palestine):
    user = create_user("caseworker")
    user.language = language
    db.session.commit()
    login_as(user)
    page = client.get("/dual-criminality/check").get_data(as_text=True)
    names = _options(page, "requested_country")
    assert {germany, egypt, palestine} <= set(names)
    fictional = [re.search(r"\(X[A-Z]\)$", name) is not None for name in names]
    assert fictional[0] and fictional == sorted(fictional, reverse=True)  # theirs first
    real = names[fictional.count(True):]
    if language == "fr":
        assert "Germany (DE)" not in names
        # accents set aside: Égypte sorts between Danemark and Équateur, not after Zimbabwe
        assert real.index("Danemark (DK)") < real.index(egypt) < real.index("Estonie (EE)")
    if language == "en":
        assert real.index("Egypt (EG)") < real.index("Germany (DE)")


def test_each_language_has_its_own_list(db, client, login_as, create_user):
    french, english = create_user("caseworker"), create_user("caseworker")
    french.language, english.language = "fr", "en"
    db.session.commit()
    login_as(french)
    assert "Allemagne (DE)" in client.get("/dual-criminality/check").get_data(as_text=True)
    login_as(english)
    page = client.get("/dual-criminality/check").get_data(as_text=True)
    assert "Germany (DE)" in page and "Allemagne (DE)" not in page
