"""Letters as documents: drafted in the counterpart's language where a template exists,
else in the caseworker's choice and flagged for translation; approved letters kept as
DOCX and PDF on the letterhead (French, Russian), with their hash."""

from __future__ import annotations

import hashlib
import io

import docx
import pytest
from flask import current_app
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader

from mla.core.transaction import unit_of_work
from mla.documents.compositions import letter_composition
from mla.documents.letterhead import LetterheadInput, set_letterhead
from mla.documents.services import document_content
from mla.notifications.letters import (
    LETTER_DIR,
    approve_letter,
    draft_letter,
    needs_translation,
    redraft_letter,
)
from tests.deadlines.conftest import utc


@pytest.fixture
def counterpart(db, make_case, create_user):
    from mla.directory.models import Authority

    authority = Authority(name="Bureau de l'entraide pénale internationale",
                          country_code="FR", kind="central_authority", languages=["fr"],
                          email="entraide@example.fr", address="13 place Vendôme\nParis")
    db.session.add(authority)
    db.session.commit()
    worker = create_user("caseworker")
    case = make_case(worker, direction="outgoing", kind="mla", counterpart_country="FR",
                     counterpart_authority_id=authority.id, counterpart_reference="BEPI-77")
    with unit_of_work():
        set_letterhead(create_user("admin"), LetterheadInput(
            authority_name="Central Authority of Zembla", address="1 Law Street\nZembla City",
            signatory_name="Anna Example", signatory_title="Head of the Central Authority"))
    return case, worker, authority


def _approve(letter, create_user):
    with unit_of_work():
        approve_letter(create_user("supervisor"), letter)


def _pdf_text(document) -> str:
    data = document_content(document)
    assert hashlib.sha256(data).hexdigest() == document.sha256
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
                    .split())


def test_a_letter_in_french_is_kept_as_docx_and_pdf_on_the_letterhead(
        counterpart, db, create_user, set_now):
    set_now(utc(2026, 2, 11, 9))
    case, worker, _authority = counterpart
    with unit_of_work():
        letter = draft_letter(case, "status_inquiry", actor=worker)
    assert letter.language == "fr" and not letter.is_translation_needed
    assert letter_composition(letter) is None          # nothing generated before approval
    _approve(letter, create_user)
    kept = letter_composition(letter)
    assert kept is not None and kept.status == "approved"
    assert (kept.pdf_document.doc_type, kept.pdf_document.language) == ("letter", "fr")

    text = _pdf_text(kept.pdf_document)
    assert "Central Authority of Zembla" in text and "1 Law Street" in text
    assert "11 février 2026" in text                  # the date in the letter's language
    assert letter.subject in text and "BEPI-77" in text and case.reference in text
    assert "Anna Example" in text and "Head of the Central Authority" in text

    document = docx.Document(io.BytesIO(document_content(kept.docx_document)))
    assert "Central Authority of Zembla" in document.sections[0].header.paragraphs[0].text
    body = "\n".join(p.text for p in document.paragraphs)
    assert "11 février 2026" in body and letter.subject in body
    assert hashlib.sha256(document_content(kept.docx_document)).hexdigest() == (
        kept.docx_document.sha256)


def test_a_russian_letter_prints_in_cyrillic(counterpart, db, create_user, set_now,
                                             monkeypatch):
    """Russian templates are the translators' (mla/templates/letters/*.ru.txt); this
    test brings its own, so it holds whether or not theirs has arrived."""
    from mla.notifications import letters

    set_now(utc(2026, 5, 20, 9))
    case, worker, authority = counterpart
    authority.languages = ["ru"]
    db.session.commit()
    if not (LETTER_DIR / "status_inquiry.ru.txt").exists():
        real = letters._templates()
        monkeypatch.setattr(letters, "_templates", lambda: {
            **real, "status_inquiry": real["status_inquiry"] | {"ru"}})
        monkeypatch.setattr(current_app.jinja_env, "loader", ChoiceLoader([
            DictLoader({"letters/status_inquiry.ru.txt":
                        "Subject: Запрос о ходе исполнения {{ case.reference }}\n\n"
                        "Просим сообщить о ходе исполнения нашего запроса.\n"}),
            current_app.jinja_env.loader]))
    with unit_of_work():
        letter = draft_letter(case, "status_inquiry", actor=worker)
    assert letter.language == "ru" and not letter.is_translation_needed
    _approve(letter, create_user)
    text = _pdf_text(letter_composition(letter).pdf_document)
    assert "20 мая 2026" in text and letter.subject in text


def test_without_a_template_in_its_language_the_letter_is_flagged(
        counterpart, db, client, login_as, csrf_token, create_user):
    case, worker, authority = counterpart
    authority.languages = ["de"]
    db.session.commit()
    with unit_of_work():
        letter = draft_letter(case, "status_inquiry", actor=worker)
    assert letter.language == "en" and letter.is_translation_needed
    login_as(worker)
    assert "needs translation" in client.get(f"/requests/{case.reference}").get_data(
        as_text=True)
    assert "needs translation" in client.get("/letters").get_data(as_text=True)
    page = f"/letters/{letter.id}"
    response = client.post(f"{page}/language", data={"csrf_token": csrf_token(page),
                                                     "language": "fr"})
    assert response.status_code == 302
    db.session.expire_all()
    assert letter.language == "fr" and letter.is_translation_needed
    assert letter.subject.startswith("Demande d'information")


def test_redrafting_takes_only_a_language_with_a_template(counterpart, db):
    from mla.core.errors import ServiceError

    case, worker, _authority = counterpart
    with unit_of_work():
        letter = draft_letter(case, "status_inquiry", actor=worker)
    with pytest.raises(ServiceError) as refused, unit_of_work():
        redraft_letter(worker, letter, "xx")
    assert refused.value.details == {"field": "language"}


@pytest.mark.parametrize(("language", "accepted", "expected"), [
    ("fr", ["fr", "en"], False), ("en", ["de"], True), ("en", [], False),
    ("en", None, False), ("fr", ["FR"], False)])
def test_needs_translation(language, accepted, expected):
    assert needs_translation(language, accepted) is expected
