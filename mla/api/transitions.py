"""`GET` and `POST /api/v1/cases/<reference>/transitions` (CONTRACT.md), on the API blueprint.

Who may take a step is the workflow file's decision, not the route's: every
role that can read the request reaches the service, which answers 403 when the
file does not list the role, 422 when a guard blocks and 409 on a stale version.
"""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user
from marshmallow import Schema, fields, validate

from mla.api.blueprint import CASE_READERS, bp, json_body
from mla.api.schemas import StrictSchema, load_or_422
from mla.api.views import case_payload
from mla.cases.queries import get_case_for
from mla.core.access import allow
from mla.workflow.services import apply_transition, available_transitions


class TransitionOptionOut(Schema):
    name = fields.String()
    label = fields.String()
    to = fields.String()
    allowed = fields.Boolean()
    blocked_by = fields.List(fields.String())
    fields_ = fields.List(fields.Dict(), data_key="fields")
    comment_required = fields.Boolean()


class TransitionIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    comment = fields.String(load_default="", validate=validate.Length(max=5000))
    values = fields.Dict(keys=fields.String(validate=validate.Length(max=60)),
                         load_default=dict)


@bp.route("/cases/<reference>/transitions", methods=["GET"])
@allow(*CASE_READERS)
def list_transitions(reference: str) -> ResponseReturnValue:
    """The steps leaving the request's current state, and why each is blocked.
    ---
    get:
      tags: [workflow]
      responses:
        200:
          description: One entry per step from the current state.
          content:
            application/json:
              schema:
                type: array
                items: TransitionOptionOut
    """
    case = get_case_for(current_user, reference, full=False)
    options = available_transitions(current_user, case)
    return jsonify([{
        "name": o.name, "label": o.transition.label, "to": o.transition.target_for(case.state),
        "allowed": o.allowed, "blocked_by": list(o.blocked_by),
        "fields": [{"name": f.name, "type": f.type, "label": f.label, "required": f.required,
                    **({"choices": [c for c, _label in f.choices]} if f.choices else {})}
                   for f in o.transition.fields],
        "comment_required": o.transition.comment_required,
    } for o in options])


@bp.route("/cases/<reference>/transitions", methods=["POST"])
@allow(*CASE_READERS)
def take_transition(reference: str) -> ResponseReturnValue:
    """Take a step. 409 when `version` is stale, 422 when a guard blocks, 403 for the role.
    ---
    post:
      tags: [workflow]
      requestBody:
        required: true
        content:
          application/json:
            schema: TransitionIn
      responses:
        200:
          description: The request after the step.
          content:
            application/json:
              schema: CaseOut
    """
    data = load_or_422(TransitionIn(), json_body())
    case = get_case_for(current_user, reference)
    apply_transition(current_user, case, data["name"], expected_version=data["version"],
                     values=data["values"], comment=data["comment"])
    return jsonify(case_payload(case))
