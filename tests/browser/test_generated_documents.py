"""Generated documents as a person sees them: the request document's page being edited
(screenshot), its generated PDF rendered to an image (pypdfium2) to look at, and the
request document's, a letter's and the upload form's pages printed by Chromium without
navigation or forms."""

from __future__ import annotations

import io

import pypdf
import pypdfium2
import pytest
from PIL import Image, ImageStat

from mla.core.transaction import unit_of_work
from mla.documents.compositions import start_request
from mla.documents.services import document_content
from mla.notifications.letters import approve_letter, draft_letter
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_accessibility import _violations
from tests.documents.helpers import outgoing_request


def _logo() -> bytes:
    image = Image.new("RGB", (360, 120), (255, 255, 255))
    for x in range(0, 360, 2):
        for y in range(20, 100):
            if (x // 40 + y // 40) % 2 == 0:
                image.putpixel((x, y), (16, 60, 130))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def outgoing(db, make_case, create_user):
    return outgoing_request(
        db, make_case, create_user, logo=_logo(), assign=True,
        title="Escroquerie aux faux ordres de virement",
        summary="Entre mars et juin 2026, des virements ont été obtenus par de faux ordres "
                "envoyés à une société de Zembla; les fonds ont transité par un compte "
                "ouvert à Lyon.",
        measures=["bank_records", "witness_hearing"])


def _printed_text(page) -> str:
    page.emulate_media(media="print")
    assert page.locator("nav").first.is_hidden() and page.locator("footer").is_hidden()
    forms = page.locator("main form")
    assert all(forms.nth(i).is_hidden() for i in range(forms.count()))
    pdf = page.pdf(format="A4")
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for navigation in ("Sign out", "Skip to", "Save the draft", "Approve and freeze",
                       "Add document"):
        assert navigation not in text, navigation
    return text


def test_the_request_document_edited_printed_and_generated(
        page, browser_login, create_user, outgoing, db, screenshot):
    case, worker = outgoing
    supervisor = create_user("supervisor")
    with unit_of_work():
        composition = start_request(worker, case)
    browser_login(page, worker)
    page.goto(f"/requests/{case.reference}/request-document")
    assert page.locator("#composition-form textarea").count() == 6
    page.locator("#title").fill("Demande d'entraide judiciaire")
    page.locator("#section_d").fill("- Relevés du compte ouvert à Lyon (mars–juin 2026).\n"
                                    "- Audition du gérant de la société comme témoin.")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(f"**/requests/{case.reference}/request-document")
    assert "version 2" in page.locator("#composition-status").inner_text()
    screenshot(page, "request-document-draft")
    assert _violations(page) == []

    page.context.clear_cookies()  # signed out: the supervisor signs in
    browser_login(page, supervisor)
    page.goto(f"/requests/{case.reference}/request-document")
    page.get_by_role("button", name="Approve and freeze").click()
    page.wait_for_url(f"**/requests/{case.reference}/request-document")
    assert page.locator("#composition-files code.sha256").count() == 2
    screenshot(page, "request-document-approved")
    assert _violations(page) == []
    text = _printed_text(page)
    assert "Demande d'entraide judiciaire" in text and "18(15)(f)" in text
    assert "Audition du gérant" in text

    # The generated PDF as a reader sees it: page 1 rendered to an image and kept.
    db.session.rollback()  # end the test's read transaction: see what the server wrote
    pdf = document_content(composition.pdf_document)
    rendered = pypdfium2.PdfDocument(pdf)
    try:
        image = rendered[0].render(scale=1.5).to_pil().convert("RGB")
    finally:
        rendered.close()
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / "request-document-generated.png")
    assert abs(image.width / image.height - 210 / 297) < 0.01            # A4
    top = image.crop((0, 0, image.width, image.height // 8)).convert("L")
    dark = sum(top.histogram()[:128])
    assert dark > 1000, "the letterhead's logo and name are at the top"
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 10, "the page is not blank"


def test_a_letter_and_the_upload_form_print_cleanly(page, browser_login, create_user,
                                                     outgoing, db, tmp_path):
    case, worker = outgoing
    with unit_of_work():
        letter = draft_letter(case, "status_inquiry", actor=worker)
    with unit_of_work():
        approve_letter(create_user("supervisor"), letter)
    browser_login(page, worker)
    page.goto(f"/letters/{letter.id}")
    assert page.locator("#letter-files code.sha256").count() == 2
    text = _printed_text(page)
    assert letter.subject.split()[0] in text

    page.emulate_media(media="screen")
    page.goto(f"/requests/{case.reference}/documents")
    assert page.locator("main form").is_visible()
    upload = tmp_path / "traduccion.pdf"
    upload.write_bytes(b"%PDF-1.7\n" + b"texto\n" * 20)
    page.locator("#file").set_input_files(str(upload))
    page.locator("#doc_type").select_option("translation")
    page.locator("#language").select_option("es")
    page.get_by_role("button", name="Add document").click()
    assert "Choose the document this translates." in page.locator(
        "#translation_of-error").inner_text()
    assert _violations(page) == []
    _printed_text(page)



def test_an_admin_sets_the_letterhead_and_sees_the_logo(page, browser_login, create_user,
                                                        tmp_path, screenshot):
    browser_login(page, create_user("admin"))
    page.goto("/admin/letterhead")
    page.locator("#authority_name").fill("Central Authority of Zembla")
    page.locator("#address").fill("1 Law Street\nZembla City")
    page.locator("#signatory_name").fill("Anna Example")
    page.locator("#signatory_title").fill("Head of the Central Authority")
    wrong = tmp_path / "logo.png"
    wrong.write_bytes(b"GIF89a" + b"\x00" * 64)
    page.locator("#logo").set_input_files(str(wrong))
    page.get_by_role("button", name="Save").click()
    assert "PNG or JPEG" in page.locator("#logo-error").inner_text()
    assert _violations(page) == []
    logo = tmp_path / "zembla.png"
    logo.write_bytes(_logo())
    page.locator("#logo").set_input_files(str(logo))
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/admin/letterhead")
    shown = page.get_by_role("img", name="The current logo")
    assert shown.evaluate("img => img.complete && img.naturalWidth") == 360
    screenshot(page, "letterhead-settings")
