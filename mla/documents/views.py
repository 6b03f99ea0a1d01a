"""Download (access-checked, never a static path) and staff upload of documents; the
request document (UNTOC art. 18(15)) drafted, edited and approved; the letterhead."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from mla.cases.models import Case
from mla.cases.queries import get_case_for
from mla.core.access import READERS, STAFF, allow
from mla.core.errors import ServiceError
from mla.core.forms import apply_service_error, as_choices
from mla.documents.compositions import (
    REQUEST_KEYS,
    approval_refusal,
    approve_composition,
    compositions_of,
    edit_composition,
    letter_composition,
    request_composition,
    start_request,
    suggested_language,
)
from mla.documents.forms import (
    DOCUMENT_TYPE_LABELS,
    LANGUAGE_LABELS,
    ApproveCompositionForm,
    CompositionForm,
    LetterheadForm,
    StartCompositionForm,
    UploadForm,
)
from mla.documents.letterhead import (
    LetterheadInput,
    current_letterhead,
    logo_bytes,
    set_letterhead,
)
from mla.documents.models import Composition, Document
from mla.documents.services import (
    DocumentFacts,
    TranslationNeed,
    Upload,
    counterpart_languages,
    documents_for,
    get_document_for,
    read_document,
    translation_needs,
    upload_document,
)
from mla.notifications.models import Letter

bp = Blueprint("documents", __name__)
EDITORS = ("admin", "supervisor", "caseworker")


def _shown_documents(case: Case) -> Sequence[Document]:
    """The reader's documents of ``case`` for the page being rendered, read once: the
    panel, its translation needs and its upload form's choices all list them."""
    shown: dict[int, Sequence[Document]] = g.setdefault("shown_documents", {})
    if case.id not in shown:
        shown[case.id] = documents_for(current_user, case)
    return shown[case.id]


@bp.app_template_global("case_documents")
def _case_documents(case: Case) -> Sequence[Document]:
    return _shown_documents(case)


@bp.app_template_global("case_translation_needs")
def _case_translation_needs(case: Case) -> list[TranslationNeed]:
    return translation_needs(_shown_documents(case), case)


@bp.app_template_global("case_compositions")
def _case_compositions(case: Case) -> list[Composition]:
    return compositions_of(case)


@bp.app_template_global("letter_files")
def _letter_files(letter: Letter) -> list[Document]:
    """An approved letter's PDF and DOCX, with their hashes (the letter page)."""
    found = letter_composition(letter)
    if found is None:
        return []
    return [d for d in (found.pdf_document, found.docx_document) if d is not None]


@bp.app_template_global("document_type_label")
def _document_type_label(value: str) -> str:
    return str(DOCUMENT_TYPE_LABELS.get(value, value))


@bp.app_template_global("document_language_label")
def _document_language_label(value: str) -> str:
    if not value:
        return str(LANGUAGE_LABELS[""])
    return str(LANGUAGE_LABELS.get(value, value))


def _upload_form(case: Case, documents: Sequence[Document] | None = None) -> UploadForm:
    if documents is None:
        documents = documents_for(current_user, case)
    form = UploadForm()
    form.translation_of.choices = as_choices(
        [("", _("Not a translation")), *((str(d.id), d.filename) for d in documents)])
    return form


@bp.app_template_global("document_upload_form")
def _document_upload_form(case: Case | None = None) -> UploadForm:
    if case is None:
        return UploadForm()
    return _upload_form(case, _shown_documents(case))


@bp.route("/documents/<int:document_id>")
@allow(*READERS, "prosecutor")
def download(document_id: int) -> Response:
    document = get_document_for(current_user, document_id)
    data = read_document(current_user, document)
    response = Response(data, mimetype=document.content_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(document.filename or 'document')}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def _facts(form: UploadForm) -> DocumentFacts:
    raw = form.translation_of.data or ""
    return DocumentFacts(doc_type=form.doc_type.data or "annex",
                         language=form.chosen_language(),
                         translation_of_id=int(raw) if raw.isdecimal() else None,
                         translation_due_on=form.translation_due_on.data)


@bp.route("/requests/<reference>/documents", methods=["GET", "POST"])
@allow(*STAFF, write=STAFF)
def upload(reference: str) -> ResponseReturnValue:
    """The upload form (also on the request page); errors are shown next to the fields."""
    case = get_case_for(current_user, reference, full=False)
    form = _upload_form(case)
    if request.method == "GET":
        return render_template("documents/upload.html", case=case, form=form)
    if form.validate_on_submit():
        if form.language.data == "other" and not form.chosen_language():
            form.other_language.errors = [_("Give the language's two-letter code.")]
        else:
            storage = form.file.data
            try:
                upload_document(current_user, case,
                                Upload(filename=storage.filename or "", data=storage.read()),
                                visibility=form.visibility.data, facts=_facts(form))
            except ServiceError as exc:
                field = exc.details.get("field") if isinstance(exc.details, dict) else None
                if field == "language" and form.language.data == "other":
                    exc.details = {"field": "other_language"}
                apply_service_error(form, exc)
            else:
                flash(_("Document added."), "success")
                return redirect(url_for("cases.detail", reference=case.reference,
                                        _anchor="documents"))
    # upload_document checks everything before writing, so nothing was saved.
    return render_template("documents/upload.html", case=case, form=form), 422


# -- the request document (UNTOC art. 18(15)) ---------------------------------------------
def _outgoing_mla(reference: str) -> Case:
    case = get_case_for(current_user, reference, full=False)
    if case.direction != "outgoing" or case.kind != "mla":
        abort(404)
    return case


def _edit_form(composition: Composition) -> CompositionForm:
    form = CompositionForm(version=str(composition.version), title=composition.title)
    for section in composition.sections:
        getattr(form, f"section_{section['key']}").data = section["text"]
    return form


def _composition_page(case: Case, composition: Composition | None, *,
                      form: CompositionForm | None = None,
                      start_form: StartCompositionForm | None = None,
                      approve_form: ApproveCompositionForm | None = None,
                      status: int = 200) -> ResponseReturnValue:
    if composition is None:
        start_form = start_form or StartCompositionForm(language=suggested_language(case)[0])
    elif composition.is_draft:
        form = form or _edit_form(composition)
        approve_form = approve_form or ApproveCompositionForm(version=str(composition.version))
    return render_template(
        "documents/composition.html", case=case, composition=composition, form=form,
        start_form=start_form, approve_form=approve_form,
        refusal=approval_refusal(current_user, composition) if composition else None,
        accepted=counterpart_languages(case)), status


@bp.route("/requests/<reference>/request-document")
@allow(*STAFF)
def composition(reference: str) -> ResponseReturnValue:
    case = _outgoing_mla(reference)
    return _composition_page(case, request_composition(case))


@bp.route("/requests/<reference>/request-document/start", methods=["POST"])
@allow(*EDITORS)
def start_composition(reference: str) -> ResponseReturnValue:
    case = _outgoing_mla(reference)
    form = StartCompositionForm()
    if form.validate_on_submit():
        try:
            start_request(current_user, case, language=form.language.data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            return redirect(url_for("documents.composition", reference=case.reference))
    return _composition_page(case, None, start_form=form, status=422)


@bp.route("/requests/<reference>/request-document/edit", methods=["POST"])
@allow(*EDITORS)
def edit(reference: str) -> ResponseReturnValue:
    case = _outgoing_mla(reference)
    item = request_composition(case)
    if item is None:
        abort(404)
    form = CompositionForm()
    if form.validate_on_submit():
        raw = form.version.data or ""
        try:
            edit_composition(current_user, item, version=int(raw) if raw.isdecimal() else 0,
                             title=form.title.data or "",
                             texts={k: getattr(form, f"section_{k}").data or ""
                                    for k in REQUEST_KEYS})
        except ServiceError as exc:
            apply_service_error(form, exc)
            return _composition_page(case, item, form=form, status=exc.status)
        flash(_("Draft saved."), "success")
        return redirect(url_for("documents.composition", reference=case.reference))
    return _composition_page(case, item, form=form, status=422)


@bp.route("/requests/<reference>/request-document/approve", methods=["POST"])
@allow("admin", "supervisor")
def approve(reference: str) -> ResponseReturnValue:
    case = _outgoing_mla(reference)
    item = request_composition(case)
    if item is None:
        abort(404)
    form = ApproveCompositionForm()
    if not form.validate_on_submit():
        abort(400)
    raw = form.version.data or ""
    try:
        approve_composition(current_user, item, version=int(raw) if raw.isdecimal() else 0)
    except ServiceError as exc:
        flash(exc.message, "danger")
        return _composition_page(case, item, status=exc.status)
    flash(_("Approved: the request document is frozen and kept as DOCX and PDF."), "success")
    return redirect(url_for("documents.composition", reference=case.reference))


# -- the letterhead -------------------------------------------------------------------------
@bp.route("/admin/letterhead", methods=["GET", "POST"])
@allow("admin")
def letterhead() -> ResponseReturnValue:
    current = current_letterhead()
    if request.method == "GET":
        form = LetterheadForm(obj=current)
        return render_template("documents/letterhead.html", form=form, letterhead=current)
    form = LetterheadForm()
    if form.validate_on_submit():
        logo = form.logo.data.read() if form.logo.data else None
        try:
            set_letterhead(current_user, LetterheadInput(
                authority_name=form.authority_name.data or "", address=form.address.data or "",
                signatory_name=form.signatory_name.data or "",
                signatory_title=form.signatory_title.data or "",
                logo=logo if logo else None, remove_logo=bool(form.remove_logo.data)))
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("Letterhead saved."), "success")
            return redirect(url_for("documents.letterhead"))
    return render_template("documents/letterhead.html", form=form, letterhead=current), 422


@bp.route("/admin/letterhead/logo")
@allow("admin")
def letterhead_logo() -> Response:
    current = current_letterhead()
    data = logo_bytes(current)
    if data is None:
        abort(404)
    response = Response(data, mimetype=current.logo_content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
