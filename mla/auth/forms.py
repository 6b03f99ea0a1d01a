from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from mla.core.access import ROLES
from mla.core.display import ROLE_NAMES
from mla.core.forms import SelectChoice, SingleLine, as_choices
from mla.core.locale import LANGUAGE_NAMES, direction_of, html_lang

ROLE_LABELS = ROLE_NAMES  # the choices name roles as the navigation bar's badge does


class LoginForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: just the CSRF token."""


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=12, max=1024)],
        render_kw={"autocomplete": "new-password"},
    )


class UserForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9._@-]+$", message=_l("Letters, digits and . _ - @ only.")),
        ],
    )
    display_name = StringField(_l("Full name"),
                               validators=[DataRequired(), Length(max=200), SingleLine()])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=as_choices([(r, ROLE_LABELS[r]) for r in ROLES]))
    authority_id = SelectField(
        _l("Authority (prosecutors and judges)"),
        coerce=int,
        choices=as_choices([]),
        validate_choice=True,
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(min=12, max=1024)],
        render_kw={"autocomplete": "new-password"},
    )


class EditUserForm(FlaskForm):
    display_name = StringField(_l("Full name"),
                               validators=[DataRequired(), Length(max=200), SingleLine()])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=as_choices([(r, ROLE_LABELS[r]) for r in ROLES]))
    authority_id = SelectField(
        _l("Authority (prosecutors and judges)"), coerce=int, choices=as_choices([])
    )
    is_enabled = BooleanField(_l("Account enabled"))
    new_password = PasswordField(
        _l("Set a new password (optional)"),
        validators=[Optional(), Length(min=12, max=1024)],
        render_kw={"autocomplete": "new-password"},
    )


class CodeForm(FlaskForm):
    """A code from the authenticator app (or a recovery code at sign-in)."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false",
                   "autocapitalize": "off"},
    )


class LanguageForm(FlaskForm):
    """The interface language; "" follows the browser's. Each language is named in
    itself, so a reader who cannot read the current page finds their own."""

    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("", _l("The browser's language")),
                 *(SelectChoice(code, name, render_kw={"lang": html_lang(code),
                                                    "dir": direction_of(code)})
                   for code, name in LANGUAGE_NAMES.items())],
    )


class TimeZoneForm(FlaskForm):
    """The zone times are shown in; "" follows the instance's. The choices are set by the
    view (``zone_choices``): their labels are in the reader's language."""

    time_zone = SelectField(  # type: ignore[call-arg]  # new in WTForms 3.3
        _l("Time zone"),
        invalid_choice_message=_l("Choose one of the time zones offered."),
    )

