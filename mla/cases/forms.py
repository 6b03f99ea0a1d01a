"""The registration form: the request, its offences, measures and persons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from mla.cases.constants import DIRECTIONS, KINDS, LIFE_MONTHS, MEASURES, PERSON_ROLES
from mla.cases.editing import OffenceEdit, PersonEdit, received_at_for
from mla.cases.inputs import ICCS_LIST, parse_penalty, split_codes
from mla.cases.services import CaseInput, OffenceInput, PersonInput
from mla.cases.validation import (
    Refused,
    counterpart_not_home,
    date_of_birth_plausible,
    legal_basis_fits,
    received_date_not_in_future,
)
from mla.core.errors import ApiError
from mla.core.forms import apply_service_error, as_choices, reuse


def _penalty_check(form: Form, field: StringField) -> None:
    try:
        parse_penalty(field.data)
    except ValueError:
        raise ValidationError(_l("Enter a whole number of months, or 'life'.")) from None


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

    def validate_date_of_birth(self, field: DateField) -> None:
        _shared_rule(date_of_birth_plausible, field.data, field.name)

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

    def validate_legal_basis(self, field: SelectField) -> None:
        if self.kind.data in KINDS and self.direction.data in DIRECTIONS and field.data:
            _shared_rule(legal_basis_fits, field.data, self.kind.data, self.direction.data)

    def validate_received_on(self, field: DateField) -> None:
        _shared_rule(received_date_not_in_future, field.data)

    def validate_counterpart_country(self, field: SelectField) -> None:
        _shared_rule(counterpart_not_home, field.data)

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
        self.sent_entries = {"offences": filled(self.offences), "persons": filled(self.persons)}
        return CaseInput(
            direction=self.direction.data,
            kind=self.kind.data,
            counterpart_country=self.counterpart_country.data,
            legal_basis=self.legal_basis.data,
            title=self.title.data or "",
            counterpart_reference=self.counterpart_reference.data or "",
            counterpart_authority_id=self.counterpart_authority_id.data or None,
            domestic_authority_id=self.domestic_authority_id.data or None,
            domestic_reference=self.domestic_reference.data or "",
            summary=self.summary.data or "",
            is_urgent=bool(self.is_urgent.data),
            urgency_reason=self.urgency_reason.data or "",
            received_at=received_at_for(self.received_on.data),
            measures=list(self.measures.data or []),
            offences=[
                OffenceInput(
                    label=e.form.offence_name.data,
                    statute=e.form.statute.data or "",
                    max_penalty_months=parse_penalty(e.form.max_penalty.data),
                    iccs=split_codes(e.form.iccs.data),
                    conduct=e.form.conduct.data or "",
                )
                for e in self.sent_entries["offences"]
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
                for e in self.sent_entries["persons"]
            ],
        )


def filled(entries: FieldList) -> list[Any]:
    """The entries of a list the person filled in, in order (blank ones are ignored)."""
    return [e for e in entries.entries if not e.form.is_blank()]


def _shared_rule(rule: Callable[..., Any], *args: Any) -> None:
    """Run a rule of mla.cases.validation as a field validator: same rule, same words."""
    try:
        rule(*args)
    except Refused as exc:
        raise ValidationError(exc.message) from None


# The form field of a service's field name, where they differ.
_FORM_NAMES = {"label": "offence_name", "max_penalty_months": "max_penalty"}


def apply_case_error(form: FlaskForm, exc: ApiError) -> None:
    """Put a service's refusal next to its field, also inside offences and persons
    ("persons.1.date_of_birth" is the second person sent, whatever blank rows preceded it)."""
    name = exc.details.get("field") if isinstance(exc.details, dict) else None
    parts = str(name or "").split(".")
    entries = getattr(form, "sent_entries", {}).get(parts[0])
    if entries is not None and len(parts) >= 2 and _row_id(parts[1]) is not None:
        index = int(parts[1])
        if index < len(entries):
            sub = entries[index].form
            target = getattr(sub, _FORM_NAMES.get(parts[-1], parts[-1]), None)
            if len(parts) == 3 and target is not None and hasattr(target, "errors"):
                target.errors = [*list(target.errors), exc.message]
                form.form_errors.append(exc.message)
                return
    if entries is not None or parts[0] in ("offences", "persons"):
        list_field = getattr(form, parts[0])
        list_field.errors = [*_own(list_field.errors), exc.message]
        form.form_errors.append(exc.message)
        return
    apply_service_error(form, exc)


def _own(errors: Any) -> list[Any]:
    return [e for e in errors if isinstance(e, str)] if isinstance(errors, list) else []


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


# --- correcting a request ------------------------------------------------------------

class OffenceEditForm(OffenceForm):
    offence_id = HiddenField()
    remove = BooleanField(_l("Remove this offence"))


class PersonEditForm(PersonForm):
    person_id = HiddenField()
    remove = BooleanField(_l("Remove this person"))


class CaseEditForm(FlaskForm):
    """Every registered field of a request; direction and kind stay (they choose the workflow)."""

    version = HiddenField()
    title = reuse(CaseForm.title)
    summary = reuse(CaseForm.summary)
    counterpart_country = reuse(CaseForm.counterpart_country)
    counterpart_authority_id = reuse(CaseForm.counterpart_authority_id)
    counterpart_reference = reuse(CaseForm.counterpart_reference)
    domestic_authority_id = reuse(CaseForm.domestic_authority_id)
    domestic_reference = reuse(CaseForm.domestic_reference)
    legal_basis = reuse(CaseForm.legal_basis)
    is_urgent = reuse(CaseForm.is_urgent)
    urgency_reason = reuse(CaseForm.urgency_reason)
    received_on = reuse(CaseForm.received_on)
    measures = reuse(CaseForm.measures)
    offences = FieldList(FormField(OffenceEditForm), min_entries=0, max_entries=30)
    persons = FieldList(FormField(PersonEditForm), min_entries=0, max_entries=50)
    add_offence = reuse(CaseForm.add_offence)
    add_person = reuse(CaseForm.add_person)
    submit = SubmitField(_l("Save the correction"))

    validate_urgency_reason = CaseForm.validate_urgency_reason
    validate_received_on = CaseForm.validate_received_on
    validate_counterpart_country = CaseForm.validate_counterpart_country
    request_kind = ""
    request_direction = ""

    def validate_legal_basis(self, field: SelectField) -> None:
        if field.data:
            _shared_rule(legal_basis_fits, field.data, self.request_kind, self.request_direction)

    @classmethod
    def for_case(cls, case: Any) -> CaseEditForm:
        """The form filled from the request (on GET), or from what was posted."""
        offences = [{"offence_id": str(o.id), "offence_name": o.label, "statute": o.statute,
                     "max_penalty": _penalty_text(o.max_penalty_months),
                     "iccs": ", ".join(o.iccs_codes), "conduct": o.conduct}
                    for o in case.offences]
        persons = [{"person_id": str(p.id), "role": p.role, "is_in_custody": p.is_in_custody,
                    **{k: v for k, v in p.decrypted().items() if k != "date_of_birth"},
                    "date_of_birth": _as_day(p.get_field("date_of_birth"))}
                   for p in case.persons]
        form = cls(data={
            "version": str(case.version), "title": case.title, "summary": case.summary,
            "counterpart_country": case.counterpart_country,
            "counterpart_authority_id": case.counterpart_authority_id or 0,
            "counterpart_reference": case.counterpart_reference,
            "domestic_authority_id": case.domestic_authority_id or 0,
            "domestic_reference": case.domestic_reference, "legal_basis": case.legal_basis,
            "is_urgent": case.is_urgent, "urgency_reason": case.urgency_reason,
            "received_on": case.received_at.date() if case.received_at else None,
            "measures": [m.code for m in case.measures],
            "offences": offences, "persons": persons,
        })
        form.request_kind, form.request_direction = case.kind, case.direction
        # A date of birth stored in another form than a calendar date (older data) is
        # not shown in the date box; left empty, it is kept, not erased.
        form.kept_births = {p.id for p in case.persons
                            if p.get_field("date_of_birth")
                            and _as_day(p.get_field("date_of_birth")) is None}
        return form

    def expected_version(self) -> int:
        try:
            return int(self.version.data or 0)
        except ValueError:
            return 0

    def to_changes(self) -> dict[str, Any]:
        """Everything on the form; update_case keeps only what differs."""
        offences = [e for e in self.offences.entries
                    if not e.form.remove.data and (e.form.offence_id.data or not e.form.is_blank())]
        persons = [e for e in self.persons.entries
                   if not e.form.remove.data and (e.form.person_id.data or not e.form.is_blank())]
        self.sent_entries = {"offences": offences, "persons": persons}
        return {
            "title": self.title.data or "", "summary": self.summary.data or "",
            "counterpart_country": self.counterpart_country.data or "",
            "counterpart_authority_id": self.counterpart_authority_id.data or None,
            "counterpart_reference": self.counterpart_reference.data or "",
            "domestic_authority_id": self.domestic_authority_id.data or None,
            "domestic_reference": self.domestic_reference.data or "",
            "legal_basis": self.legal_basis.data or "",
            "is_urgent": bool(self.is_urgent.data),
            "urgency_reason": self.urgency_reason.data or "",
            "received_on": self.received_on.data,
            "measures": list(self.measures.data or []),
            "offences": [OffenceEdit(
                id=_row_id(e.form.offence_id.data), label=e.form.offence_name.data or "",
                statute=e.form.statute.data or "",
                max_penalty_months=parse_penalty(e.form.max_penalty.data), has_penalty=True,
                iccs=split_codes(e.form.iccs.data), conduct=e.form.conduct.data or "")
                for e in offences],
            "persons": [PersonEdit(
                id=_row_id(e.form.person_id.data), role=e.form.role.data,
                full_name=e.form.full_name.data or "",
                date_of_birth=self._birth(e.form),
                nationality=e.form.nationality.data or "",
                identifiers=e.form.identifiers.data or "", address=e.form.address.data or "",
                is_in_custody=bool(e.form.is_in_custody.data))
                for e in persons],
        }


    kept_births: set[int] = set()

    def _birth(self, entry: PersonEditForm) -> str | None:
        if entry.date_of_birth.data:
            return entry.date_of_birth.data.isoformat()
        return None if _row_id(entry.person_id.data) in self.kept_births else ""


def _penalty_text(months: int | None) -> str:
    if months is None:
        return ""
    return "life" if months == LIFE_MONTHS else str(months)


def _as_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _row_id(value: str | None) -> int | None:
    # ASCII digits only: "²".isdigit() holds but int("²") fails (a 500); 18 digits fit
    # any id column, a longer number is no row of ours.
    if value and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Why is the request reopened?"),
                           validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 2})
    version = HiddenField()

    def expected_version(self) -> int:
        """The version the page showed; 0 (a conflict, said so) when it is not a number."""
        return _row_id(self.version.data) or 0
