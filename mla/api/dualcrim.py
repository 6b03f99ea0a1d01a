"""`POST /api/v1/dual-criminality` (CONTRACT.md), on the API blueprint."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from mla.api.blueprint import bp, json_body
from mla.api.schemas import ListCategoryField, Penalty, StrictSchema, load_or_422
from mla.core.access import allow_any_user
from mla.dualcrim.services import CheckRequest, run_check, verdict_payload


class CheckOffenceIn(StrictSchema):
    label = fields.String(load_default="", validate=validate.Length(max=200))
    iccs = fields.List(fields.String(validate=validate.Length(min=2, max=12)), required=True,
                       validate=validate.Length(min=1, max=20))
    max_penalty_months = Penalty(load_default=None, allow_none=True)
    sentence_months = fields.Integer(load_default=None, allow_none=True, strict=True,
                                     validate=validate.Range(min=0, max=9999))
    list_category = ListCategoryField(load_default=None, allow_none=True)
    statute = fields.String(load_default="", validate=validate.Length(max=200))
    conduct = fields.String(load_default="", validate=validate.Length(max=5000))


class CheckIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(["mla", "extradition"]))
    legal_basis = fields.String(required=True, validate=validate.Length(min=1, max=20))
    requesting_country = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z]{2}$", error="An ISO 3166-1 alpha-2 code."))
    requested_country = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z]{2}$", error="An ISO 3166-1 alpha-2 code."))
    coercive = fields.Boolean(load_default=True)
    offence: Any = fields.Nested(CheckOffenceIn, required=True)


class ReasonOut(Schema):
    rule = fields.String(metadata={"description": "The rule applied, with its citation."})
    text = fields.String()


class MatchOut(Schema):
    jurisdiction = fields.String()
    code = fields.String()
    title = fields.String()
    statute = fields.String()
    iccs = fields.List(fields.String())
    max_penalty_months = Penalty(allow_none=True)
    match = fields.String(validate=validate.OneOf(["exact", "broader", "narrower"]))


class ListCategoryOut(Schema):
    number = fields.Integer()
    name = fields.String()


class VerdictOut(Schema):
    verdict = fields.String(validate=validate.OneOf(
        ["satisfied", "not_satisfied", "not_required", "review"]))
    reasons = fields.List(fields.Nested(ReasonOut))
    matches = fields.List(fields.Nested(MatchOut))
    list_category = fields.Nested(ListCategoryOut, allow_none=True)
    catalogue_loaded = fields.Boolean()
    reference_date = fields.String(allow_none=True, metadata={
        "description": "The requested state's reference date: 'conduct' or 'request'."})


def _schema() -> Schema:
    return CheckIn()


@bp.route("/dual-criminality", methods=["POST"])
@allow_any_user
def dual_criminality() -> ResponseReturnValue:
    """Run the conduct-based dual-criminality check (CONTRACT.md): verdict, cited reasons,
    the requested state's matching offences. Nothing is stored.
    ---
    post:
      tags: [dual-criminality]
      requestBody:
        required: true
        content:
          application/json:
            schema: CheckIn
      responses:
        200:
          description: The verdict, each reason citing its rule, and the matching offences.
          content:
            application/json:
              schema: VerdictOut
    """
    data = load_or_422(_schema(), json_body())
    offence = data["offence"]
    req = CheckRequest(
        kind=data["kind"], legal_basis=data["legal_basis"],
        requesting_country=data["requesting_country"].upper(),
        requested_country=data["requested_country"].upper(), coercive=data["coercive"],
        iccs=offence["iccs"], max_penalty_months=offence["max_penalty_months"],
        label=offence["label"], sentence_months=offence["sentence_months"],
        list_category=offence["list_category"])
    verdict = run_check(req)
    return jsonify(VerdictOut().dump(verdict_payload(verdict, req.requested_country)))
