"""Pages for requests: list, register, read, annotate, assign."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from mla.audit.services import record_consultation
from mla.cases.editing import update_case
from mla.cases.forms import (
    AssignForm,
    CaseEditForm,
    CaseForm,
    NoteForm,
    ReopenForm,
    apply_case_error,
    set_choices,
)
from mla.cases.models import Case
from mla.cases.queries import (
    BadCursor,
    CaseFilters,
    case_page,
    find_visible_reference,
    get_case_for,
    parse_page_args,
    staff_choices,
)
from mla.cases.reopening import reopen_case
from mla.cases.searches import (
    expired_message,
    has_words,
    keep_search,
    link_args_for,
    list_url,
    read_list,
)
from mla.cases.services import add_note, assign_case, register_case
from mla.cases.validation import fitting_bases_by_request
from mla.core.access import READERS, STAFF, allow
from mla.core.errors import ApiError, ServiceError
from mla.core.forms import as_choices
from mla.directory.queries import authority_choices, authority_states
from mla.reference.queries import country_choices, instrument_choices

bp = Blueprint("cases", __name__, url_prefix="/requests")


@bp.route("/")
@allow(*READERS, "prosecutor")
def index() -> ResponseReturnValue:
    if current_user.role == "prosecutor":
        # Prosecutors read requests through the portal's allow-listed view.
        return redirect(url_for("portal.index"))
    listed = read_list(current_user, g.get("user_session"), request.args)
    if listed.expired:
        flash(expired_message(), "warning")
    filters = listed.filters
    page, per_page = parse_page_args(request.args)
    exact = filters.exact_reference()
    if exact and find_visible_reference(current_user, exact):
        # A whole reference typed (in the navigation bar's box or here): open it.
        return redirect(url_for("cases.detail", reference=exact))
    try:
        result = case_page(current_user, filters, page, per_page,
                           cursor=request.args.get("cursor") or None)
    except BadCursor:
        # A stale or edited link: the page by number still answers it.
        result = case_page(current_user, filters, page, per_page)
    return render_template("cases/index.html", page=result, filters=filters,
                           list_args=listed.link_args,
                           countries=country_choices(), staff=staff_choices())


@bp.route("/search", methods=["POST"])
@allow(*READERS)
def search() -> ResponseReturnValue:
    """The list's filters and the header's search box, posted: the words are kept for
    this browser session and the list opens at a handle (mla/cases/searches.py)."""
    if not FlaskForm().validate_on_submit():  # the CSRF token only
        flash(_("The form had expired: try again."), "danger")
        return redirect(url_for("cases.index"), 303)
    filters = CaseFilters.from_args(MultiDict(
        [(name, value) for name, value in request.form.items(multi=True)
         if name != "csrf_token"]))
    token = None
    session = g.get("user_session")
    if has_words(filters) and session is not None:
        token = keep_search(current_user, session, filters.q)
    return redirect(list_url(link_args_for(filters, token)), 303)


def _case_form() -> CaseForm:
    form = CaseForm()
    set_choices(form, countries=country_choices(), instruments=instrument_choices(),
                foreign=authority_choices(foreign_only=True),
                domestic=authority_choices(domestic_only=True))
    return form


@bp.route("/new", methods=["GET", "POST"])
@allow(*STAFF)
def new() -> ResponseReturnValue:
    form = _case_form()
    fitting = fitting_bases_by_request()
    if request.method == "POST" and (form.add_offence.data or form.add_person.data):
        # Grow the form without validating it, keeping everything typed so far.
        (form.offences if form.add_offence.data else form.persons).append_entry()
        return render_template("cases/new.html", form=form, fitting=fitting,
                               authority_states=authority_states())
    if form.validate_on_submit():
        try:
            case = register_case(current_user, form.to_input())
        except ServiceError as exc:
            apply_case_error(form, exc)
        else:
            flash(_("Request %(ref)s registered.", ref=case.reference), "success")
            return redirect(url_for("cases.detail", reference=case.reference))
    status = 422 if request.method == "POST" else 200
    return render_template("cases/new.html", form=form, fitting=fitting,
                           authority_states=authority_states()), status


@bp.route("/<reference>")
@allow(*READERS, "prosecutor")
def detail(reference: str) -> ResponseReturnValue:
    if current_user.role == "prosecutor":
        get_case_for(current_user, reference, full=False)  # 404 unless it is theirs
        return redirect(url_for("portal.case", reference=reference.upper()))
    case = get_case_for(current_user, reference)
    record_consultation(current_user, case, channel="web")
    assign_form = AssignForm(assignee_id=case.assignee_id or 0)
    assign_form.assignee_id.choices = as_choices([(0, _("— nobody —")), *staff_choices()])
    reopen_form = ReopenForm(version=str(case.version))
    return render_template("cases/detail.html", case=case, note_form=NoteForm(),
                           assign_form=assign_form, reopen_form=reopen_form)


EDITORS = ("supervisor", "caseworker", "trainee")


def _edit_form(case: Case) -> CaseEditForm:
    form = CaseEditForm.for_case(case)
    set_choices(form, countries=country_choices(), instruments=instrument_choices(case.kind),
                foreign=authority_choices(foreign_only=True),
                domestic=authority_choices(domestic_only=True))
    return form


@bp.route("/<reference>/edit", methods=["GET", "POST"])
@allow(*EDITORS)
def edit(reference: str) -> ResponseReturnValue:
    case = get_case_for(current_user, reference)
    if case.is_closed:
        flash(_("This request is closed and cannot be changed; a supervisor can reopen it."),
              "warning")
        return redirect(url_for("cases.detail", reference=case.reference))
    form = _edit_form(case)
    if request.method == "POST" and (form.add_offence.data or form.add_person.data):
        (form.offences if form.add_offence.data else form.persons).append_entry()
        return render_template("cases/edit.html", form=form, case=case,
                               authority_states=authority_states())
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            changes = update_case(current_user, case, form.to_changes(),
                                  expected_version=form.expected_version())
        except ApiError as exc:  # a refused value (422) or someone else's change (409)
            apply_case_error(form, exc)
            status = exc.status
        else:
            flash(_("Correction saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("cases.detail", reference=case.reference,
                                    _anchor="timeline"))
    return render_template("cases/edit.html", form=form, case=case,
                           authority_states=authority_states()), status


@bp.route("/<reference>/reopen", methods=["POST"])
@allow("supervisor")
def reopen(reference: str) -> ResponseReturnValue:
    case = get_case_for(current_user, reference, full=False)
    form = ReopenForm()
    if not form.validate_on_submit():
        flash(_("Say why the request is reopened."), "danger")
        return redirect(url_for("cases.detail", reference=case.reference))
    try:
        reopen_case(current_user, case, form.reason.data or "",
                    expected_version=form.expected_version())
    except ApiError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("Request reopened."), "success")
    return redirect(url_for("cases.detail", reference=case.reference))


@bp.route("/<reference>/notes", methods=["POST"])
@allow(*STAFF)
def note(reference: str) -> ResponseReturnValue:
    case = get_case_for(current_user, reference, full=False)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(_("A note cannot be empty."), "danger")
        return redirect(url_for("cases.detail", reference=case.reference))
    add_note(current_user, case, form.text.data or "")
    flash(_("Note added."), "success")
    return redirect(url_for("cases.detail", reference=case.reference, _anchor="timeline"))


@bp.route("/<reference>/assign", methods=["POST"])
@allow("admin", "supervisor", "caseworker")
def assign(reference: str) -> ResponseReturnValue:
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
