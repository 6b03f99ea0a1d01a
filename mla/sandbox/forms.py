"""Trainer forms: the clock, packs, reset and the class list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


class AdvanceForm(FlaskForm):
    days = IntegerField(_l("Days"), default=0, validators=[Optional(), NumberRange(0, 366)])
    hours = IntegerField(_l("Hours"), default=0, validators=[Optional(), NumberRange(0, 23)])


class SetClockForm(FlaskForm):
    target = DateTimeLocalField(_l("Simulated date and time (UTC)"), format="%Y-%m-%dT%H:%M",
                                validators=[InputRequired()])


class LoadForm(FlaskForm):
    pack = SelectField(_l("Scenario pack"), validators=[InputRequired()])


class ClassForm(FlaskForm):
    file = FileField(_l("Class list (CSV)"))
    text = TextAreaField(_l("…or paste it here"), validators=[Optional()],
                         render_kw={"rows": 8})


class TeamForm(FlaskForm):
    partner = SelectField(_l("Work with"), coerce=int, validators=[InputRequired()])


class AnswerForm(FlaskForm):
    """The trainee's answer to the simulated counterpart's question."""
    answer = TextAreaField(
        _l("Your answer"),
        validators=[InputRequired(_l("Write your answer to the counterpart's question."))],
        render_kw={"rows": 5})
