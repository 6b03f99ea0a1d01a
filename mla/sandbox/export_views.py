"""Export a closed request as a training pack, from its page on a production instance.

The same export as ``flask --app wsgi sandbox export-pack`` (mla.sandbox.export), as a
.zip download for an admin. Unlike the other sandbox pages this one exists outside a
sandbox: real closed requests live on production instances.
"""

from __future__ import annotations

import io
import zipfile

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from mla.core.access import allow
from mla.core.errors import ServiceError
from mla.extensions import db
from mla.sandbox.export import export_pack
from mla.sandbox.forms import ConfirmForm

bp = Blueprint("training_pack", __name__, url_prefix="/requests")


def pack_zip(files: dict[str, str]) -> bytes:
    """The pack's files in a zip, as `sandbox load` reads an unpacked folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(files.items()):
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


@bp.route("/<reference>/training-pack", methods=["POST"])
@allow("admin")
def export(reference: str) -> ResponseReturnValue:
    """The request as a pack skeleton with fictional people, states and dates (audited);
    an open request is refused with the reason on its page."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        exported = export_pack(current_user, reference)
    except ServiceError as exc:  # not closed; an unknown reference stays a 404
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("cases.detail", reference=reference))
    db.session.commit()  # the audit row
    name = f"training-pack-{exported.reference}.zip"
    return Response(pack_zip(exported.files), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
