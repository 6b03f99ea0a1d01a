"""Dual-criminality pages: the check (standalone and per case offence), catalogues, ICCS,
settings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from mla.cases.models import Case, Offence
from mla.cases.queries import get_case_for
from mla.core.access import READERS, STAFF, allow
from mla.core.display import country_name
from mla.core.errors import ServiceError
from mla.core.forms import apply_service_error, as_choices
from mla.dualcrim import catalogue as catalogues
from mla.dualcrim.engine import suggested_category
from mla.dualcrim.forms import (
    AssessForm,
    CheckForm,
    ExtensionForm,
    ImportForm,
    OffenceEditForm,
    PolicyForm,
    ReferenceDateForm,
    split_codes,
)
from mla.dualcrim.models import Assessment, CatalogueOffence, OffenceCatalogue
from mla.dualcrim.queries import latest_assessments
from mla.dualcrim.rules import load_rules
from mla.dualcrim.services import (
    NO_CATEGORY,
    CheckRequest,
    case_check_request,
    case_states,
    confirmed_category,
    get_policy,
    record_assessment,
    run_check,
    set_reference_date,
    update_policy,
    verdict_payload,
)
from mla.extensions import db
from mla.reference.models import Country
from mla.reference.queries import country_choices
from mla.settings import current_settings

bp = Blueprint("dualcrim", __name__, url_prefix="/dual-criminality")

USERS = (*READERS, "prosecutor")
PER_PAGE = 50


def _category_choices() -> list[Any]:
    return as_choices([("", _("— from the ICCS codes —")),
                       *((str(c.number), f"{c.number}. {c.short_name_text}")
                         for c in load_rules().list_categories)])


def _case_category_choices(offence: Offence) -> list[Any]:
    """For a request's offence: the category ticked on the warrant is confirmed here
    (CJEU C-303/05); the ICCS mapping's suggestion is pre-selected, never assumed."""
    suggestion = suggested_category(offence.iccs_codes, load_rules())
    unconfirmed = (_("— not confirmed: the ICCS codes suggest %(n)s. %(name)s —",
                     n=suggestion.number, name=suggestion.short_name_text) if suggestion
                   else _("— not confirmed —"))
    return as_choices([("", unconfirmed),
                       (NO_CATEGORY, _("No category ticked on the warrant or order")),
                       *((str(c.number), f"{c.number}. {c.short_name_text}")
                         for c in load_rules().list_categories)])


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {"dc_latest_assessments": latest_assessments}


# --- the standalone check ------------------------------------------------------------------

# Training scenarios against the demo catalogues (mla/data/dualcrim/demo): one per verdict.
TRAINING = (
    ("satisfied", {"kind": "mla", "legal_basis": "UNTOC", "requesting_country": "XA",
                   "requested_country": "XZ", "coercive": "y", "iccs": "0701",
                   "penalty": "60"}),
    ("not_satisfied", {"kind": "extradition", "legal_basis": "ECE",
                       "requesting_country": "XA", "requested_country": "XZ",
                       "coercive": "y", "iccs": "02081", "penalty": "24"}),
    ("not_satisfied", {"kind": "mla", "legal_basis": "RECIPROCITY",
                       "requesting_country": "XB", "requested_country": "XZ",
                       "coercive": "y", "iccs": "02099", "penalty": "24"}),
    ("not_required", {"kind": "extradition", "legal_basis": "EAW",
                      "requesting_country": "XB", "requested_country": "XZ",
                      "coercive": "y", "iccs": "0701", "penalty": "60"}),
    ("review", {"kind": "extradition", "legal_basis": "ECE", "requesting_country": "XB",
                "requested_country": "XZ", "coercive": "y", "iccs": "0401",
                "penalty": "96"}),
)


@bp.route("/check")
@allow(*USERS)
def check() -> ResponseReturnValue:
    form = CheckForm(request.args)
    countries = as_choices(country_choices())
    # Never both states the same by default: the requesting state is chosen, the
    # requested one starts as ours (the usual case: a request received).
    form.requesting_country.choices = as_choices([("", _("— choose —")), *country_choices()])
    form.requested_country.choices = countries
    if not request.args:
        form.requested_country.data = current_settings().home_country
    form.list_category.choices = _category_choices()
    verdict, status = None, 200
    if request.args:
        if form.validate():
            try:
                verdict = verdict_payload(run_check(CheckRequest(
                    kind=form.kind.data, legal_basis=form.legal_basis.data,
                    requesting_country=form.requesting_country.data,
                    requested_country=form.requested_country.data,
                    coercive=bool(form.coercive.data), iccs=split_codes(form.iccs.data),
                    max_penalty_months=form.penalty.months,
                    sentence_months=form.sentence_months.data,
                    list_category=form.list_category.data or None,
                )), form.requested_country.data)
            except ServiceError as exc:
                _field_error(form, exc)
                status = 422
        else:
            status = 422
    iccs_q = request.args.get("iccs_q", "").strip()[:100]
    return render_template("dualcrim/check.html", form=form, verdict=verdict,
                           training=TRAINING, iccs_q=iccs_q,
                           iccs_results=catalogues.search_iccs(iccs_q, 50) if iccs_q else []
                           ), status


def _field_error(form: Any, exc: ServiceError) -> None:
    if isinstance(exc.details, dict) and isinstance(exc.details.get("field"), str):
        exc.details["field"] = {"offence.iccs": "iccs", "offence.max_penalty_months": "penalty",
                                "offence.sentence_months": "sentence_months",
                                "offence.list_category": "list_category"
                                }.get(exc.details["field"], exc.details["field"])
    apply_service_error(form, exc)


# --- a case offence -------------------------------------------------------------------------

def _case_offence(reference: str, offence_id: int) -> tuple[Case, Offence]:
    case = get_case_for(current_user, reference)
    offence = next((o for o in case.offences if o.id == offence_id), None)
    if offence is None:
        abort(404)
    return case, offence


@bp.route("/cases/<reference>/offences/<int:offence_id>", methods=["GET", "POST"])
@allow(*READERS, write=STAFF)
def assess(reference: str, offence_id: int) -> ResponseReturnValue:
    case, offence = _case_offence(reference, offence_id)
    form = AssessForm() if request.method == "POST" else AssessForm(formdata=request.args)
    form.list_category.choices = _case_category_choices(offence)
    if request.method == "GET" and not form.iccs.data:
        form.iccs.data = " ".join(offence.iccs_codes)
    if request.method == "GET" and not form.list_category.data:
        suggestion = suggested_category(offence.iccs_codes, load_rules())
        form.list_category.data = confirmed_category(offence) or (
            str(suggestion.number) if suggestion else "")
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                record_assessment(current_user, case, offence, iccs=split_codes(form.iccs.data),
                                  decision=form.decision.data,
                                  justification=form.justification.data or "",
                                  sentence_months=form.sentence_months.data,
                                  list_category=form.list_category.data or None)
            except ServiceError as exc:
                _field_error(form, exc)
            else:
                flash(_("Dual-criminality assessment recorded for %(offence)s.",
                        offence=offence.label), "success")
                return redirect(url_for("cases.detail", reference=case.reference,
                                        _anchor="dual-criminality"))
        status = 422
    verdict = None
    codes = split_codes(form.iccs.data)
    if codes:
        try:
            req = case_check_request(case, offence, iccs=codes,
                                     sentence_months=form.sentence_months.data
                                     if not form.sentence_months.errors else None,
                                     list_category=form.list_category.data or None)
            verdict = verdict_payload(run_check(req), req.requested_country)
        except ServiceError as exc:
            if request.method == "GET":
                _field_error(form, exc)
                status = 422
    requesting, requested = case_states(case)
    iccs_q = request.args.get("iccs_q", "").strip()[:100] or offence.label
    suggestions = catalogues.catalogue_suggestions(
        requesting, " ".join([offence.label, offence.conduct]))
    return render_template(
        "dualcrim/assess.html", case=case, offence=offence, form=form, verdict=verdict,
        requesting=requesting, requested=requested, suggestions=suggestions, iccs_q=iccs_q,
        state_names={code: _state_name(code) for code in (requesting, requested)},
        iccs_results=catalogues.search_iccs(iccs_q, 30),
        history=[a for a in _assessments(case) if a.offence_id == offence.id],
    ), status


def _state_name(code: str) -> str:
    """A state as the request page names it ("Carpania (XC)"), in the reader's language."""
    country = db.session.get(Country, code) if code else None
    name = country_name(code, str(get_locale() or "en"), stored=country.name if country else "")
    return f"{name} ({code})" if code and name != code else code


def _assessments(case: Case) -> list[Any]:
    return list(db.session.scalars(select(Assessment).where(Assessment.case_id == case.id)
                                   .order_by(Assessment.id.desc())))


# --- catalogues -----------------------------------------------------------------------------

@bp.route("/catalogues", methods=["GET", "POST"])
@allow(*USERS, write=("admin",))
def catalogue_index() -> ResponseReturnValue:
    form = ImportForm()
    form.jurisdiction.choices = as_choices(country_choices())
    status, errors = 200, []
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                text = form.file.data.read().decode("utf-8-sig")
                result = catalogues.import_catalogue_text(
                    current_user, form.jurisdiction.data, text,
                    source_name=form.file.data.filename or "")
            except UnicodeDecodeError:
                form.file.errors.append(_("The file is not UTF-8."))
            except catalogues.CatalogueImportError as exc:
                errors = exc.errors
                form.file.errors.append(exc.message)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                flash(_("Imported %(count)d offences for %(code)s.",
                        count=result.offence_count, code=result.jurisdiction), "success")
                return redirect(url_for("dualcrim.catalogue", code=result.jurisdiction))
        status = 422
    rows = db.session.scalars(select(OffenceCatalogue).order_by(OffenceCatalogue.jurisdiction))
    return render_template("dualcrim/catalogues.html", catalogues=list(rows), form=form,
                           errors=errors), status


@bp.route("/catalogues/<code>")
@allow(*USERS)
def catalogue(code: str) -> ResponseReturnValue:
    entry = db.session.get(OffenceCatalogue, code.upper()) or abort(404)
    q = request.args.get("q", "").strip()[:100]
    page = min(1_000_000, max(1, request.args.get("page", 1, type=int) or 1))
    rows, total = catalogues.search_offences(entry.jurisdiction, q, limit=PER_PAGE,
                                             offset=(page - 1) * PER_PAGE)
    return render_template("dualcrim/catalogue.html", catalogue=entry, offences=rows, q=q,
                           page=page, total=total, pages=max(1, -(-total // PER_PAGE)))


@bp.route("/catalogues/<code>/export.csv")
@allow(*USERS)
def catalogue_export(code: str) -> ResponseReturnValue:
    entry = db.session.get(OffenceCatalogue, code.upper()) or abort(404)
    return Response(catalogues.export_catalogue(entry.jurisdiction), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f"attachment; filename=offences-{entry.jurisdiction}.csv"})


@bp.route("/catalogues/<code>/offences/<int:offence_id>", methods=["GET", "POST"])
@allow(*USERS, write=("admin",))
def offence_edit(code: str, offence_id: int) -> ResponseReturnValue:
    offence = db.session.get(CatalogueOffence, offence_id)
    if offence is None or offence.jurisdiction != code.upper():
        abort(404)
    form = OffenceEditForm(obj=offence)
    if request.method == "GET":
        form.penalty.data = offence.penalty_label
        form.iccs.data = " ".join(offence.iccs_codes)
    if form.validate_on_submit():
        try:
            catalogues.update_offence(current_user, offence, title=form.title.data or "",
                                      statute=form.statute.data or "",
                                      max_penalty_months=form.penalty.months or 0,
                                      iccs=split_codes(form.iccs.data))
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("%(code)s saved.", code=offence.code), "success")
            return redirect(url_for("dualcrim.catalogue", code=offence.jurisdiction))
    status = 422 if request.method == "POST" else 200
    return render_template("dualcrim/offence_edit.html", form=form, offence=offence), status


# --- ICCS -----------------------------------------------------------------------------------

@bp.route("/iccs", methods=["GET", "POST"])
@allow(*USERS, write=("admin",))
def iccs() -> ResponseReturnValue:
    form = ExtensionForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                node = catalogues.add_iccs_extension(
                    current_user, parent_code=form.parent_code.data or "",
                    code=form.code.data or "", title=form.title.data or "")
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                flash(_("ICCS code %(code)s added.", code=node.code), "success")
                return redirect(url_for("dualcrim.iccs", q=node.code))
        status = 422
    q = request.args.get("q", "").strip()[:100]
    return render_template("dualcrim/iccs.html", codes=catalogues.search_iccs(q), q=q,
                           form=form), status


# --- settings -------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@allow("admin", "supervisor", "auditor", write=("admin",))
def settings() -> ResponseReturnValue:
    policy = get_policy()
    policy_form = PolicyForm(prefix="policy", data={
        "mla_policy": policy.mla_policy,
        "extradition_minimum_months": policy.extradition_minimum_months})
    date_form = ReferenceDateForm(prefix="date")
    date_form.country.choices = as_choices(country_choices())
    status = 200
    if request.method == "POST":
        which = request.form.get("form")
        form = policy_form if which == "policy" else date_form
        if form.validate_on_submit():
            try:
                if which == "policy":
                    update_policy(current_user, mla_policy=policy_form.mla_policy.data,
                                  extradition_minimum_months=(
                                      policy_form.extradition_minimum_months.data or 0))
                else:
                    set_reference_date(current_user, date_form.country.data,
                                       date_form.reference_date.data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                flash(_("Settings saved."), "success")
                return redirect(url_for("dualcrim.settings"))
        status = 422
    conduct_states = db.session.scalars(
        select(Country).where(Country.dc_reference_date == "request").order_by(Country.name))
    return render_template("dualcrim/settings.html", policy=policy, policy_form=policy_form,
                           date_form=date_form, rules=load_rules(),
                           request_states=list(conduct_states)), status
