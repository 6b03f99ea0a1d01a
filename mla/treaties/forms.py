from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from mla.core.forms import as_choices
from mla.treaties.models import PARTY_INSTRUMENTS, RESERVATION_KINDS

KIND_LABELS = {"extradition": _l("Extradition"), "mla": _l("Mutual legal assistance"),
               "both": _l("Extradition and mutual legal assistance")}


class RatificationForm(FlaskForm):
    instrument = SelectField(_l("Instrument or protocol"), validators=[DataRequired()],
                             choices=as_choices(PARTY_INSTRUMENTS.items()))
    in_force_on = DateField(_l("In force for this state since"), validators=[Optional()])
    source = StringField(_l("Source (depositary chart, official journal)"),
                         validators=[Optional(), Length(max=300)])


class ReservationForm(FlaskForm):
    code = SelectField(_l("Reservation"), validators=[DataRequired()],
                       choices=as_choices((k, v[1]) for k, v in RESERVATION_KINDS.items()))
    text = TextAreaField(_l("Text of the reservation"), validators=[Optional(), Length(max=5000)])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=300)])


class NationalSettingsForm(FlaskForm):
    provisional_arrest_days = IntegerField(
        _l("Custody limit after a provisional arrest with no treaty period, days"),
        validators=[DataRequired(), NumberRange(min=1, max=365)])


class TreatyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Covers"), validators=[DataRequired()],
                       choices=as_choices(KIND_LABELS.items()))
    party_a = SelectField(_l("First party"), validators=[DataRequired()], choices=[])
    party_b = SelectField(_l("Second party"), validators=[DataRequired()], choices=[])
    citation = StringField(_l("Citation (treaty series, articles)"),
                           validators=[Optional(), Length(max=300)])
    in_force_on = DateField(_l("In force since"), validators=[Optional()])
    provisional_arrest_days = IntegerField(
        _l("Provisional arrest: days for the formal request to arrive"),
        validators=[Optional(), NumberRange(min=1, max=365)])
    dc_threshold_months = IntegerField(
        _l("Extraditable offences: minimum maximum penalty, months"),
        validators=[Optional(), NumberRange(min=0, max=1200)])
    supplementary_info_days = IntegerField(
        _l("Time limit for supplementary information, days"),
        validators=[Optional(), NumberRange(min=1, max=365)])
    is_active = BooleanField(_l("In force"), default=True)


class EmptyForm(FlaskForm):
    """Just the CSRF token (remove buttons)."""
