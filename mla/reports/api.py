"""`GET /api/v1/reports/...`: the JSON twins of the report pages (CONTRACT.md v1.1),
attached to the API blueprint when the reports plugin is imported."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import RAISE, Schema, fields, validate

from mla.api.blueprint import bp
from mla.api.schemas import load_or_422
from mla.cases.constants import DIRECTIONS, KINDS, MEASURES
from mla.core.access import allow
from mla.core.errors import ApiError
from mla.reports.filters import FilterError, ReportFilters, parse_filters
from mla.reports.queries import (
    AGE_BUCKETS,
    CounterpartRow,
    DeadlineRow,
    Outcomes,
    Spread,
    TimeReport,
    Workload,
)
from mla.reports.ready import Ready, figures
from mla.reports.roles import REPORT_READERS
from mla.reports.tables import rule_title
from mla.workflow.grounds import GROUNDS_BY_CODE


class ReportArgs(Schema):
    """The period (calendar dates in the home state's zone) and the filters."""

    class Meta:
        unknown = RAISE  # a misspelt filter is refused, never silently ignored

    from_ = fields.Date(data_key="from", metadata={
        "description": "First day of the period (default: the first day of the month "
                       "eleven months before `to`)."})
    to = fields.Date(metadata={"description": "Last day of the period, included "
                                              "(default: today)."})
    direction = fields.String(validate=validate.OneOf(["", *DIRECTIONS]))
    kind = fields.String(validate=validate.OneOf(["", *KINDS]))
    legal_basis = fields.String(validate=validate.Length(max=20))
    counterpart_country = fields.String(validate=validate.Length(max=2))
    measure = fields.String(validate=validate.OneOf(["", *MEASURES]), metadata={
        "description": "Only requests asking for this measure."})
    iccs = fields.String(validate=validate.Regexp(r"^([0-9]{2})?$"), metadata={
        "description": "Only requests with an offence in this ICCS section (level 1, its "
                       "two digits, e.g. `02`)."})
    assignee = fields.String(validate=validate.Regexp(r"^[0-9]{1,9}$"), metadata={
        "description": "Only requests assigned to this user (their id)."})


OpenByAgeOut = Schema.from_dict(
    {bucket: fields.Integer(required=True) for bucket in AGE_BUCKETS}, name="OpenByAgeOut")


class FiguresOut(Schema):
    computed_at = fields.DateTime(required=True, metadata={
        "description": "When these figures were computed (UTC). They are kept ready and "
                       "computed again once older than the instance's "
                       "MLA_REPORT_FIGURES_MAX_AGE (15 minutes by default)."})


class WorkloadOut(FiguresOut):
    received = fields.Integer(required=True, metadata={
        "description": "Incoming requests registered in the period."})
    sent = fields.Integer(required=True, metadata={
        "description": "Outgoing requests registered in the period."})
    closed = fields.Integer(required=True, metadata={
        "description": "Requests closed (a step into a final state) in the period."})
    open = fields.Integer(required=True, metadata={
        "description": "Requests open at the end of the last day."})
    open_by_age = fields.Nested(OpenByAgeOut, required=True, metadata={
        "description": "The open requests by days since registration, on the last day."})


def report_filters() -> ReportFilters:
    load_or_422(ReportArgs(), request.args.to_dict())
    try:
        return parse_filters(request.args)
    except FilterError as exc:
        raise ApiError(422, "invalid", _("The filters are not valid."), exc.problems) from None


@bp.route("/reports/workload", methods=["GET"])
@allow(*REPORT_READERS)
def reports_workload() -> ResponseReturnValue:
    """Requests received, sent, closed and open in a period (CONTRACT.md v1.1).
    ---
    get:
      tags: [reports]
      parameters:
        - in: query
          schema: ReportArgs
      responses:
        200:
          description: The workload of the period.
          content:
            application/json:
              schema: WorkloadOut
    """
    ready = figures(current_user, "workload", report_filters())
    data: Workload = ready.value
    return _answer(ready, data.as_json())


def _answer(ready: Ready, body: dict[str, object]) -> ResponseReturnValue:
    """The figures with the instant they were computed, in the body and as Last-Modified."""
    response = jsonify({**body, "computed_at": ready.computed_at.isoformat()})
    response.last_modified = ready.computed_at
    return response


class SpreadOut(Schema):
    count = fields.Integer(required=True)
    median_days = fields.Float(required=True, allow_none=True)
    p90_days = fields.Float(required=True, allow_none=True)


class StateTimeOut(SpreadOut):
    state = fields.String(required=True, metadata={"description": "The state's label."})
    clock_paused = fields.Boolean(required=True)


class TimeOut(FiguresOut):
    to_close = fields.Nested(SpreadOut, required=True, metadata={
        "description": "Days from registration to closing, requests closed in the period."})
    in_state = fields.List(fields.Nested(StateTimeOut), required=True, metadata={
        "description": "Days each request closed in the period spent in each state."})


class CounterpartOut(Schema):
    country_code = fields.String(required=True)
    country = fields.String(required=True)
    authority = fields.String(required=True)
    received = fields.Integer(required=True)
    sent = fields.Integer(required=True)
    acknowledgement_median_days = fields.Float(required=True, allow_none=True)
    execution_median_days = fields.Float(required=True, allow_none=True)
    open_inquiries = fields.Integer(required=True)


class CounterpartsOut(FiguresOut):
    items = fields.List(fields.Nested(CounterpartOut), required=True)


class OutcomeOut(Schema):
    outcome = fields.String(required=True)
    incoming = fields.Integer(required=True)
    outgoing = fields.Integer(required=True)


class RefusalOut(Schema):
    ground = fields.String(required=True)
    label = fields.String(required=True)
    article = fields.String(required=True)
    count = fields.Integer(required=True)


class OutcomesOut(FiguresOut):
    by_state = fields.List(fields.Nested(OutcomeOut), required=True)
    refusals = fields.List(fields.Nested(RefusalOut), required=True)


class DeadlineKeptOut(Schema):
    rule = fields.String(required=True)
    title = fields.String(required=True)
    is_custody = fields.Boolean(required=True)
    due = fields.Integer(required=True)
    on_time = fields.Integer(required=True)
    late = fields.Integer(required=True)
    missed = fields.Integer(required=True)
    stopped = fields.Integer(required=True)
    pending = fields.Integer(required=True)


class DeadlinesKeptOut(FiguresOut):
    items = fields.List(fields.Nested(DeadlineKeptOut), required=True)


def _spread(spread: Spread) -> dict[str, object]:
    return {"count": spread.count, "median_days": spread.median, "p90_days": spread.p90}


@bp.route("/reports/time", methods=["GET"])
@allow(*REPORT_READERS)
def reports_time() -> ResponseReturnValue:
    """Days from registration to closing, and in each state, for requests closed in the period.
    ---
    get:
      tags: [reports]
      parameters:
        - in: query
          schema: ReportArgs
      responses:
        200:
          description: The time figures.
          content:
            application/json:
              schema: TimeOut
    """
    ready = figures(current_user, "time", report_filters())
    data: TimeReport = ready.value
    return _answer(ready, {"to_close": _spread(data.to_close),
                           "in_state": [{"state": label, "clock_paused": paused,
                                         **_spread(spread)}
                                        for label, paused, spread in data.in_state]})


@bp.route("/reports/counterparts", methods=["GET"])
@allow(*REPORT_READERS)
def reports_counterparts() -> ResponseReturnValue:
    """Per counterpart state and authority, for the requests registered in the period.
    ---
    get:
      tags: [reports]
      parameters:
        - in: query
          schema: ReportArgs
      responses:
        200:
          description: One item per counterpart state and authority.
          content:
            application/json:
              schema: CounterpartsOut
    """
    ready = figures(current_user, "counterparts", report_filters())
    rows: list[CounterpartRow] = ready.value
    return _answer(ready, {"items": [
        {"country_code": r.country_code, "country": r.country, "authority": r.authority,
         "received": r.incoming, "sent": r.outgoing,
         "acknowledgement_median_days": r.to_acknowledge.median,
         "execution_median_days": r.to_execute.median, "open_inquiries": r.open_inquiries}
        for r in rows]})


@bp.route("/reports/outcomes", methods=["GET"])
@allow(*REPORT_READERS)
def reports_outcomes() -> ResponseReturnValue:
    """How the requests closed in the period ended, and refusals by ground.
    ---
    get:
      tags: [reports]
      parameters:
        - in: query
          schema: ReportArgs
      responses:
        200:
          description: The outcomes.
          content:
            application/json:
              schema: OutcomesOut
    """
    ready = figures(current_user, "outcomes", report_filters())
    data: Outcomes = ready.value
    refusals = []
    for code, n in data.refusals:
        found = GROUNDS_BY_CODE.get(code)
        refusals.append({"ground": code, "label": found.label_text if found else code,
                         "article": found.citation_text if found else "", "count": n})
    return _answer(ready, {"by_state": [{"outcome": label, "incoming": i, "outgoing": o}
                                        for label, i, o in data.by_state],
                           "refusals": refusals})


@bp.route("/reports/deadlines", methods=["GET"])
@allow(*REPORT_READERS)
def reports_deadlines() -> ResponseReturnValue:
    """Deadlines due in the period and what became of them, custody limits first.
    ---
    get:
      tags: [reports]
      parameters:
        - in: query
          schema: ReportArgs
      responses:
        200:
          description: One item per deadline rule.
          content:
            application/json:
              schema: DeadlinesKeptOut
    """
    ready = figures(current_user, "deadlines", report_filters())
    rows: list[DeadlineRow] = ready.value
    return _answer(ready, {"items": [
        {"rule": r.rule_code, "title": rule_title(r.rule_code), "is_custody": r.is_custody,
         "due": r.due, "on_time": r.on_time, "late": r.late, "missed": r.missed,
         "stopped": r.stopped, "pending": r.pending} for r in rows]})
