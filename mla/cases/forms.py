"""The registration form: the request, its offences, measures and persons."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from mla.cases.constants import DIRECTIONS, KINDS, LIFE_MONTHS, MEASURES, PERSON_ROLES
from mla.cases.services import CaseInput, OffenceInput, PersonInput
from mla.core.forms import as_choices

ICCS_LIST = Regexp(
    r"^\s*(\d{2,8}\s*([;, ]\s*\d{2,8}\s*)*)?$",
    message=_l("ICCS codes are 2 to 8 digits, separated by commas."),
)


def parse_penalty(value: str | None) -> int | None:
    """'60' -> 60, 'life' -> LIFE_MONTHS, '' -> None; ValueError otherwise."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if text == "life":
        return LIFE_MONTHS
    months = int(text)
    if months <= 0 or months >= LIFE_MONTHS:
        raise ValueError(text)
    return months


def _penalty_check(form: Form, field: StringField) -> None:
    try:
        parse_penalty(field.data)
    except ValueError:
        raise ValidationError(_l("Enter a whole number of months, or 'life'.")) from None


def split_codes(value: str | None) -> list[str]:
    return [c for c in (value or "").replace(";", ",").replace(" ", ",").split(",") if c]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OffenceForm(Form):
    offence_name = StringField(
        _l("Offence (as named by the requesting state)"), validators=[Optional(), Length(max=200)]
    )
    statute = StringField(_l("Statute / article"), validators=[Optional(), Length(max=200)])
    max_penalty = StringField(
        _l("Maximum penalty (months, or 'life')"),
        validators=[Optional(), Length(max=6), _penalty_check],
    )
    iccs = StringField(
        _l("ICCS codes of the conduct"), validators=[Optional(), Length(max=100), ICCS_LIST]
    )
    conduct = TextAreaField(
        _l("Alleged conduct"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2}
    )

    def is_blank(self) -> bool:
        values = (
            self.offence_name.data,
            self.statute.data,
            self.max_penalty.data,
            self.iccs.data,
            self.conduct.data,
        )
        return not any((value or "").strip() for value in values)


class PersonForm(Form):
    role = SelectField(_l("Role"), choices=as_choices(list(PERSON_ROLES.items())))
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    nationality = StringField(_l("Nationality"), validators=[Optional(), Length(max=100)])
    identifiers = StringField(
        _l("Identity documents / numbers"), validators=[Optional(), Length(max=300)]
    )
    address = TextAreaField(
        _l("Address"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 2}
    )
    is_in_custody = BooleanField(_l("In custody"))

    def is_blank(self) -> bool:
        return not (self.full_name.data or "").strip()


class CaseForm(FlaskForm):
    direction = SelectField(_l("Direction"), choices=as_choices(list(DIRECTIONS.items())))
    kind = SelectField(_l("Kind of request"), choices=as_choices(list(KINDS.items())))
    counterpart_country = SelectField(
        _l("Counterpart state"), validators=[DataRequired()], choices=as_choices([])
    )
    counterpart_authority_id = SelectField(
        _l("Counterpart authority"), coerce=int, choices=as_choices([])
    )
    counterpart_reference = StringField(
        _l("Counterpart's reference"), validators=[Optional(), Length(max=100)]
    )
    domestic_authority_id = SelectField(
        _l("Domestic authority (requesting prosecutor or executing body)"),
        coerce=int,
        choices=as_choices([]),
    )
    domestic_reference = StringField(
        _l("Domestic file number"), validators=[Optional(), Length(max=100)]
    )
    legal_basis = SelectField(
        _l("Legal basis"), validators=[DataRequired()], choices=as_choices([])
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    summary = TextAreaField(
        _l("Summary of the facts"),
        validators=[Optional(), Length(max=20000)],
        render_kw={"rows": 4},
    )
    is_urgent = BooleanField(_l("Urgent (for example, a person in custody)"))
    urgency_reason = StringField(_l("Reason for urgency"), validators=[Optional(), Length(max=300)])
    received_on = DateField(_l("Date received"), validators=[Optional()])
    measures = MultiCheckboxField(
        _l("Measures requested"), choices=as_choices(list(MEASURES.items()))
    )
    offences = FieldList(FormField(OffenceForm), min_entries=1, max_entries=30)
    persons = FieldList(FormField(PersonForm), min_entries=1, max_entries=50)
    add_offence = SubmitField(_l("Add another offence"))
    add_person = SubmitField(_l("Add another person"))
    submit = SubmitField(_l("Register the request"))

    def validate_urgency_reason(self, field: StringField) -> None:
        if self.is_urgent.data and not (field.data or "").strip():
            raise ValidationError(_l("Say why the request is urgent."))

    def validate_offences(self, field: FieldList) -> None:
        entries = [entry.form for entry in field.entries if not entry.form.is_blank()]
        for entry in entries:
            if not (entry.offence_name.data or "").strip():
                entry.offence_name.errors = [*entry.offence_name.errors, _l("Name the offence.")]
                raise ValidationError(_l("Every offence needs a name."))
        if self.kind.data == "extradition" and not entries:
            raise ValidationError(_l("An extradition request needs at least one offence."))

    def validate_persons(self, field: FieldList) -> None:
        if self.kind.data == "extradition":
            roles = [e.form.role.data for e in field.entries if not e.form.is_blank()]
            if "suspect" not in roles:
                raise ValidationError(_l("Name the person sought (role: suspect / accused)."))

    def to_input(self) -> CaseInput:
        from datetime import UTC, datetime, time

        received = None
        if self.received_on.data:
            received = datetime.combine(self.received_on.data, time(12, 0), tzinfo=UTC)
        return CaseInput(
            direction=self.direction.data,
            kind=self.kind.data,
            counterpart_country=self.counterpart_country.data,
            legal_basis=self.legal_basis.data,
            title=self.title.data,
            counterpart_reference=self.counterpart_reference.data or "",
            counterpart_authority_id=self.counterpart_authority_id.data or None,
            domestic_authority_id=self.domestic_authority_id.data or None,
            domestic_reference=self.domestic_reference.data or "",
            summary=self.summary.data or "",
            is_urgent=bool(self.is_urgent.data),
            urgency_reason=self.urgency_reason.data or "",
            received_at=received,
            measures=list(self.measures.data or []),
            offences=[
                OffenceInput(
                    label=e.form.offence_name.data,
                    statute=e.form.statute.data or "",
                    max_penalty_months=parse_penalty(e.form.max_penalty.data),
                    iccs=split_codes(e.form.iccs.data),
                    conduct=e.form.conduct.data or "",
                )
                for e in self.offences.entries
                if not e.form.is_blank()
            ],
            persons=[
                PersonInput(
                    role=e.form.role.data,
                    full_name=e.form.full_name.data,
                    date_of_birth=e.form.date_of_birth.data.isoformat()
                    if e.form.date_of_birth.data
                    else "",
                    nationality=e.form.nationality.data or "",
                    identifiers=e.form.identifiers.data or "",
                    address=e.form.address.data or "",
                    is_in_custody=bool(e.form.is_in_custody.data),
                )
                for e in self.persons.entries
                if not e.form.is_blank()
            ],
        )


class NoteForm(FlaskForm):
    text = TextAreaField(
        _l("Internal note"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 2}
    )


class AssignForm(FlaskForm):
    assignee_id = SelectField(_l("Assigned to"), coerce=int, choices=as_choices([]))


def set_choices(
    form: CaseForm,
    *,
    countries: list[tuple[str, str]],
    instruments: list[tuple[str, str]],
    foreign: list[tuple[int, str]],
    domestic: list[tuple[int, str]],
) -> None:
    none: list[tuple[Any, str]] = [(0, _l("— not specified —"))]
    form.counterpart_country.choices = as_choices([("", _l("— choose —")), *countries])
    form.legal_basis.choices = as_choices([("", _l("— choose —")), *instruments])
    form.counterpart_authority_id.choices = as_choices(none + foreign)
    form.domestic_authority_id.choices = as_choices(none + domestic)
