"""My exercises: an exercise's instructions are a paragraph (<p>) each, their hard line
breaks joined (mla.core.text.unwrapped), in English, French and Arabic."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from mla.auth.models import User

PARAGRAPH = r'<p class="card-text pre-line">(.*?)</p>'


def _page(client, db, create_user, login_as, language: str) -> str:
    trainee = create_user("trainee")
    trainee.language = language
    db.session.commit()
    login_as(trainee)
    return html.unescape(client.get("/sandbox/exercises").get_data(as_text=True))


def test_two_paragraphs_are_two_p_elements(client, db, loaded, create_user, login_as):
    from mla.sandbox.models import Exercise

    loaded()
    exercise = db.session.scalars(select(Exercise).order_by(Exercise.id)).first()
    exercise.instructions = ("Register the request from\nArcadia today.\n\n"
                             "Then assess dual\ncriminality:\n- fraud\n- theft")
    db.session.commit()
    page = _page(client, db, create_user, login_as, "en")
    card = page[page.index(f'data-code="{exercise.code}"'):]
    card = card[:card.index("</section>")]
    assert re.findall(PARAGRAPH, card, re.S) == [
        "Register the request from Arcadia today.",
        "Then assess dual criminality:\n- fraud\n- theft"]


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_translated_instructions_flow_too(client, db, loaded, create_user, login_as, language):
    loaded()
    page = _page(client, db, create_user, login_as, language)
    assert f'lang="{language}"' in page
    paragraphs = re.findall(PARAGRAPH, page, re.S)
    assert paragraphs
    if language == "ar":  # the catalogue's words, not the pack's English
        assert all(re.search("[\u0600-\u06ff]", text) for text in paragraphs), paragraphs
    for text in paragraphs:
        # No line ends inside a sentence: each line left is an item of a list.
        lines = text.split("\n")
        assert all(re.match(r"\s*(?:[-*\u2022]|\d+[.)])\s", line) for line in lines[1:]), text


def test_a_model_answer_in_the_debrief_is_a_paragraph_each(client, db, loaded, trainer,
                                                           create_user, login_as,
                                                           monkeypatch):
    from mla.sandbox import debrief

    create_user("trainee", username="amira")
    loaded()
    trainee_id = db.session.scalar(select(User.id).where(User.username == "amira"))
    two = ("Acknowledge the request\nwithin ten days.\n\n"
           "Then ask for the missing\ndate of birth.")
    monkeypatch.setattr(debrief, "data_text", lambda _key, _english: two)
    login_as(trainer)
    page = html.unescape(client.get(f"/sandbox/trainees/{trainee_id}/debrief")
                         .get_data(as_text=True))
    model = page[page.index('<div class="debrief-model">'):]
    model = model[:model.index("</div>")]
    assert re.findall(r"<p[^>]*>(.*?)</p>", model, re.S) == [
        "Acknowledge the request within ten days.", "Then ask for the missing date of birth."]
