"""Forms of the persons pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    name = StringField(_l("Name or part of it"), validators=[Optional(), Length(max=200)])


class LinkDecisionForm(FlaskForm):
    note = TextAreaField(_l("Why (optional)"), validators=[Optional(), Length(max=2000)])
