from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from mla.core.forms import as_choices

VISIBILITY_LABELS = {
    "internal": _l("Internal (central authority only)"),
    "shared": _l("Shared with the domestic authority"),
}


class UploadForm(FlaskForm):
    file = FileField(_l("Document"), validators=[FileRequired(_l("Choose a file."))])
    visibility = SelectField(_l("Who may see it"), choices=as_choices(VISIBILITY_LABELS.items()),
                             default="internal")
