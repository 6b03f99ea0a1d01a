"""The prosecutors' portal and the central authority's queue of submitted drafts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload

from mla.audit.services import record_consultation
from mla.cases.models import Case
from mla.cases.queries import filtered_cases, get_case_for
from mla.cases.searches import expired_message, read_list
from mla.core.access import STAFF, allow
from mla.core.errors import NotFound, ServiceError
from mla.core.forms import apply_service_error, as_choices
from mla.documents.services import Upload, documents_for
from mla.extensions import db
from mla.portal import drafts
from mla.portal.forms import PROCEEDING_NATURES, STEP_FORMS, AnswerForm, SubmitDraftForm
from mla.portal.models import DRAFT_STEPS, OutgoingDraft
from mla.portal.serializers import PORTAL_ORDER, prosecutor_case_view, prosecutor_list_row
from mla.portal.services import answer_supplementary
from mla.reference.queries import country_choices, instrument_choices

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.route("/")
@allow("prosecutor")
def index() -> ResponseReturnValue:
    # The list takes the request list's filters: a figure's link narrows it to its requests.
    # Its links (the exports) carry them as the request list's do: never words searched.
    listed = read_list(current_user, g.get("user_session"), request.args)
    if listed.expired:
        flash(expired_message(), "warning")
    rows = db.session.scalars(
        filtered_cases(current_user, listed.filters)
        .options(joinedload(Case.country))
        .order_by(*PORTAL_ORDER)
    ).unique().all()
    return render_template("portal/index.html", rows=[prosecutor_list_row(c) for c in rows],
                           list_args=listed.link_args,
                           drafts=drafts.open_drafts(current_user),
                           step_titles=drafts.STEP_TITLES)


def _case_page(reference: str, form: AnswerForm | None = None,
               status: int = 200) -> ResponseReturnValue:
    case = get_case_for(current_user, reference)
    record_consultation(current_user, case, channel="portal")
    view = prosecutor_case_view(case)
    return render_template("portal/case.html", view=view, form=form or AnswerForm(),
                           documents=documents_for(current_user, case)), status


@bp.route("/requests/<reference>")
@allow("prosecutor")
def case(reference: str) -> ResponseReturnValue:
    return _case_page(reference)


@bp.route("/requests/<reference>/answer", methods=["POST"])
@allow("prosecutor")
def answer(reference: str) -> ResponseReturnValue:
    case = get_case_for(current_user, reference, full=False)
    form = AnswerForm()
    if form.validate_on_submit():
        uploads = [Upload(filename=f.filename or "", data=f.read())
                   for f in form.files.data or [] if f and f.filename]
        try:
            answer_supplementary(current_user, case, form.text.data or "", uploads)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("Your answer has been sent to the central authority."), "success")
            return redirect(url_for("portal.case", reference=case.reference))
    return _case_page(case.reference, form, 422)


# -- the guided draft ----------------------------------------------------------------------
@bp.route("/drafts", methods=["POST"])
@allow("prosecutor")
def start_draft() -> ResponseReturnValue:
    try:
        draft = drafts.start_draft(current_user)
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("portal.index"))
    return redirect(url_for("portal.draft_step", uid=draft.uid, step="basics"))


def _step_form(step: str, stored: dict[str, Any] | None) -> FlaskForm:
    form_class = STEP_FORMS[step]
    form = form_class() if request.method == "POST" else form_class(data=stored or {})
    if step == "basics":
        form.counterpart_country.choices = as_choices(
            [("", _("— choose —")), *country_choices()])
        form.legal_basis.choices = as_choices([("", _("— choose —")), *instrument_choices()])
    return form


def _render_step(draft: OutgoingDraft, step: str, form: FlaskForm,
                 warnings: Sequence[drafts.Essential] = (),
                 status: int = 200) -> ResponseReturnValue:
    return render_template("portal/draft_step.html", draft=draft, step=step, form=form,
                           warnings=warnings, steps=DRAFT_STEPS,
                           step_titles=drafts.STEP_TITLES), status


@bp.route("/drafts/<uid>/<step>", methods=["GET", "POST"])
@allow("prosecutor")
def draft_step(uid: str, step: str) -> ResponseReturnValue:
    draft = drafts.get_draft_for(current_user, uid)
    if step == "review":
        return _render_review(draft)
    if step not in STEP_FORMS:
        raise NotFound()
    form = _step_form(step, draft.data.get(step))
    if request.method == "GET":
        return _render_step(draft, step, form)
    if form.back.data:
        # Going back keeps what was typed, valid or not yet, without warnings.
        drafts.save_step(current_user, draft, step, form.values(),
                         go_to=drafts.previous_step(step))
        return redirect(url_for("portal.draft_step", uid=uid, step=drafts.previous_step(step)))
    if not form.validate():
        return _render_step(draft, step, form, status=422)
    values = form.values()
    warnings = drafts.missing_essentials({step: values}, step)
    go_to = drafts.next_step(step)
    if warnings and not form.continue_anyway.data:
        # Saved, but the step stays until the prosecutor confirms going on without them.
        drafts.save_step(current_user, draft, step, values, go_to=step)
        return _render_step(draft, step, form, warnings=warnings)
    drafts.save_step(current_user, draft, step, values, go_to=go_to)
    return redirect(url_for("portal.draft_step", uid=uid, step=go_to))


def _render_review(draft: OutgoingDraft, form: SubmitDraftForm | None = None,
                   status: int = 200) -> ResponseReturnValue:
    data = draft.data
    return render_template(
        "portal/draft_review.html", draft=draft, data=data, form=form or SubmitDraftForm(),
        missing=drafts.missing_essentials(data), required=drafts.missing_required(data),
        steps=DRAFT_STEPS, step_titles=drafts.STEP_TITLES,
        countries=dict(country_choices()), instruments=dict(instrument_choices()),
        natures=PROCEEDING_NATURES,
    ), status


@bp.route("/drafts/<uid>/submit", methods=["POST"])
@allow("prosecutor")
def submit_draft(uid: str) -> ResponseReturnValue:
    draft = drafts.get_draft_for(current_user, uid)
    form = SubmitDraftForm()
    if form.validate_on_submit():
        try:
            case = drafts.submit_draft(current_user, draft,
                                       confirm_missing=bool(form.confirm_missing.data))
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("Request %(ref)s submitted to the central authority for review.",
                    ref=case.reference), "success")
            return redirect(url_for("portal.case", reference=case.reference))
    return _render_review(draft, form, 422)


# -- the central authority's side ------------------------------------------------------------
@bp.route("/review")
@allow(*STAFF)
def review_queue() -> ResponseReturnValue:
    return render_template("portal/review_queue.html", cases=drafts.review_queue())
