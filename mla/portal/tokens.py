"""API tokens: each user sees and revokes their own; an administrator revokes anyone's."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from mla.auth.models import ApiToken, User
from mla.auth.services import create_api_token, revoke_api_token
from mla.core.access import allow, allow_any_user
from mla.core.errors import NotFound
from mla.extensions import db

bp = Blueprint("tokens", __name__)


class NewTokenForm(FlaskForm):
    label = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=100)])
    valid_days = IntegerField(_l("Valid for (days)"), default=90,
                              validators=[DataRequired(), NumberRange(min=1, max=365)])


def tokens_of(user: User | None) -> Sequence[ApiToken]:
    stmt = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return db.session.scalars(stmt).all()


def token_for(actor: User, token_id: int) -> ApiToken:
    """A token the actor may revoke: their own, or anyone's for an administrator."""
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and actor.role != "admin"):
        raise NotFound(_("No such token."))
    return token


@bp.route("/account/tokens", methods=["GET", "POST"])
@allow_any_user
def mine() -> ResponseReturnValue:
    form = NewTokenForm()
    secret = None
    status = 200
    if form.validate_on_submit():
        _token, secret = create_api_token(current_user, current_user, label=form.label.data or "",
                                          valid_days=form.valid_days.data)
        form = NewTokenForm(formdata=None)
    elif form.errors:
        status = 422
    return render_template("portal/tokens.html", tokens=tokens_of(current_user), form=form,
                           secret=secret, everyone=False), status


@bp.route("/admin/tokens")
@allow("admin")
def everyone() -> ResponseReturnValue:
    return render_template("portal/tokens.html", tokens=tokens_of(None), form=None,
                           secret=None, everyone=True)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@allow_any_user
def revoke(token_id: int) -> ResponseReturnValue:
    token = token_for(current_user, token_id)
    if FlaskForm().validate_on_submit() and token.revoked_at is None:
        revoke_api_token(current_user, token)
        flash(_("Token %(prefix)s… revoked.", prefix=token.prefix), "success")
    if token.user_id != current_user.id:
        return redirect(url_for("tokens.everyone"))
    return redirect(url_for("tokens.mine"))
