from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from mla.core.forms import SingleLine, as_choices


class ApproveLetterForm(FlaskForm):
    subject = StringField(_l("Subject"),
                          validators=[DataRequired(), Length(max=300), SingleLine()])
    # Tall enough to read a whole letter while editing it.
    body = TextAreaField(_l("Letter"), validators=[DataRequired(), Length(max=20000)],
                         render_kw={"rows": 24})


class LetterLanguageForm(FlaskForm):
    """The caseworker's choice where Comity has no template in the counterpart's language
    (choices: the languages the letter's template exists in)."""

    language = SelectField(_l("Draft in"), choices=[], validators=[DataRequired()])


class DiscardLetterForm(FlaskForm):
    reason = StringField(_l("Why is it not sent?"), validators=[Optional(), Length(max=300)])


class EmptyForm(FlaskForm):
    """Just the CSRF token."""


class LetterSettingsForm(FlaskForm):
    second_approver = RadioField(
        _l("Who approves a letter someone else drafted"),
        choices=as_choices([
            ("supervisor", _l("A supervisor (or an administrator)")),
            ("any_caseworker", _l("Any second caseworker, supervisor or administrator"))]),
        validators=[DataRequired()],
        description=_l("Nobody ever approves a letter they drafted themselves."))
