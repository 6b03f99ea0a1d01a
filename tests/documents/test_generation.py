"""The DOCX and PDF writers on their own: Russian, Arabic (shaped, right to left) and
Chinese text reach the page; an Arabic DOCX is marked right to left."""

from __future__ import annotations

import io

import docx
import pypdfium2
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader

from mla.documents.generation import Section, Sheet, render_docx, render_pdf


def sheet(language: str, title: str, text: str) -> Sheet:
    return Sheet(language=language, authority_name="Central Authority of Zembla",
                 authority_address="1 Law Street\nZembla City", date_line="4 March 2026",
                 references=[("Our reference", "MLA-OUT-2026-00007")],
                 recipient=["Counterpart"], title=title,
                 sections=[Section("(a)", text)], signatory_name="Anna Example",
                 signatory_title="Head", footer="MLA-OUT-2026-00007")


def _pdf_text(data: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize(("language", "title", "text"), [
    ("ru", "Запрос о взаимной правовой помощи", "Обстоятельства дела: мошенничество."),
    ("zh", "司法协助请求", "事实摘要：银行欺诈。"),
    ("es", "Solicitud de asistencia judicial", "Resumen de los hechos: estafa en Cádiz."),
])
def test_each_script_reads_back_from_the_pdf(language, title, text):
    extracted = _pdf_text(render_pdf(sheet(language, title, text)))
    assert title in extracted and text in extracted and "MLA-OUT-2026-00007" in extracted


def test_arabic_is_shaped_and_set_right_to_left():
    title = "طلب المساعدة القانونية المتبادلة"
    data = render_pdf(sheet("ar", title, "ملخص الوقائع"))
    assert title in _pdf_text(data)
    # Right to left: the Arabic lines end at the right margin and start well in.
    document = pypdfium2.PdfDocument(data)
    try:
        text_page = document[0].get_textpage()
        boxes = [text_page.get_charbox(i) for i in range(text_page.count_chars())]
        page_width = document[0].get_width()
    finally:
        document.close()
    arabic = [box for box, char in zip(boxes, _chars(data), strict=False)
              if "\u0600" <= char <= "\u06ff"]
    assert arabic, "no Arabic glyphs on the page"
    assert max(box[2] for box in arabic) > page_width * 0.85       # ends at the right
    assert min(box[0] for box in arabic) > page_width * 0.3        # starts well in


def _chars(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        text_page = document[0].get_textpage()
        return list(text_page.get_text_range())
    finally:
        document.close()


def test_an_arabic_docx_is_marked_right_to_left():
    data = render_docx(sheet("ar", "طلب المساعدة", "ملخص الوقائع"))
    document = docx.Document(io.BytesIO(data))
    title = next(p for p in document.paragraphs if p.text == "طلب المساعدة")
    assert title._p.pPr.find(qn("w:bidi")) is not None
    assert document.core_properties.language == "ar"
