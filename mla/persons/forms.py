"""Forms of the persons pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    name = StringField(_l("Name or part of it"), validators=[Optional(), Length(max=200)])


class LinkDecisionForm(FlaskForm):
    note = TextAreaField(_l("Why (optional)"), validators=[Optional(), Length(max=2000)])


class CompetingForm(FlaskForm):
    """The decision between two competing extradition requests; the page shows the
    criteria the governing article names (mla.persons.services.criteria_for)."""

    prevailing = RadioField(_l("Request that prevails"), validators=[InputRequired()])
    seriousness = TextAreaField(_l("Relative seriousness of the offences"),
                                validators=[Optional(), Length(max=2000)])
    place = TextAreaField(_l("Place where the offences were committed"),
                          validators=[Optional(), Length(max=2000)])
    dates = TextAreaField(_l("Dates of the requests or warrants"),
                          validators=[Optional(), Length(max=2000)])
    nationality = TextAreaField(_l("Nationality of the person"),
                                validators=[Optional(), Length(max=2000)])
    re_extradition = TextAreaField(_l("Possibility of later extradition to the other State"),
                                   validators=[Optional(), Length(max=2000)])
    purpose = TextAreaField(_l("Prosecution or execution of a sentence"),
                            validators=[Optional(), Length(max=2000)])
    eurojust = TextAreaField(_l("Eurojust's advice (FD 2002/584 art. 16(2))"),
                             validators=[Optional(), Length(max=2000)])
    reasons = TextAreaField(_l("Reasons for the decision"),
                            validators=[Optional(), Length(max=4000)])
