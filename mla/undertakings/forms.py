"""Forms of the Speciality, Assurances and Use limitations panels. Each form that can
appear more than once on a page takes a prefix, so every field's id stays unique."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from mla.core.forms import SingleLine, as_choices
from mla.undertakings.models import LimitationKind
from mla.undertakings.services import ASSURANCE_KINDS, CONSENT_PURPOSES, REFERRAL_OUTCOMES

LIMITATION_KINDS = {
    LimitationKind.USE: _l("Use only for the proceedings named (UNTOC art. 18(19))"),
    LimitationKind.CONFIDENTIALITY: _l("Keep confidential (UNTOC art. 18(20))"),
    LimitationKind.CONDITION: _l("Other condition on the assistance"),
}
_DATE = _l("Give a date as YYYY-MM-DD.")


def _date(label: Any) -> DateField:
    return DateField(label, validators=[InputRequired(message=_DATE)])


def _text(label: Any, size: int = 4000, required: bool = True) -> TextAreaField:
    return TextAreaField(label, validators=[InputRequired() if required else Optional(),
                                            Length(max=size)])


class SpecialityForm(FlaskForm):
    surrendered_on = _date(_l("Date of surrender"))
    offences = _text(_l("Offences the person was surrendered for (one a line)"))


class DischargeForm(FlaskForm):
    discharged_on = _date(_l("Date of final discharge"))


class ConsentForm(FlaskForm):
    purpose = SelectField(_l("Consent to"), choices=as_choices(CONSENT_PURPOSES.items()),
                          validators=[InputRequired()])
    subject = _text(_l("Which offences, or to which state, and why"))
    asked_on = _date(_l("Date the request for consent was received or sent"))


class ConsentDecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=as_choices([("granted", _l("Consent granted")),
                                                              ("refused", _l("Consent refused"))]),
                          validators=[InputRequired()])
    decided_on = _date(_l("Date of the decision"))
    reasons = _text(_l("Reasons"))


class AssuranceForm(FlaskForm):
    kind = SelectField(_l("Assurance"), choices=as_choices(ASSURANCE_KINDS.items()),
                       validators=[InputRequired()])
    terms = _text(_l("What is asked of the requesting state"))
    source_article = StringField(_l("Required by (article or case law)"),
                                 validators=[Optional(), Length(max=120), SingleLine()])
    is_required = BooleanField(_l("Required before extradition can be granted"), default=True)
    requested_on = _date(_l("Date asked for"))


class ReceiveAssuranceForm(FlaskForm):
    received_on = _date(_l("Date received"))
    given_by = StringField(_l("Given by (authority)"),
                           validators=[InputRequired(), Length(max=200), SingleLine()])
    terms = _text(_l("What was assured"))


class AssessAssuranceForm(FlaskForm):
    verdict = RadioField(_l("Assessment"), choices=as_choices([
        ("sufficient", _l("Sufficient: it answers the risk")),
        ("insufficient", _l("Insufficient"))]), validators=[InputRequired()])
    assessed_on = _date(_l("Date of the assessment"))
    assessment = _text(_l("Reasons (specific? binding on the state? can it be monitored?)"))


class LimitationForm(FlaskForm):
    document = SelectField(_l("Document"), coerce=int, validators=[InputRequired()])
    kind = SelectField(_l("Limitation"), choices=as_choices(LIMITATION_KINDS.items()),
                       validators=[InputRequired()])
    scope = _text(_l("What it allows or forbids"))
    source_article = StringField(_l("Article (default from the kind)"),
                                 validators=[Optional(), Length(max=120), SingleLine()])
    imposed_by = StringField(_l("Imposed by (default: the counterpart authority)"),
                             validators=[Optional(), Length(max=200), SingleLine()])
    imposed_on = DateField(_l("Date imposed"), validators=[Optional()])


class ReuseForm(FlaskForm):
    target = StringField(_l("Reference of the other request"),
                         validators=[InputRequired(), Length(max=40), SingleLine()])
    acknowledged = BooleanField(_l("I know the limitation and use the document anyway"))
    reason = _text(_l("Why (for example: consent received on a date)"), 2000, required=False)


class UseConsentForm(FlaskForm):
    purpose = _text(_l("What the document would be used for"), 2000)
    target = StringField(validators=[Optional(), Length(max=40), SingleLine()])


class UseConsentAnswerForm(FlaskForm):
    answer = RadioField(_l("Answer"), choices=as_choices([("granted", _l("Consent given")),
                                                          ("refused", _l("Consent refused"))]),
                        validators=[InputRequired()])
    note = _text(_l("What was answered, by whom and when"), 2000)


class OutcomeForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=as_choices(REFERRAL_OUTCOMES.items()),
                          validators=[InputRequired()])
    outcome_on = _date(_l("Date of the outcome"))
    domestic_reference = StringField(_l("Domestic case reference"),
                                     validators=[Optional(), Length(max=100), SingleLine()])
    details = _text(_l("What was decided"))


class ConfirmForm(FlaskForm):
    """A button that changes something: the CSRF token only."""
