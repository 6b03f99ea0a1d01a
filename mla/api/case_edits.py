"""`PATCH /api/v1/cases/<reference>` (CONTRACT.md v1.1) and reopening, on the API blueprint."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from mla.api.blueprint import bp, json_body
from mla.api.schemas import CasePatch, ReopenIn, load_or_422
from mla.api.views import case_payload
from mla.cases.editing import OffenceEdit, PersonEdit, update_case
from mla.cases.queries import get_case_for
from mla.cases.reopening import reopen_case
from mla.core.access import allow

EDITORS = ("supervisor", "caseworker", "trainee")


@bp.route("/cases/<reference>", methods=["PATCH"])
@allow(*EDITORS)
def update_case_api(reference: str) -> ResponseReturnValue:
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
def reopen_case_api(reference: str) -> ResponseReturnValue:
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


def edit_changes_from_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The API's PATCH body (validated shapes) as ``update_case`` changes."""
    changes: dict[str, Any] = {}
    renames = {"urgent": "is_urgent"}
    for key, value in payload.items():
        if key == "version":
            continue
        name = renames.get(key, key)
        if name == "offences":
            value = [OffenceEdit(id=o.get("id"), label=o.get("label"), statute=o.get("statute"),
                                 max_penalty_months=o.get("max_penalty_months"),
                                 has_penalty="max_penalty_months" in o, iccs=o.get("iccs"),
                                 conduct=o.get("conduct")) for o in value]
        elif name == "persons":
            value = [PersonEdit(id=p.get("id"), role=p.get("role"), full_name=p.get("full_name"),
                                date_of_birth=_iso_or_blank(p["date_of_birth"])
                                if "date_of_birth" in p else None,
                                nationality=p.get("nationality"),
                                identifiers=p.get("identifiers"), address=p.get("address"),
                                is_in_custody=p.get("is_in_custody")) for p in value]
        changes[name] = value
    return changes


def _iso_or_blank(value: date | None) -> str:
    return value.isoformat() if value else ""
