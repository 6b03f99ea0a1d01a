"""Every figure links to the requests behind it: the request list (page and API) takes
the reports' filters, and each figure's link carries the filters that count it.

The list reads its own arguments (direction, kind, state, counterpart, assignee); the
others reach it through the ``case_list_filter`` signal and are read here, with the
reports' own definitions (registered in a period, closed in it, open at its end, age,
outcome, refusal ground), so a figure and its list cannot disagree:

- ``from``/``to``: registered between these days (home zone), both included;
- ``legal_basis``, ``measure``, ``iccs`` (section), ``counterpart_authority`` (an id, or
  ``none``);
- ``closed_from``/``closed_to``: closed (a step into a final state) in these days; with
  ``outcome`` (final state names, comma-separated) the state it closed into, and with
  ``ground`` the refusal ground it recorded last;
- ``open_at``: open at the end of that day (by its history); with ``open_state`` (state
  names) the state it was then in, with ``age`` (a bucket) its days since registration.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import aliased

from mla.auth.models import User
from mla.cases.constants import MEASURES
from mla.cases.models import Case, CaseEvent, Measure
from mla.cases.signals import case_list_filter
from mla.cases.validation import home_zone
from mla.core.errors import ApiError
from mla.reports.filters import ReportFilters, day_start
from mla.reports.queries import (
    AGE_BUCKETS,
    age_bounds,
    closings,
    in_iccs_section,
    latest_grounds,
    open_at,
    refusal_ground,
)
from mla.reports.summary import CLOSING_KINDS
from mla.workflow.registry import current_all

LIST_ARGS = ("from", "to", "legal_basis", "measure", "iccs", "counterpart_authority",
             "closed_from", "closed_to", "outcome", "ground", "open_at", "open_state", "age")


# --- links: a figure's filters as the list's arguments ---------------------------------

def list_args(f: ReportFilters, **figure: str) -> dict[str, str] | None:
    """The request list's arguments for a figure: the report's filters (its period only
    where the figure counts registrations: pass ``registered="1"``) and the figure's.
    None for a figure the filters exclude (received, when only outgoing ones are shown)."""
    registered = figure.pop("registered", "")
    if f.direction and figure.get("direction", f.direction) != f.direction:
        return None
    args = {"direction": f.direction, "kind": f.kind, "legal_basis": f.legal_basis,
            "counterpart": f.counterpart_country, "measure": f.measure, "iccs": f.iccs,
            "assignee": str(f.assignee) if f.assignee is not None else ""}
    if registered:
        args |= {"from": f.start_on.isoformat(), "to": f.end_on.isoformat()}
    args |= figure
    return {name: value for name, value in args.items() if value}


def closed_args(f: ReportFilters, **figure: str) -> dict[str, str] | None:
    return list_args(f, closed_from=f.start_on.isoformat(), closed_to=f.end_on.isoformat(),
                     **figure)


def open_args(f: ReportFilters, **figure: str) -> dict[str, str] | None:
    return list_args(f, open_at=f.end_on.isoformat(), **figure)


# --- the list's side ---------------------------------------------------------------------

@case_list_filter.connect
def list_condition(sender: User, args: Mapping[str, str], **_kw: Any
                   ) -> ColumnElement[bool] | None:
    """``case_list_filter`` receiver: the condition the reports' arguments put on a list."""
    given = {name: (args.get(name) or "").strip() for name in LIST_ARGS}
    given = {name: value for name, value in given.items() if value}
    if not given:
        return None
    problems: dict[str, str] = {}
    days = {name: _day(given, name, problems)
            for name in ("from", "to", "closed_from", "closed_to", "open_at")}
    zone = home_zone()
    conditions: list[ColumnElement[bool]] = []
    if days["from"]:
        conditions.append(Case.created_at >= day_start(days["from"], zone))
    if days["to"]:
        conditions.append(Case.created_at < day_start(days["to"] + timedelta(days=1), zone))
    if "legal_basis" in given:
        conditions.append(Case.legal_basis == given["legal_basis"].upper())
    if "measure" in given:
        if given["measure"] not in MEASURES:
            problems["measure"] = _("No such measure.")
        conditions.append(Case.id.in_(select(Measure.case_id)
                                      .where(Measure.code == given["measure"])))
    if "iccs" in given:
        if not (len(given["iccs"]) == 2 and given["iccs"].isascii()
                and given["iccs"].isdigit()):
            problems["iccs"] = _("Give an ICCS section as its two digits, e.g. 02.")
        conditions.append(in_iccs_section(given["iccs"]))
    authority = given.get("counterpart_authority", "")
    if authority == "none":
        conditions.append(Case.counterpart_authority_id.is_(None))
    elif authority:
        if not (authority.isascii() and authority.isdigit() and len(authority) < 10):
            problems["counterpart_authority"] = _("Choose an authority from the list.")
        else:
            conditions.append(Case.counterpart_authority_id == int(authority))
    if days["closed_from"] or days["closed_to"]:
        conditions.append(_closed(sender, days["closed_from"], days["closed_to"],
                                  _names(given, "outcome"), given.get("ground", "")))
    elif "outcome" in given or "ground" in given:
        problems["closed_from"] = _("An outcome or ground needs the days of closing.")
    if days["open_at"]:
        if given.get("age", "") and given["age"] not in AGE_BUCKETS:
            problems["age"] = _("No such age.")
        else:
            conditions.append(_open(sender, days["open_at"], _names(given, "open_state"),
                                    given.get("age", "")))
    elif "open_state" in given or "age" in given:
        problems["open_at"] = _("A state or age needs the day the requests were open.")
    if problems:
        raise ApiError(422, "invalid", _("The filters are not valid."), problems)
    return and_(*conditions)


def _names(given: Mapping[str, str], name: str) -> list[str]:
    return [part.strip() for part in given.get(name, "").split(",") if part.strip()][:20]


def _day(given: Mapping[str, str], name: str, problems: dict[str, str]) -> date | None:
    raw = given.get(name, "")
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or len(raw) != 10 or not 1900 <= value.year <= 9000:
        problems[name] = _("Give a date as YYYY-MM-DD.")
        return None
    return value


def _period(start: date | None, end: date | None) -> ReportFilters:
    return ReportFilters(start_on=start or date(1900, 1, 1), end_on=end or date(9000, 1, 1),
                         zone=home_zone())


def _closed(actor: User, start: date | None, end: date | None, outcome: list[str],
            ground: str) -> ColumnElement[bool]:
    closed = closings(actor, _period(start, end)).subquery()
    ids = select(closed.c.case_id)
    if outcome:
        closing, closed_case = aliased(CaseEvent), aliased(Case)
        ids = (ids.join(closing, and_(closing.case_id == closed.c.case_id,
                                      closing.at == closed.c.closed_at,
                                      closing.kind.in_(CLOSING_KINDS)))
               .join(closed_case, closed_case.id == closed.c.case_id)
               .where(_in_states(closed_case.workflow_name, closing.to_state, outcome)))
    if ground:
        latest = latest_grounds(select(closed.c.case_id))
        ids = ids.where(closed.c.case_id.in_(
            select(latest.c.case_id).join(CaseEvent, CaseEvent.id == latest.c.event_id)
            .where(refusal_ground() == ground)))
    return Case.id.in_(ids)


def _in_states(workflow_col: Any, state_col: Any, names: list[str]) -> ColumnElement[bool]:
    """In one of these states: "workflow:state" (or a bare state, in any workflow)."""
    return or_(*(and_(workflow_col == name.partition(":")[0], state_col == name.partition(":")[2])
                 if ":" in name else state_col == name for name in names))


def _open(actor: User, day: date, states: list[str], age: str) -> ColumnElement[bool]:
    f = _period(day, day)
    stmt, state = open_at(actor, f, current_all())
    if states:
        stmt = stmt.where(_in_states(Case.workflow_name, state, states))
    if age:
        start, until = age_bounds(age, day, f.zone)
        if start is not None:
            stmt = stmt.where(Case.created_at >= start)
        stmt = stmt.where(Case.created_at < until)
    return Case.id.in_(stmt.correlate(None))
