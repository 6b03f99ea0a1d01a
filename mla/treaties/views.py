"""Reference pages: who is party to what, reservations, bilateral treaties (admins edit)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from mla.core.access import READERS, allow
from mla.core.errors import ServiceError
from mla.core.forms import apply_service_error, as_choices
from mla.extensions import db
from mla.reference.models import Country
from mla.reference.queries import country_choices
from mla.treaties import services
from mla.treaties.forms import (
    KIND_LABELS,
    EmptyForm,
    NationalSettingsForm,
    RatificationForm,
    ReservationForm,
    TreatyForm,
)
from mla.treaties.models import PARTY_INSTRUMENTS, Ratification, Reservation, Treaty

bp = Blueprint("treaties", __name__)


@bp.route("/reference/parties")
@allow(*READERS)
def parties() -> ResponseReturnValue:
    """Every state with at least one ratification recorded, and what it is party to."""
    wanted = request.args.get("code", "")
    if wanted:
        return redirect(url_for("treaties.state", code=wanted[:2]))
    rows = db.session.execute(
        select(Ratification, Country).join(Country, Country.code == Ratification.country_code)
        .order_by(Country.name, Ratification.instrument)).all()
    states: dict[str, Country] = {}
    held: dict[str, list[str]] = {}
    for ratification, country in rows:
        states[country.code] = country
        held.setdefault(country.code, []).append(ratification.instrument)
    return render_template("treaties/parties.html", states=list(states.values()), held=held,
                           instruments=PARTY_INSTRUMENTS, countries=country_choices())


@bp.route("/reference/parties/<code>", methods=["GET", "POST"])
@allow(*READERS, write=("admin",))
def state(code: str) -> ResponseReturnValue:
    country = db.session.get(Country, code.upper())
    if country is None:
        abort(404)
    ratification_form = RatificationForm(prefix="r")
    reservation_form = ReservationForm(prefix="v")
    current = services.national_settings(country.code)
    settings_form = NationalSettingsForm(
        prefix="s", data={"provisional_arrest_days": current.provisional_arrest_days})
    action = request.form.get("action", "")
    try:
        if action == "ratification" and ratification_form.validate_on_submit():
            services.set_ratification(current_user, country.code,
                                      ratification_form.instrument.data,
                                      in_force_on=ratification_form.in_force_on.data,
                                      source=ratification_form.source.data or "")
            flash(_("Ratification saved."), "success")
            return redirect(url_for("treaties.state", code=country.code))
        if action == "reservation" and reservation_form.validate_on_submit():
            services.set_reservation(current_user, country.code, reservation_form.code.data,
                                     text=reservation_form.text.data or "",
                                     source=reservation_form.source.data or "")
            flash(_("Reservation saved."), "success")
            return redirect(url_for("treaties.state", code=country.code))
        if action == "settings" and settings_form.validate_on_submit():
            services.set_national_settings(
                current_user, country.code,
                provisional_arrest_days=settings_form.provisional_arrest_days.data or 0)
            flash(_("Settings saved."), "success")
            return redirect(url_for("treaties.state", code=country.code))
    except ServiceError as exc:
        form = {"ratification": ratification_form, "reservation": reservation_form,
                "settings": settings_form}[action]
        apply_service_error(form, exc)
    if request.method == "POST" and action not in ("ratification", "reservation", "settings"):
        abort(400)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "treaties/state.html", country=country, ratifications=services.ratifications_of(
            country.code), reservations=services.reservations_of(country.code),
        instruments=PARTY_INSTRUMENTS, ratification_form=ratification_form,
        reservation_form=reservation_form, settings_form=settings_form,
        defaults=services.DEFAULTS, remove_form=EmptyForm()), status


@bp.route("/reference/parties/<code>/ratifications/<int:row_id>/remove", methods=["POST"])
@allow("admin")
def remove_ratification(code: str, row_id: int) -> ResponseReturnValue:
    row = db.session.get(Ratification, row_id)
    if row is None or row.country_code != code.upper() or not EmptyForm().validate_on_submit():
        abort(404)
    services.remove_ratification(current_user, row)
    flash(_("Ratification removed."), "success")
    return redirect(url_for("treaties.state", code=row.country_code))


@bp.route("/reference/parties/<code>/reservations/<int:row_id>/remove", methods=["POST"])
@allow("admin")
def remove_reservation(code: str, row_id: int) -> ResponseReturnValue:
    row = db.session.get(Reservation, row_id)
    if row is None or row.country_code != code.upper() or not EmptyForm().validate_on_submit():
        abort(404)
    services.remove_reservation(current_user, row)
    flash(_("Reservation removed."), "success")
    return redirect(url_for("treaties.state", code=row.country_code))


@bp.route("/reference/treaties")
@allow(*READERS)
def treaties() -> ResponseReturnValue:
    rows = db.session.scalars(select(Treaty).order_by(Treaty.name)).all()
    return render_template("treaties/treaties.html", treaties=rows, kinds=KIND_LABELS)


def _treaty_form(row: Treaty | None) -> TreatyForm:
    form = TreatyForm(obj=row)
    choices = as_choices([("", _("— choose —")), *country_choices()])
    form.party_a.choices = choices
    form.party_b.choices = choices
    return form


@bp.route("/reference/treaties/new", methods=["GET", "POST"], endpoint="new_treaty")
@bp.route("/reference/treaties/<int:treaty_id>", methods=["GET", "POST"])
@allow(*READERS, write=("admin",))
def treaty(treaty_id: int | None = None) -> ResponseReturnValue:
    row = db.session.get(Treaty, treaty_id) if treaty_id is not None else None
    if treaty_id is not None and row is None:
        abort(404)
    form = _treaty_form(row)
    if form.validate_on_submit():
        data = services.TreatyInput(
            name=form.name.data or "", party_a=form.party_a.data or "",
            party_b=form.party_b.data or "", kind=form.kind.data or "",
            citation=form.citation.data or "", in_force_on=form.in_force_on.data,
            provisional_arrest_days=form.provisional_arrest_days.data,
            dc_threshold_months=form.dc_threshold_months.data,
            supplementary_info_days=form.supplementary_info_days.data,
            is_active=bool(form.is_active.data))
        try:
            saved = services.save_treaty(current_user, data, row)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("Treaty saved."), "success")
            return redirect(url_for("treaties.treaty", treaty_id=saved.id))
    status = 422 if request.method == "POST" else 200
    return render_template("treaties/treaty.html", form=form, treaty=row), status
