from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from mla.core.forms import SingleLine


class TrailFilterForm(FlaskForm):
    """The audit page's filters (GET: no CSRF, nothing changes)."""

    class Meta:
        csrf = False

    person = StringField(_l("Person (user name)"),
                         validators=[Optional(), Length(max=64), SingleLine()])
    request = StringField(_l("Request reference"),
                          validators=[Optional(), Length(max=64), SingleLine()])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=64), SingleLine()],
                         description=_l("An action, or its beginning with a dot: auth."),
                         render_kw={"list": "audit-actions"})
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
