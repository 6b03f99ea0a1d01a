"""The Reports page and its exports, for the central authority's staff."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from mla.audit.services import record_audit
from mla.cases.constants import DIRECTIONS, KINDS, MEASURES
from mla.cases.queries import staff_choices
from mla.cases.validation import home_today, home_zone
from mla.core.access import allow
from mla.core.errors import ApiError
from mla.core.text import csv_text
from mla.reference.queries import country_choices, instrument_choices
from mla.reports.exports import XLSX_MIMETYPE, xlsx_bytes
from mla.reports.filters import FILTER_NAMES, FilterError, default_period, parse_filters
from mla.reports.queries import iccs_sections
from mla.reports.ready import (
    PAGE_SECTIONS,
    computed_lately,
    max_age,
    page_figures,
    scope_key,
)
from mla.reports.roles import REPORT_READERS
from mla.reports.tables import SECTIONS, Table, review_filters, review_table

bp = Blueprint("reports", __name__, url_prefix="/reports", static_folder="static",
               static_url_path="/static")

SECTION_TITLES = {
    "workload": _l("Workload"),
    "time": _l("Time"),
    "counterparts": _l("Counterparts"),
    "outcomes": _l("Outcomes"),
    "deadlines": _l("Deadlines kept"),
}


@bp.route("/")
@allow(*REPORT_READERS)
def index() -> ResponseReturnValue:
    start_on, end_on = default_period(home_today())
    form = {"from": start_on.isoformat(), "to": end_on.isoformat(),
            **{k: v for k, v in request.args.items() if isinstance(v, str)}}
    try:
        filters = parse_filters(request.args)
    except FilterError as exc:
        return render_template("reports/index.html", form=form, errors=exc.problems,
                               sections=[], **_choices()), 422
    sections = [(name, SECTION_TITLES[name], build(current_user, filters))
                for name, build in SECTIONS.items()]
    return render_template("reports/index.html", form=form, errors={}, filters=filters,
                           sections=sections, **_age(sections), **_choices())


@bp.route("/office")
@allow("prosecutor")
def office() -> ResponseReturnValue:
    """The same figures for a prosecutor, over their own authority's requests only
    (``visible_cases``); each links to the portal's list of them."""
    start_on, end_on = default_period(home_today())
    form = {"from": start_on.isoformat(), "to": end_on.isoformat(),
            **{k: v for k, v in request.args.items() if isinstance(v, str)}}
    page = {"list_endpoint": "portal.index", "office_title": _("My office's figures"),
            **_choices(), "staff": []}
    try:
        filters = parse_filters(request.args)
    except FilterError as exc:
        return render_template("reports/index.html", form=form, errors=exc.problems,
                               sections=[], **page), 422
    if filters.assignee is not None:  # staff are not a prosecutor's filter
        return render_template("reports/index.html", form=form, sections=[], **page,
                               errors={"assignee": _("Choose someone from the list.")}), 422
    sections = [(name, SECTION_TITLES[name], build(current_user, filters))
                for name, build in SECTIONS.items()]
    return render_template("reports/index.html", form=form, errors={}, filters=filters,
                           sections=sections, view="office", **_age(sections), **page)


@bp.route("/<section>/<table>.csv")
@allow(*REPORT_READERS, "prosecutor")
def export_csv(section: str, table: str) -> ResponseReturnValue:
    found = _table(section, table)
    name = f"comity-{section}-{found.name}.csv"
    return Response(csv_text(found.columns, found.rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/<section>/<table>.xlsx")
@allow(*REPORT_READERS, "prosecutor")
def export_xlsx(section: str, table: str) -> ResponseReturnValue:
    found = _table(section, table)
    name = f"comity-{section}-{found.name}.xlsx"
    return Response(xlsx_bytes(found), mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/review")
@allow(*REPORT_READERS)
def review() -> ResponseReturnValue:
    """The implementation review's figures for one calendar year (UNTOC, UNCAC)."""
    year, error = _year()
    if error:
        return render_template("reports/review.html", year=request.args.get("year", ""),
                               error=error, table=None), 422
    table = review_table(current_user, year, home_zone())
    return render_template("reports/review.html", year=year, error="", table=table,
                           as_of=table.computed_at, max_age_minutes=_minutes())


@bp.route("/review.csv")
@allow(*REPORT_READERS)
def review_csv() -> ResponseReturnValue:
    return _review_export("csv")


@bp.route("/review.xlsx")
@allow(*REPORT_READERS)
def review_xlsx() -> ResponseReturnValue:
    return _review_export("xlsx")


def _review_export(fmt: str) -> ResponseReturnValue:
    year, error = _year()
    if error:
        raise ApiError(422, "invalid", error, {"year": error})
    table = review_table(current_user, year, home_zone())
    headers = {"Content-Disposition": f'attachment; filename="comity-review-{year}.{fmt}"'}
    if fmt == "csv":
        return Response(csv_text(table.columns, table.rows), mimetype="text/csv",
                        headers=headers)
    return Response(xlsx_bytes(table), mimetype=XLSX_MIMETYPE, headers=headers)


@bp.route("/recompute", methods=["POST"])
@allow(*REPORT_READERS, "prosecutor")
def recompute() -> ResponseReturnValue:
    """"Recompute now": the figures of the page the reader came from, for their own scope,
    computed again at once; audited; back to the same page and filters."""
    view = request.form.get("view", "")
    if current_user.role == "prosecutor":
        view = "office"  # a prosecutor's figures are their office's page
    elif view not in ("index", "review"):
        view = "index"
    if view == "review":
        year, error = _year(request.form)
        if error:
            return redirect(url_for("reports.review", year=request.form.get("year", "")))
        if computed_lately(current_user, ["review"], review_filters(year, home_zone())):
            _too_soon(view, ["review"], {"year": str(year)})
        else:
            review_table(current_user, year, home_zone(), recompute=True)
            _recomputed(view, ["review"], {"year": str(year)})
        return redirect(url_for("reports.review", year=year))
    args: dict[str, Any] = {
        k: v for k in FILTER_NAMES if (v := (request.form.get(k) or "").strip())}
    back = url_for(f"reports.{view}", **args)
    try:
        filters = parse_filters({k: str(v) for k, v in args.items()})
    except FilterError:
        return redirect(back)  # the page names what is wrong
    if view == "office" and filters.assignee is not None:
        return redirect(back)
    if computed_lately(current_user, PAGE_SECTIONS, filters):
        _too_soon(view, list(PAGE_SECTIONS), filters.query_args())
        return redirect(back)
    page_figures(current_user, filters, recompute=True)
    _recomputed(view, list(PAGE_SECTIONS), filters.query_args())
    return redirect(back)


def _recomputed(view: str, sections: list[str], args: dict[str, str]) -> None:
    _audit_recompute(view, sections, args)
    flash(_("The figures were computed again just now."), "success")


def _too_soon(view: str, sections: list[str], args: dict[str, str]) -> None:
    """Refused: these figures were computed less than a minute ago (each recompute costs
    seconds of database time, and anyone who reads reports may ask for one)."""
    _audit_recompute(view, sections, args, refused="computed_lately")
    flash(_("These figures were computed less than a minute ago: they were not computed "
            "again."), "info")


def _audit_recompute(view: str, sections: list[str], args: dict[str, str],
                     **details: str) -> None:
    scope = scope_key(current_user).split(":", 1)[0]  # all, authority or user
    record_audit(current_user, "reports.recompute", object_type="reports", object_id=view,
                 sections=sections, scope=scope, filters=args, **details)


def _age(sections: list[tuple[str, object, list[Table]]]) -> dict[str, object]:
    """When the page's oldest figures were computed, and how often they are."""
    computed = [t.computed_at for _n, _t, tables in sections for t in tables if t.computed_at]
    return {"as_of": min(computed, default=None), "max_age_minutes": _minutes()}


def _minutes() -> int:
    """The max age in whole minutes, rounded up (0: figures are not kept)."""
    return -(-max_age() // 60)


def _year(source: Mapping[str, str] | None = None) -> tuple[int, str]:
    raw = ((request.args if source is None else source).get("year") or "").strip()
    if not raw:
        return home_today().year - 1, ""
    if not (raw.isascii() and raw.isdigit()) or not 1900 <= int(raw) <= 9000:
        return 0, _("Give a year such as 2025.")
    return int(raw), ""


def _table(section: str, name: str) -> Table:
    build = SECTIONS.get(section)
    if build is None:
        abort(404)
    try:
        filters = parse_filters(request.args)
    except FilterError as exc:
        raise ApiError(422, "invalid", _("The filters are not valid."), exc.problems) from None
    for table in build(current_user, filters):
        if table.name == name:
            return table
    abort(404)


def _choices() -> dict[str, object]:
    return {"DIRECTIONS": DIRECTIONS, "KINDS": KINDS, "MEASURES": MEASURES,
            "countries": country_choices(), "instruments": instrument_choices(),
            "staff": staff_choices(), "iccs_sections": iccs_sections()}
