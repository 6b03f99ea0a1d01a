from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from mla.core.forms import SingleLine


class ApproveLetterForm(FlaskForm):
    subject = StringField(_l("Subject"),
                          validators=[DataRequired(), Length(max=300), SingleLine()])
    body = TextAreaField(_l("Letter"), validators=[DataRequired(), Length(max=20000)])


class DiscardLetterForm(FlaskForm):
    reason = StringField(_l("Why is it not sent?"), validators=[Optional(), Length(max=300)])


class EmptyForm(FlaskForm):
    """Just the CSRF token."""
