from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from mla.auth import loader, two_factor
from mla.auth.forms import (
    ChangePasswordForm,
    CodeForm,
    ConfirmForm,
    EditUserForm,
    LanguageForm,
    LoginForm,
    TimeZoneForm,
    UserForm,
)
from mla.auth.models import User
from mla.auth.services import (
    authenticate,
    change_own_password,
    complete_sign_in,
    create_user,
    end_session,
    revoke_everything,
    set_language,
    set_password,
    set_time_zone,
    update_user,
)
from mla.auth.throttle import client_ip
from mla.core import clock
from mla.core.access import allow, allow_any_user, public
from mla.core.errors import ServiceError
from mla.core.forms import SelectChoice, apply_service_error, as_choices
from mla.core.locale import LANGUAGE_COOKIE, LANGUAGE_COOKIE_DAYS, browser_locale, supported
from mla.core.zones import zone_choices
from mla.directory.queries import authority_choices
from mla.extensions import db
from mla.settings import current_settings

bp = Blueprint("auth", __name__)

# Between the password and the code: who, since when, where to go next (signed cookie).
PENDING_SIGN_IN = "pending_sign_in"
PENDING_MINUTES = 5
# A secret being enrolled, until a code confirms it (then it is sealed in the database).
PENDING_SECRET = "pending_totp_secret"  # noqa: S105 (a session key name)


def _safe_next(target: str | None) -> str:
    """A local path to go back to; anything else (another site, a header split with an
    encoded CR/LF, a bidi control that disguises the path) sends the user home."""
    if (not target or not target.isprintable() or any(c.isspace() for c in target)
            or "\\" in target):  # browsers read "/\\host" as "//host"
        return url_for("core.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("core.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = authenticate(form.username.data or "", form.password.data or "",
                              user_agent=request.user_agent.string,
                              client_ip=client_ip())
        if result.user is not None and result.needs_second_factor:
            session.clear()
            session[PENDING_SIGN_IN] = {"user": result.user.id,
                                        "at": clock.real_now().timestamp(),
                                        "next": _safe_next(request.args.get("next"))}
            return redirect(url_for("auth.login_code"))
        if result.user is not None:
            session.clear()  # no fixation: a fresh cookie for the new session
            session[loader.SESSION_KEY] = result.session_token
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        # The same words whether the account exists, is locked or the password is wrong.
        flash(_("Sign-in failed. Check the user name and password; after several failures "
                "the account is locked for a few minutes."), "danger")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


def _pending_user() -> User | None:
    pending = session.get(PENDING_SIGN_IN)
    if not isinstance(pending, dict):
        return None
    age = clock.real_now().timestamp() - float(pending.get("at", 0))
    if not 0 <= age <= PENDING_MINUTES * 60:
        return None
    user = db.session.get(User, int(pending.get("user", 0)))
    return user if user is not None and user.is_enabled and user.has_second_factor else None


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code() -> ResponseReturnValue:
    """The second step of signing in: the code from the authenticator app."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING_SIGN_IN, None)
        flash(_("Sign in again: the time to enter the code ran out."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        result = complete_sign_in(user, form.code.data or "", user_agent=request.user_agent.string,
                                  client_ip=client_ip())
        if result.session_token is not None:
            target = session[PENDING_SIGN_IN].get("next") or url_for("core.home")
            session.clear()
            session[loader.SESSION_KEY] = result.session_token
            session.permanent = True
            return redirect(_safe_next(target))
        form.code.errors = [*form.code.errors, _(
            "The code is not correct or was already used. After several failures the "
            "account is locked for a few minutes.")]
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login_code.html", form=form), status


@bp.route("/account/two-factor", methods=["GET", "POST"])
@allow_any_user
def two_factor_page() -> ResponseReturnValue:
    """Enrol an authenticator app (QR code, or the secret typed in), or renew recovery codes."""
    form = CodeForm()
    user = current_user
    if user.has_second_factor:
        if form.validate_on_submit():
            codes = two_factor.regenerate_recovery_codes(user, form.code.data or "")
            if codes is not None:
                return render_template("auth/recovery_codes.html", codes=codes)
            form.code.errors = [*form.code.errors,
                                _("The code is not correct or was already used.")]
        status = 422 if form.errors else 200
        return render_template("auth/two_factor.html", form=form, enrolled=True), status
    secret = session.get(PENDING_SECRET)
    if not isinstance(secret, str) or not two_factor.is_valid_secret(secret):
        secret = session[PENDING_SECRET] = two_factor.new_secret()
    if form.validate_on_submit():
        codes = two_factor.confirm_enrolment(user, secret, form.code.data or "")
        if codes is not None:
            session.pop(PENDING_SECRET, None)
            return render_template("auth/recovery_codes.html", codes=codes)
        form.code.errors = [*form.code.errors, _(
            "The code is not correct. Check that the phone's clock is right and type the "
            "code it shows now.")]
    uri = two_factor.provisioning_uri(user, secret)
    status = 422 if form.errors else 200
    return render_template("auth/two_factor.html", form=form, enrolled=False, secret=secret,
                           qr_code=two_factor.qr_code_svg(uri),
                           required=two_factor.is_required(user)), status


@bp.route("/logout", methods=["POST"])
@allow_any_user
def logout() -> ResponseReturnValue:
    record = g.get("user_session")
    if record is not None:
        end_session(record)
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow_any_user
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_own_password(current_user, form.current_password.data or "",
                                form.new_password.data or "", g.get("user_session"))
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("Password changed. Your other sessions have been signed out."), "success")
            return redirect(url_for("core.home"))
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form), status


@bp.route("/account/language", methods=["GET", "POST"])
@allow_any_user
def language() -> ResponseReturnValue:
    """The interface language, kept on the account: every browser and every e-mail."""
    form = LanguageForm(data={"language": current_user.language or ""})
    if form.validate_on_submit():
        chosen = form.language.data or None
        try:
            set_language(current_user, current_user, chosen)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            # The confirmation speaks the language just chosen (or the browser's).
            with force_locale(supported(chosen) or browser_locale()):
                flash(_("Language saved."), "success")
            return redirect(url_for("auth.language"))
    status = 422 if form.errors else 200
    return render_template("auth/language.html", form=form), status


@bp.route("/account/time-zone", methods=["GET", "POST"])
@allow_any_user
def time_zone() -> ResponseReturnValue:
    """The zone times are shown in, kept on the account: every page, notice and e-mail.
    Deadlines keep the zone of the state whose clock they are."""
    form = TimeZoneForm(data={"time_zone": current_user.time_zone or ""})
    form.time_zone.choices = zone_choices(current_user.time_zone, get_locale() or "en",
                                          clock.now())
    if form.validate_on_submit():
        try:
            set_time_zone(current_user, current_user, form.time_zone.data or None)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("Time zone saved."), "success")
            return redirect(url_for("auth.time_zone"))
    status = 422 if form.errors else 200
    return render_template("auth/time_zone.html", form=form, now=clock.now()), status


@bp.route("/language", methods=["POST"])
@public
def switch_language() -> ResponseReturnValue:
    """The sign-in page's language switcher: remembered in a cookie, in this browser, until
    the user signs in with a language chosen on their account (which wins)."""
    form = LanguageForm()
    response = redirect(_safe_next(request.form.get("next")))
    if not form.validate_on_submit():
        return response
    if form.language.data:
        response.set_cookie(LANGUAGE_COOKIE, form.language.data, max_age=LANGUAGE_COOKIE_DAYS
                            * 86400, httponly=True, samesite="Lax",
                            secure=current_settings().cookie_secure)
    else:
        response.delete_cookie(LANGUAGE_COOKIE)
    return response


def _authority_options() -> list[SelectChoice]:
    return as_choices([(0, _("— none —")), *authority_choices(domestic_only=True)])


@bp.route("/admin/users")
@allow("admin")
def users() -> ResponseReturnValue:
    rows = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("auth/users.html", users=rows)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@allow("admin")
def new_user() -> ResponseReturnValue:
    form = UserForm()
    form.authority_id.choices = _authority_options()
    if form.validate_on_submit():
        try:
            create_user(current_user, username=form.username.data or "",
                        password=form.password.data or "",
                        role=form.role.data, display_name=form.display_name.data or "",
                        email=form.email.data or "", authority_id=form.authority_id.data or None)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("User %(name)s created.", name=form.username.data), "success")
            return redirect(url_for("auth.users"))
    status = 422 if form.errors else 200
    return render_template("auth/user_form.html", form=form, user=None), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@allow("admin")
def edit_user(user_id: int) -> ResponseReturnValue:
    user = db.session.get(User, user_id) or abort(404)
    form = EditUserForm(obj=user)
    form.authority_id.choices = _authority_options()
    if request.method == "GET":
        form.authority_id.data = user.authority_id or 0
    if form.validate_on_submit():
        try:
            update_user(current_user, user, display_name=form.display_name.data or "",
                        email=form.email.data or "", role=form.role.data,
                        is_enabled=form.is_enabled.data,
                        authority_id=form.authority_id.data or None)
            if form.new_password.data:
                set_password(current_user, user, form.new_password.data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            flash(_("User %(name)s saved.", name=user.username), "success")
            return redirect(url_for("auth.users"))
    status = 422 if form.errors else 200
    return render_template("auth/user_form.html", form=form, user=user,
                           revoke_form=ConfirmForm()), status


@bp.route("/admin/users/<int:user_id>/two-factor/reset", methods=["POST"])
@allow("admin")
def reset_two_factor(user_id: int) -> ResponseReturnValue:
    """A lost phone: the user's second factor and recovery codes go; they enrol again."""
    user = db.session.get(User, user_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    two_factor.reset_second_factor(current_user, user)
    flash(_("%(name)s's second factor is removed; they set up a new one at their next "
            "sign-in.", name=user.username), "success")
    return redirect(url_for("auth.edit_user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/revoke", methods=["POST"])
@allow("admin")
def revoke_all(user_id: int) -> ResponseReturnValue:
    """Sign a user out everywhere and cut every API token and calendar link at once."""
    user = db.session.get(User, user_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    counts = revoke_everything(current_user, user)
    flash(_("%(name)s is signed out everywhere; %(tokens)d API token(s) and %(feeds)d "
            "calendar link(s) no longer work.", name=user.username,
            tokens=counts["api_tokens"], feeds=counts.get("calendar_feeds", 0)), "success")
    return redirect(url_for("auth.edit_user", user_id=user.id))
