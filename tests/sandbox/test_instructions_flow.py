"""An exercise's instructions and model answer flow as paragraphs: the pack's hard line
breaks (76 columns in scenario.toml, kept by the translations) no longer end the page's
lines mid-sentence; blank lines and list lines stay."""

from __future__ import annotations

import html
import re

import pytest

from mla.core.text import unwrapped


def test_unwrapped_joins_a_paragraph_and_keeps_paragraphs_and_lists():
    text = """
This morning Arcadia's central authority sent a request for mutual legal
assistance under UNTOC art. 18.

Then:
- assess dual criminality
- accept it
  for every offence
"""
    assert unwrapped(text) == (
        "This morning Arcadia's central authority sent a request for mutual legal "
        "assistance under UNTOC art. 18.\n\nThen:\n- assess dual criminality\n"
        "- accept it for every offence")
    assert unwrapped("") == ""
    assert unwrapped("马克·德洛姆昨天\n被逮捕。") == "马克·德洛姆昨天被逮捕。"


@pytest.mark.parametrize("language, start, end", [
    ("en", "This morning Arcadia", "for every offence."),
    ("fr", "Ce matin, l'autorité centrale", "pour chaque infraction."),
])
def test_the_exercises_page_shows_each_instruction_as_one_paragraph(
        client, db, loaded, create_user, login_as, language, start, end):
    loaded()
    trainee = create_user("trainee")
    trainee.language = language
    db.session.commit()
    login_as(trainee)
    page = html.unescape(client.get("/sandbox/exercises").get_data(as_text=True))
    texts = re.findall(r'<p class="card-text pre-line">(.*?)</p>', page, re.S)
    assert texts and all("\n" not in text for text in texts), texts
    first = next(text for text in texts if text.startswith(start))
    assert first.endswith(end), first
