"""The audit trail for auditors and administrators: filter, page through, export."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mla.audit.forms import TrailFilterForm
from mla.audit.queries import TrailFilter, known_actions, trail_csv, trail_page
from mla.core.access import allow
from mla.core.zones import select_timezone

bp = Blueprint("audit", __name__, url_prefix="/audit")

# What an entry is about, in words (the table names stay in the CSV export).
OBJECT_LABELS = {
    "cases": _l("Request"),
    "users": _l("Account"),
    "documents": _l("Document"),
    "route": _l("Page"),
}


def _value_in_words(value: Any) -> str:
    """A detail's value as a person reads it: yes/no, "—" for none (the record stores
    JSON's true/false/null, which Python would print True/False/None)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_value_in_words(v) for v in value) or "—"
    if isinstance(value, dict):
        return "{" + details_in_words(value) + "}"
    return str(value)


def details_in_words(details: dict[str, Any] | None) -> str:
    """The trail page's details: the keys as the hash-chained record names them (auditors
    search for them), the values in words. The CSV export keeps the record's spelling
    (queries.format_details)."""
    return "; ".join(f"{k}={_value_in_words(v)}" for k, v in sorted((details or {}).items()))


def _filters(form: TrailFilterForm) -> TrailFilter:
    if not form.validate():
        # Errors are shown by the form. (A NUL sentinel here was refused by PostgreSQL.)
        return TrailFilter(matches_nothing=True)
    return TrailFilter(person=form.person.data or "", request=form.request.data or "",
                       action=form.action.data or "", date_from=form.date_from.data,
                       date_to=form.date_to.data, zone=ZoneInfo(select_timezone()))


@bp.route("/")
@allow("auditor", "admin")
def trail() -> ResponseReturnValue:
    form = TrailFilterForm(request.args)
    filters = _filters(form)
    try:
        page_number = int(request.args.get("page", 1))
    except ValueError:
        page_number = 1
    page = trail_page(filters, page_number)
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "audit/trail.html", form=form, page=page, actions=known_actions(),
        details_in_words=details_in_words, object_labels=OBJECT_LABELS,
        export_url=url_for("audit.export", **args),
        prev_url=url_for("audit.trail", page=page.page - 1, **args) if page.page > 1 else None,
        next_url=url_for("audit.trail", page=page.page + 1, **args) if page.has_next else None,
    ), 422 if form.errors else 200


@bp.route("/export.csv")
@allow("auditor", "admin")
def export() -> ResponseReturnValue:
    filters = _filters(TrailFilterForm(request.args))
    return Response(trail_csv(filters), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'})
