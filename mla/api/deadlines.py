"""`GET /api/v1/cases/<reference>/deadlines` (CONTRACT.md), on the API blueprint."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user
from marshmallow import Schema, fields

from mla.api.blueprint import CASE_READERS, bp
from mla.cases.queries import get_case_for
from mla.core.access import allow
from mla.deadlines.serializers import case_deadlines
from mla.portal.serializers import is_restricted, prosecutor_deadlines


class DeadlineDetailOut(Schema):
    id = fields.Integer()
    name = fields.String()
    title = fields.String()
    citation = fields.String()
    due_at = fields.DateTime()
    status = fields.String()
    days_left = fields.Integer()
    unit = fields.String()
    is_custody = fields.Boolean()
    soft_due_at = fields.DateTime(allow_none=True)
    started_at = fields.DateTime()
    start_on = fields.String()
    extensions = fields.Integer()
    extension_reason = fields.String()
    extension_notice = fields.String()
    paused_at = fields.DateTime(allow_none=True)
    pause_reason = fields.String()
    ended_at = fields.DateTime(allow_none=True)
    time_zone = fields.String()


@bp.route("/cases/<reference>/deadlines", methods=["GET"])
@allow(*CASE_READERS)
def case_deadlines_api(reference: str) -> ResponseReturnValue:
    """The request's clocks: open first, custody clocks first.
    ---
    get:
      tags: [cases]
      responses:
        200:
          description: The deadlines.
          content:
            application/json:
              schema:
                type: array
                items: DeadlineDetailOut
    """
    case = get_case_for(current_user, reference, full=False)
    if is_restricted(current_user):
        # Pause and extension reasons are staff comments: the portal's allow-list applies.
        return jsonify(DeadlineDetailOut(many=True).dump(prosecutor_deadlines(case)))
    return jsonify(DeadlineDetailOut(many=True).dump(case_deadlines(case)))
