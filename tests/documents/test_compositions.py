"""The outgoing request as DOCX and PDF: every element of UNTOC art. 18(15) in order, the
letterhead, the date in the request's language; edited with a version check, frozen on
approval with its hash, edits refused after."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date

import docx
import pytest
from PIL import Image
from pypdf import PdfReader

from mla.core.errors import ServiceError
from mla.core.transaction import unit_of_work
from mla.documents.compositions import (
    approve_composition,
    build_sheet,
    edit_composition,
    request_composition,
    start_request,
)
from mla.documents.generation import render_pdf
from mla.documents.models import Document
from mla.documents.services import document_content
from tests.deadlines.conftest import set_now, utc  # noqa: F401  (fixture)
from tests.documents.helpers import outgoing_request

ARTICLE_RE = re.compile(r"18\(15\)\(([a-f])\)")


def png(width: int = 120, height: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 50, 120)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def outgoing(db, make_case, create_user):
    return outgoing_request(db, make_case, create_user, logo=png(),
                            summary="Les fonds ont transité par un compte ouvert à Lyon.",
                            measures=["bank_records"])


def _approved(case, worker, create_user, **texts: str):
    with unit_of_work():
        composition = start_request(worker, case)
        edit_composition(worker, composition, version=1, title="Demande d'entraide judiciaire",
                         texts=texts)
    with unit_of_work():
        approve_composition(create_user("supervisor"), composition, version=2)
    return composition


def _in_order(lines: list[str]) -> list[str]:
    return [m.group(1) for line in lines for m in [ARTICLE_RE.search(line)] if m]


def test_the_draft_holds_each_element_in_the_counterparts_language(outgoing, db):
    case, worker = outgoing
    with unit_of_work():
        composition = start_request(worker, case)
    assert composition.language == "fr" and not composition.is_translation_needed
    assert [s["key"] for s in composition.sections] == list("abcdef")
    assert _in_order([s["heading"] for s in composition.sections]) == list("abcdef")
    texts = {s["key"]: s["text"] for s in composition.sections}
    assert "Autorité centrale" in texts["a"] and "Parquet de Zembla-Ville" in texts["a"]
    assert case.title in texts["b"] and "PZ-2026-114" in texts["b"]
    assert "compte ouvert à Lyon" in texts["c"] and "False invoices" in texts["c"]
    assert texts["d"].startswith("- ")
    assert "Jean Fictif" in texts["e"] and "XZ" in texts["e"] and "Lyon" in texts["e"]
    assert case.title in texts["f"]


def test_a_counterpart_language_comity_does_not_write_is_flagged(outgoing, db):
    case, worker = outgoing
    case.counterpart_authority.languages = ["de"]
    db.session.commit()
    with unit_of_work():
        composition = start_request(worker, case)
    assert composition.language == "en" and composition.is_translation_needed


def test_edits_need_the_current_version(outgoing, db, create_user):
    case, worker = outgoing
    with unit_of_work():
        composition = start_request(worker, case)
    with unit_of_work():
        edit_composition(worker, composition, version=1, title="Demande d'entraide",
                         texts={"f": "Preuve pour le procès de M. Fictif."})
    assert composition.version == 2
    with pytest.raises(ServiceError) as stale, unit_of_work():
        edit_composition(create_user("caseworker"), composition, version=1, title="x",
                         texts={"f": "écrasé"})
    assert stale.value.status == 409
    db.session.refresh(composition)
    assert composition.sections[5]["text"] == "Preuve pour le procès de M. Fictif."


def test_the_approved_docx_has_the_letterhead_and_each_element_in_order(
        outgoing, db, create_user, set_now):  # noqa: F811
    set_now(utc(2026, 3, 4, 10))
    case, worker = outgoing
    composition = _approved(case, worker, create_user,
                            d="Relevés du compte FR76 3000 0000 0000 0000 0000 001.")
    assert composition.status == "approved"
    stored = db.session.get(Document, composition.docx_document_id)
    assert (stored.doc_type, stored.language) == ("request", "fr")
    data = document_content(stored)
    assert hashlib.sha256(data).hexdigest() == stored.sha256
    document = docx.Document(io.BytesIO(data))
    header = document.sections[0].header
    header_text = "\n".join(p.text for p in header.paragraphs)
    assert "Autorité centrale" in header_text and "1 rue de la Loi" in header_text
    assert header.part.package.image_parts, "the logo is in the header"
    body = [p.text for p in document.paragraphs]
    assert _in_order(body) == list("abcdef")
    text = "\n".join(body)
    assert "4 mars 2026" in text                       # the date in French (Babel)
    assert case.reference in text and "BEPI-77" in text
    assert "Relevés du compte FR76" in text and "Jean Fictif" in text
    assert "Anna Exemple" in text and "Directrice de l'autorité centrale" in text
    assert body.index(next(x for x in body if "Anna Exemple" in x)) > body.index(
        next(x for x in body if ARTICLE_RE.search(x) and x.find("(f)") >= 0))


def test_the_approved_pdf_reads_back_in_french(outgoing, db, create_user, set_now):  # noqa: F811
    set_now(utc(2026, 3, 4, 10))
    case, worker = outgoing
    composition = _approved(case, worker, create_user,
                            c="L'escroquerie a visé une société à Besançon en février.")
    stored = db.session.get(Document, composition.pdf_document_id)
    data = document_content(stored)
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == stored.sha256
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    flat = " ".join(text.split())
    assert "Ministère de la Justice de Zembla" in flat and "4 mars 2026" in flat
    assert _in_order(text.splitlines()) == list("abcdef")
    assert "L'escroquerie a visé une société à Besançon en février." in flat
    assert "Anna Exemple" in flat and case.reference in flat


def test_after_approval_edits_and_a_second_approval_are_refused(outgoing, db, create_user):
    case, worker = outgoing
    composition = _approved(case, worker, create_user)
    frozen = [dict(s) for s in composition.sections]
    with pytest.raises(ServiceError) as refused, unit_of_work():
        edit_composition(worker, composition, version=composition.version, title="Autre",
                         texts={"a": "changé"})
    assert refused.value.status == 409 and refused.value.code == "frozen"
    with pytest.raises(ServiceError), unit_of_work():
        approve_composition(create_user("supervisor"), composition, version=composition.version)
    db.session.refresh(composition)
    assert composition.sections == frozen
    assert db.session.query(Document).count() == 2


def test_whoever_last_edited_does_not_approve(outgoing, db, create_user):
    case, _worker = outgoing
    supervisor = create_user("supervisor")
    with unit_of_work():
        composition = start_request(supervisor, case)
    with pytest.raises(ServiceError) as refused, unit_of_work():
        approve_composition(supervisor, composition, version=1)
    assert refused.value.code == "four_eyes"


def test_the_pages_draft_edit_and_approve(outgoing, db, client, login_as, csrf_token,
                                          create_user):
    case, worker = outgoing
    page = f"/requests/{case.reference}/request-document"
    login_as(worker)
    assert "Draft the request" in client.get(page).get_data(as_text=True)
    response = client.post(f"{page}/start", data={"csrf_token": csrf_token(page),
                                                  "language": "fr"})
    assert response.status_code == 302
    composition = request_composition(case)
    form = {"csrf_token": csrf_token(page), "version": "1", "title": "Demande",
            **{f"section_{s['key']}": s["text"] for s in composition.sections}}
    form["section_f"] = "Pour l'audience du tribunal de Zembla."
    assert client.post(f"{page}/edit", data=form).status_code == 302
    stale = client.post(f"{page}/edit", data={**form, "section_f": "écrasé"})
    assert stale.status_code == 409
    assert "Someone saved this text" in stale.get_data(as_text=True)

    login_as(create_user("supervisor"))
    html = client.get(page).get_data(as_text=True)
    assert "Pour l&#39;audience du tribunal de Zembla." in html
    response = client.post(f"{page}/approve", data={"csrf_token": csrf_token(page),
                                                    "version": "2"})
    assert response.status_code == 302
    db.session.expire_all()
    composition = request_composition(case)
    html = client.get(page).get_data(as_text=True)
    assert composition.pdf_document.sha256 in html and composition.docx_document.sha256 in html
    refused = client.post(f"{page}/edit", data={**form, "version": str(composition.version),
                                                "csrf_token": csrf_token(page)})
    assert refused.status_code == 409


def test_the_signature_block_is_never_split_across_pages(outgoing, db):
    """However long the text, the label, name and title of the signature share a page."""
    case, worker = outgoing
    with unit_of_work():
        composition = start_request(worker, case)
    checked = 0
    for lines in range(24, 44, 2):
        composition.sections = [
            {**s, "text": "\n".join(["Ligne de texte."] * lines)} if s["key"] == "c" else s
            for s in composition.sections]
        pdf = render_pdf(build_sheet(composition, on=date(2026, 3, 4)))
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
        holding = [i for i, text in enumerate(pages) if "Anna Exemple" in text]
        assert len(holding) == 1
        assert "Signature" in pages[holding[0]] and "Directrice" in pages[holding[0]]
        checked += len(pages) > 1
    db.session.rollback()
    assert checked, "no length pushed the text onto a second page"


def test_the_request_page_links_the_request_document_and_its_state(
        outgoing, db, client, login_as):
    case, worker = outgoing
    login_as(worker)
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert 'id="request-document-link"' in html and "not drafted yet" in html
    with unit_of_work():
        start_request(worker, case, language="en")
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "draft in en" in html and "needs translation" in html


def test_a_request_goes_with_its_approved_document(outgoing, db, create_user):
    """Deleting a request (a sandbox copy's reset) takes its frozen texts and their files
    in one statement: nothing is left pointing at a removed file."""
    from sqlalchemy import delete

    from mla.cases.models import Case
    from mla.documents.models import Composition

    case, worker = outgoing
    _approved(case, worker, create_user)
    db.session.execute(delete(Case).where(Case.id == case.id))
    db.session.commit()
    assert db.session.query(Composition).count() == 0
    assert db.session.query(Document).count() == 0


@pytest.mark.parametrize("language", ["ar", "zh", "ru", "es"])
def test_a_request_in_each_language_comity_writes(outgoing, db, create_user, language):
    """Drafted, approved and generated end to end; the DOCX of an Arabic request is set
    right to left. Headings come from the catalogue of that language (English until the
    translators fill it), so the test reads what is common to all."""
    from docx.oxml.ns import qn

    case, worker = outgoing
    with unit_of_work():
        composition = start_request(worker, case, language=language)
    assert composition.language == language and composition.is_translation_needed
    with unit_of_work():
        approve_composition(create_user("supervisor"), composition, version=1)
    pdf = document_content(composition.pdf_document)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
                    .split())
    assert case.reference in text and "BEPI-77" in text and "Jean Fictif" in text
    document = docx.Document(io.BytesIO(document_content(composition.docx_document)))
    marked = [p._p.pPr is not None and p._p.pPr.find(qn("w:bidi")) is not None
              for p in document.paragraphs if p.text]
    assert all(marked) if language == "ar" else not any(marked)


def test_without_a_letterhead_the_home_state_names_the_authority(db, make_case,
                                                                 create_user):
    worker = create_user("caseworker")
    case = make_case(worker, direction="outgoing")
    with unit_of_work():
        composition = start_request(worker, case, language="en")
    assert "Central authority, " in composition.sections[0]["text"]
    with unit_of_work():
        approve_composition(create_user("supervisor"), composition, version=1)
    pdf = document_content(composition.pdf_document)
    assert "Central authority, " in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


@pytest.mark.parametrize(("language", "authority"), [
    ("en", "Central authority"), ("fr", "Autorité centrale"), ("es", "Autoridad central"),
    ("ru", "Центральный орган"), ("ar", "السلطة المركزية"), ("zh", "中央机关"),
])
def test_the_home_state_is_named_where_any_name_fits(db, make_case, create_user, language,
                                                     authority):
    """'Autorité centrale, Allemagne', never 'Autorité centrale de Allemagne': no article,
    elision or case to agree with the name, in any language (as the letters, 77d5bba)."""
    from mla.core.display import country_name
    from mla.reference.models import Country

    worker = create_user("caseworker")
    case = make_case(worker, direction="outgoing")
    with unit_of_work():
        composition = start_request(worker, case, language=language)
    home = db.session.get(Country, "XZ")
    name = country_name("XZ", language, stored=home.name if home else "")
    first = composition.sections[0]["text"].splitlines()[0]
    assert name and name in first and authority in first
    before = first[:first.index(name)].rstrip()
    assert before == "" or before.endswith((",", "،", ":", authority)), first
