"""Forms of the portal: the answer to a supplementary request, the guided draft's steps."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
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

from mla.cases.constants import MEASURES, PERSON_ROLES
from mla.cases.inputs import ICCS_LIST, parse_penalty
from mla.core.forms import as_choices


def _penalty_check(form: Form, field: StringField) -> None:
    try:
        parse_penalty(field.data)
    except ValueError:
        raise ValidationError(_l("Enter a whole number of months, or 'life'.")) from None


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("Your answer"), validators=[DataRequired(), Length(max=20000)],
                         render_kw={"rows": 6})
    files = MultipleFileField(_l("Attachments (PDF, DOCX, ODT, TXT, PNG or JPEG; 20 MB each)"))


class _StepForm(FlaskForm):
    """Buttons every step has: go on, go back, or go on despite the warnings."""

    next = SubmitField(_l("Save and continue"))
    back = SubmitField(_l("Previous step"))
    continue_anyway = SubmitField(_l("Continue anyway"))

    BUTTONS = ("next", "back", "continue_anyway", "csrf_token", "submit")

    def values(self) -> dict[str, Any]:
        """What is kept in the draft: every field but the buttons and the CSRF token."""
        return {name: value for name, value in self.data.items() if name not in self.BUTTONS}


class BasicsForm(_StepForm):
    counterpart_country = SelectField(_l("Requested state"), validators=[DataRequired()],
                                      choices=[])
    legal_basis = SelectField(_l("Legal basis"), validators=[DataRequired()], choices=[])
    domestic_reference = StringField(_l("Your office's file number"),
                                     validators=[Optional(), Length(max=100)])
    contact = StringField(_l("Contact officer (name, telephone, e-mail)"),
                          validators=[Optional(), Length(max=300)])
    is_urgent = BooleanField(_l("Urgent (for example, a person in custody or a limitation "
                                "period about to expire)"))
    urgency_reason = StringField(_l("Reason for urgency"),
                                 validators=[Optional(), Length(max=300)])

    def validate_urgency_reason(self, field: StringField) -> None:
        if self.is_urgent.data and not (field.data or "").strip():
            raise ValidationError(_l("Say why the request is urgent."))


PROCEEDING_NATURES = {
    "investigation": _l("Criminal investigation"),
    "prosecution": _l("Prosecution"),
    "judicial": _l("Judicial proceedings"),
}


class InvestigationForm(_StepForm):
    title = StringField(_l("Short title of the request"),
                        validators=[DataRequired(), Length(max=300)])
    nature = SelectField(_l("Nature of the proceedings"),
                         choices=as_choices(PROCEEDING_NATURES.items()))
    subject_matter = TextAreaField(_l("Subject matter of the investigation or proceedings"),
                                   validators=[Optional(), Length(max=5000)],
                                   render_kw={"rows": 3})
    conducting_authority = StringField(_l("Authority conducting it"),
                                       validators=[Optional(), Length(max=300)])
    offence_name = StringField(_l("Offence"), validators=[Optional(), Length(max=200)])
    offence_statute = StringField(_l("Statute / article"),
                                  validators=[Optional(), Length(max=200)])
    offence_max_penalty = StringField(_l("Maximum penalty (months, or 'life')"),
                                      validators=[Optional(), Length(max=6), _penalty_check])
    offence_iccs = StringField(_l("ICCS codes of the conduct (if known)"),
                               validators=[Optional(), Length(max=100), ICCS_LIST])


class FactsForm(_StepForm):
    summary = TextAreaField(_l("Summary of the relevant facts"),
                            validators=[Optional(), Length(max=20000)], render_kw={"rows": 8})


class _MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssistanceForm(_StepForm):
    measures = _MultiCheckboxField(_l("Measures sought"), choices=as_choices(MEASURES.items()))
    assistance_details = TextAreaField(_l("The assistance sought, in detail"),
                                       validators=[Optional(), Length(max=10000)],
                                       render_kw={"rows": 4})
    procedure = TextAreaField(_l("Any particular procedure to follow (optional)"),
                              validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})


class PersonEntry(Form):
    # A blank row's role does not matter; compose_input falls back to "other".
    role = SelectField(_l("Role"), choices=as_choices(PERSON_ROLES.items()),
                       validate_choice=False)
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    nationality = StringField(_l("Nationality"), validators=[Optional(), Length(max=100)])
    location = StringField(_l("Location or address"), validators=[Optional(), Length(max=1000)])
    date_of_birth = StringField(_l("Date of birth (YYYY-MM-DD)"), validators=[
        Optional(), Regexp(r"^\d{4}-\d{2}-\d{2}$", message=_l("Write the date as YYYY-MM-DD."))])


class PersonsForm(_StepForm):
    persons = FieldList(FormField(PersonEntry), min_entries=3, max_entries=3)


class PurposeForm(_StepForm):
    purpose = TextAreaField(_l("Purpose: what the evidence or assistance will be used for"),
                            validators=[Optional(), Length(max=5000)], render_kw={"rows": 4})
    language = StringField(_l("Language the request will be sent in"),
                           validators=[Optional(), Length(max=100)])
    needs_translation = BooleanField(_l("The request needs translation into that language"))


class SubmitDraftForm(FlaskForm):
    confirm_missing = BooleanField(_l("I know some essential contents are missing; submit "
                                      "anyway"))
    submit = SubmitField(_l("Submit to the central authority"))


STEP_FORMS: dict[str, type[_StepForm]] = {
    "basics": BasicsForm,
    "investigation": InvestigationForm,
    "facts": FactsForm,
    "assistance": AssistanceForm,
    "persons": PersonsForm,
    "purpose": PurposeForm,
}
