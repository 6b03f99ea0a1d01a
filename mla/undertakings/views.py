"""The Speciality, Assurances and Use limitations panels' forms, and a read-only JSON view.

Each POST parses one form, loads the request the user may see (prosecutors: their own
authority's only), calls one service and goes back to the request's panel; a refused
form comes back on a page of its own with the error next to the field (422)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from mla.cases.models import Case
from mla.cases.queries import get_case_for
from mla.core.access import READERS, STAFF, allow
from mla.core.errors import ApiError, NotFound
from mla.core.forms import apply_service_error, as_choices
from mla.documents.services import get_document_for
from mla.undertakings.forms import (
    AssessAssuranceForm,
    AssuranceForm,
    ConfirmForm,
    ConsentDecisionForm,
    ConsentForm,
    DischargeForm,
    LimitationForm,
    OutcomeForm,
    ReceiveAssuranceForm,
    ReuseForm,
    SpecialityForm,
    UseConsentAnswerForm,
    UseConsentForm,
)
from mla.undertakings.services import (
    LimitedUse,
    add_consent_request,
    add_limitation,
    assess_assurance,
    decide_consent,
    documents_of,
    get_assurance,
    get_consent,
    get_limitation,
    receive_assurance,
    record_discharge,
    record_outcome,
    record_speciality,
    record_use_consent,
    referral_of,
    report_back,
    request_assurance,
    request_use_consent,
    restricting,
    reuse_document,
    speciality_of,
    undertakings_payload,
    visible_target,
)

bp = Blueprint("undertakings", __name__)
API_READERS = (*READERS, "prosecutor")


def _submit(case: Case, form: FlaskForm, do: Callable[[], Any], *, title: str, anchor: str,
            success: str) -> ResponseReturnValue:
    """Validate, call the service, go back to the panel; or show the form with errors."""
    status = 422
    if form.validate_on_submit():
        try:
            do()
        except ApiError as exc:
            apply_service_error(form, exc)
            status = exc.status
        else:
            flash(success, "success")
            return redirect(url_for("cases.detail", reference=case.reference, _anchor=anchor))
    return render_template("undertakings/form.html", case=case, form=form, title=title,
                           anchor=anchor), status


def _load(reference: str, find: Callable[[Case], Any]) -> tuple[Case, Any]:
    case = get_case_for(current_user, reference, full=False)
    try:
        return case, find(case)
    except NotFound:
        abort(404)


def _record_of(case: Case) -> Any:
    record = speciality_of(case)
    if record is None:
        raise NotFound()
    return record


# -- speciality ----------------------------------------------------------------------------

@bp.route("/requests/<reference>/speciality", methods=["POST"])
@allow(*STAFF)
def record(reference: str) -> ResponseReturnValue:
    case = get_case_for(current_user, reference, full=False)
    form = SpecialityForm()
    return _submit(case, form, lambda: record_speciality(
        current_user, case, surrendered_on=form.surrendered_on.data,
        offences=(form.offences.data or "").splitlines()),
        title=_("What the person was surrendered for"), anchor="speciality",
        success=_("Speciality recorded."))


@bp.route("/requests/<reference>/speciality/discharge", methods=["POST"])
@allow(*STAFF)
def discharge(reference: str) -> ResponseReturnValue:
    case, found = _load(reference, _record_of)
    form = DischargeForm()
    return _submit(case, form, lambda: record_discharge(
        current_user, found, discharged_on=form.discharged_on.data),
        title=_("Final discharge"), anchor="speciality",
        success=_("Final discharge recorded: the period of speciality protection runs."))


@bp.route("/requests/<reference>/speciality/consents", methods=["POST"])
@allow(*STAFF)
def add_consent(reference: str) -> ResponseReturnValue:
    case, found = _load(reference, _record_of)
    form = ConsentForm()
    return _submit(case, form, lambda: add_consent_request(
        current_user, found, purpose=form.purpose.data or "", subject=form.subject.data or "",
        asked_on=form.asked_on.data),
        title=_("Request for consent after surrender"), anchor="speciality",
        success=_("Request for consent recorded."))


@bp.route("/requests/<reference>/speciality/consents/<int:consent_id>", methods=["POST"])
@allow(*STAFF)
def decide(reference: str, consent_id: int) -> ResponseReturnValue:
    case, consent = _load(reference, lambda c: get_consent(_record_of(c), consent_id))
    form = ConsentDecisionForm(prefix=f"c{consent_id}")
    return _submit(case, form, lambda: decide_consent(
        current_user, consent, granted=form.decision.data == "granted",
        decided_on=form.decided_on.data, reasons=form.reasons.data or ""),
        title=_("Decision on the request for consent"), anchor="speciality",
        success=_("Decision recorded."))


# -- assurances ----------------------------------------------------------------------------

@bp.route("/requests/<reference>/assurances", methods=["POST"])
@allow(*STAFF)
def add_assurance(reference: str) -> ResponseReturnValue:
    case = get_case_for(current_user, reference, full=False)
    form = AssuranceForm()
    return _submit(case, form, lambda: request_assurance(
        current_user, case, kind=form.kind.data or "", terms=form.terms.data or "",
        requested_on=form.requested_on.data, is_required=bool(form.is_required.data),
        source_article=form.source_article.data or ""),
        title=_("Ask for an assurance"), anchor="assurances",
        success=_("Assurance asked for."))


@bp.route("/requests/<reference>/assurances/<int:assurance_id>/receive", methods=["POST"])
@allow(*STAFF)
def receive(reference: str, assurance_id: int) -> ResponseReturnValue:
    case, assurance = _load(reference, lambda c: get_assurance(c, assurance_id))
    form = ReceiveAssuranceForm(prefix=f"r{assurance_id}")
    return _submit(case, form, lambda: receive_assurance(
        current_user, assurance, received_on=form.received_on.data,
        terms=form.terms.data or "", given_by=form.given_by.data or ""),
        title=_("Assurance received"), anchor="assurances",
        success=_("Assurance received: assess it."))


@bp.route("/requests/<reference>/assurances/<int:assurance_id>/assess", methods=["POST"])
@allow(*STAFF)
def assess(reference: str, assurance_id: int) -> ResponseReturnValue:
    case, assurance = _load(reference, lambda c: get_assurance(c, assurance_id))
    form = AssessAssuranceForm(prefix=f"a{assurance_id}")
    return _submit(case, form, lambda: assess_assurance(
        current_user, assurance, sufficient=form.verdict.data == "sufficient",
        assessment=form.assessment.data or "", assessed_on=form.assessed_on.data),
        title=_("Assess the assurance"), anchor="assurances",
        success=_("Assessment recorded."))


# -- use limitations -----------------------------------------------------------------------

def limitation_form(case: Case, documents: list[Any]) -> LimitationForm:
    form = LimitationForm()
    form.document.choices = as_choices((d.id, d.filename) for d in documents)
    return form


@bp.route("/requests/<reference>/limitations", methods=["POST"])
@allow(*STAFF)
def add_use_limitation(reference: str) -> ResponseReturnValue:
    case = get_case_for(current_user, reference, full=False)
    documents = documents_of(case)
    form = limitation_form(case, documents)
    chosen = next((d for d in documents if d.id == form.document.data), None)
    return _submit(case, form, lambda: add_limitation(
        current_user, chosen, kind=form.kind.data or "", scope=form.scope.data or "",
        source_article=form.source_article.data or "", imposed_by=form.imposed_by.data or "",
        imposed_on=form.imposed_on.data),
        title=_("Record a use limitation"), anchor="limitations",
        success=_("Limitation recorded on the document."))


@bp.route("/requests/<reference>/documents/<int:document_id>/reuse", methods=["GET", "POST"])
@allow(*READERS, write=STAFF)
def reuse(reference: str, document_id: int) -> ResponseReturnValue:
    """Copy a document to another request; a limited one warns first and offers to
    draft the request for consent."""
    case = get_case_for(current_user, reference, full=False)
    try:
        document = get_document_for(current_user, document_id)
    except NotFound:
        abort(404)
    if document.case_id != case.id:
        abort(404)
    form = ReuseForm()
    limits = restricting(document)
    consent_form = UseConsentForm(formdata=None, target=request.form.get("target", ""))
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            target = visible_target(current_user, form.target.data or "")
            if target is None:
                form.target.errors = [_("No request with that reference is visible to you.")]
            else:
                try:
                    copy = reuse_document(current_user, document, target,
                                          acknowledged=bool(form.acknowledged.data),
                                          reason=form.reason.data or "")
                except LimitedUse as exc:
                    form.form_errors.append(exc.message)
                    status = exc.status
                except ApiError as exc:
                    apply_service_error(form, exc)
                    status = exc.status
                else:
                    flash(_("Copied to %(ref)s.", ref=target.reference), "success")
                    return redirect(url_for("cases.detail", reference=target.reference,
                                            _anchor=f"document-{copy.id}"))
    return render_template("undertakings/reuse.html", case=case, document=document,
                           form=form, limits=limits, consent_form=consent_form), status


@bp.route("/requests/<reference>/limitations/<int:limitation_id>/consent-request",
          methods=["POST"])
@allow(*STAFF)
def ask_use_consent(reference: str, limitation_id: int) -> ResponseReturnValue:
    case, limitation = _load(reference, lambda c: get_limitation(c, limitation_id))
    form = UseConsentForm()
    holder: dict[str, Any] = {}

    def do() -> None:
        target = visible_target(current_user, form.target.data or "")
        holder["letter"] = request_use_consent(current_user, limitation,
                                               purpose=form.purpose.data or "", target=target)

    response = _submit(case, form, do, title=_("Ask for consent to use the document"),
                       anchor="limitations", success=_("Request for consent drafted: "
                                                       "it waits for approval."))
    if "letter" in holder:
        return redirect(url_for("notifications.letter", letter_id=holder["letter"].id))
    return response


@bp.route("/requests/<reference>/limitations/<int:limitation_id>/consent-answer",
          methods=["POST"])
@allow(*STAFF)
def answer_use_consent(reference: str, limitation_id: int) -> ResponseReturnValue:
    case, limitation = _load(reference, lambda c: get_limitation(c, limitation_id))
    form = UseConsentAnswerForm(prefix=f"u{limitation_id}")
    return _submit(case, form, lambda: record_use_consent(
        current_user, limitation, granted=form.answer.data == "granted",
        note=form.note.data or ""),
        title=_("Answer to the request for consent"), anchor="limitations",
        success=_("Answer recorded."))


# -- aut dedere aut judicare ---------------------------------------------------------------

def _referral(case: Case) -> Any:
    found = referral_of(case)
    if found is None:
        raise NotFound()
    return found


@bp.route("/requests/<reference>/aut-dedere/outcome", methods=["POST"])
@allow(*STAFF)
def outcome(reference: str) -> ResponseReturnValue:
    case, referral = _load(reference, _referral)
    form = OutcomeForm()
    return _submit(case, form, lambda: record_outcome(
        current_user, referral, outcome=form.outcome.data or "", outcome_on=form.outcome_on.data,
        details=form.details.data or "", domestic_reference=form.domestic_reference.data or ""),
        title=_("Outcome of the domestic prosecution"), anchor="aut-dedere",
        success=_("Outcome recorded: report it to the requesting state."))


@bp.route("/requests/<reference>/aut-dedere/report", methods=["POST"])
@allow(*STAFF)
def report(reference: str) -> ResponseReturnValue:
    case, referral = _load(reference, _referral)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form expired; try again."), "danger")
        return redirect(url_for("cases.detail", reference=case.reference, _anchor="aut-dedere"))
    try:
        letter = report_back(current_user, referral)
    except ApiError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("cases.detail", reference=case.reference,
                                _anchor="aut-dedere")), exc.status
    flash(_("Report to the requesting state drafted: it waits for approval."), "success")
    return redirect(url_for("notifications.letter", letter_id=letter.id))


# -- JSON ----------------------------------------------------------------------------------

@bp.route("/api/v1/cases/<reference>/undertakings", methods=["GET"])
@allow(*API_READERS)
def api_undertakings(reference: str) -> ResponseReturnValue:
    """Speciality, consents, assurances, use limitations and the aut dedere referral of a
    request, read-only."""
    case = get_case_for(current_user, reference, full=False)
    return jsonify(undertakings_payload(current_user, case))
