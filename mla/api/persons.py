"""GET /api/v1/persons?name= (CONTRACT v1.1): the requests naming a person."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from marshmallow import Schema, fields, validate

from mla.api.blueprint import CASE_READERS, bp
from mla.api.messages import ApiSchema
from mla.api.schemas import load_or_422
from mla.core.access import allow
from mla.persons.services import search_persons


class PersonSearchArgs(ApiSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200),
                         metadata={"description": "Whole words of the name, any order; case "
                                                  "and accents are ignored."})


class PersonHitOut(Schema):
    reference = fields.String()
    role = fields.String()


class PersonHitsOut(Schema):
    items = fields.List(fields.Nested(PersonHitOut))


@bp.route("/persons", methods=["GET"])
@allow(*CASE_READERS)
def search_persons_api() -> ResponseReturnValue:
    """The requests naming a person whose name holds every word given (whole words, in
    any order, regardless of case and accents); only requests the token's user may see.
    ---
    get:
      tags: [persons]
      parameters:
        - in: query
          schema: PersonSearchArgs
      responses:
        200:
          description: One item per person found, newest request first.
          content:
            application/json:
              schema: PersonHitsOut
    """
    args = load_or_422(PersonSearchArgs(), request.args.to_dict())
    persons = search_persons(current_user, args["name"])
    return jsonify({"items": [{"reference": p.case.reference, "role": p.role}
                              for p in persons]})
