"""Administration > Import a register: upload a register and its mapping, check it
(a dry run lists every problem by row and column), then import it all or nothing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from mla.core.access import allow
from mla.imports.forms import ImportForm
from mla.imports.mapping import MappingError, parse_mapping
from mla.imports.readers import UnreadableRegister
from mla.imports.services import ImportRefused, import_upload

bp = Blueprint("imports", __name__, url_prefix="/admin/import")


@bp.route("/", methods=["GET", "POST"])
@allow("admin")
def index() -> ResponseReturnValue:
    form = ImportForm()
    result: dict[str, Any] = {}
    if not form.validate_on_submit():
        return render_template("imports/index.html", form=form, **result), (
            422 if form.is_submitted() else 200)
    try:
        mapping = parse_mapping(form.mapping.data.read().decode("utf-8-sig"))
    except (MappingError, UnicodeDecodeError) as exc:
        problems = getattr(exc, "problems", [_("The mapping is not UTF-8 text.")])
        form.mapping.errors = [*form.mapping.errors, *problems]
        return render_template("imports/index.html", form=form), 422
    filename = form.register.data.filename or "register.csv"
    try:
        checked, imported = import_upload(current_user, filename, form.register.data.read(),
                                          mapping, dry_run=bool(form.check.data))
    except UnreadableRegister as exc:
        form.register.errors = [*form.register.errors, str(exc)]
        return render_template("imports/index.html", form=form), 422
    except ImportRefused as exc:
        return render_template("imports/index.html", form=form, errors=exc.errors,
                               read=exc.read, refused=True), 422
    return render_template("imports/index.html", form=form, errors=checked.errors,
                           read=checked.read, good=len(checked.rows),
                           by_state=checked.by_state, imported=imported,
                           dry_run=imported is None), 422 if checked.errors else 200
