"""`GET /api/v1/reports/...`: the JSON twins of the report pages (CONTRACT.md v1.1),
attached to the API blueprint when the reports plugin is imported."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from marshmallow import RAISE, Schema, fields, validate

from mla.api.blueprint import bp
from mla.api.schemas import load_or_422
from mla.cases.constants import DIRECTIONS, KINDS
from mla.core.access import allow
from mla.core.errors import ApiError
from mla.reports.filters import FilterError, ReportFilters, parse_filters
from mla.reports.queries import AGE_BUCKETS, workload
from mla.reports.roles import REPORT_READERS


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


OpenByAgeOut = Schema.from_dict(
    {bucket: fields.Integer(required=True) for bucket in AGE_BUCKETS}, name="OpenByAgeOut")


class WorkloadOut(Schema):
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
        raise ApiError(422, "invalid", "The filters are not valid.", exc.problems) from None


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
    return jsonify(workload(current_user, report_filters(), details=False).as_json())
