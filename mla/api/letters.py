"""Letters through the JSON API, on the API blueprint: read one, approve one.

The same four-eyes rule as on screen (``approve_letter``): whoever drafted a letter
gets 403 ``four_eyes``; a letter no longer waiting gets 409.
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from mla.api.blueprint import bp, json_body
from mla.api.messages import ApiSchema
from mla.api.schemas import load_or_422
from mla.cases.models import Case
from mla.cases.queries import visible_cases
from mla.core.access import allow
from mla.extensions import db
from mla.notifications.letters import approval_refusal, approve_letter, delivery_of
from mla.notifications.models import Letter

LETTER_READERS = ("admin", "supervisor", "caseworker", "trainee")
LETTER_WRITERS = ("admin", "supervisor", "caseworker")


class LetterApproveIn(ApiSchema):
    subject = fields.String(load_default=None, validate=validate.Length(max=300))
    body = fields.String(load_default=None, validate=validate.Length(max=20000))


class LetterOut(Schema):
    id = fields.Integer()
    case_reference = fields.String()
    template = fields.String()
    language = fields.String()
    to_address = fields.String()
    subject = fields.String()
    body = fields.String()
    status = fields.String()
    drafted_by = fields.String()
    drafted_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    delivery = fields.String()
    delivery_reason = fields.String()
    you_may_approve = fields.Boolean()
    why_not = fields.String(allow_none=True)


def _payload(letter: Letter) -> dict[str, Any]:
    delivery = delivery_of([letter])[letter.id]
    refusal = approval_refusal(current_user, letter) if letter.is_draft else None
    return LetterOut().dump({
        "id": letter.id, "case_reference": letter.case.reference,
        "template": letter.template_code, "language": letter.language,
        "to_address": letter.to_address, "subject": letter.subject, "body": letter.body,
        "status": letter.status,
        "drafted_by": letter.created_by.username if letter.created_by
        else letter.created_by_label,
        "drafted_at": letter.created_at, "decided_at": letter.decided_at,
        "delivery": delivery.state.value, "delivery_reason": delivery.reason,
        "you_may_approve": letter.is_draft and refusal is None, "why_not": refusal,
    })


def _letter(letter_id: int) -> Letter:
    # Only on a request the user may read (a sandbox trainee: their own copy's).
    letter = db.session.scalar(select(Letter).where(
        Letter.id == letter_id,
        Letter.case_id.in_(visible_cases(current_user).with_only_columns(Case.id))))
    if letter is None:
        abort(404)
    return letter


@bp.route("/letters/<int:letter_id>", methods=["GET"])
@allow(*LETTER_READERS)
def letter_api(letter_id: int) -> ResponseReturnValue:
    """A letter to a counterpart authority, with its delivery.
    ---
    get:
      tags: [letters]
      responses:
        200:
          description: The letter.
          content:
            application/json:
              schema: LetterOut
    """
    return jsonify(_payload(_letter(letter_id)))


@bp.route("/letters/<int:letter_id>/approve", methods=["POST"])
@allow(*LETTER_WRITERS)
def approve_letter_api(letter_id: int) -> ResponseReturnValue:
    """Approve a drafted letter (optionally edited); 403 `four_eyes` for its drafter.
    ---
    post:
      tags: [letters]
      requestBody:
        required: true
        content:
          application/json:
            schema: LetterApproveIn
      responses:
        200:
          description: The approved letter; `delivery` says whether it has gone.
          content:
            application/json:
              schema: LetterOut
    """
    data = load_or_422(LetterApproveIn(), json_body())
    letter = _letter(letter_id)
    approve_letter(current_user, letter, subject=data["subject"], body=data["body"])
    return jsonify(_payload(letter))
