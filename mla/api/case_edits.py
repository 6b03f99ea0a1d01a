"""`PATCH /api/v1/cases/<reference>` (CONTRACT.md v1.1) and reopening, on the API blueprint."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from mla.api.schemas import CasePatch, ReopenIn, load_or_422
from mla.api.views import bp, case_payload, json_body
from mla.cases.editing import edit_changes_from_payload, reopen_case, update_case
from mla.cases.queries import get_case_for
from mla.core.access import allow

EDITORS = ("supervisor", "caseworker", "trainee")


@bp.route("/cases/<reference>", methods=["PATCH"])
@allow(*EDITORS)
def update_case_api(reference: str):
    """Correct a request. Fields left out stay as they are.
    ---
    patch:
      tags: [cases]
      description: >
        Send the `version` you read and only the fields to change. `offences` and
        `persons`, when sent, are the whole new list: an entry with `id` changes that
        entry (its fields left out stay), one without `id` is added, and entries of
        the request not listed are removed. A changed legal basis, counterpart, or an
        offence's ICCS codes or penalty marks its dual-criminality assessment out of
        date; a changed legal basis or date received recomputes the clocks that
        depend on it. The timeline lists what changed (for names and identifiers of
        persons, only that they changed).
      requestBody:
        required: true
        content:
          application/json:
            schema: CasePatch
      responses:
        200:
          description: The request after the correction.
          content:
            application/json:
              schema: CaseOut
        409:
          description: >
            `version` is stale (someone changed the request since it was read), or the
            request is closed (`code` is `closed`; a supervisor may reopen it).
          content:
            application/json:
              schema: Error
        422:
          description: >
            A value is refused; `details.field` names it (for example
            `received_on`, `legal_basis`, `persons.0.date_of_birth`), or, for a
            malformed body, `details` maps each field to its messages.
          content:
            application/json:
              schema: Error
    """
    data = load_or_422(CasePatch(), json_body())
    case = get_case_for(current_user, reference)
    update_case(current_user, case, edit_changes_from_payload(data),
                expected_version=data["version"])
    return jsonify(case_payload(case))


@bp.route("/cases/<reference>/reopen", methods=["POST"])
@allow("supervisor")
def reopen_case_api(reference: str):
    """Reopen a closed request (supervisors), with the reason.
    ---
    post:
      tags: [cases]
      requestBody:
        required: true
        content:
          application/json:
            schema: ReopenIn
      responses:
        200:
          description: The request, back in the state it was closed from.
          content:
            application/json:
              schema: CaseOut
        409:
          description: The request is not closed, or `version` is stale.
          content:
            application/json:
              schema: Error
    """
    data = load_or_422(ReopenIn(), json_body())
    case = get_case_for(current_user, reference)
    reopen_case(current_user, case, data["reason"], expected_version=data["version"])
    return jsonify(case_payload(case))
