"""Forms of the request list's tools (CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from mla.core.forms import as_choices


class BulkForm(FlaskForm):
    # Checked by the service (an eligible person, never a trainee), which says so.
    assignee_id = SelectField(_l("Assign to"), coerce=int, choices=as_choices([]),
                              validate_choice=False)
    note = TextAreaField(_l("Note for each selected request"), validators=[Length(max=5000)],
                         render_kw={"rows": 1})
    back = HiddenField()


class SavedFilterForm(FlaskForm):
    name = StringField(_l("Name of these filters"), validators=[DataRequired(), Length(max=80)])
    back = HiddenField()
