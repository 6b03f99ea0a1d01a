from __future__ import annotations

from typing import Any

import pycountry
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from mla.core.forms import as_choices
from mla.directory.models import AUTHORITY_KINDS, CHANNELS

KIND_LABELS = {
    "central_authority": _l("Central authority"),
    "prosecution": _l("Prosecution office"),
    "court": _l("Court"),
    "police": _l("Police unit"),
    "ministry": _l("Ministry"),
    "other": _l("Other"),
}
CHANNEL_LABELS = {
    "central_authority": _l("Central authority to central authority"),
    "diplomatic": _l("Diplomatic channel"),
    "direct": _l("Direct between judicial authorities"),
    "interpol": _l("INTERPOL"),
    "electronic": _l("Secure electronic channel (e.g. e-EDES, Iber@)"),
    "post": _l("Post / courier"),
    "email": _l("E-mail"),
}


class LanguageListField(StringField):
    """ISO 639-1 codes typed as "fr, en". An authority's stored list is shown the same
    way, and stays text when a partial form leaves the field out."""

    def process_data(self, value: Any) -> None:
        self.data = ", ".join(value) if isinstance(value, list | tuple) else value


class AuthorityForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    country_code = SelectField(_l("Country"), validators=[DataRequired()], choices=as_choices([]))
    kind = SelectField(
        _l("Kind"), choices=as_choices([(k, KIND_LABELS[k]) for k in AUTHORITY_KINDS])
    )
    address = TextAreaField(
        _l("Postal address"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 3}
    )
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=60)])
    website = StringField(
        _l("Website"),
        validators=[
            Optional(),
            Length(max=300),
            Regexp(r"^https?://", message=_l("Start with http:// or https://.")),
        ],
    )
    languages = LanguageListField(
        _l("Accepted languages (ISO 639-1 codes, in order of preference)"),
        validators=[Optional(), Length(max=100)],
        render_kw={"placeholder": "fr, en"},
    )
    channels = SelectMultipleField(
        _l("Channels"), choices=as_choices([(c, CHANNEL_LABELS[c]) for c in CHANNELS])
    )
    notes = TextAreaField(
        _l("Notes"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3}
    )
    is_active = BooleanField(_l("Active"), default=True)

    def validate_languages(self, field: StringField) -> None:
        for code in parse_languages(field.data):
            if pycountry.languages.get(alpha_2=code) is None:
                raise ValidationError(_l("Unknown language code: %(code)s", code=code))

    def language_list(self) -> list[str]:
        return parse_languages(self.languages.data)


def parse_languages(value: str | None) -> list[str]:
    return [c.strip().lower() for c in (value or "").replace(";", ",").split(",") if c.strip()]
