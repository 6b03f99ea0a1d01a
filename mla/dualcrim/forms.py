"""Forms of the dual-criminality pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from mla.core.forms import as_choices
from mla.dualcrim.catalogue import parse_penalty

BASIS_LABELS = ("UNTOC", "UNCAC", "ECE", "ECMA", "EAW", "EIO", "BILATERAL", "RECIPROCITY")


def split_codes(value: str | None) -> list[str]:
    return [c for c in (value or "").replace(",", " ").replace(";", " ").split() if c]


class PenaltyField(StringField):
    """Months as a whole number, or 'life'; the parsed value is in ``months``."""

    months: int | None = None

    def pre_validate(self, form: Any) -> None:
        text = (self.data or "").strip()
        self.months = None
        if not text:
            return
        months = parse_penalty(text)
        if months is None:
            raise ValidationError(str(_l("A positive whole number of months, or 'life'.")))
        self.months = months


class CheckForm(FlaskForm):
    """The standalone check: a GET form (nothing is stored), so no CSRF token."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind of request"), choices=as_choices([
        ("mla", _l("Mutual legal assistance")), ("extradition", _l("Extradition"))]))
    legal_basis = SelectField(_l("Legal basis"), choices=as_choices((b, b) for b in BASIS_LABELS))
    requesting_country = SelectField(_l("Requesting state"), validators=[DataRequired()])
    requested_country = SelectField(_l("Requested state"), validators=[DataRequired()])
    coercive = BooleanField(_l("Coercive measures are requested"), default=True)
    iccs = StringField(_l("ICCS codes of the conduct"), validators=[DataRequired(),
                                                                    Length(max=200)])
    penalty = PenaltyField(_l("Maximum penalty in the requesting state (months or 'life')"))
    sentence_months = IntegerField(_l("Sentence already imposed (months)"),
                                   validators=[Optional(), NumberRange(min=0, max=9999)])
    list_category = SelectField(_l("List category (EAW/EIO)"), validators=[Optional()])


class AssessForm(FlaskForm):
    """Code the conduct of one case offence and record the decision."""

    iccs = StringField(_l("ICCS codes of the conduct"), validators=[DataRequired(),
                                                                    Length(max=200)])
    sentence_months = IntegerField(_l("Sentence already imposed (months)"),
                                   validators=[Optional(), NumberRange(min=0, max=9999)])
    list_category = SelectField(_l("List category (EAW/EIO)"), validators=[Optional()])
    decision = SelectField(_l("Decision"), validators=[InputRequired()], choices=as_choices([
        ("agree", _l("Agree with the verdict")),
        ("satisfied", _l("Override: dual criminality is satisfied")),
        ("not_satisfied", _l("Override: dual criminality is not satisfied")),
        ("not_required", _l("Override: dual criminality is not required")),
    ]))
    justification = TextAreaField(_l("Justification (required to override)"),
                                  validators=[Length(max=5000)])


class ImportForm(FlaskForm):
    jurisdiction = SelectField(_l("Jurisdiction"), validators=[DataRequired()])
    file = FileField(_l("Catalogue (CSV)"), validators=[
        FileRequired(), FileAllowed(["csv", "txt"], _l("A CSV file."))])


class OffenceEditForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    statute = StringField(_l("Statute"), validators=[Length(max=300)])
    penalty = PenaltyField(_l("Maximum penalty (months or 'life')"),
                           validators=[DataRequired()])
    iccs = StringField(_l("ICCS codes"), validators=[DataRequired(), Length(max=200)])


class PolicyForm(FlaskForm):
    mla_policy = SelectField(_l("Dual criminality for mutual legal assistance"),
                             choices=as_choices([
        ("coercive_only", _l("Only for coercive measures (default)")),
        ("always", _l("Always")),
        ("never", _l("Never")),
    ]))
    extradition_minimum_months = IntegerField(
        _l("Extradition: minimum maximum penalty in the requested state (months)"),
        validators=[InputRequired(), NumberRange(min=1, max=600)])


class ReferenceDateForm(FlaskForm):
    country = SelectField(_l("State"), validators=[DataRequired()])
    reference_date = SelectField(_l("Dual criminality is judged at the date of"),
                                 choices=as_choices([("conduct", _l("the conduct")),
                                                     ("request", _l("the request"))]))


class ExtensionForm(FlaskForm):
    parent_code = StringField(_l("Parent ICCS code"), validators=[DataRequired(),
                                                                 Length(max=12)])
    code = StringField(_l("New code"), validators=[DataRequired(), Length(max=12)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
