"""Translated letter templates keep the English template's structure, and are chosen
for a counterpart that accepts their language."""

from __future__ import annotations

import re

import pytest

from mla.directory.models import Authority
from mla.notifications.letters import LETTER_DIR, draft_letter, known_letter_templates

# Jinja tags, with the string literals inside them blanked (a greeting such as
# "Dear colleagues" is translated; a comparison such as == "ECE" is not, see below).
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
LITERAL = re.compile(r'"[^"]*"')
KEPT_LITERALS = re.compile(r'(?:==|in \() *"[^"]*"')


def _tags(text: str) -> list[str]:
    return [LITERAL.sub('"…"', tag) for tag in TAG.findall(text)]


def _kept(text: str) -> list[str]:
    return [m for tag in TAG.findall(text) for m in KEPT_LITERALS.findall(tag)]


TRANSLATED = sorted(
    (path.name[:-4].rsplit(".", 1)[0], path.name[:-4].rsplit(".", 1)[1])
    for path in LETTER_DIR.glob("*.*.txt") if not path.name.endswith(".en.txt"))


@pytest.mark.parametrize(("code", "language"), TRANSLATED)
def test_a_translated_letter_keeps_the_english_placeholders_and_subject_line(code, language):
    english = (LETTER_DIR / f"{code}.en.txt").read_text(encoding="utf-8")
    text = (LETTER_DIR / f"{code}.{language}.txt").read_text(encoding="utf-8")
    assert text.startswith("Subject: "), "the loader reads the first line as 'Subject: ...'"
    # The same placeholders and blocks, in whatever order the language needs.
    assert sorted(_tags(text)) == sorted(_tags(english))
    assert sorted(_kept(text)) == sorted(_kept(english))  # compared values stay as they are


def test_every_letter_exists_in_spanish():
    missing = sorted(c for c in known_letter_templates()
                     if not (LETTER_DIR / f"{c}.es.txt").is_file())
    assert not missing


def test_a_counterpart_accepting_spanish_gets_a_spanish_letter(db, make_case):
    authority = Authority(name="Subdirección General de Cooperación Jurídica Internacional",
                          country_code="ES", kind="central_authority", languages=["es", "en"],
                          email="cooperacion@example.es")
    db.session.add(authority)
    db.session.commit()
    case = make_case(direction="outgoing", kind="mla", legal_basis="UNTOC",
                     counterpart_country="ES", counterpart_authority_id=authority.id,
                     measures=[], counterpart_reference="AJI-2026-9")
    letter = draft_letter(case, "status_inquiry", actor="t", key="es-1")
    assert letter.language == "es"
    assert letter.subject.startswith("Consulta sobre el estado") and "AJI-2026-9" in letter.subject
    assert letter.body.startswith("Subdirección General") and "Autoridad central de" in letter.body
