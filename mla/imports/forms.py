"""The admin page's upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField


class ImportForm(FlaskForm):
    register = FileField(_l("Register (.csv or .xlsx)"), validators=[
        FileRequired(), FileAllowed(["csv", "txt", "xlsx"], _l("A .csv or .xlsx file."))])
    mapping = FileField(_l("Mapping (.toml)"), validators=[
        FileRequired(), FileAllowed(["toml"], _l("A .toml mapping file."))])
    check = SubmitField(_l("Check (dry run)"))
    submit = SubmitField(_l("Import"))
