"""A rule's citation in a letter reads as a sentence in every language: a legal reference
("European Convention on Extradition 1957 (CETS 24), art. 16(4)") may follow a preposition
("En application de ..."), a citation in words ("Domestic law ...", the data files'
``{ words = "..." }``) may not ("En application de Droit interne", "В соответствии с
Внутреннее право"): it stands on a line of its own after a label."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from mla.core.transaction import unit_of_work
from mla.deadlines.models import Deadline
from mla.deadlines.rules import get_rule
from mla.deadlines.services import start_deadline
from mla.directory.models import Authority
from mla.notifications.letters import LETTER_DIR, draft_letter

LANGUAGES = ["en", "fr", "es", "ru", "ar", "zh"]
# The label a citation in words follows, and the openings a legal citation follows.
LABEL = {"en": "Applicable rule: ", "fr": "Règle applicable : ", "es": "Norma aplicable: ",
         "ru": "Применимая норма: ", "ar": "القاعدة الواجبة التطبيق: ", "zh": "适用规则："}
OPENING = {"en": "Under ", "fr": "En application de ", "es": "Con arreglo a ",
           "ru": "В соответствии с ", "ar": "بموجب ", "zh": "根据 "}
# The sentence that says when the person is released, as the letter writes it.
RELEASED = {"en": "must be released", "fr": "devra être mise en liberté",
            "es": "deberá ser puesta en libertad", "ru": "должно быть освобождено",
            "ar": "يجب الإفراج عن", "zh": "该人须获释放"}


def _reminder(db, make_case, language: str, rule_code: str, legal_basis: str):
    authority = Authority(name="Central authority", country_code="FR",
                          kind="central_authority", languages=[language],
                          email="entraide@example.fr")
    db.session.add(authority)
    db.session.commit()
    case = make_case(direction="incoming", kind="extradition", legal_basis=legal_basis,
                     counterpart_country="FR", counterpart_authority_id=authority.id,
                     measures=[], counterpart_reference="BEPI-2026-41")
    with unit_of_work():
        deadline = start_deadline(case, rule_code, actor="t",
                                  values={"arrested_on": date(2026, 11, 2)})
    assert deadline is not None
    with unit_of_work():
        letter = draft_letter(case, "formal_request_reminder", actor="t",
                              key=f"reminder-{language}", deadline=deadline)
    assert letter.language == language
    return letter


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_citation_in_words_stands_after_a_label_never_after_a_preposition(
        db, make_case, language):
    rule = get_rule("provisional_arrest_domestic")
    assert rule.citation_is_words
    letter = _reminder(db, make_case, language, rule.code, "UNTOC")
    with force_locale(language):
        citation = rule.citation_text
    assert language == "en" or citation != rule.citation, "translated"
    lines = letter.body.splitlines()
    assert f"{LABEL[language]}{citation}" in lines
    assert OPENING[language] + citation not in letter.body
    assert sum(citation in line for line in lines) == 1
    assert RELEASED[language] in letter.body
    assert db.session.scalars(select(Deadline)).one().rule_code == rule.code


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_legal_citation_still_opens_the_sentence(db, make_case, language):
    rule = get_rule("ece_provisional_arrest")
    assert not rule.citation_is_words
    letter = _reminder(db, make_case, language, rule.code, "ECE")
    assert f"{OPENING[language]}{rule.citation}" in letter.body
    assert LABEL[language] not in letter.body
    assert RELEASED[language] in letter.body


def test_the_rules_say_which_citations_are_words():
    assert get_rule("bilateral_provisional_arrest").citation_is_words
    assert not get_rule("ece_provisional_arrest").citation_is_words


def test_a_letter_citing_a_rule_says_how_it_reads_a_citation_in_words():
    """A template that puts a rule's citation in a sentence tells the two kinds apart
    (the test above reads the one that does; a new one must too)."""
    for path in sorted(LETTER_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if "rule.citation_text" in text:
            assert re.search(r"\{% if rule\.citation_is_words %\}", text), path.name


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("soft", [False, True], ids=["one-limit", "two-limits"])
def test_the_sentence_in_words_names_what_is_awaited_with_or_without_a_first_limit(
        app, language, soft):
    """No rule cited in words has a first (soft) limit today; one that has reads too."""
    from types import SimpleNamespace

    from mla.notifications.letters import render_letter

    rule = SimpleNamespace(citation_is_words=True, citation_text="CITED")
    deadline = SimpleNamespace(soft_due_at="x" if soft else None, soft_days=18)
    case = SimpleNamespace(reference="EXT-IN-2026-00001", counterpart_reference="")
    with app.test_request_context("/"):
        _subject, body = render_letter(
            "formal_request_reminder", language, case=case, authority=None, rule=rule,
            deadline=deadline, due_on="DUE", start_on="START", home_country="Zembla",
            today="TODAY")
    lines = body.splitlines()
    assert f"{LABEL[language]}CITED" in lines
    [sentence] = [line for line in lines if "DUE" in line]
    assert ("18" in sentence) == soft
    assert RELEASED[language] in sentence
    if language == "en":
        assert sentence == (
            "If the formal request and supporting documents have not been received "
            + ("within 18 days, the person may be released; if they have not been "
               "received " if soft else "")
            + "by DUE, the person must be released.")
