"""Document types, languages and translations (with what still needs translating), the
upload form's errors next to its fields, and the letterhead's logo checks."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from mla.core.errors import ServiceError
from mla.core.transaction import unit_of_work
from mla.documents.letterhead import (
    MAX_LOGO_BYTES,
    LetterheadInput,
    check_logo,
    current_letterhead,
    logo_bytes,
    set_letterhead,
)
from mla.documents.models import Document
from mla.documents.services import (
    DocumentFacts,
    Upload,
    translation_needs,
    upload_document,
)

PDF = b"%PDF-1.7\n" + b"Request body\n" * 20


def image(kind: str, width: int = 60, height: int = 20) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, kind)
    return out.getvalue()


@pytest.fixture
def outgoing(db, make_case, create_user):
    from mla.directory.models import Authority

    counterpart = Authority(name="Autoridad Central", country_code="XA",
                            kind="central_authority", languages=["es"])
    db.session.add(counterpart)
    db.session.commit()
    worker = create_user("caseworker")
    case = make_case(worker, direction="outgoing", counterpart_authority_id=counterpart.id)
    return case, worker


def _upload(worker, case, name: str, **facts):
    with unit_of_work():
        return upload_document(worker, case, Upload(name, PDF), visibility="internal",
                               facts=DocumentFacts(**facts))


def test_translation_needs_follow_types_languages_and_translations(outgoing, db):
    case, worker = outgoing
    request = _upload(worker, case, "request.pdf", doc_type="request", language="en",
                      translation_due_on=date(2026, 12, 15))
    annex = _upload(worker, case, "annex.pdf", doc_type="annex", language="")
    _upload(worker, case, "evidence.pdf", doc_type="evidence", language="en")
    _upload(worker, case, "anexo.pdf", doc_type="annex", language="es")
    documents = db.session.query(Document).order_by(Document.id).all()

    needs = translation_needs(documents, case)
    assert [(n.document.filename, n.languages, n.due_on) for n in needs] == [
        ("request.pdf", ("es",), date(2026, 12, 15)), ("annex.pdf", ("es",), None)]

    translation = _upload(worker, case, "solicitud.pdf", doc_type="translation",
                          language="es", translation_of_id=request.id)
    assert translation.translation_of_id == request.id
    documents = db.session.query(Document).order_by(Document.id).all()
    assert [n.document.id for n in translation_needs(documents, case)] == [annex.id]


@pytest.mark.parametrize(("facts", "field"), [
    ({"doc_type": "memo"}, "doc_type"),
    ({"language": "french"}, "language"),
    ({"doc_type": "translation", "language": "es"}, "translation_of"),
    ({"doc_type": "translation", "translation_of_id": 1}, "language"),
    ({"doc_type": "annex", "translation_of_id": 1}, "translation_of"),
])
def test_refused_facts_name_their_field(outgoing, db, facts, field):
    case, worker = outgoing
    with pytest.raises(ServiceError) as refused, unit_of_work():
        upload_document(worker, case, Upload("x.pdf", PDF), visibility="internal",
                        facts=DocumentFacts(**facts))
    assert refused.value.details == {"field": field}
    assert db.session.query(Document).count() == 0


def test_a_translation_translates_a_document_of_the_same_request(outgoing, db, make_case):
    case, worker = outgoing
    elsewhere = make_case(worker)
    other = _upload(worker, elsewhere, "other.pdf", doc_type="request", language="en")
    with pytest.raises(ServiceError) as refused, unit_of_work():
        upload_document(worker, case, Upload("t.pdf", PDF), visibility="internal",
                        facts=DocumentFacts(doc_type="translation", language="es",
                                            translation_of_id=other.id))
    assert refused.value.details == {"field": "translation_of"}


def _invalid_feedback(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-error" class="invalid-feedback[^"]*">([^<]*)<', html)
    assert match, f"no error shown next to {field}"
    return match.group(1)


def test_the_upload_form_shows_errors_next_to_its_fields(outgoing, db, client, login_as,
                                                          csrf_token):
    case, worker = outgoing
    login_as(worker)
    page = f"/requests/{case.reference}"
    html = client.get(page).get_data(as_text=True)
    assert 'name="doc_type"' in html and 'name="translation_due_on"' in html
    response = client.post(f"{page}/documents", data={
        "csrf_token": csrf_token(page), "visibility": "internal", "doc_type": "translation",
        "language": "es", "translation_of": "",
        "file": (io.BytesIO(PDF), "t.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose the document this translates." in _invalid_feedback(
        response.get_data(as_text=True), "translation_of")
    response = client.post(f"{page}/documents", data={
        "csrf_token": csrf_token(page), "visibility": "internal", "doc_type": "annex",
        "language": "other", "other_language": "deutsch",
        "file": (io.BytesIO(PDF), "a.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "ISO 639-1" in _invalid_feedback(response.get_data(as_text=True),
                                            "other_language")
    response = client.post(f"{page}/documents", data={
        "csrf_token": csrf_token(page), "visibility": "internal", "doc_type": "request",
        "language": "other", "other_language": "de", "translation_due_on": "2026-12-01",
        "file": (io.BytesIO(PDF), "antrag.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert 'id="translation-needs"' in html and "antrag.pdf" in html
    stored = db.session.query(Document).one()
    assert (stored.doc_type, stored.language, stored.translation_due_on) == (
        "request", "de", date(2026, 12, 1))


@pytest.mark.parametrize(("data", "message"), [
    (b"GIF89a" + b"\x00" * 40, "PNG or JPEG"),
    (b"%PDF-1.7 not an image", "PNG or JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "PNG or JPEG"),  # a PNG signature, no image
    (b"", "empty"),
])
def test_logo_content_is_checked(data, message, app_ctx):
    with pytest.raises(ServiceError) as refused:
        check_logo(data)
    assert message in refused.value.message and refused.value.details == {"field": "logo"}


def test_gif_and_oversized_logos_are_refused_but_png_and_jpeg_pass(app_ctx):
    assert check_logo(image("PNG")) == "image/png"
    assert check_logo(image("JPEG")) == "image/jpeg"
    with pytest.raises(ServiceError):
        check_logo(image("GIF"))
    with pytest.raises(ServiceError) as big:
        check_logo(b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_LOGO_BYTES)
    assert "larger than" in big.value.message


def test_the_letterhead_page_shows_logo_errors_next_to_the_field(
        db, client, login_as, csrf_token, create_user):
    admin = create_user("admin")
    login_as(admin)
    page = "/admin/letterhead"
    data = {"csrf_token": csrf_token(page), "authority_name": "Central Authority of Zembla",
            "address": "1 Law Street", "signatory_name": "A. Example",
            "signatory_title": "Director"}
    response = client.post(page, data={**data, "logo": (io.BytesIO(image("GIF")), "logo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "PNG or JPEG" in _invalid_feedback(response.get_data(as_text=True), "logo")
    big = image("PNG", 3000, 3000)[:8] + b"\x00" * (MAX_LOGO_BYTES + 1)
    # Encoded here, in memory: the test client would spool a body this size to a
    # temporary file it never closes (a ResourceWarning).
    boundary, body = encode_multipart(MultiDict([
        *data.items(), ("logo", FileStorage(io.BytesIO(big), "big.png"))]))
    response = client.post(page, data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 422
    assert "larger than" in _invalid_feedback(response.get_data(as_text=True), "logo")
    assert current_letterhead().authority_name == ""            # nothing saved

    logo = image("JPEG")
    response = client.post(page, data={**data, "logo": (io.BytesIO(logo), "logo.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    saved = current_letterhead()
    assert saved.authority_name == "Central Authority of Zembla"
    assert saved.logo_content_type == "image/jpeg" and logo_bytes(saved) == logo
    assert logo not in saved.logo_sealed                        # sealed, like documents
    shown = client.get(f"{page}/logo")
    assert shown.status_code == 200 and shown.data == logo
    login_as(create_user("caseworker"))
    assert client.get(page).status_code == 403


def test_the_letterhead_needs_a_name(app_ctx, create_user):
    with pytest.raises(ServiceError) as refused, unit_of_work():
        set_letterhead(create_user("admin"), LetterheadInput("  ", "", "", ""))
    assert refused.value.details == {"field": "authority_name"}
