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
from mla.core.forms import apply_service_error
from mla.persons.forms import CompetingForm, LinkDecisionForm, SearchForm
from mla.persons.services import (
    competing_requests,
    criteria_for,
    decide_competing,
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


@bp.route("/requests/<reference>/competing/<int:link_id>", methods=["GET", "POST"])
@allow(*READERS, write=STAFF)
def competing(reference: str, link_id: int) -> ResponseReturnValue:
    case = get_case_for(current_user, reference)
    found = next((c for c in competing_requests(current_user, case) if c.link.id == link_id),
                 None)
    if found is None:
        abort(404)
    form = CompetingForm()
    form.prevailing.choices = [(c.reference, f"{c.reference} ({c.country.name})")
                               for c in (case, found.other)]
    codes = criteria_for(case)
    status = 200
    if found.decision is None and form.validate_on_submit():
        prevailing = case if form.prevailing.data == case.reference else found.other
        try:
            decide_competing(current_user, case, found.link, prevailing=prevailing,
                             criteria={c: getattr(form, c).data or "" for c in codes},
                             reasons=form.reasons.data or "")
        except ServiceError as exc:
            apply_service_error(form, exc)
            status = exc.status
        else:
            flash(_("Decision recorded on both requests."), "success")
            return redirect(url_for("cases.detail", reference=case.reference,
                                    _anchor="competing"))
    if request.method == "POST" and status == 200:
        status = 409 if found.decision is not None else 422
    return render_template("persons/competing.html", case=case, found=found, form=form,
                           codes=codes), status
