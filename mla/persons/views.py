"""Persons pages: search by name, one person with every request about them, and the
decision on a possible link between two requests."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from mla.cases.queries import get_case_for
from mla.core.access import READERS, STAFF, allow
from mla.core.errors import ServiceError
from mla.persons.forms import LinkDecisionForm, SearchForm
from mla.persons.services import (
    decide_link,
    get_link_for,
    get_person_for,
    requests_about,
    search_persons,
)

bp = Blueprint("persons", __name__)


@bp.route("/persons")
@allow(*READERS)
def search() -> ResponseReturnValue:
    form = SearchForm(request.args)
    results = None
    if form.name.data and form.validate():
        results = search_persons(current_user, form.name.data)
    return render_template("persons/search.html", form=form, results=results)


@bp.route("/persons/<int:person_id>")
@allow(*READERS)
def show(person_id: int) -> ResponseReturnValue:
    try:
        person = get_person_for(current_user, person_id)
    except ServiceError:
        abort(404)
    return render_template("persons/show.html", person=person,
                           matches=requests_about(current_user, person))


@bp.route("/requests/<reference>/links/<int:link_id>/confirm", methods=["POST"])
@allow(*STAFF)
def confirm_link(reference: str, link_id: int) -> ResponseReturnValue:
    return _decide(reference, link_id, "confirm")


@bp.route("/requests/<reference>/links/<int:link_id>/dismiss", methods=["POST"])
@allow(*STAFF)
def dismiss_link(reference: str, link_id: int) -> ResponseReturnValue:
    return _decide(reference, link_id, "dismiss")


def _decide(reference: str, link_id: int, decision: str) -> ResponseReturnValue:
    case = get_case_for(current_user, reference)
    try:
        link = get_link_for(current_user, case, link_id)
    except ServiceError:
        abort(404)
    form = LinkDecisionForm()
    if not form.validate():
        flash(_("The form expired; try again."), "danger")
    else:
        try:
            decide_link(current_user, case, link, confirm=decision == "confirm",
                        note=form.note.data or "")
        except ServiceError as exc:
            flash(exc.message, "warning")
        else:
            flash(_("Link confirmed: it shows on both requests.") if decision == "confirm"
                  else _("Link dismissed."), "success")
    return redirect(url_for("cases.detail", reference=case.reference, _anchor="links"))
