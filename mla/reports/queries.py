"""The figures of the reports, aggregated in the database.

Every count is a SQL ``GROUP BY`` over the requests the actor may see
(``visible_cases``) and the filters. Medians and 90th percentiles are taken in
Python over one column of day counts the database computes (SQLite has no
percentile aggregate): the rows are those of the period only (requests closed
in it, or outgoing requests registered in it), never the requests themselves.

Definitions (the same on the page, in the exports and in the JSON):
- a request is *registered* on the day it was entered (``created_at``, as a
  calendar date in the home state's zone);
- it is *closed* in the period when a step into a final state falls in it;
- it is *open at* an instant when, by its history, the last state it entered
  before that instant is not final (a reopened request is open again);
- its *age* on the last day of the period is the number of days since the day it
  was registered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import g, has_app_context
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy import column as sql_column
from sqlalchemy import values as sql_values
from sqlalchemy.orm import aliased

from mla.auth.models import User
from mla.cases.models import Case, CaseEvent, Measure, Offence
from mla.cases.queries import visible_cases
from mla.core.clock import now
from mla.core.i18n import data_text, iccs_key
from mla.deadlines.models import Deadline, DeadlineStatus
from mla.directory.models import Authority
from mla.extensions import db
from mla.reference.models import Country, IccsCode
from mla.reports.filters import ReportFilters, day_start
from mla.reports.sql import days_between
from mla.reports.summary import CLOSING_KINDS, Stay, recorded_ground
from mla.workflow.definitions import Workflow
from mla.workflow.registry import current_all

AGE_BUCKETS = ("0-30", "31-90", "91-180", "181-365", "365+")
_AGE_LIMITS = (30, 90, 180, 365)  # the last day of each bucket but the last
OLDEST_SHOWN = 10
# Steps of an outgoing request that mark what the counterpart did (the outgoing workflows).
TRANSMITTED = ("transmit",)
ACKNOWLEDGED = ("record_acknowledgement",)
EXECUTED = ("record_results", "extradition_granted")
INQUIRIES = ("inquire_status", "inquire_acknowledgement")


# --- what the workflows say about states -------------------------------------------

@dataclass(frozen=True)
class StateInfo:
    label: str
    terminal: bool
    pauses_clocks: bool


def _workflows() -> list[Workflow]:
    return current_all()


def state_info(workflows: Sequence[Workflow]) -> dict[tuple[str, str], StateInfo]:
    return {(w.name, s.name): StateInfo(str(s.label), s.terminal, s.pauses_clocks)
            for w in workflows for s in w.states.values()}


def _is_terminal(workflows: Sequence[Workflow], workflow_col: Any,
                 state_col: Any) -> ColumnElement[bool]:
    branches = [and_(workflow_col == w.name,
                     state_col.in_([s.name for s in w.states.values() if s.terminal]))
                for w in workflows if any(s.terminal for s in w.states.values())]
    return or_(*branches) if branches else false()


def _label(info: dict[tuple[str, str], StateInfo], workflow: str, state: str) -> str:
    found = info.get((workflow, state))
    return found.label if found else state.replace("_", " ").capitalize()


# --- scope ----------------------------------------------------------------------------

def _scope(actor: User, f: ReportFilters) -> list[ColumnElement[bool]]:
    """The requests the actor may see that match the filters (the period aside)."""
    conditions: list[ColumnElement[bool]] = []
    visible = visible_cases(actor).whereclause
    if visible is not None:
        conditions.append(visible)
    for column, value in ((Case.direction, f.direction), (Case.kind, f.kind),
                          (Case.legal_basis, f.legal_basis),
                          (Case.counterpart_country, f.counterpart_country)):
        if value:
            conditions.append(column == value)
    if f.measure:
        conditions.append(Case.id.in_(select(Measure.case_id).where(Measure.code == f.measure)))
    if f.iccs:
        conditions.append(in_iccs_section(f.iccs))
    if f.assignee is not None:
        conditions.append(Case.assignee_id == f.assignee)
    return conditions


def in_iccs_section(section: str) -> ColumnElement[bool]:
    """Requests with an offence coded in this ICCS section (a code starting with its two
    digits). The codes are a JSON list of strings per offence; its text (the same on
    SQLite and PostgreSQL) holds each code after a double quote."""
    return Case.id.in_(select(Offence.case_id).where(
        cast(Offence.iccs_codes, String).like(f'%"{section}%')))


def _registered_in(f: ReportFilters) -> ColumnElement[bool]:
    return and_(Case.created_at >= f.starts_at, Case.created_at < f.ends_at)


# --- workload -------------------------------------------------------------------------

@dataclass
class Workload:
    received: int = 0
    sent: int = 0
    closed: int = 0
    open: int = 0
    open_by_age: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AGE_BUCKETS, 0))
    # (first day of the month, received, sent), every month of the period
    months: list[tuple[date, int, int]] = field(default_factory=list)
    # (state label, open requests in it, clock paused), largest first
    by_state: list[tuple[str, int, bool]] = field(default_factory=list)
    oldest: list[dict[str, Any]] = field(default_factory=list)
    # The states behind each label of ``by_state``, as "workflow:state" (a state name
    # means different things in different workflows, and workflows may share a label).
    state_names: dict[str, list[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """CONTRACT.md v1.1 ``GET /reports/workload``."""
        return {"received": self.received, "sent": self.sent, "closed": self.closed,
                "open": self.open, "open_by_age": dict(self.open_by_age)}


def month_starts(f: ReportFilters) -> list[date]:
    months, day = [], f.start_on.replace(day=1)
    while day <= f.end_on:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def workload(actor: User, f: ReportFilters, *, details: bool = True) -> Workload:
    """The period's workload; ``details`` adds months, states and the oldest requests."""
    workflows = _workflows()
    scope = _scope(actor, f)
    result = Workload()
    months = month_starts(f)
    # Each registration falls in the latest month whose first day it is not before.
    month_key = case(*((Case.created_at >= day_start(m, f.zone), literal(i))
                       for i, m in reversed(list(enumerate(months)))), else_=literal(-1))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"incoming": 0, "outgoing": 0})
    rows = db.session.execute(
        select(month_key.label("month"), Case.direction, func.count())
        .where(*scope, _registered_in(f)).group_by("month", Case.direction))
    for month, direction, n in rows:
        counts[month][direction] += n
    result.received = sum(c["incoming"] for c in counts.values())
    result.sent = sum(c["outgoing"] for c in counts.values())
    result.months = [(m, counts[i]["incoming"], counts[i]["outgoing"])
                     for i, m in enumerate(months)]
    if db.engine.dialect.name == "postgresql":
        # The time section's registration-to-closing spread counts them too: one statement
        # for both on the Reports page (a year's closings found once, not twice).
        result.closed = _closing_spread(actor, f, workflows).count
    else:
        result.closed = db.session.scalar(
            select(func.count()).select_from(_closings_in(scope, f, workflows).subquery())) or 0
    base, state_col = open_at(actor, f, workflows)
    # Age on the last day: registered on or after (last day - limit) is within the limit.
    age = case(*((Case.created_at >= day_start(f.end_on - timedelta(days=limit), f.zone),
                  literal(bucket)) for limit, bucket in zip(_AGE_LIMITS, AGE_BUCKETS[:-1],
                                                             strict=True)),
               else_=literal(AGE_BUCKETS[-1]))
    # The requests open at the end are read once, counted per state and age together
    # (a few dozen groups): counted by age and then by state, every request registered
    # before the end was read twice (two scans of the table at a million requests).
    open_groups = db.session.execute(
        base.with_only_columns(Case.workflow_name, state_col.label("state"), age.label("age"),
                               func.count())
        .group_by(Case.workflow_name, state_col, age)).all()
    for _workflow, _state, bucket, n in open_groups:
        result.open_by_age[bucket] += n
    result.open = sum(result.open_by_age.values())
    if details:
        result.by_state = _by_state(
            [(workflow, state, n) for workflow, state, _bucket, n in open_groups],
            workflows, result.state_names)
        result.oldest = _oldest(base, state_col, workflows)
    return result


def open_at(actor: User, f: ReportFilters,
            workflows: Sequence[Workflow]) -> tuple[Select[Any], Any]:
    """The requests open at the end of the period, and the column of the state each was in.

    A request nothing happened to since the end (``updated_at`` before it: every step and
    every reopening sets it) was then in the state it is in now; for the others, the
    state is the last one their history entered before the end (a window over the
    history of those requests only).
    """
    scope = _scope(actor, f)
    registered = Case.created_at < f.ends_at
    if f.ends_at > now():
        return (select(Case.id).where(*scope, registered, Case.is_closed.is_(False)),
                Case.state)
    changed_since = (select(Case.id).where(*scope, registered, Case.updated_at >= f.ends_at)
                     .scalar_subquery())
    ranked = (
        select(CaseEvent.case_id, CaseEvent.to_state,
               func.row_number().over(partition_by=CaseEvent.case_id,
                                      order_by=(CaseEvent.at.desc(), CaseEvent.id.desc()))
               .label("rank"))
        .where(CaseEvent.case_id.in_(changed_since), CaseEvent.to_state.is_not(None),
               CaseEvent.at < f.ends_at)
        .subquery())
    state = case((Case.updated_at < f.ends_at, Case.state), else_=ranked.c.to_state)
    stmt = (select(Case.id)
            .outerjoin(ranked, and_(ranked.c.case_id == Case.id, ranked.c.rank == 1))
            .where(*scope, registered, state.is_not(None),
                   ~_is_terminal(workflows, Case.workflow_name, state)))
    return stmt, state


def _by_state(rows: Iterable[tuple[str, str, int]], workflows: Sequence[Workflow],
              names: dict[str, list[str]]) -> list[tuple[str, int, bool]]:
    """The open requests per state label, from their counts per workflow and state."""
    info = state_info(workflows)
    totals: dict[str, int] = defaultdict(int)
    paused: dict[str, bool] = {}
    for workflow, state, n in rows:
        label = _label(info, workflow, state)
        totals[label] += n
        if f"{workflow}:{state}" not in names.setdefault(label, []):
            names[label].append(f"{workflow}:{state}")
        found = info.get((workflow, state))
        paused[label] = paused.get(label, False) or bool(found and found.pauses_clocks)
    return sorted(((label, n, paused[label]) for label, n in totals.items()),
                  key=lambda row: (-row[1], row[0]))


def _oldest(base: Select[Any], state_col: Any,
            workflows: Sequence[Workflow]) -> list[dict[str, Any]]:
    info = state_info(workflows)
    rows = db.session.execute(
        base.with_only_columns(Case.reference, Case.title, Case.workflow_name, state_col,
                               Case.created_at, Case.counterpart_country)
        .order_by(Case.created_at, Case.id).limit(OLDEST_SHOWN))
    return [{"reference": ref, "title": title, "state": _label(info, workflow, state),
             "registered_at": created, "counterpart_country": country}
            for ref, title, workflow, state, created, country in rows]


# --- time -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Spread:
    """Days: how many requests, their median and 90th percentile (None when none)."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, days: Sequence[float]) -> Spread:
        values = sorted(days)
        if not values:
            return cls(0, None, None)
        return cls(len(values), round(percentile(values, 0.5), 1),
                   round(percentile(values, 0.9), 1))


def percentile(ordered: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    position = p * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class TimeReport:
    to_close: Spread
    # (state label, clock paused there, Spread of days per request), slowest first
    in_state: list[tuple[str, bool, Spread]]


def _closings(actor: User, f: ReportFilters, workflows: Sequence[Workflow]) -> Any:
    """Each request closed in the period, with its (last) closing instant in it, and its
    registration instant, workflow and direction (read in the summary: every step into a
    final state ends a stay)."""
    return _closings_in(_scope(actor, f), f, workflows)


def _closings_in(scope: list[ColumnElement[bool]], f: ReportFilters,
                 workflows: Sequence[Workflow]) -> Any:
    names = sorted({s.name for w in workflows for s in w.states.values() if s.terminal})
    in_scope = [Stay.case_id.in_(select(Case.id).where(*scope))] if scope else []
    return (select(Stay.case_id.label("case_id"), func.max(Stay.left_at).label("closed_at"),
                   Stay.registered_at, Stay.workflow_name, Stay.direction)
            .where(*in_scope, Stay.left_at >= f.starts_at, Stay.left_at < f.ends_at,
                   Stay.next_kind.in_(CLOSING_KINDS), Stay.next_state.in_(names),
                   _is_terminal(workflows, Stay.workflow_name, Stay.next_state))
            .group_by(Stay.case_id, Stay.registered_at, Stay.workflow_name, Stay.direction))


def _closing_steps(scope: list[ColumnElement[bool]], f: ReportFilters,
                   workflows: Sequence[Workflow]) -> Any:
    """Each request closed in the period with the final state its (last) closing step
    entered: the closings' own rows, ranked per request by instant, the latest kept
    (ranked, not numbered: steps at the same instant are all kept, as a join on the
    closing instant kept them).

    Read with the closings, from the same index (the period's steps into final states),
    rather than by looking each closing step up again by request and instant: PostgreSQL
    merged the closings with every step of the period it had sorted after reading the
    whole summary (3.6 s cold at a million requests)."""
    names = sorted({s.name for w in workflows for s in w.states.values() if s.terminal})
    in_scope = [Stay.case_id.in_(select(Case.id).where(*scope))] if scope else []
    ranked = (select(Stay.case_id, Stay.workflow_name, Stay.direction, Stay.next_state,
                     func.rank().over(partition_by=Stay.case_id,
                                      order_by=Stay.left_at.desc()).label("latest"))
              .where(*in_scope, Stay.left_at >= f.starts_at, Stay.left_at < f.ends_at,
                     Stay.next_kind.in_(CLOSING_KINDS), Stay.next_state.in_(names),
                     _is_terminal(workflows, Stay.workflow_name, Stay.next_state))
              .subquery())
    return (select(ranked.c.case_id, ranked.c.workflow_name, ranked.c.direction,
                   ranked.c.next_state)
            .where(ranked.c.latest == 1))


def time_report(actor: User, f: ReportFilters) -> TimeReport:
    """For the requests closed in the period: registration to closing, and the days each
    spent in every state it went through (all its stays in a state added up)."""
    workflows = _workflows()
    closings = _closings(actor, f, workflows).subquery()
    to_close = _closing_spread(actor, f, workflows)
    # The stays finished before the period's end (the summary holds finished stays only;
    # the one a request was still in at the end is not counted, as before).
    # A join, not IN: the closings have one row per request, which the planner then
    # counts (IN made it expect 200 requests and look each one's stays up in turn).
    stays = (select(Stay.case_id, Stay.workflow_name, Stay.state.label("to_state"),
                    Stay.entered_at.label("entered"), Stay.left_at.label("left"))
             .join(closings, closings.c.case_id == Stay.case_id)
             .where(Stay.left_at < f.ends_at,
                    # An imported request's stays before its closing (registration to
                    # import or closing) are not time known to be spent in that state.
                    Stay.next_kind != "imported")
             .subquery())
    info = state_info(workflows)
    if db.engine.dialect.name == "postgresql":
        in_state = _in_state_postgresql(stays, info)
        return TimeReport(to_close=to_close, in_state=in_state)
    rows = db.session.execute(
        select(stays.c.workflow_name, stays.c.to_state,
               func.sum(days_between(stays.c.left, stays.c.entered)))
        .group_by(stays.c.case_id, stays.c.workflow_name, stays.c.to_state))
    per_state: dict[str, list[float]] = defaultdict(list)
    paused: dict[str, bool] = {}
    for workflow, state, days in rows:
        found = info.get((workflow, state))
        if found is not None and found.terminal:
            continue  # a request reopened after closing: its time closed is not work
        label = _label(info, workflow, state)
        per_state[label].append(float(days))
        paused[label] = paused.get(label, False) or bool(found and found.pauses_clocks)
    in_state = sorted(((label, paused[label], Spread.of(days))
                       for label, days in per_state.items()),
                      key=lambda row: (-(row[2].median or 0), row[0]))
    return TimeReport(to_close=to_close, in_state=in_state)


def _closing_spread(actor: User, f: ReportFilters, workflows: Sequence[Workflow]) -> Spread:
    """Days from registration to closing of the requests closed in the period, found once
    per database transaction for a reader and view (the page's workload and time sections
    both ask; a later transaction, which may see new steps, finds them again)."""
    transaction = db.session().get_transaction()
    memo: dict[Any, Spread] | None = None
    if transaction is not None and has_app_context():
        memo = g.setdefault("report_closing_spreads", {})
    key = (transaction, actor.id, f)
    if memo is not None and key in memo:
        return memo[key]
    spread = _to_close(_closings(actor, f, workflows).subquery())
    if memo is not None:
        memo[key] = spread
    return spread


def _to_close(closings: Any) -> Spread:
    """Days from registration to closing of these closings: percentiles in the database on
    PostgreSQL (one row, not one per request), over the day counts in Python on SQLite."""
    days = days_between(closings.c.closed_at, closings.c.registered_at)
    joined = select().select_from(closings)
    if db.engine.dialect.name != "postgresql":
        return Spread.of([float(d) for d in db.session.scalars(joined.add_columns(days))])
    n, median, p90 = db.session.execute(joined.add_columns(
        func.count(), func.percentile_cont(0.5).within_group(days),
        func.percentile_cont(0.9).within_group(days))).one()
    return _spread_of(n, median, p90)


def _spread_of(n: int, median: Any, p90: Any) -> Spread:
    if not n:
        return Spread(0, None, None)
    return Spread(int(n), round(float(median), 1), round(float(p90), 1))


def _in_state_postgresql(stays: Any, info: dict[tuple[str, str], StateInfo]
                         ) -> list[tuple[str, bool, Spread]]:
    """Time in each state with the percentiles taken in PostgreSQL (percentile_cont, the
    interpolation ``percentile`` copies): one row per state label, not one per request and
    state (25,000 rows at 20,000 requests made the page 19 times the list's).

    Each state that is not final is joined to its label's number (a VALUES list, one hash
    probe per sum) rather than matched by a CASE of every state of every workflow, and
    the sums are grouped and sorted by that number rather than by the label's text: at a
    million requests a year's 1.3 million (request, state) sums go through both."""
    labels = sorted({i.label for i in info.values() if not i.terminal})
    if not labels:
        return []
    number = {lab: n for n, lab in enumerate(labels)}
    # Each state that is not final with its label's number, joined to the sums (after
    # grouping: the planner cannot count a join to a VALUES list and, joined before, it
    # hashed every stay of every request to find those of the closed ones).
    known = sql_values(sql_column("workflow_name", String), sql_column("state", String),
                       sql_column("label", Integer), name="known_states").data(
        [(w, st, number[i.label]) for (w, st), i in sorted(info.items()) if not i.terminal])
    sums = (select(stays.c.workflow_name, stays.c.to_state,
                   func.sum(days_between(stays.c.left, stays.c.entered)).label("days"))
            .group_by(stays.c.case_id, stays.c.workflow_name, stays.c.to_state)
            .subquery())
    per_case = (select(known.c.label, sums.c.days)
                .join(known, and_(known.c.workflow_name == sums.c.workflow_name,
                                  known.c.state == sums.c.to_state))
                .subquery())
    rows = db.session.execute(
        select(per_case.c.label, func.count(),
               func.percentile_cont(0.5).within_group(per_case.c.days),
               func.percentile_cont(0.9).within_group(per_case.c.days))
        .group_by(per_case.c.label))
    paused = {lab: any(i.pauses_clocks for i in info.values() if i.label == lab)
              for lab in labels}
    result = [(labels[n], paused[labels[n]],
               Spread(int(count), round(float(median), 1), round(float(p90), 1)))
              for n, count, median, p90 in rows]
    return sorted(result, key=lambda row: (-(row[2].median or 0), row[0]))


# --- counterparts ---------------------------------------------------------------------

@dataclass
class CounterpartRow:
    country_code: str
    country: str
    authority: str
    incoming: int = 0
    outgoing: int = 0
    to_acknowledge: Spread = field(default_factory=lambda: Spread(0, None, None))
    to_execute: Spread = field(default_factory=lambda: Spread(0, None, None))
    open_inquiries: int = 0
    authority_id: int | None = None


def counterparts(actor: User, f: ReportFilters) -> list[CounterpartRow]:
    """Per counterpart state and authority, for the requests registered in the period:
    how many each way; for outgoing ones, days from transmission to the counterpart's
    acknowledgement and to its execution; and how many open outgoing requests wait on
    a status inquiry (the inquiry is the last step taken on them)."""
    scope = [*_scope(actor, f), _registered_in(f)]
    key = (Case.counterpart_country, Case.counterpart_authority_id)
    rows: dict[tuple[str, int | None], CounterpartRow] = {}
    # Counted per counterpart first, then named (a few rows to join, not every request).
    per_key = (select(*key, func.sum(case((Case.direction == "incoming", 1), else_=0))
                      .label("incoming"),
                      func.sum(case((Case.direction == "outgoing", 1), else_=0))
                      .label("outgoing"))
               .where(*scope).group_by(*key).subquery())
    counted = db.session.execute(
        select(per_key.c.counterpart_country, per_key.c.counterpart_authority_id,
               Country.name, Authority.name, per_key.c.incoming, per_key.c.outgoing)
        .join(Country, Country.code == per_key.c.counterpart_country)
        .outerjoin(Authority, Authority.id == per_key.c.counterpart_authority_id))
    for code, authority_id, country, authority, incoming, outgoing in counted:
        rows[(code, authority_id)] = CounterpartRow(code, country, authority or "",
                                                   int(incoming or 0), int(outgoing or 0),
                                                   authority_id=authority_id)
    first = {name: func.min(case((CaseEvent.transition.in_(steps), CaseEvent.at)))
             for name, steps in (("sent", TRANSMITTED), ("ack", ACKNOWLEDGED),
                                 ("done", EXECUTED))}
    per_case = (select(*key, first["sent"].label("sent"), first["ack"].label("ack"),
                       first["done"].label("done"))
                .join(CaseEvent, CaseEvent.case_id == Case.id)
                .where(*scope, Case.direction == "outgoing", CaseEvent.kind == "transition",
                       CaseEvent.transition.in_(TRANSMITTED + ACKNOWLEDGED + EXECUTED))
                .group_by(Case.id, *key).subquery())
    ack_days: dict[tuple[str, int | None], list[float]] = defaultdict(list)
    done_days: dict[tuple[str, int | None], list[float]] = defaultdict(list)
    for code, authority_id, to_ack, to_done in db.session.execute(
            select(per_case.c.counterpart_country, per_case.c.counterpart_authority_id,
                   days_between(per_case.c.ack, per_case.c.sent),
                   days_between(per_case.c.done, per_case.c.sent))
            .where(per_case.c.sent.is_not(None))):
        if to_ack is not None:
            ack_days[(code, authority_id)].append(float(to_ack))
        if to_done is not None:
            done_days[(code, authority_id)].append(float(to_done))
    for row_key, days in ack_days.items():
        if row_key in rows:
            rows[row_key].to_acknowledge = Spread.of(days)
    for row_key, days in done_days.items():
        if row_key in rows:
            rows[row_key].to_execute = Spread.of(days)
    for code, authority_id, n in _waiting_on_inquiry(scope):
        if (code, authority_id) in rows:
            rows[(code, authority_id)].open_inquiries = n
    return sorted(rows.values(), key=lambda r: (-(r.incoming + r.outgoing), r.country,
                                                r.authority))


def _waiting_on_inquiry(scope: list[ColumnElement[bool]]) -> list[tuple[str, int | None, int]]:
    """The open outgoing requests in scope whose last step is a status inquiry: each one's
    last step read from the history index (case_id, at) backwards, one request at a
    time, rather than ranking every step of them all (a scan of the whole history at a
    million requests)."""
    event = aliased(CaseEvent)
    last_step = (select(event.transition)
                 .where(event.case_id == Case.id, event.kind == "transition")
                 .order_by(event.at.desc(), event.id.desc()).limit(1)
                 .correlate(Case).scalar_subquery())
    return [(code, authority_id, n) for code, authority_id, n in db.session.execute(
        select(Case.counterpart_country, Case.counterpart_authority_id, func.count())
        .where(*scope, Case.direction == "outgoing", Case.is_closed.is_(False),
               last_step.in_(INQUIRIES))
        .group_by(Case.counterpart_country, Case.counterpart_authority_id))]


# --- one counterpart's record, for whoever drafts a request to it ----------------------
#
# The record leaves the request itself out. It is computed over every request to the
# counterpart (a figure shared by all of them, kept ready: mla.reports.ready), and the
# request's own part is then taken out in Python, exactly: its count, its year if it was
# the earliest, and its days from transmission to execution if it was executed.

@dataclass(frozen=True)
class CounterpartRecord:
    country: str
    measure: str  # a measure code, or "" for every kind of request
    requests: int
    since: int | None  # the year of the earliest
    to_execute: Spread


@dataclass(frozen=True)
class CounterpartHistory:
    """Every outgoing request to one counterpart state, of one kind (asking for one
    measure, if any), that a scope sees: enough to leave any one of them out exactly."""

    requests: int
    earliest_years: tuple[int, ...]  # the years of the two earliest (one, or none)
    to_execute: Spread
    # For the median and the 90th percentile: where their neighbourhood starts in the
    # sorted days and the (up to) three days from there, all that a figure over the days
    # less any one of them reads (see ``_spread_without``).
    near: tuple[tuple[int, tuple[float, ...]], ...]
    # The newest request and history row there were: a request with a newer history row
    # changed since, so its part may not be in these figures as it is now.
    last_case_id: int
    last_event_id: int


@dataclass(frozen=True)
class OwnPart:
    """A request's part in its counterpart's history, as it is now."""

    case_id: int
    counted: bool  # among the requests the history counts (the reader sees it, outgoing)
    year: int
    days: float | None  # from its transmission to its execution, if both happened
    last_event_id: int


NEAR = (0.5, 0.9)


def counterpart_filters(case: Case) -> ReportFilters:
    """The requests a request's counterpart record is about: outgoing, to its state, of
    its kind, asking for its first measure if it names one."""
    return ReportFilters(start_on=date.min, end_on=date.min, direction="outgoing",
                         kind=case.kind, counterpart_country=case.counterpart_country,
                         measure=case.measures[0].code if case.measures else "")


def counterpart_record(actor: User, case: Case) -> CounterpartRecord:
    """The other outgoing requests to this request's counterpart state (of the same kind,
    asking for its first measure if it names one): how many since when, and the days from
    transmission to execution. Computed now (the page reads it kept ready)."""
    f = counterpart_filters(case)
    own = own_part(actor, f, case)
    return record_without(counterpart_history(actor, f), own, f)


def counterpart_history(actor: User, f: ReportFilters) -> CounterpartHistory:
    conditions = _scope(actor, f)
    requests, last_case_id, last_event_id = db.session.execute(
        select(func.count(), select(func.max(Case.id)).scalar_subquery(),
               select(func.max(CaseEvent.id)).scalar_subquery()).where(*conditions)).one()
    earliest = db.session.scalars(
        select(Case.created_at).where(*conditions).order_by(Case.created_at).limit(2)).all()
    sent = func.min(case_when(CaseEvent.transition.in_(TRANSMITTED), CaseEvent.at))
    done = func.min(case_when(CaseEvent.transition.in_(EXECUTED), CaseEvent.at))
    per_case = (select(sent.label("sent"), done.label("done"))
                .select_from(Case).join(CaseEvent, CaseEvent.case_id == Case.id)
                .where(*conditions, CaseEvent.kind == "transition",
                       CaseEvent.transition.in_(TRANSMITTED + EXECUTED))
                .group_by(Case.id).subquery())
    days = sorted(float(d) for d in db.session.scalars(
        select(days_between(per_case.c.done, per_case.c.sent))
        .where(per_case.c.sent.is_not(None), per_case.c.done.is_not(None))).all())
    near = tuple((start, tuple(days[start:start + 3]))
                 for start in (int(p * (len(days) - 2)) if len(days) > 1 else 0 for p in NEAR))
    return CounterpartHistory(requests=requests, earliest_years=tuple(e.year for e in earliest),
                              to_execute=Spread.of(days), near=near,
                              last_case_id=last_case_id or 0, last_event_id=last_event_id or 0)


def own_part(actor: User, f: ReportFilters, case: Case) -> OwnPart:
    """The request's part, read by the same definitions as the history's (one row)."""

    def first(steps: tuple[str, ...]) -> Any:
        return (select(func.min(CaseEvent.at))
                .where(CaseEvent.case_id == Case.id, CaseEvent.kind == "transition",
                       CaseEvent.transition.in_(steps)).scalar_subquery())

    # Its own subquery by primary key (evaluated once), not the scope's conditions in the
    # select list: there PostgreSQL hashes an IN (a measure's requests) over all rows.
    counted = exists(select(Case.id).where(Case.id == case.id, *_scope(actor, f))
                     .correlate(None))
    row = db.session.execute(
        select(Case.created_at, counted, days_between(first(EXECUTED), first(TRANSMITTED)),
               select(func.max(CaseEvent.id)).where(CaseEvent.case_id == Case.id)
               .scalar_subquery())
        .where(Case.id == case.id)).one()
    return OwnPart(case_id=case.id, counted=bool(row[1]), year=row[0].year,
                   days=None if row[2] is None else float(row[2]), last_event_id=row[3] or 0)


def includes(history: CounterpartHistory, own: OwnPart) -> bool:
    """Whether the history was computed after the request last changed (then its part
    there is its part now). History rows of other transactions still open while the
    history was computed, with lower ids, are the one gap (documented)."""
    return own.case_id <= history.last_case_id and own.last_event_id <= history.last_event_id


def record_without(history: CounterpartHistory, own: OwnPart,
                   f: ReportFilters) -> CounterpartRecord:
    """The history with the request's own part left out."""
    requests, years, spread = history.requests, list(history.earliest_years), \
        history.to_execute
    if own.counted and requests:
        requests -= 1
        if years and years[0] == own.year:
            years = years[1:]  # it was the earliest, or as early as the second
        if own.days is not None:
            spread = _spread_without(history, own.days)
    country = db.session.get(Country, f.counterpart_country)
    return CounterpartRecord(country=country.name if country else f.counterpart_country,
                             measure=f.measure, requests=requests,
                             since=years[0] if requests and years else None,
                             to_execute=spread)


def _spread_without(history: CounterpartHistory, days: float) -> Spread:
    """``Spread.of`` the history's days less one of them equal to ``days``, from the
    neighbourhoods of its median and 90th percentile: in the sorted days less that one,
    position i holds the i-th day if that is below ``days``, else the (i+1)-th."""
    remaining = history.to_execute.count - 1
    if remaining <= 0:
        return Spread(0, None, None)
    found: list[float] = []
    for p, (start, near) in zip(NEAR, history.near, strict=True):

        def at(i: int, start: int = start, near: tuple[float, ...] = near) -> float:
            j = i - start
            return near[j] if near[j] < days else near[j + 1]

        position = p * (remaining - 1)
        low = int(position)
        high = min(low + 1, remaining - 1)
        found.append(at(low) + (at(high) - at(low)) * (position - low))
    return Spread(remaining, round(found[0], 1), round(found[1], 1))


def case_when(condition: ColumnElement[bool], value: Any) -> Any:
    return case((condition, value))


# --- outcomes -------------------------------------------------------------------------

@dataclass
class Outcomes:
    # (final state label, incoming, outgoing), most frequent first
    by_state: list[tuple[str, int, int]]
    # (ground code, requests), most frequent first
    refusals: list[tuple[str, int]]
    # The final states behind each label of ``by_state``, as "workflow:state".
    state_names: dict[str, list[str]] = field(default_factory=dict)


def outcomes(actor: User, f: ReportFilters) -> Outcomes:
    """How the requests closed in the period ended (their final state on closing), and
    for those closed with a refusal ground recorded on the way, the ground (the last one
    recorded, if a proposal was sent back and made again)."""
    workflows = _workflows()
    closings = _closing_steps(_scope(actor, f), f, workflows).subquery()
    rows = db.session.execute(
        select(closings.c.workflow_name, closings.c.next_state, closings.c.direction,
               func.count())
        .group_by(closings.c.workflow_name, closings.c.next_state, closings.c.direction))
    info = state_info(workflows)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"incoming": 0, "outgoing": 0})
    names: dict[str, list[str]] = {}
    for workflow, state, direction, n in rows:
        label = _label(info, workflow, state or "")
        counts[label][direction] += n
        if state and f"{workflow}:{state}" not in names.setdefault(label, []):
            names[label].append(f"{workflow}:{state}")
    by_state = sorted(((label, c["incoming"], c["outgoing"]) for label, c in counts.items()),
                      key=lambda row: (-(row[1] + row[2]), row[0]))
    # The last step of each that recorded a ground (the summary keeps each step's ground).
    closed = _closings(actor, f, workflows).subquery()
    latest = (select(Stay.case_id, func.max(Stay.left_event_id).label("event_id"))
              .where(Stay.case_id.in_(select(closed.c.case_id)),
                     Stay.next_kind == "transition", Stay.ground.is_not(None))
              .group_by(Stay.case_id).subquery())
    recorded = aliased(Stay)
    refusals = db.session.execute(
        select(recorded.ground, func.count())
        .select_from(latest).join(recorded, recorded.left_event_id == latest.c.event_id)
        .group_by(recorded.ground))
    return Outcomes(by_state=by_state,
                    refusals=sorted(((str(g), n) for g, n in refusals),
                                    key=lambda r: (-r[1], r[0])),
                    state_names=names)


def refusal_ground() -> Any:
    """The refusal ground a step recorded (its form's value), or NULL."""
    return recorded_ground(CaseEvent)


def latest_grounds(case_ids: Select[Any]) -> Any:
    """For each of these requests that recorded a refusal ground, its last such step."""
    ground = refusal_ground()
    return (select(CaseEvent.case_id, func.max(CaseEvent.id).label("event_id"))
            .where(CaseEvent.case_id.in_(case_ids), CaseEvent.kind == "transition",
                   ground.is_not(None), ground != "")
            .group_by(CaseEvent.case_id).subquery())


def closings(actor: User, f: ReportFilters) -> Any:
    """The requests closed in the period with their closing instant (see ``_closings``)."""
    return _closings(actor, f, _workflows())


def is_terminal(workflow_col: Any, state_col: Any) -> ColumnElement[bool]:
    return _is_terminal(_workflows(), workflow_col, state_col)


def age_bounds(bucket: str, on: date, zone: Any) -> tuple[datetime | None, datetime | None]:
    """The registration instants [from, until) of an age bucket on a day."""
    limits = (-1, *_AGE_LIMITS)
    i = AGE_BUCKETS.index(bucket)
    until = day_start(on - timedelta(days=limits[i]), zone)
    start = (day_start(on - timedelta(days=limits[i + 1]), zone)
             if i + 1 < len(limits) else None)
    return start, until


# --- deadlines kept -------------------------------------------------------------------

@dataclass(frozen=True)
class DeadlineRow:
    rule_code: str
    is_custody: bool
    due: int        # clocks whose last day fell in the period
    on_time: int    # met on or before their due instant
    late: int       # met after it
    missed: int     # still running or paused when their due instant passed
    stopped: int    # stopped unmet (the request closed or the step was undone)
    pending: int    # not due yet (the period runs past now)


def deadlines_kept(actor: User, f: ReportFilters) -> list[DeadlineRow]:
    """Per rule, the clocks due in the period and what became of them; custody limits
    first (a custody limit missed is the one figure that must be zero)."""
    at = min(now(), f.ends_at)
    met, stopped = DeadlineStatus.MET, DeadlineStatus.STOPPED
    open_statuses = (DeadlineStatus.RUNNING, DeadlineStatus.PAUSED)

    def count(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    rows = db.session.execute(
        select(Deadline.rule_code, Deadline.is_custody, func.count(),
               count(and_(Deadline.status == met, Deadline.ended_at <= Deadline.due_at)),
               count(and_(Deadline.status == met, Deadline.ended_at > Deadline.due_at)),
               count(and_(Deadline.status.in_(open_statuses), Deadline.due_at < at)),
               count(Deadline.status == stopped),
               count(and_(Deadline.status.in_(open_statuses), Deadline.due_at >= at)))
        .join(Case, Case.id == Deadline.case_id)
        .where(*_scope(actor, f), Deadline.due_at >= f.starts_at, Deadline.due_at < f.ends_at)
        .group_by(Deadline.rule_code, Deadline.is_custody))
    result = [DeadlineRow(code, bool(custody), *(int(n or 0) for n in numbers))
              for code, custody, *numbers in rows]
    return sorted(result, key=lambda r: (not r.is_custody, -r.missed, r.rule_code))


# --- offences -------------------------------------------------------------------------

def offence_sections(actor: User, f: ReportFilters, top: int = 3) -> list[tuple[str, int]]:
    """The ICCS sections (level 1, the code's first two digits) most often among the
    offences of the requests registered in the period: (section code, requests).

    The codes are a JSON list per offence, which SQLite and PostgreSQL unnest differently;
    the one column is read for the period's requests and counted here."""
    rows = db.session.execute(
        select(Offence.case_id, Offence.iccs_codes)
        .join(Case, Case.id == Offence.case_id).where(*_scope(actor, f), _registered_in(f)))
    cases: dict[str, set[int]] = defaultdict(set)
    for case_id, codes in rows:
        for code in codes or ():
            if isinstance(code, str) and len(code) >= 2:
                cases[code[:2]].add(case_id)
    counted = sorted(((section, len(ids)) for section, ids in cases.items()),
                     key=lambda row: (-row[1], row[0]))
    return counted[:top]


def iccs_sections() -> list[tuple[str, str]]:
    """The ICCS sections (level 1) a report can be narrowed to: (two digits, title)."""
    rows = db.session.execute(
        select(IccsCode.code, IccsCode.title).where(IccsCode.level == 1).order_by(IccsCode.code))
    return [(code, data_text(iccs_key(code), title)) for code, title in rows]


def iccs_titles(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = db.session.execute(
        select(IccsCode.code, IccsCode.title).where(IccsCode.code.in_(sorted(codes))))
    return {code: data_text(iccs_key(code), title) for code, title in rows}


# --- the implementation review: every column in one pass -------------------------------

@dataclass
class ReviewColumn:
    """One direction under one legal basis in a period (a column of the review)."""

    registered: int = 0
    to_close: Spread = field(default_factory=lambda: Spread(0, None, None))
    # outcome label -> requests closed into it
    ended: dict[str, int] = field(default_factory=dict)
    # (counterpart state, requests registered), per state and authority, most first
    counterparts: list[tuple[str, int]] = field(default_factory=list)
    sections: list[tuple[str, int]] = field(default_factory=list)

    @property
    def closed(self) -> int:
        return self.to_close.count


def review_columns(actor: User, f: ReportFilters, bases: Sequence[str],
                   top: int = 3) -> dict[tuple[str, str], ReviewColumn]:
    """The review's figures for each (direction, legal basis) among ``bases``: the same
    definitions as ``workload``, ``outcomes``, ``time_report`` and ``counterparts`` with
    that direction and basis as filters, each grouped in one query for every column."""
    workflows = _workflows()
    group = (Case.direction, Case.legal_basis)
    scope = [*_scope(actor, f), Case.legal_basis.in_(bases)]
    columns: dict[tuple[str, str], ReviewColumn] = defaultdict(ReviewColumn)
    for direction, basis, n in db.session.execute(
            select(*group, func.count()).where(*scope, _registered_in(f)).group_by(*group)):
        columns[(direction, basis)].registered = n
    # Every closing in the period, narrowed by the scope on the request each query joins
    # anyway (one row per request either way: the same closings as with the scope inside,
    # without a second reading of the requests to find their ids).
    closings = _closings_in([], f, workflows).subquery()
    _review_to_close(closings, group, scope, columns)
    info = state_info(workflows)
    closing = _closing_steps([], f, workflows).subquery()
    for direction, basis, workflow, state, n in db.session.execute(
            select(*group, Case.workflow_name, closing.c.next_state, func.count())
            .select_from(closing).join(Case, Case.id == closing.c.case_id)
            .where(*scope)
            .group_by(*group, Case.workflow_name, closing.c.next_state)):
        ended = columns[(direction, basis)].ended
        label = _label(info, workflow, state or "")
        ended[label] = ended.get(label, 0) + n
    per_counterpart: dict[tuple[str, str], list[tuple[int, str, str]]] = defaultdict(list)
    # Counted per counterpart first, then named (a few rows to join, not every request).
    per_key = (select(*group, Case.counterpart_country, Case.counterpart_authority_id,
                      func.count().label("n"))
               .where(*scope, _registered_in(f))
               .group_by(*group, Case.counterpart_country, Case.counterpart_authority_id)
               .subquery())
    for direction, basis, country, authority, n in db.session.execute(
            select(per_key.c.direction, per_key.c.legal_basis, Country.name, Authority.name,
                   per_key.c.n)
            .join(Country, Country.code == per_key.c.counterpart_country)
            .outerjoin(Authority, Authority.id == per_key.c.counterpart_authority_id)):
        per_counterpart[(direction, basis)].append((n, country, authority or ""))
    for key, rows in per_counterpart.items():
        rows.sort(key=lambda r: (-r[0], r[1], r[2]))
        columns[key].counterparts = [(country, n) for n, country, _a in rows[:top]]
    cases: dict[tuple[str, str], dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for direction, basis, case_id, codes in db.session.execute(
            select(*group, Offence.case_id, Offence.iccs_codes)
            .join(Case, Case.id == Offence.case_id).where(*scope, _registered_in(f))):
        for code in codes or ():
            if isinstance(code, str) and len(code) >= 2:
                cases[(direction, basis)][code[:2]].add(case_id)
    for key, found in cases.items():
        counted = sorted(((section, len(ids)) for section, ids in found.items()),
                         key=lambda row: (-row[1], row[0]))
        columns[key].sections = counted[:top]
    return columns


def _review_to_close(closings: Any, group: tuple[Any, ...], scope: list[ColumnElement[bool]],
                     columns: dict[tuple[str, str], ReviewColumn]) -> None:
    days = days_between(closings.c.closed_at, closings.c.registered_at)
    joined = (select(*group).select_from(closings).join(Case, Case.id == closings.c.case_id)
              .where(*scope))
    if db.engine.dialect.name == "postgresql":
        for direction, basis, n, median, p90 in db.session.execute(joined.add_columns(
                func.count(), func.percentile_cont(0.5).within_group(days),
                func.percentile_cont(0.9).within_group(days)).group_by(*group)):
            columns[(direction, basis)].to_close = _spread_of(n, median, p90)
        return
    per_column: dict[tuple[str, str], list[float]] = defaultdict(list)
    for direction, basis, value in db.session.execute(joined.add_columns(days)):
        per_column[(direction, basis)].append(float(value))
    for key, values in per_column.items():
        columns[key].to_close = Spread.of(values)
