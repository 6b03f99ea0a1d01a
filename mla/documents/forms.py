from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from mla.core.forms import as_choices

VISIBILITY_LABELS = {
    "internal": _l("Internal (central authority only)"),
    "shared": _l("Shared with the domestic authority"),
}
DOCUMENT_TYPE_LABELS = {
    "request": _l("Request"),
    "annex": _l("Annex"),
    "supplementary": _l("Supplementary information"),
    "translation": _l("Translation"),
    "evidence": _l("Evidence"),
    "decision": _l("Decision"),
    "letter": _l("Letter"),
}
# The six languages Comity writes in; any other ISO 639-1 code may be typed.
LANGUAGE_LABELS = {
    "": _l("Not stated"),
    "en": _l("English"),
    "fr": _l("French"),
    "es": _l("Spanish"),
    "ru": _l("Russian"),
    "ar": _l("Arabic"),
    "zh": _l("Chinese"),
    "other": _l("Another language (give its code)"),
}
WRITTEN_LANGUAGES = {k: v for k, v in LANGUAGE_LABELS.items() if k not in ("", "other")}


class UploadForm(FlaskForm):
    file = FileField(_l("Document"), validators=[FileRequired(_l("Choose a file."))])
    doc_type = SelectField(_l("Type"), choices=as_choices(DOCUMENT_TYPE_LABELS.items()),
                           default="annex")
    language = SelectField(_l("Language"), choices=as_choices(LANGUAGE_LABELS.items()),
                           default="")
    other_language = StringField(_l("Other language (ISO 639-1 code, such as de)"),
                                 validators=[Optional(), Length(max=8)])
    translation_of = SelectField(_l("Translation of"), choices=[], validate_choice=False,
                                 default="")
    translation_due_on = DateField(_l("Translation due by"), validators=[Optional()])
    visibility = SelectField(_l("Who may see it"), choices=as_choices(VISIBILITY_LABELS.items()),
                             default="internal")

    def chosen_language(self) -> str:
        if self.language.data == "other":
            return (self.other_language.data or "").strip().lower()
        return self.language.data or ""


class LetterheadForm(FlaskForm):
    authority_name = StringField(_l("Authority's name"),
                                 validators=[DataRequired(_l("Give the authority's name.")),
                                             Length(max=200)])
    address = TextAreaField(_l("Address"), validators=[Length(max=2000)])
    signatory_name = StringField(_l("Signatory's name"), validators=[Length(max=200)])
    signatory_title = StringField(_l("Signatory's title"), validators=[Length(max=200)])
    logo = FileField(_l("Logo (PNG or JPEG, at most 1 MB)"))
    remove_logo = BooleanField(_l("Remove the logo"))


class StartCompositionForm(FlaskForm):
    language = SelectField(_l("Language of the request"),
                           choices=as_choices(WRITTEN_LANGUAGES.items()))


class CompositionForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    section_a = TextAreaField()
    section_b = TextAreaField()
    section_c = TextAreaField()
    section_d = TextAreaField()
    section_e = TextAreaField()
    section_f = TextAreaField()


class ApproveCompositionForm(FlaskForm):
    version = HiddenField()
