"""The request list's tools: work on a selection, saved filters."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import (
    Blueprint,
    Response,
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
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from mla.cases.queries import staff_choices
from mla.cases.searches import (
    ListView,
    expired_message,
    has_words,
    keep_search_on_read,
    link_args_for,
    list_url,
    read_list,
)
from mla.core.access import READERS, allow
from mla.core.errors import ServiceError
from mla.core.forms import as_choices
from mla.core.text import csv_text
from mla.reports.exports import XLSX_MIMETYPE, xlsx_bytes
from mla.reports.tables import Table
from mla.worklist.bulk import (
    BulkOutcome,
    Selected,
    bulk_assign,
    bulk_note,
    parse_selection,
    selected_cases,
)
from mla.worklist.exports import REQUEST_LIST, export_response, list_batches, list_table
from mla.worklist.forms import BulkForm, SavedFilterForm
from mla.worklist.models import SavedFilter
from mla.worklist.portal import PORTAL_LIST
from mla.worklist.services import (
    delete_filter,
    filters_of,
    get_filter,
    record_export,
    rename_filter,
    save_filter,
    saved_filters,
)

bp = Blueprint("worklist", __name__, url_prefix="/requests")
# The prosecutors' portal's list, exported (see mla.worklist.portal for why here).
portal_bp = Blueprint("portal_exports", __name__, url_prefix="/portal")

ASSIGNERS = frozenset({"admin", "supervisor", "caseworker"})
ANNOTATORS = frozenset({"admin", "supervisor", "caseworker", "trainee"})


def _listed(query: str) -> ListView:
    """The list a form's ``back`` names (the list's own link arguments: filters and a
    kept search's handle), read back through the one parser."""
    return read_list(current_user, g.get("user_session"), MultiDict(parse_qsl(query)))


def back_to_list(query: str) -> str:
    """The list with the filters it had (read back through the one parser: never an
    address taken from the form as it is, never the words searched)."""
    listed = _listed(query)
    if listed.expired:
        flash(expired_message(), "warning")
    return list_url(listed.link_args)


def _report(outcome: BulkOutcome, done_message: str) -> None:
    if outcome.done:
        flash(done_message, "success")
    if outcome.refused:
        flash(_("Not done for %(num)d: %(items)s.", num=len(outcome.refused),
                items="; ".join(f"{ref} ({why})" for ref, why in outcome.refused)), "danger")


@bp.route("/bulk", methods=["POST"])
@allow(*READERS)
def bulk() -> ResponseReturnValue:
    form = BulkForm()
    form.assignee_id.choices = as_choices([(0, ""), *staff_choices()])
    back = back_to_list(form.back.data or "")
    action = request.form.get("action", "")
    if not form.validate_on_submit():
        flash(_("The form had expired: select the requests again."), "danger")
        return redirect(back)
    try:
        selection = parse_selection(request.form.getlist("selected"))
        if action in {"csv", "xlsx"}:
            return _export(selection, action)
        if action == "assign" and current_user.role in ASSIGNERS:
            assignee = form.assignee_id.data or None
            outcome = bulk_assign(current_user, selection, assignee)
            name = dict(staff_choices()).get(assignee or 0, _("nobody"))
            _report(outcome, _("%(num)d assigned to %(name)s: %(items)s.", num=len(outcome.done),
                               name=name, items=", ".join(outcome.done)))
        elif action == "note" and current_user.role in ANNOTATORS:
            outcome = bulk_note(current_user, selection, form.note.data or "")
            _report(outcome, _("Note added to %(num)d: %(items)s.", num=len(outcome.done),
                               items=", ".join(outcome.done)))
        else:
            flash(_("Your role cannot do that to requests."), "danger")
    except ServiceError as exc:
        flash(exc.message, "danger")
    return redirect(back)


@bp.route("/export.<any(csv, xlsx):fmt>")
@allow(*READERS)
def export_list(fmt: str) -> ResponseReturnValue:
    """The whole filtered list, in the list's order, whatever its length (read after the
    commit of its audit entry, see export_response)."""
    listed = read_list(current_user, g.get("user_session"), request.args)
    if listed.expired:
        # Not the whole list instead of the search the reader asked for.
        flash(expired_message(), "warning")
        return redirect(list_url(listed.link_args))
    filters = listed.filters
    batches = list_batches(current_user, filters)
    record_export(current_user, fmt, listed="requests", filters=filters)
    return export_response(fmt, REQUEST_LIST, batches)


@portal_bp.route("/export.<any(csv, xlsx):fmt>")
@allow("prosecutor")
def export_portal_list(fmt: str) -> ResponseReturnValue:
    """The portal's "my requests", whole, with its filters: the office's requests only
    (the list's visibility for a prosecutor), the columns that list shows."""
    listed = read_list(current_user, g.get("user_session"), request.args)
    if listed.expired:
        flash(expired_message(), "warning")
        return redirect(list_url(listed.link_args, "portal.index"))
    filters = listed.filters
    batches = list_batches(current_user, filters, shape=PORTAL_LIST)
    record_export(current_user, fmt, listed="portal", filters=filters)
    return export_response(fmt, PORTAL_LIST, batches)


def _file(table: Table, fmt: str) -> Response:
    if fmt == "csv":
        return Response(csv_text(table.columns, table.rows), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=comity-requests.csv"})
    return Response(xlsx_bytes(table), mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": "attachment; filename=comity-requests.xlsx"})


def _export(selection: list[Selected], fmt: str) -> ResponseReturnValue:
    found = selected_cases(current_user, selection)
    missing = [item.reference for item in selection if item.reference not in found]
    if missing:
        raise ServiceError(_("Not exported: not visible to you: %(items)s.",
                             items=", ".join(missing)))
    record_export(current_user, fmt, listed="selection", rows=len(selection),
                  references=[item.reference for item in selection])
    return _file(list_table([found[item.reference] for item in selection]), fmt)


def filter_url(saved: SavedFilter) -> str:
    """Where a saved filter leads: its number, never its words (see ``open_filter``)."""
    return url_for("worklist.open_filter", filter_id=saved.id)


@bp.route("/filters/<int:filter_id>", methods=["GET"])
@allow(*READERS)
def open_filter(filter_id: int) -> ResponseReturnValue:
    """A saved list, opened: its filters in the list's address, its words (read back
    from the sealed query) kept for this session behind a handle. Another user's
    number is answered as missing."""
    filters = filters_of(get_filter(current_user, filter_id))
    token = None
    if has_words(filters):
        token = keep_search_on_read(current_user, g.get("user_session"), filters.q)
    return redirect(list_url(link_args_for(filters, token)), 303)


def _filters_page(form: SavedFilterForm | None = None, failed: int | None = None,
                  status: int = 200) -> ResponseReturnValue:
    forms = {saved.id: SavedFilterForm(formdata=None, name=saved.name)
             for saved in saved_filters(current_user)}
    if failed is not None and form is not None:
        forms[failed] = form
    new_form = form if failed is None and form is not None else SavedFilterForm(formdata=None)
    return render_template("worklist/filters.html", saved=saved_filters(current_user),
                           forms=forms, new_form=new_form), status


@bp.route("/filters", methods=["GET"])
@allow(*READERS)
def filters() -> ResponseReturnValue:
    form = SavedFilterForm(formdata=None, back=request.args.get("back", ""))
    return _filters_page(form)


@bp.route("/filters", methods=["POST"])
@allow(*READERS)
def save() -> ResponseReturnValue:
    form = SavedFilterForm()
    if form.validate_on_submit():
        listed = _listed(form.back.data or "")
        if listed.expired:
            flash(expired_message(), "warning")
            return redirect(list_url(listed.link_args))
        try:
            saved = save_filter(current_user, form.name.data or "", listed.filters)
        except ServiceError as exc:
            form.name.errors = [exc.message]
        else:
            flash(_("Filters saved as %(name)s.", name=saved.name), "success")
            return redirect(list_url(listed.link_args))
    return _filters_page(form, status=422)


@bp.route("/filters/<int:filter_id>/rename", methods=["POST"])
@allow(*READERS)
def rename(filter_id: int) -> ResponseReturnValue:
    form = SavedFilterForm()
    if form.validate_on_submit():
        try:
            rename_filter(current_user, filter_id, form.name.data or "")
        except ServiceError as exc:
            form.name.errors = [exc.message]
        else:
            flash(_("Filters renamed."), "success")
            return redirect(url_for("worklist.filters"))
    return _filters_page(form, failed=filter_id, status=422)


@bp.route("/filters/<int:filter_id>/delete", methods=["POST"])
@allow(*READERS)
def delete(filter_id: int) -> ResponseReturnValue:
    if not FlaskForm().validate_on_submit():  # the CSRF token only
        flash(_("The form had expired: try again."), "danger")
        return redirect(url_for("worklist.filters"))
    delete_filter(current_user, filter_id)
    flash(_("Saved filters deleted."), "success")
    return redirect(url_for("worklist.filters"))
