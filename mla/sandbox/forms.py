"""Trainer forms: the clock, packs, reset and the class list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from mla.core.zones import SkippedLocalTime, local_to_utc


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


class AdvanceForm(FlaskForm):
    days = IntegerField(_l("Days"), default=0, validators=[Optional(), NumberRange(0, 366)])
    hours = IntegerField(_l("Hours"), default=0, validators=[Optional(), NumberRange(0, 23)])


class SetClockForm(FlaskForm):
    """A date and time as the trainer's wall clock reads it, in ``zone`` (theirs, the zone
    every time on the pages is shown in); ``target_utc`` is that instant once validated."""

    target = DateTimeLocalField(_l("Simulated date and time"), format="%Y-%m-%dT%H:%M",
                                validators=[InputRequired()])

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.zone_help = ""  # the zone in the reader's words, beside the field (the view's)
        self.target_utc: datetime | None = None

    def validate_target(self, field: DateTimeLocalField) -> None:
        if field.data is None:  # not a date and time: the field has said so
            return
        try:
            self.target_utc = local_to_utc(field.data, self.zone)
        except SkippedLocalTime:
            raise ValidationError(_l("Your time zone skips this time: the clocks go forward "
                                     "then. Choose another time.")) from None


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
