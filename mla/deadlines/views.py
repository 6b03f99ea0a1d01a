"""Clocks on the request page, the extend action, calendar feeds, rule settings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from mla.audit.services import record_consultation
from mla.auth.models import User
from mla.cases.models import Case
from mla.cases.queries import get_case_for
from mla.core.access import READERS, allow, allow_any_user, public
from mla.core.errors import ServiceError
from mla.core.forms import apply_service_error, as_choices
from mla.deadlines import ical
from mla.deadlines.custody import (
    DUE_3,
    DUE_10,
    MISSED,
    NO_CLOCK,
    RUNNING,
    CustodyRow,
    custody_board,
)
from mla.deadlines.forms import (
    CountingForm,
    EmptyForm,
    ExtendForm,
    RuleSettingForm,
    TimeZoneForm,
)
from mla.deadlines.models import CountingSetting, CountryTimeZone, Deadline, RuleSetting
from mla.deadlines.queries import due_soon
from mla.deadlines.rules import counting_defaults, load_rules
from mla.deadlines.services import (
    deadlines_of,
    extend_deadline,
    extension_refusal,
    set_counting,
    set_send_without_approval,
    set_time_zone,
    view_of,
    zone_name_for,
)
from mla.extensions import db
from mla.reference.queries import country_choices
from mla.settings import current_settings

bp = Blueprint("deadlines", __name__)

EXTENDERS = ("admin", "supervisor", "caseworker")


@bp.app_template_global()
def case_clocks(case: Case) -> list[Any]:
    """The request page's clocks (templates/deadlines/_case_clocks.html)."""
    return deadlines_of(case)


@bp.app_template_global()
def dashboard_due() -> dict[str, list[Any]]:
    return due_soon(current_user)


@bp.app_template_global()
def dashboard_custody() -> list[CustodyRow]:
    """The home page's custody panel: references and limits, no names (so nothing
    personal is decrypted on every visit to the home page); its first 8 rows."""
    return custody_board(current_user, per_page=8).rows


@bp.app_template_global()
def urgency_labels() -> dict[str, str]:
    """The urgency of a custody limit in words (templates/deadlines/_urgency.html),
    translated once per render: a board of 100 rows asked gettext 500 times for five."""
    return {MISSED: _("Limit missed"), DUE_3: _("Due within 3 days"),
            DUE_10: _("Due within 10 days"), RUNNING: _("Running"),
            NO_CLOCK: _("No custody clock")}


@bp.route("/custody")
@allow(*READERS, "prosecutor")
def custody() -> ResponseReturnValue:
    board = custody_board(current_user, page=request.args.get("page", 1, type=int))
    # The names shown are a consultation of each request's personal data, recorded
    # as the request page records it (this page's rows: the names shown).
    for case in {r.case.id: r.case for r in board.rows if r.person is not None}.values():
        record_consultation(current_user, case, channel="web")
    return render_template("deadlines/custody.html", board=board, rows=board.rows)


def _deadline_of(reference: str, deadline_id: int) -> tuple[Case, Deadline]:
    case = get_case_for(current_user, reference, full=False)
    deadline = db.session.get(Deadline, deadline_id)
    if deadline is None or deadline.case_id != case.id:
        abort(404)
    return case, deadline


@bp.route("/requests/<reference>/deadlines/<int:deadline_id>/extend",
          methods=["GET", "POST"])
@allow(*EXTENDERS)
def extend(reference: str, deadline_id: int) -> ResponseReturnValue:
    case, deadline = _deadline_of(reference, deadline_id)
    # An old link or bookmark to a clock that cannot be extended (any more): say why
    # on the request page rather than offer "0 days at most"; a POST changes nothing.
    refusal = extension_refusal(deadline)
    if refusal is not None:
        flash(refusal, "warning")
        return redirect(url_for("cases.detail", reference=case.reference))
    view = view_of(deadline)
    form = ExtendForm()
    if form.validate_on_submit():
        try:
            extend_deadline(current_user, deadline, reason=form.reason.data or "",
                            days=form.days.data, agreed_on=form.agreed_on.data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("Deadline extended."), "success")
            return redirect(url_for("cases.detail", reference=case.reference))
    status = 422 if request.method == "POST" else 200
    return render_template("deadlines/extend.html", case=case, view=view, form=form), status


@bp.route("/calendar")
@allow_any_user
def calendar() -> ResponseReturnValue:
    return render_template("deadlines/calendar.html", feeds=ical.feeds_of(current_user),
                           form=EmptyForm(), new_url=None)


@bp.route("/calendar/feeds", methods=["POST"])
@allow_any_user
def create_feed() -> ResponseReturnValue:
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    _feed, token = ical.create_feed(current_user)
    url = url_for("deadlines.feed", token=token, _external=True)
    return render_template("deadlines/calendar.html", feeds=ical.feeds_of(current_user),
                           form=EmptyForm(), new_url=url, new_token=token,
                           password_url=url_for("deadlines.feed_with_password",
                                                _external=True))


@bp.route("/calendar/feeds/<int:feed_id>/revoke", methods=["POST"])
@allow_any_user
def revoke_feed(feed_id: int) -> ResponseReturnValue:
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    ical.revoke_feed(current_user, feed_id)
    flash(_("The calendar link no longer works."), "success")
    return redirect(url_for("deadlines.calendar"))


@bp.route("/calendar/feed/<secret:token>.ics")
@public
def feed(token: str) -> ResponseReturnValue:
    """Public route, but the secret token is the credential."""
    user = ical.user_for_token(token)
    if user is None:
        abort(404)
    return _feed_response(user)


@bp.route("/calendar/feed.ics")
@public
def feed_with_password() -> ResponseReturnValue:
    """The same feed with the token as an HTTP Basic password (any user name): the URL
    holds no secret, so no proxy log or browser history can keep one. For calendar
    applications that take a user name and password for a subscription."""
    auth = request.authorization
    token = auth.password if auth is not None and auth.type == "basic" else None
    user = ical.user_for_token(token or "")
    if user is None:
        return Response(_("Give any user name and the calendar link's secret as the "
                          "password."), status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Basic realm="Comity calendar", '
                                                     'charset="UTF-8"'})
    return _feed_response(user)


def _feed_response(user: User) -> Response:
    body = ical.render_feed(user, request.url_root)
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = 'inline; filename="comity-deadlines.ics"'
    return response


@bp.route("/deadlines/rules", methods=["GET", "POST"])
@allow(*READERS, write=("admin",))
def rules() -> ResponseReturnValue:
    settings = {s.rule_code: s for s in db.session.query(RuleSetting).all()}
    if request.method == "POST":
        form = RuleSettingForm()
        code = request.form.get("code", "")
        if code not in load_rules() or not form.validate_on_submit():
            abort(400)
        set_send_without_approval(current_user, code, bool(form.send_without_approval.data))
        flash(_("Setting saved."), "success")
        return redirect(url_for("deadlines.rules"))
    return render_template("deadlines/rules.html", rules=load_rules(), settings=settings,
                           form=RuleSettingForm())


def _tri(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


@bp.route("/deadlines/counting", methods=["POST"])
@allow(write=("admin",))
def counting() -> ResponseReturnValue:
    """A state's counting convention, where a rule leaves it to national law."""
    form = CountingForm()
    form.country_code.choices = as_choices([("", _("— choose —")), *country_choices()])
    if form.validate_on_submit():
        try:
            set_counting(current_user, form.country_code.data,
                         counts_event_day=_tri(form.counts_event_day.data),
                         moves_to_working_day=_tri(form.moves_to_working_day.data))
        except ServiceError as exc:
            flash(exc.message, "danger")
        else:
            flash(_("Counting saved; deadlines started from now on use it."), "success")
    else:
        flash(_("Choose a state."), "danger")
    return redirect(url_for("deadlines.time_zones"))


@bp.route("/deadlines/time-zones", methods=["GET", "POST"])
@allow(*READERS, write=("admin",))
def time_zones() -> ResponseReturnValue:
    """Where a state's deadlines end: tzdata's principal zone, or an admin's override."""
    form = TimeZoneForm()
    form.country_code.choices = as_choices([("", _("— choose —")), *country_choices()])
    if form.validate_on_submit():
        try:
            set_time_zone(current_user, form.country_code.data,
                          None if form.reset.data else (form.zone_name.data or "").strip())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("Time zone saved; deadlines started from now on use it."), "success")
            return redirect(url_for("deadlines.time_zones"))
    overrides = db.session.scalars(select(CountryTimeZone).order_by(
        CountryTimeZone.country_code)).all()
    home = current_settings().home_country
    status = 422 if request.method == "POST" else 200
    counting_form = CountingForm()
    counting_form.country_code.choices = form.country_code.choices
    return render_template("deadlines/time_zones.html", form=form, overrides=overrides,
                           home=home, home_zone=zone_name_for(home),
                           counting_form=counting_form, defaults=counting_defaults(),
                           counting=db.session.scalars(select(CountingSetting).order_by(
                               CountingSetting.country_code)).all()), status
