from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from mla.core.access import READERS, allow
from mla.core.errors import ServiceError
from mla.core.forms import apply_service_error, as_choices
from mla.directory.forms import CHANNEL_LABELS, KIND_LABELS, AuthorityForm
from mla.directory.models import Authority
from mla.directory.services import AuthorityInput, save_authority
from mla.extensions import db
from mla.reference.queries import country_choices

bp = Blueprint("directory", __name__, url_prefix="/directory")

EDITORS = ("admin", "supervisor", "caseworker")


@bp.route("/")
@allow(*READERS, "prosecutor")
def index() -> ResponseReturnValue:
    country = request.args.get("country", "").upper()[:2]
    kind = request.args.get("kind", "")
    q = request.args.get("q", "").strip()[:100]
    stmt = select(Authority).order_by(Authority.country_code, Authority.name)
    if country:
        stmt = stmt.where(Authority.country_code == country)
    if kind in KIND_LABELS:
        stmt = stmt.where(Authority.kind == kind)
    if q:
        stmt = stmt.where(or_(Authority.name.icontains(q, autoescape=True),
                              Authority.email.icontains(q, autoescape=True)))
    authorities = db.session.scalars(stmt.limit(500)).unique().all()
    return render_template("directory/index.html", authorities=authorities,
                           countries=country_choices(), kinds=KIND_LABELS,
                           channel_labels=CHANNEL_LABELS,
                           filters={"country": country, "kind": kind, "q": q})


def _form(obj: Authority | None = None) -> AuthorityForm:
    form = AuthorityForm(obj=obj)
    form.country_code.choices = as_choices([("", _("— choose —")), *country_choices()])
    return form


def _input(form: AuthorityForm) -> AuthorityInput:
    return AuthorityInput(
        name=form.name.data or "", country_code=form.country_code.data, kind=form.kind.data,
        address=form.address.data or "", email=form.email.data or "",
        phone=form.phone.data or "", website=form.website.data or "",
        languages=form.language_list(), channels=list(form.channels.data or []),
        notes=form.notes.data or "", is_active=bool(form.is_active.data))


@bp.route("/new", methods=["GET", "POST"])
@allow(*EDITORS)
def new() -> ResponseReturnValue:
    form = _form()
    if form.validate_on_submit():
        try:
            authority = save_authority(current_user, _input(form))
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("%(name)s added to the directory.", name=authority.name), "success")
            return redirect(url_for("directory.index", country=authority.country_code))
    status = 422 if request.method == "POST" else 200
    return render_template("directory/form.html", form=form, authority=None), status


@bp.route("/<int:authority_id>", methods=["GET", "POST"])
@allow(*READERS, "prosecutor", write=EDITORS)
def edit(authority_id: int) -> ResponseReturnValue:
    authority = db.session.get(Authority, authority_id) or abort(404)
    form = _form(authority)
    if form.validate_on_submit():
        try:
            save_authority(current_user, _input(form), authority)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("%(name)s saved.", name=authority.name), "success")
            return redirect(url_for("directory.index", country=authority.country_code))
    status = 422 if request.method == "POST" else 200
    return render_template("directory/form.html", form=form, authority=authority), status
