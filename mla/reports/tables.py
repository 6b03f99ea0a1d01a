"""Every report table as header and rows: the page shows them, the exports write them,
so what is copied or downloaded is what was on screen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_date, ngettext, pgettext
from flask_babel import gettext as _

from mla.auth.models import User
from mla.cases.constants import MEASURES
from mla.cases.models import Case
from mla.deadlines.rules import get_rule
from mla.reports.filters import ReportFilters
from mla.reports.links import closed_args, list_args, open_args
from mla.reports.queries import (
    AGE_BUCKETS,
    CounterpartRow,
    DeadlineRow,
    Outcomes,
    ReviewColumn,
    Spread,
    TimeReport,
    Workload,
    iccs_titles,
)
from mla.reports.ready import REVIEW_BASES, Ready, counterpart_record_ready, figures
from mla.workflow.grounds import GROUNDS_BY_CODE


def _status() -> str:
    """"State" as a request's place in its workflow, not a country (Arabic, among others,
    has two words; a column of counterpart states keeps the plain message)."""
    return pgettext("a request's place in its workflow", "State")


@dataclass(frozen=True)
class Table:
    name: str           # in export file names and URLs
    title: str
    columns: list[str]
    rows: list[list[Any]]
    links: list[str | None] | None = None  # a request reference per row, where one applies
    # Short labels per row for a chart's axis ("janv.", "1月"), in the reader's language.
    labels: list[str] | None = None
    # Per row, per column: the request list's arguments for the requests a figure counts.
    cell_links: list[list[dict[str, str] | None]] | None = None
    # When the figures were computed (they are kept ready: mla.reports.ready).
    computed_at: datetime | None = None


def _as_of(ready: Ready, tables: list[Table]) -> list[Table]:
    return [replace(t, computed_at=ready.computed_at) for t in tables]


def _days(value: float | None) -> float | int | str:
    """Whole days as integers (59, not 59.0), so CSV and XLSX show what the page shows."""
    if value is None:
        return ""
    return int(value) if value == int(value) else value


def _spread(spread: Spread) -> list[Any]:
    return [spread.count, _days(spread.median), _days(spread.p90)]


def _paused(flag: bool) -> str:
    return _("clock paused") if flag else ""


def _month_labels(months: list[Any]) -> list[str]:
    """A chart's month labels: the abbreviated names ("janv.", "1月"); where a language
    does not abbreviate them (Arabic), the month's number, which fits the bar's width."""
    short = [format_date(m, "MMM") for m in months]
    if any(len(label) > 5 for label in short):
        return [format_date(m, "M") for m in months]
    return short


def workload_tables(actor: User, f: ReportFilters) -> list[Table]:
    ready = figures(actor, "workload", f)
    data: Workload = ready.value
    summary = Table("summary", _("Summary"), [_("Figure"), _("Requests")], [
        [_("Received (incoming, registered in the period)"), data.received],
        [_("Sent (outgoing, registered in the period)"), data.sent],
        [_("Closed in the period"), data.closed],
        [_("Open on the last day"), data.open],
    ], cell_links=[[None, list_args(f, registered="1", direction="incoming")],
                   [None, list_args(f, registered="1", direction="outgoing")],
                   [None, closed_args(f)], [None, open_args(f)]])
    months = Table("months", _("Received and sent per month"),
                   [_("Month"), _("Received"), _("Sent")],
                   [[format_date(m, "MMMM y"), received, sent]
                    for m, received, sent in data.months],
                   labels=_month_labels([m for m, _received, _sent in data.months]),
                   cell_links=[[None, _month_args(f, m, "incoming"), _month_args(f, m, "outgoing")]
                               for m, _received, _sent in data.months])
    by_state = Table("backlog_state", pgettext("a request's place in its workflow",
                                               "Open on the last day, by state"),
                     [_status(), _("Requests"), _("Deadlines")],
                     [[label, n, _paused(paused)] for label, n, paused in data.by_state],
                     cell_links=[[None, open_args(f, open_state=",".join(
                         data.state_names.get(label, []))), None]
                         for label, _n, _paused_ in data.by_state])
    age_names = {"0-30": _("0 to 30 days"), "31-90": _("31 to 90 days"),
                 "91-180": _("91 to 180 days"), "181-365": _("181 to 365 days"),
                 "365+": _("more than 365 days")}
    by_age = Table("backlog_age", _("Open on the last day, by age"),
                   [_("Days since registration"), _("Requests")],
                   [[age_names[b], data.open_by_age[b]] for b in AGE_BUCKETS],
                   cell_links=[[None, open_args(f, age=b)] for b in AGE_BUCKETS])
    oldest = Table("oldest", _("Oldest open requests"),
                   [_("Reference"), _("Title"), _("Counterpart"), _status(), _("Registered")],
                   [[o["reference"], o["title"], o["counterpart_country"], o["state"],
                     format_date(o["registered_at"].astimezone(f.zone).date())]
                    for o in data.oldest],
                   links=[o["reference"] for o in data.oldest])
    return _as_of(ready, [summary, months, by_state, by_age, oldest])


def _month_args(f: ReportFilters, month: date, direction: str) -> dict[str, str] | None:
    """A month's registrations within the period (the first and last months may be
    partial)."""
    last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return list_args(f, direction=direction, **{"from": max(month, f.start_on).isoformat(),
                                                "to": min(last, f.end_on).isoformat()})


def _counterpart_args(f: ReportFilters, row: CounterpartRow,
                      direction: str) -> dict[str, str] | None:
    authority = str(row.authority_id) if row.authority_id is not None else "none"
    return list_args(f, registered="1", direction=direction, counterpart=row.country_code,
                     counterpart_authority=authority)


def time_tables(actor: User, f: ReportFilters) -> list[Table]:
    ready = figures(actor, "time", f)
    data: TimeReport = ready.value
    spread_columns = [_("Requests"), _("Median days"), _("90th percentile, days")]
    to_close = Table("to_close", _("From registration to closing (requests closed in the "
                                   "period)"), spread_columns, [_spread(data.to_close)],
                     cell_links=[[closed_args(f), None, None]])
    in_state = Table("in_state", _("Days spent in each state (requests closed in the "
                                   "period; all stays in a state added up)"),
                     [_status(), _("Deadlines"), *spread_columns],
                     [[label, _paused(paused), *_spread(spread)]
                      for label, paused, spread in data.in_state])
    return _as_of(ready, [to_close, in_state])


def counterpart_tables(actor: User, f: ReportFilters) -> list[Table]:
    ready = figures(actor, "counterparts", f)
    rows: list[CounterpartRow] = ready.value
    table = Table(
        "counterparts", _("Counterparts (requests registered in the period)"),
        [_("State"), _("Authority"), _("Received from"), _("Sent to"),
         _("Median days to acknowledgement"), _("Median days to execution"),
         _("Open requests waiting on a status inquiry")],
        [[r.country, r.authority, r.incoming, r.outgoing, _days(r.to_acknowledge.median),
          _days(r.to_execute.median), r.open_inquiries] for r in rows],
        cell_links=[[None, None, *(_counterpart_args(f, r, d) for d in ("incoming", "outgoing")),
                     None, None, None] for r in rows])
    return _as_of(ready, [table])


def outcome_tables(actor: User, f: ReportFilters) -> list[Table]:
    ready = figures(actor, "outcomes", f)
    data: Outcomes = ready.value
    by_state = Table("outcomes", _("How the requests closed in the period ended"),
                     [_("Outcome"), _("Incoming"), _("Outgoing")],
                     [list(row) for row in data.by_state],
                     cell_links=[[None, *(closed_args(f, direction=d, outcome=",".join(
                         data.state_names.get(label, []))) for d in ("incoming", "outgoing"))]
                         for label, _incoming, _outgoing in data.by_state])
    grounds = []
    for code, n in data.refusals:
        found = GROUNDS_BY_CODE.get(code)
        grounds.append([found.label_text if found else code,
                        found.citation_text if found else "", n])
    refusals = Table("refusals", _("Refusals by ground (requests closed in the period)"),
                     [_("Ground"), _("Article"), _("Requests")], grounds,
                     cell_links=[[None, None, closed_args(f, ground=code)]
                                 for code, _n in data.refusals])
    return _as_of(ready, [by_state, refusals])


def rule_title(code: str) -> str:
    try:
        return get_rule(code).title_text
    except (KeyError, LookupError, ValueError):
        return code.replace("_", " ").capitalize()


def deadline_tables(actor: User, f: ReportFilters) -> list[Table]:
    ready = figures(actor, "deadlines", f)
    rows: list[DeadlineRow] = ready.value
    custody = [r for r in rows if r.is_custody]
    custody_missed = sum(r.missed + r.late for r in custody)
    summary = Table("custody", _("Custody limits due in the period"),
                    [_("Figure"), _("Clocks")],
                    [[_("Custody limits missed or met late (must be zero)"), custody_missed],
                     [_("Custody limits met on time"), sum(r.on_time for r in custody)]])
    table = Table("deadlines", _("Deadlines due in the period, by rule"),
                  [_("Deadline"), _("Custody limit"), _("Due"), _("Met on time"),
                   _("Met late"), _("Passed unmet"), _("Stopped unmet"), _("Not due yet")],
                  [[rule_title(r.rule_code), _("yes") if r.is_custody else "", r.due,
                    r.on_time, r.late, r.missed, r.stopped, r.pending] for r in rows])
    return _as_of(ready, [summary, table])


SECTIONS: dict[str, Callable[[User, ReportFilters], list[Table]]] = {
    "workload": workload_tables,
    "time": time_tables,
    "counterparts": counterpart_tables,
    "outcomes": outcome_tables,
    "deadlines": deadline_tables,
}


def counterpart_line(actor: User, case: Case) -> str:
    """One line on an outgoing request: what its counterpart did with the earlier ones,
    e.g. 'France, bank records: median 94 days to execution, 12 requests since 2024'."""
    record = counterpart_record_ready(actor, case)
    subject = record.country
    if record.measure:
        subject = _("%(country)s, %(measure)s", country=record.country,
                    measure=str(MEASURES.get(record.measure, record.measure)).lower())
    if not record.requests:
        return _("%(subject)s: no earlier requests.", subject=subject)
    count = ngettext("%(num)d request since %(year)s", "%(num)d requests since %(year)s",
                     record.requests, year=record.since)
    if record.to_execute.median is None:
        return _("%(subject)s: none executed yet, %(count)s.", subject=subject, count=count)
    return ngettext("%(subject)s: median %(days)s day to execution (%(executed)s executed), "
                    "%(count)s.",
                    "%(subject)s: median %(days)s days to execution (%(executed)s executed), "
                    "%(count)s.", int(record.to_execute.median), subject=subject,
                    days=_days(record.to_execute.median), count=count,
                    executed=record.to_execute.count)


# --- the implementation review (UNTOC, UNCAC) ------------------------------------------

def review_filters(year: int, zone: ZoneInfo) -> ReportFilters:
    return ReportFilters(start_on=date(year, 1, 1), end_on=date(year, 12, 31), zone=zone)


def review_table(actor: User, year: int, zone: ZoneInfo, *, recompute: bool = False) -> Table:
    """A year's international cooperation under each convention as legal basis, requests
    made (outgoing) and received (incoming): the figures a state reports in the review
    of implementation, one column per convention and direction."""
    headers = [_("Figure")]
    keys: list[tuple[str, str]] = []
    for basis in REVIEW_BASES:
        headers += [_("%(basis)s: requests made", basis=basis),
                    _("%(basis)s: requests received", basis=basis)]
        keys += [("outgoing", basis), ("incoming", basis)]
    ready = figures(actor, "review", review_filters(year, zone), recompute=recompute)
    found: dict[tuple[str, str], ReviewColumn] = ready.value
    per_column = [found.get(key, ReviewColumn()) for key in keys]
    outcome_labels: list[str] = []
    for column in per_column:
        outcome_labels += [label for label in column.ended if label not in outcome_labels]
    rows: dict[str, list[Any]] = {}
    rows[_("Requests registered in the year")] = [c.registered for c in per_column]
    rows[_("Closed in the year")] = [c.closed for c in per_column]
    for label in sorted(outcome_labels):
        rows[label] = [c.ended.get(label, 0) for c in per_column]
    rows[_("Median days from registration to closing")] = [
        _days(c.to_close.median) for c in per_column]
    rows[_("Main counterparts")] = [
        "; ".join(f"{country} ({n})" for country, n in c.counterparts) for c in per_column]
    titles = iccs_titles({s for c in per_column for s, _n in c.sections})
    rows[_("Main offences (ICCS sections)")] = [
        "; ".join(f"{titles.get(s, s)} ({n})" for s, n in c.sections) for c in per_column]
    return Table("review", _("International cooperation in %(year)s", year=year), headers,
                 [[label, *values] for label, values in rows.items()],
                 computed_at=ready.computed_at)
