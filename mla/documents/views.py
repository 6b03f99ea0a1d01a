"""Download (access-checked, never a static path) and staff upload of documents."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from mla.cases.models import Case
from mla.cases.queries import get_case_for
from mla.core.access import READERS, STAFF, allow
from mla.core.errors import ServiceError
from mla.documents.forms import UploadForm
from mla.documents.models import Document
from mla.documents.services import (
    Upload,
    documents_for,
    get_document_for,
    read_document,
    upload_document,
)

bp = Blueprint("documents", __name__)


@bp.app_template_global("case_documents")
def _case_documents(case: Case) -> Sequence[Document]:
    return documents_for(current_user, case)


@bp.app_template_global("document_upload_form")
def _document_upload_form() -> UploadForm:
    return UploadForm()


@bp.route("/documents/<int:document_id>")
@allow(*READERS, "prosecutor")
def download(document_id: int) -> Response:
    document = get_document_for(current_user, document_id)
    data = read_document(current_user, document)
    response = Response(data, mimetype=document.content_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(document.filename)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/requests/<reference>/documents", methods=["POST"])
@allow(*STAFF)
def upload(reference: str) -> ResponseReturnValue:
    case = get_case_for(current_user, reference, full=False)
    form = UploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        try:
            upload_document(current_user, case,
                            Upload(filename=storage.filename or "", data=storage.read()),
                            visibility=form.visibility.data)
        except ServiceError as exc:
            flash(exc.message, "danger")
        else:
            flash(_("Document added."), "success")
            return redirect(url_for("cases.detail", reference=case.reference,
                                    _anchor="documents"))
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    # upload_document checks the file before writing anything, so nothing is saved here.
    return redirect(url_for("cases.detail", reference=case.reference, _anchor="documents"))
