from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from mla.core.forms import as_choices


class ExtendForm(FlaskForm):
    days = IntegerField(_l("Days to add"), validators=[Optional(), NumberRange(min=1, max=365)])
    agreed_on = DateField(_l("New date agreed with the other side"), validators=[Optional()])
    reason = TextAreaField(_l("Reason (sent with the notice where the article requires one)"),
                           validators=[DataRequired(), Length(max=2000)])


class RuleSettingForm(FlaskForm):
    send_without_approval = BooleanField(_l("Send without approval"))


class EmptyForm(FlaskForm):
    """Just the CSRF token (revoke buttons)."""


class TimeZoneForm(FlaskForm):
    country_code = SelectField(_l("State"), validators=[DataRequired()], choices=[])
    zone_name = StringField(_l("Time zone (IANA name, e.g. Europe/Paris)"),
                            validators=[Optional(), Length(max=64)])
    reset = BooleanField(_l("Go back to the state's usual zone"))


TRI_STATE = as_choices([("", _l("As the documented default")), ("yes", _l("Yes")),
                        ("no", _l("No"))])


class CountingForm(FlaskForm):
    """How a state's law counts periods where the rules leave it to national law."""

    country_code = SelectField(_l("State"), validators=[DataRequired()], choices=[])
    counts_event_day = SelectField(_l("The day of the event is counted"), choices=TRI_STATE)
    moves_to_working_day = SelectField(
        _l("A period ending on a weekend or public holiday ends on the next working day "
           "(never a custody limit)"), choices=TRI_STATE)
