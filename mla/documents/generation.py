"""DOCX and PDF from a composed sheet: letterhead, date, references, recipient, title,
sections, signature. Pure: no database, no request; the words arrive already in the
sheet's language (mla.documents.compositions builds the sheet).

DOCX through python-docx. PDF through fpdf2, which installs from the package index alone
(with Pillow, fontTools and defusedxml, all wheels) and shapes text through HarfBuzz
(uharfbuzz, wheels too), so Arabic prints joined and right to left; the fonts are
shipped in ``fonts/`` with their licences (see fonts/README.md).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

FONT_DIR = Path(__file__).resolve().parent / "fonts"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
_SCRIPTS = {"ar": "arab", "fa": "arab", "ur": "arab", "he": "hebr", "ru": "cyrl",
            "zh": "hani"}
LOGO_HEIGHT_MM = 18
SIGNATURE_BLOCK_MM = 40


@dataclass(frozen=True)
class Section:
    heading: str
    text: str


@dataclass(frozen=True)
class Sheet:
    """Everything printed, in the document's language."""

    language: str
    authority_name: str
    authority_address: str
    date_line: str
    references: list[tuple[str, str]]         # (label, value), e.g. our and their reference
    recipient: list[str]                      # lines of the address block
    title: str
    sections: list[Section]
    signatory_name: str = ""
    signatory_title: str = ""
    signature_label: str = ""
    footer: str = ""                          # e.g. our reference, printed on every page
    logo: bytes | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def is_rtl(self) -> bool:
        return self.language in RTL_LANGUAGES

    def all_text(self) -> str:
        parts = [self.authority_name, self.authority_address, self.date_line, self.title,
                 self.signatory_name, self.signatory_title, self.signature_label, self.footer,
                 *self.recipient, *(f"{a} {b}" for a, b in self.references),
                 *(f"{x.heading} {x.text}" for x in self.sections)]
        return "\n".join(parts)


# -- DOCX ----------------------------------------------------------------------------------
def _rtl(paragraph: Paragraph) -> None:
    """Right to left: the paragraph's bidi flag and each run's rtl flag (Word needs both)."""
    properties = paragraph._p.get_or_add_pPr()
    properties.append(OxmlElement("w:bidi"))
    for run in paragraph.runs:
        run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))


def _paragraph(doc: DocxDocument, sheet: Sheet, text: str, *, bold: bool = False,
               size: float | None = None, align: str = "start",
               style: str | None = None) -> Paragraph:
    paragraph = doc.add_paragraph(style=style)
    run = paragraph.add_run(text)
    run.bold = bold or None
    if size:
        run.font.size = Pt(size)
    if sheet.language == "zh":
        run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")
    if align == "end":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if sheet.is_rtl else WD_ALIGN_PARAGRAPH.RIGHT
    elif sheet.is_rtl:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if sheet.is_rtl:
        _rtl(paragraph)
    return paragraph


def render_docx(sheet: Sheet) -> bytes:
    doc = new_docx()
    section = doc.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(20)
    properties = doc.core_properties
    properties.title = sheet.title[:250]
    properties.language = sheet.language
    properties.author = sheet.authority_name[:250]
    properties.comments = sheet.metadata.get("comments", "")

    header = section.header
    first = header.paragraphs[0]
    if sheet.logo:
        first.add_run().add_picture(io.BytesIO(sheet.logo), height=Mm(LOGO_HEIGHT_MM))
        first = header.add_paragraph()
    name_run = first.add_run(sheet.authority_name)
    name_run.bold = True
    name_run.font.size = Pt(12)
    for line in sheet.authority_address.splitlines():
        header.add_paragraph().add_run(line).font.size = Pt(9)
    if sheet.is_rtl:
        for paragraph in header.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _rtl(paragraph)
    if sheet.footer:
        footer = section.footer.paragraphs[0]
        footer.add_run(sheet.footer).font.size = Pt(8)

    _paragraph(doc, sheet, sheet.date_line, align="end")
    for label, value in sheet.references:
        _paragraph(doc, sheet, f"{label}: {value}", size=9)
    if sheet.recipient:
        _paragraph(doc, sheet, "\n".join(sheet.recipient))
    _paragraph(doc, sheet, sheet.title, style="Title")
    for part in sheet.sections:
        if part.heading:
            _paragraph(doc, sheet, part.heading, style="Heading 2")
        for block in _blocks(part.text):
            _paragraph(doc, sheet, block)
    if sheet.signatory_name or sheet.signatory_title:
        _paragraph(doc, sheet, "")
        if sheet.signature_label:
            _paragraph(doc, sheet, sheet.signature_label, size=9)
        _paragraph(doc, sheet, sheet.signatory_name, bold=True)
        if sheet.signatory_title:
            _paragraph(doc, sheet, sheet.signatory_title)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _blocks(text: str) -> list[str]:
    """Paragraphs: separated by blank lines; single line breaks kept inside one."""
    blocks = [b.strip("\n") for b in (text or "").replace("\r\n", "\n").split("\n\n")]
    return [b for b in blocks if b.strip()]


# -- PDF -----------------------------------------------------------------------------------
class _Pdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("body", size=7)
        self.cell(0, 5, f"{self.footer_text}    {self.page_no()}/{{nb}}", align=Align.C)


def _is_cjk(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or (
        "\uff00" <= char <= "\uffef")


def _needs_shaping(char: str) -> bool:
    """Scripts that need joining or right-to-left ordering: Hebrew, Arabic, Syriac,
    Thaana, N'Ko, and the Arabic presentation forms; Indic scripts too."""
    return "\u0590" <= char <= "\u0dff" or "\ufb1d" <= char <= "\ufeff"


def _pdf_for(sheet: Sheet) -> _Pdf:
    pdf = _Pdf(format="A4", unit="mm")
    pdf.footer_text = sheet.footer
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("body", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    text = sheet.all_text()
    if any(_is_cjk(c) for c in text):
        # Glyphs DejaVu lacks (hanzi) come from the CJK subset, loaded only when needed.
        pdf.add_font("cjk", "", str(FONT_DIR / "WenQuanYiMicroHei-GB2312.ttf"))
        pdf.add_font("cjk", "B", str(FONT_DIR / "WenQuanYiMicroHei-GB2312.ttf"))
        pdf.set_fallback_fonts(["cjk"], exact_match=False)
    if sheet.is_rtl or any(_needs_shaping(c) for c in text):
        # HarfBuzz joins Arabic letters and orders right-to-left runs; it costs ten times
        # the plain layout, so Latin, Cyrillic and Chinese documents go without it.
        pdf.set_text_shaping(use_shaping_engine=True, script=_SCRIPTS.get(sheet.language),
                             language=sheet.language,
                             direction="rtl" if sheet.is_rtl else None)
    pdf.set_title(sheet.title[:250])
    pdf.set_author(sheet.authority_name[:250])
    pdf.set_lang(sheet.language)
    pdf.set_creator("Comity")
    return pdf


def render_pdf(sheet: Sheet) -> bytes:
    pdf = _pdf_for(sheet)
    family = "body"
    start = Align.R if sheet.is_rtl else Align.L
    end = Align.L if sheet.is_rtl else Align.R
    pdf.add_page()

    def write(text: str, *, size: float = 10, style: str = "", align: Align = start,
              gap: float = 1.5) -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, size * 0.5, text, align=align, new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        pdf.ln(gap)

    if sheet.logo:
        x = pdf.w - pdf.r_margin - 40 if sheet.is_rtl else pdf.l_margin
        pdf.image(io.BytesIO(sheet.logo), x=x, y=pdf.t_margin, h=LOGO_HEIGHT_MM)
        pdf.set_y(pdf.t_margin + LOGO_HEIGHT_MM + 2)
    write(sheet.authority_name, size=13, style="B", gap=0.5)
    write(sheet.authority_address, size=8.5, gap=1)
    pdf.set_draw_color(90, 90, 90)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(4)
    write(sheet.date_line, align=end)
    for label, value in sheet.references:
        write(f"{label}: {value}", size=9, gap=0.5)
    pdf.ln(3)
    if sheet.recipient:
        write("\n".join(sheet.recipient), gap=4)
    write(sheet.title, size=14, style="B", gap=3)
    for part in sheet.sections:
        if part.heading:
            write(part.heading, size=11, style="B", gap=1)
        for block in _blocks(part.text):
            write(block, gap=2.5)
    if sheet.signatory_name or sheet.signatory_title:
        if pdf.will_page_break(SIGNATURE_BLOCK_MM):
            pdf.add_page()  # the signature block is never split from its name
        pdf.ln(8)
        if sheet.signature_label:
            write(sheet.signature_label, size=9, gap=8)
        write(sheet.signatory_name, style="B", gap=0.5)
        if sheet.signatory_title:
            write(sheet.signatory_title)
    return bytes(pdf.output())
