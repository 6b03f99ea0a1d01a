"""Pages for requests: list, register, read, annotate, assign."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mla.cases.forms import AssignForm, CaseForm, NoteForm, set_choices
from mla.cases.queries import (
    CaseFilters,
    case_page,
    get_case_for,
    parse_page_args,
    staff_choices,
)
from mla.cases.services import add_note, assign_case, register_case
from mla.core.access import READERS, STAFF, allow
from mla.core.errors import ServiceError
from mla.core.forms import apply_service_error, as_choices
from mla.directory.queries import authority_choices
from mla.reference.queries import country_choices, instrument_choices

bp = Blueprint("cases", __name__, url_prefix="/requests")


@bp.route("/")
@allow(*READERS, "prosecutor")
def index():
    if current_user.role == "prosecutor":
        # Prosecutors read requests through the portal's allow-listed view.
        return redirect(url_for("portal.index"))
    filters = CaseFilters.from_args(request.args)
    page, per_page = parse_page_args(request.args)
    result = case_page(current_user, filters, page, per_page)
    return render_template("cases/index.html", page=result, filters=filters,
                           countries=country_choices(), staff=staff_choices())


def _case_form() -> CaseForm:
    form = CaseForm()
    set_choices(form, countries=country_choices(), instruments=instrument_choices(),
                foreign=authority_choices(foreign_only=True),
                domestic=authority_choices(domestic_only=True))
    return form


@bp.route("/new", methods=["GET", "POST"])
@allow(*STAFF)
def new():
    form = _case_form()
    if request.method == "POST" and (form.add_offence.data or form.add_person.data):
        # Grow the form without validating it, keeping everything typed so far.
        (form.offences if form.add_offence.data else form.persons).append_entry()
        return render_template("cases/new.html", form=form)
    if form.validate_on_submit():
        try:
            case = register_case(current_user, form.to_input())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("Request %(ref)s registered.", ref=case.reference), "success")
            return redirect(url_for("cases.detail", reference=case.reference))
    status = 422 if request.method == "POST" else 200
    return render_template("cases/new.html", form=form), status


@bp.route("/<reference>")
@allow(*READERS, "prosecutor")
def detail(reference: str):
    if current_user.role == "prosecutor":
        get_case_for(current_user, reference, full=False)  # 404 unless it is theirs
        return redirect(url_for("portal.case", reference=reference.upper()))
    case = get_case_for(current_user, reference)
    assign_form = AssignForm(assignee_id=case.assignee_id or 0)
    assign_form.assignee_id.choices = as_choices([(0, _("— nobody —")), *staff_choices()])
    return render_template("cases/detail.html", case=case, note_form=NoteForm(),
                           assign_form=assign_form)


@bp.route("/<reference>/notes", methods=["POST"])
@allow(*STAFF)
def note(reference: str):
    case = get_case_for(current_user, reference, full=False)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(_("A note cannot be empty."), "danger")
        return redirect(url_for("cases.detail", reference=case.reference))
    add_note(current_user, case, form.text.data)
    flash(_("Note added."), "success")
    return redirect(url_for("cases.detail", reference=case.reference, _anchor="timeline"))


@bp.route("/<reference>/assign", methods=["POST"])
@allow("admin", "supervisor", "caseworker")
def assign(reference: str):
    case = get_case_for(current_user, reference, full=False)
    form = AssignForm()
    form.assignee_id.choices = as_choices([(0, ""), *staff_choices()])
    if form.validate_on_submit():
        try:
            assign_case(current_user, case, form.assignee_id.data or None)
        except ServiceError as exc:
            flash(exc.message, "danger")
            return redirect(url_for("cases.detail", reference=case.reference))
        flash(_("Assignment saved."), "success")
    return redirect(url_for("cases.detail", reference=case.reference))
